/**
 * A small byte-level BPE trainer for our own corpora. It writes a Hugging Face `tokenizer.json` in
 * the shape of Pythia's (NFC normaliser, ByteLevel pre-tokenizer, post-processor and decoder, a BPE
 * model with "a b" merges), so the same loader reads ours and a published one.
 *
 * Training: split every text into byte-level words (lm/tokenizer/byte-level.ts), start from the
 * 256 byte characters, and repeatedly merge the most frequent adjacent pair (ties broken by the
 * pair's text, so the result is deterministic) until the vocabulary is full or no pair occurs
 * `minFrequency` times. Pair counts are updated only for the words that contain the merged pair.
 */
import { BYTE_TO_CHAR, byteLevelWords } from './byte-level.js';

export interface BpeTrainOptions {
  /** Final vocabulary size, special tokens and the 256 byte characters included. */
  vocabSize: number;
  /** Added as special tokens with the first ids, in this order. */
  specialTokens?: string[];
  /** Stop merging when the best pair occurs fewer times than this (default 2). */
  minFrequency?: number;
}

/** The special tokens of Pythia's tokenizer and of the Open-Assistant prompt format (specs §1.2). */
export const DEFAULT_SPECIAL_TOKENS = ['<|endoftext|>', '<|padding|>', '<|prompter|>', '<|assistant|>'];

export type TokenizerJson = Record<string, unknown>;

interface Word {
  symbols: string[];
  freq: number;
}

const SEP = ' '; // never inside a byte-level symbol (a space byte is written 'Ġ')

export function trainBpe(texts: Iterable<string>, options: BpeTrainOptions): TokenizerJson {
  const specials = options.specialTokens ?? DEFAULT_SPECIAL_TOKENS;
  const minFrequency = options.minFrequency ?? 2;
  if (options.vocabSize < specials.length + 256) {
    throw new RangeError(`vocabSize ${options.vocabSize} is below the ${specials.length} special tokens plus 256 byte characters`);
  }

  // Count words. Special-token strings are cut out so they never become merges.
  const specialSplit = specials.length ? new RegExp(specials.map(escapeRegExp).join('|'), 'g') : null;
  const counts = new Map<string, number>();
  for (const text of texts) {
    const normal = text.normalize('NFC');
    for (const piece of specialSplit ? normal.split(specialSplit) : [normal]) {
      for (const w of byteLevelWords(piece)) counts.set(w, (counts.get(w) ?? 0) + 1);
    }
  }
  const words: Word[] = [...counts.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([w, freq]) => ({ symbols: Array.from(w), freq }));

  const vocab = new Map<string, number>();
  for (const s of specials) vocab.set(s, vocab.size);
  for (const c of BYTE_TO_CHAR) if (!vocab.has(c)) vocab.set(c, vocab.size);

  const pairCount = new Map<string, number>();
  const pairWords = new Map<string, Set<number>>();
  const addPairs = (wi: number, sign: 1 | -1) => {
    const { symbols, freq } = words[wi]!;
    for (let i = 0; i + 1 < symbols.length; i++) {
      const key = symbols[i]! + SEP + symbols[i + 1]!;
      const c = (pairCount.get(key) ?? 0) + sign * freq;
      if (c > 0) pairCount.set(key, c);
      else pairCount.delete(key);
      if (sign > 0) {
        let set = pairWords.get(key);
        if (!set) pairWords.set(key, (set = new Set()));
        set.add(wi);
      }
    }
  };
  for (let wi = 0; wi < words.length; wi++) addPairs(wi, 1);

  const merges: string[] = [];
  while (vocab.size < options.vocabSize) {
    let best = '';
    let bestCount = 0;
    for (const [key, c] of pairCount) {
      if (c > bestCount || (c === bestCount && key < best)) {
        best = key;
        bestCount = c;
      }
    }
    if (bestCount < minFrequency || bestCount === 0) break;
    const [a, b] = best.split(SEP) as [string, string];
    const merged = a + b;
    merges.push(best);
    if (!vocab.has(merged)) vocab.set(merged, vocab.size);
    for (const wi of pairWords.get(best) ?? []) {
      const w = words[wi]!;
      addPairs(wi, -1);
      const next: string[] = [];
      for (let i = 0; i < w.symbols.length; i++) {
        if (i + 1 < w.symbols.length && w.symbols[i] === a && w.symbols[i + 1] === b) {
          next.push(merged);
          i++;
        } else next.push(w.symbols[i]!);
      }
      w.symbols = next;
      addPairs(wi, 1);
    }
    pairWords.delete(best);
  }
  return tokenizerJson(vocab, merges, specials);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A Hugging Face tokenizer.json object for a byte-level BPE vocabulary. */
export function tokenizerJson(vocab: ReadonlyMap<string, number>, merges: readonly string[], specials: readonly string[]): TokenizerJson {
  const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true };
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: specials.map((content) => ({
      id: vocab.get(content),
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: { type: 'NFC' },
    pre_tokenizer: byteLevel,
    post_processor: byteLevel,
    decoder: byteLevel,
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab: Object.fromEntries(vocab),
      merges: [...merges],
    },
  };
}
