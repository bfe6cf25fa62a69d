/**
 * Sentence embedders for the relevance features. RER compares mean-pooled `facebook/contriever`
 * embeddings with an *unnormalised* dot product; here an embedder is anything that maps texts to
 * vectors, and the reward takes the dot product of what it returns.
 *
 * Two implementations:
 *  - HashedNgramEmbedder (default): offline, no model. Hashed bag of word unigrams, word bigrams and
 *    character 3-5-grams, sublinear term frequency, unit length; its dot product is a cosine in
 *    [0, 1]. A reasonable stand-in because the relevance features reward *topical overlap* between a
 *    response and the query or reference, which for short texts is carried mostly by shared content
 *    words; character n-grams add robustness to inflection and misspelling (jog/jogged,
 *    excersies/exercises). It does not know synonyms or paraphrase.
 *  - PrecomputedEmbedder: vectors produced elsewhere by a real sentence-embedding model (a local
 *    contriever, an ONNX model, our own src/lm transformer), looked up by exact text. It is also the
 *    adapter for asynchronous backends: embed the texts the reward will ask for
 *    (WhiteboxReward.textsToEmbed), add them, then score.
 */
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { atomicWriteDir } from '../../util/fs.js';
import { ConfigError, parseConfig, z } from '../../util/validate.js';
import { plainWords } from '../text.js';

export interface Embedder {
  readonly name: string;
  readonly dim: number;
  /**
   * The dot product of two closely related texts under this embedder: the top of the range that the
   * constrained branch maps linearly onto [0, M/100]. The spec's 3.5 is contriever's; 1 for unit vectors.
   */
  readonly typicalMaxDot?: number;
  embed(texts: readonly string[]): Float32Array[];
}

export function dotProduct(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`dot product of vectors of length ${a.length} and ${b.length}`);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

export function cosineSimilarity(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const na = Math.sqrt(dotProduct(a, a));
  const nb = Math.sqrt(dotProduct(b, b));
  return na === 0 || nb === 0 ? 0 : dotProduct(a, b) / (na * nb);
}

/** 32-bit FNV-1a over UTF-16 code units. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A second, independent bit for the feature's sign (signed hashing keeps collisions unbiased). */
function signOf(h: number): number {
  let x = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) & 1 ? -1 : 1;
}

/** English words too common to say anything about a topic. */
export const EMBEDDER_STOP_WORDS: ReadonlySet<string> = new Set(
  (
    'a an the and or but if of in on at to for from by with as is are was were be been being it its this that these ' +
    'those there here i you he she we they me him her us them my your his our their what which who whom how why when ' +
    'where do does did not no so than then too very can could will would should may might must just also into about'
  ).split(' '),
);

export interface HashedNgramOptions {
  /** Number of hash buckets (default 4096). */
  dim?: number;
  /** Character n-gram sizes within words (default 3 to 5; empty to disable). */
  charNgrams?: readonly number[];
  /** Share of the vector's squared length given to word features, the rest to character n-grams (default 0.64). */
  wordShare?: number;
  /** Words ignored entirely (default: a short English stop list; pass an empty set to keep all). */
  stopWords?: ReadonlySet<string>;
}

export class HashedNgramEmbedder implements Embedder {
  readonly name = 'hashed-ngrams';
  readonly dim: number;
  readonly typicalMaxDot = 1;
  private readonly charNgrams: readonly number[];
  private readonly wordWeight: number;
  private readonly charWeight: number;
  private readonly stopWords: ReadonlySet<string>;

  constructor(options: HashedNgramOptions = {}) {
    this.dim = options.dim ?? 4096;
    if (!Number.isInteger(this.dim) || this.dim < 1) throw new RangeError(`dim must be a positive integer, got ${this.dim}`);
    this.charNgrams = options.charNgrams ?? [3, 4, 5];
    const share = options.wordShare ?? 0.64;
    if (!(share >= 0 && share <= 1)) throw new RangeError(`wordShare must be in [0, 1], got ${share}`);
    this.wordWeight = Math.sqrt(share);
    this.charWeight = Math.sqrt(1 - share);
    this.stopWords = options.stopWords ?? EMBEDDER_STOP_WORDS;
  }

  private addGroup(out: Float32Array, counts: Map<string, number>, weight: number): void {
    if (counts.size === 0 || weight === 0) return;
    const vals = new Map<number, number>();
    for (const [key, tf] of counts) {
      const h = fnv1a(key);
      const bucket = h % this.dim;
      vals.set(bucket, (vals.get(bucket) ?? 0) + signOf(h) * (1 + Math.log(tf)));
    }
    let norm = 0;
    for (const v of vals.values()) norm += v * v;
    norm = Math.sqrt(norm);
    if (norm === 0) return;
    for (const [bucket, v] of vals) out[bucket]! += (weight * v) / norm;
  }

  embedOne(text: string): Float32Array {
    const words = plainWords(text).filter((w) => !this.stopWords.has(w));
    const wordCounts = new Map<string, number>();
    const charCounts = new Map<string, number>();
    const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
    words.forEach((w, i) => {
      bump(wordCounts, `w:${w}`);
      if (i > 0) bump(wordCounts, `b:${words[i - 1]} ${w}`);
      const padded = `<${w}>`;
      for (const n of this.charNgrams) {
        for (let j = 0; j + n <= padded.length; j++) bump(charCounts, `c:${padded.slice(j, j + n)}`);
      }
    });
    const v = new Float32Array(this.dim);
    // Each group is unit length before weighting, so long words do not drown the word features.
    this.addGroup(v, wordCounts, this.wordWeight);
    this.addGroup(v, charCounts, this.charNgrams.length > 0 ? this.charWeight : 0);
    let norm = 0;
    for (let i = 0; i < v.length; i++) norm += v[i]! * v[i]!;
    norm = Math.sqrt(norm);
    if (norm > 0) for (let i = 0; i < v.length; i++) v[i]! /= norm;
    return v;
  }

