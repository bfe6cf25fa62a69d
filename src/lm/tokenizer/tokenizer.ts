/**
 * A tokenizer loaded from a Hugging Face `tokenizer.json` (Pythia's, or one our BPE trainer wrote),
 * encoded and decoded by the @huggingface/tokenizers package (pure JS, offline). The raw JSON is
 * kept so that savePretrained writes back exactly what was loaded.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import { atomicWriteJson } from '../../util/fs.js';
import type { TokenizerJson } from './bpe-trainer.js';

export interface EncodeOptions {
  /** Apply the tokenizer's post-processor (e.g. a BOS token); default false, as prompts are built by hand. */
  addSpecialTokens?: boolean;
}

export class LmTokenizer {
  private readonly hf: HfTokenizer;
  readonly vocabSize: number;
  /** End-of-text id ("<|endoftext|>", or the config's eos_token), or null. */
  readonly eosId: number | null;
  /** Padding id ("<|padding|>", the config's pad_token, else the EOS id), or null. */
  readonly padId: number | null;

  constructor(
    readonly json: TokenizerJson,
    readonly config: Record<string, unknown> = {},
  ) {
    // Decoding must invert encoding exactly; transformers' "clean up tokenization spaces" would not.
    this.hf = new HfTokenizer(json, { clean_up_tokenization_spaces: false, ...config });
    let maxId = -1;
    for (const id of this.hf.get_vocab(true).values()) maxId = Math.max(maxId, id);
    this.vocabSize = maxId + 1;
    const named = (key: string): string | undefined => {
      const v = config[key];
      if (typeof v === 'string') return v;
      if (v && typeof v === 'object' && typeof (v as { content?: unknown }).content === 'string') return (v as { content: string }).content;
      return undefined;
    };
    this.eosId = this.idOf(named('eos_token') ?? '<|endoftext|>');
    this.padId = this.idOf(named('pad_token') ?? '<|padding|>') ?? this.eosId;
  }

  /** Reads `tokenizer.json` (a file, or a directory holding it and optionally tokenizer_config.json). */
  static load(path: string): LmTokenizer {
    const dir = statSync(path).isDirectory() ? path : null;
    const file = dir ? join(dir, 'tokenizer.json') : path;
    if (!existsSync(file)) throw new Error(`tokenizer: ${file} not found`);
    const json = JSON.parse(readFileSync(file, 'utf8')) as TokenizerJson;
    const cfgFile = dir ? join(dir, 'tokenizer_config.json') : null;
    const config = cfgFile && existsSync(cfgFile) ? (JSON.parse(readFileSync(cfgFile, 'utf8')) as Record<string, unknown>) : {};
    return new LmTokenizer(json, config);
  }

  /** Writes tokenizer.json (and tokenizer_config.json when there is one) into `dir`, atomically per file. */
  save(dir: string): void {
    atomicWriteJson(join(dir, 'tokenizer.json'), this.json);
    if (Object.keys(this.config).length) atomicWriteJson(join(dir, 'tokenizer_config.json'), this.config);
  }

  encode(text: string, options: EncodeOptions = {}): number[] {
    return this.hf.encode(text, { add_special_tokens: options.addSpecialTokens ?? false }).ids;
  }

  decode(ids: ArrayLike<number>, options: { skipSpecialTokens?: boolean } = {}): string {
    if (ids.length === 0) return ''; // the package rejects an empty list
    return this.hf.decode(Array.from(ids), { skip_special_tokens: options.skipSpecialTokens ?? false });
  }

  /** The token strings of `text` (byte-level characters, e.g. 'Ġworld'). */
  tokenize(text: string): string[] {
    return this.hf.tokenize(text, { add_special_tokens: false });
  }

  idOf(token: string): number | null {
    return this.hf.token_to_id(token) ?? null;
  }

  tokenOf(id: number): string | null {
    return this.hf.id_to_token(id) ?? null;
  }
}
