/**
 * The Open-Assistant prompt format that the RLHF pipeline of the seed uses (specs §1.2):
 *   prompt   <|prompter|>{instruction}[\n{input}]<|endoftext|><|assistant|>
 *   response {answer}<|endoftext|>
 * The special tokens are single tokens of our tokenizers (DEFAULT_SPECIAL_TOKENS).
 */
import type { LmTokenizer } from './tokenizer/tokenizer.js';
import type { SftExample } from './train/sft.js';

export const PROMPTER = '<|prompter|>';
export const ASSISTANT = '<|assistant|>';
export const END_OF_TEXT = '<|endoftext|>';

export function formatPrompt(instruction: string, input?: string | null): string {
  const body = input ? `${instruction}\n${input}` : instruction;
  return `${PROMPTER}${body}${END_OF_TEXT}${ASSISTANT}`;
}

export function formatResponse(answer: string): string {
  return `${answer}${END_OF_TEXT}`;
}

/** An AlpacaFarm-style row ({instruction, input, output}) as prompt and response token ids. */
export function encodeInstructionExample(tokenizer: LmTokenizer, row: { instruction: string; input?: string | null; output: string }): SftExample {
  return { prompt: tokenizer.encode(formatPrompt(row.instruction, row.input)), response: tokenizer.encode(formatResponse(row.output)) };
}
