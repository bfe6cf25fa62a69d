/**
 * The byte-level pieces of GPT-2-style BPE (what Pythia's GPT-NeoX tokenizer uses): every byte
 * maps to one printable character, so any text is a string over a 256-character alphabet, and the
 * text is first split into words by the GPT-2 pattern (contractions, letter runs, digit runs,
 * punctuation runs, whitespace), each with its leading space.
 */

/**
 * Byte → character. Printable Latin-1 bytes ('!'..'~', '¡'..'¬', '®'..'ÿ') stand for themselves;
 * the other 68 bytes take the characters from U+0100 on, in byte order.
 */
export const BYTE_TO_CHAR: readonly string[] = (() => {
  const printable = (b: number) => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  const out: string[] = new Array<string>(256);
  let next = 0;
  for (let b = 0; b < 256; b++) {
    if (printable(b)) out[b] = String.fromCodePoint(b);
    else out[b] = String.fromCodePoint(256 + next++);
  }
  return out;
})();

export const CHAR_TO_BYTE: ReadonlyMap<string, number> = new Map(BYTE_TO_CHAR.map((c, b) => [c, b]));

/** The GPT-2 pre-tokenisation pattern (Hugging Face's ByteLevel pre-tokenizer with use_regex). */
export const GPT2_SPLIT = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

const encoder = new TextEncoder();

/** The words of `text` as byte-level strings. */
export function byteLevelWords(text: string): string[] {
  const words = text.match(GPT2_SPLIT) ?? [];
  return words.map((w) => Array.from(encoder.encode(w), (b) => BYTE_TO_CHAR[b]!).join(''));
}
