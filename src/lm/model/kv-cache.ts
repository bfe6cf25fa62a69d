/**
 * Keys and values of every layer for the tokens seen so far, so that generation feeds only the new
 * token at each step. Along with the tensors it keeps each row's attention mask (left padding stays
 * masked for every later token) and the next position of each row.
 */
import type { Tensor } from '../../nn/index.js';

export class KvCache {
  /** Per layer, [batch, heads, length, headSize]; null before the first forward. */
  readonly keys: (Tensor | null)[];
  readonly values: (Tensor | null)[];
  /** 1 for a real token, 0 for padding, [batch × length] row-major. */
  mask: Uint8Array;
  /** Rotary position the next real token of each row takes (the number of real tokens so far). */
  nextPosition: Int32Array;
  length = 0;

  constructor(
    readonly batch: number,
    numLayers: number,
  ) {
    this.keys = new Array<Tensor | null>(numLayers).fill(null);
    this.values = new Array<Tensor | null>(numLayers).fill(null);
    this.mask = new Uint8Array(0);
    this.nextPosition = new Int32Array(batch);
  }

  /** Frees every cached tensor. */
  dispose(): void {
    for (const list of [this.keys, this.values]) {
      for (let i = 0; i < list.length; i++) {
        list[i]?.dispose();
        list[i] = null;
      }
    }
    this.length = 0;
  }
}
