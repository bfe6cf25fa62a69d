/**
 * Prompt templates: how an instruction (and its input) becomes the text a language model continues.
 * The default is the Alpaca template that reverse reward engineering trained with, so the white-box
 * reward's clean-up and raw-query extraction see exactly the role strings they expect.
 */

export interface PromptTemplate {
  name: string;
  /** Text before the first turn (removed again when the raw query is extracted). */
  system: string;
  /** Role strings of the user and the assistant turns, e.g. "### Instruction" and "### Response". */
  userRole: string;
  assistantRole: string;
  /** Whether a colon follows each role (then "Role:" is also a stop string for the clean-up). */
  colon: boolean;
  /** Builds the prompt for one user message; the model's response follows it directly. */
  format(message: string): string;
  /** What a response starts with after the prompt (the Alpaca layouts put the answer on a new line). */
  responsePrefix: string;
}

const ALPACA_SYSTEM =
  'Below is an instruction that describes a task. Write a response that appropriately completes the request.';

/** FastChat's "alpaca" conversation: system, blank line, "### Instruction:\n…", blank line, "### Response:". */
export const ALPACA_TEMPLATE: PromptTemplate = {
  name: 'alpaca',
  system: ALPACA_SYSTEM,
  userRole: '### Instruction',
  assistantRole: '### Response',
  colon: true,
  format: (message) => `${ALPACA_SYSTEM}\n\n### Instruction:\n${message}\n\n### Response:`,
  responsePrefix: '\n',
};

/** The Alpaca layout without the system sentence: about 20 tokens shorter, for small models. */
export const COMPACT_TEMPLATE: PromptTemplate = {
  name: 'compact',
  system: '',
  userRole: '### Instruction',
  assistantRole: '### Response',
  colon: true,
  format: (message) => `### Instruction:\n${message}\n\n### Response:`,
  responsePrefix: '\n',
};

/** Open-Assistant's layout, used by the RLHF over-optimisation code (Coste et al.; spec §1.2). */
export const OASST_TEMPLATE: PromptTemplate = {
  name: 'oasst',
  system: '',
  userRole: '<|prompter|>',
  assistantRole: '<|assistant|>',
  colon: false,
  format: (message) => `<|prompter|>${message}<|endoftext|><|assistant|>`,
  responsePrefix: '',
};

export const PROMPT_TEMPLATES: Readonly<Record<string, PromptTemplate>> = {
  alpaca: ALPACA_TEMPLATE,
  compact: COMPACT_TEMPLATE,
  oasst: OASST_TEMPLATE,
};

/** The user message of an AlpacaFarm record: the instruction, then the input under "### Input:". */
export function buildMessage(instruction: string, input = ''): string {
  return input.length > 0 ? `${instruction}\n\n### Input:\n${input}` : instruction;
}

export function formatPrompt(example: { instruction: string; input?: string }, template: PromptTemplate = ALPACA_TEMPLATE): string {
  return template.format(buildMessage(example.instruction, example.input ?? ''));
}

/** The role strings at which a generated response is cut (a model that starts a new turn is done). */
export function roleStopStrings(template: PromptTemplate): string[] {
  const roles = [template.userRole, template.assistantRole];
  return template.colon ? roles.map((r) => `${r}:`) : roles;
}

/**
 * A supervised fine-tuning pair: the prompt and the text the model should continue it with (the
 * template's response prefix and the reference answer). The trainer appends its tokenizer's
 * end-of-text token to the completion so that the model learns to stop.
 */
export function sftPair(
  example: { instruction: string; input?: string; output: string },
  template: PromptTemplate = ALPACA_TEMPLATE,
): { prompt: string; completion: string } {
  return { prompt: formatPrompt(example, template), completion: `${template.responsePrefix}${example.output}` };
}