  embed(texts: readonly string[]): Float32Array[] {
    return texts.map((t) => this.embedOne(t));
  }
}

export class MissingEmbeddingError extends Error {
  override name = 'MissingEmbeddingError';
  constructor(
    readonly model: string,
    readonly missing: readonly string[],
  ) {
    const shown = missing
      .slice(0, 3)
      .map((t) => JSON.stringify(t.length > 60 ? `${t.slice(0, 57)}...` : t))
      .join(', ');
    super(
      `no precomputed ${model} embedding for ${missing.length} text${missing.length > 1 ? 's' : ''}: ${shown}` +
        `${missing.length > 3 ? ', ...' : ''}. Embed exactly these strings (WhiteboxReward.textsToEmbed lists them) and add them.`,
    );
  }
}

export const EMBEDDING_DIR_FORMAT = 'goodhart-embeddings/1';

const manifestSchema = z.strictObject({
  format: z.literal(EMBEDDING_DIR_FORMAT),
  /** The model that produced the vectors, e.g. "facebook/contriever". */
  model: z.string().min(1),
  dim: z.int().positive(),
  count: z.int().min(0),
  /** How token states became one vector, for the record (e.g. "mean"). */
  pooling: z.string().optional(),
  typicalMaxDot: z.number().positive().optional(),
});
export type EmbeddingManifest = z.infer<typeof manifestSchema>;

/**
 * Embeddings computed by a real model outside this process, looked up by exact text. Directory
 * layout: `manifest.json` (format, model, dim, count, optional pooling and typicalMaxDot),
 * `texts.json` (a JSON array of the count texts) and `vectors.f32` (count × dim float32,
 * little-endian, row i belonging to text i).
 */
export class PrecomputedEmbedder implements Embedder {
  readonly name: string;
  private readonly vectors = new Map<string, Float32Array>();

  constructor(
    readonly model: string,
    readonly dim: number,
    readonly typicalMaxDot?: number,
    readonly pooling?: string,
  ) {
    this.name = `precomputed:${model}`;
  }

  get size(): number {
    return this.vectors.size;
  }

  has(text: string): boolean {
    return this.vectors.has(text);
  }

  add(text: string, vector: ArrayLike<number>): void {
    if (vector.length !== this.dim) {
      throw new RangeError(`embedding for ${JSON.stringify(text.slice(0, 40))} has length ${vector.length}, expected ${this.dim}`);
    }
    this.vectors.set(text, Float32Array.from(vector));
  }

  embed(texts: readonly string[]): Float32Array[] {
    const missing = [...new Set(texts.filter((t) => !this.vectors.has(t)))];
    if (missing.length > 0) throw new MissingEmbeddingError(this.model, missing);
    return texts.map((t) => this.vectors.get(t)!);
  }

  static fromDirectory(dir: string): PrecomputedEmbedder {
    const read = (name: string): Buffer => {
      const path = join(dir, name);
      if (!existsSync(path)) throw new ConfigError(`embedding directory ${dir}: missing ${name}`);
      return readFileSync(path);
    };
    let manifestJson: unknown;
    let textsJson: unknown;
    try {
      manifestJson = JSON.parse(read('manifest.json').toString('utf8'));
      textsJson = JSON.parse(read('texts.json').toString('utf8'));
    } catch (err) {
      if (err instanceof ConfigError) throw err;
      throw new ConfigError(`embedding directory ${dir}: ${(err as Error).message}`);
    }
    const m = parseConfig(manifestSchema, manifestJson, `${dir}/manifest.json`);
    const texts = parseConfig(z.array(z.string()).length(m.count), textsJson, `${dir}/texts.json`);
    const raw = read('vectors.f32');
    const expected = m.count * m.dim * 4;
    if (raw.byteLength !== expected) {
      throw new ConfigError(
        `embedding directory ${dir}: vectors.f32 has ${raw.byteLength} bytes, expected count ${m.count} × dim ${m.dim} × 4 = ${expected}`,
      );
    }
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const e = new PrecomputedEmbedder(m.model, m.dim, m.typicalMaxDot, m.pooling);
    texts.forEach((t, i) => {
      const v = new Float32Array(m.dim);
      for (let j = 0; j < m.dim; j++) v[j] = view.getFloat32((i * m.dim + j) * 4, true);
      e.vectors.set(t, v);
    });
    return e;
  }

  /** Writes the directory atomically (built under a temporary name, then renamed into place). */
  save(dir: string): void {
    const texts = [...this.vectors.keys()];
    const manifest: EmbeddingManifest = { format: EMBEDDING_DIR_FORMAT, model: this.model, dim: this.dim, count: texts.length };
    if (this.pooling !== undefined) manifest.pooling = this.pooling;
    if (this.typicalMaxDot !== undefined) manifest.typicalMaxDot = this.typicalMaxDot;
    const bytes = new Uint8Array(texts.length * this.dim * 4);
    const view = new DataView(bytes.buffer);
    texts.forEach((t, i) => {
      const v = this.vectors.get(t)!;
      for (let j = 0; j < this.dim; j++) view.setFloat32((i * this.dim + j) * 4, v[j]!, true);
    });
    atomicWriteDir(dir, (tmp) => {
      writeFileSync(join(tmp, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
      writeFileSync(join(tmp, 'texts.json'), JSON.stringify(texts) + '\n');
      writeFileSync(join(tmp, 'vectors.f32'), bytes);
    });
  }
}
