/**
 * Seeded weight initialisers. Weights are drawn in JavaScript from our own generator so that the
 * same seed gives the same network on every backend. Weight matrices are laid out [fanIn, fanOut].
 */
import type { Rng } from '../util/rng.js';

export type Initializer =
  /** RLlib's normc: each output unit's incoming weights are normal, rescaled to norm `std`. */
  | { kind: 'normc'; std: number }
  /** PyTorch's nn.Linear default: uniform in ±1/sqrt(fanIn) for weights and biases. */
  | { kind: 'torch_default' }
  /** Glorot uniform. */
  | { kind: 'xavier_uniform'; gain?: number }
  | { kind: 'zeros' };

export function initWeight(rng: Rng, fanIn: number, fanOut: number, init: Initializer): Float32Array {
  const w = new Float32Array(fanIn * fanOut);
  switch (init.kind) {
    case 'normc': {
      for (let i = 0; i < w.length; i++) w[i] = rng.normal();
      for (let o = 0; o < fanOut; o++) {
        let norm = 0;
        for (let i = 0; i < fanIn; i++) norm += w[i * fanOut + o]! ** 2;
        const scale = init.std / Math.sqrt(norm || 1);
        for (let i = 0; i < fanIn; i++) w[i * fanOut + o]! *= scale;
      }
      return w;
    }
    case 'torch_default': {
      const bound = 1 / Math.sqrt(fanIn);
      for (let i = 0; i < w.length; i++) w[i] = (2 * rng.uniform() - 1) * bound;
      return w;
    }
    case 'xavier_uniform': {
      const bound = (init.gain ?? 1) * Math.sqrt(6 / (fanIn + fanOut));
      for (let i = 0; i < w.length; i++) w[i] = (2 * rng.uniform() - 1) * bound;
      return w;
    }
    case 'zeros':
      return w;
  }
}

export function initBias(rng: Rng, fanIn: number, fanOut: number, init: Initializer): Float32Array {
  const b = new Float32Array(fanOut);
  if (init.kind === 'torch_default') {
    const bound = 1 / Math.sqrt(fanIn);
    for (let i = 0; i < b.length; i++) b[i] = (2 * rng.uniform() - 1) * bound;
  }
  return b;
}
