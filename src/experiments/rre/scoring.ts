/**
 * The white-box reward (reverse reward engineering, specs/rlhf.md §2.1) applied to a policy's
 * responses: decoded without special tokens, paired with the lab's prompt template and the task
 * record (for the query type and the reference answer), and scored in one batch.
 */
import { formatPrompt, type TaskExample } from '../../lm/tasks/index.js';
import { generate, type GptNeoX, type LmTokenizer } from '../../lm/index.js';
import { WhiteboxReward, WHITEBOX_PRESETS, whiteboxConfigSchema, type WhiteboxConfig, type WhiteboxPreset } from '../../rewards/whitebox/index.js';
import { parseConfig } from '../../util/validate.js';
import { encodePromptFor, goldScores, type Lab } from '../rlhf/lab.js';

/**
 * A white-box reward for the lab. M (maxSequenceLength) defaults to the generation limit, as the
 * original sets it to its own (512): the constrained branch then tops out at maxNewTokens/100.
 */
export function resolveWhiteboxConfig(input: Partial<WhiteboxConfig> | WhiteboxPreset, maxNewTokens: number): WhiteboxConfig {
  const raw = typeof input === 'string' ? { ...WHITEBOX_PRESETS[input] } : { ...input };
  return parseConfig(whiteboxConfigSchema, { maxSequenceLength: maxNewTokens, ...raw }, 'white-box reward config');
}

export function labWhitebox(lab: Lab, config: WhiteboxConfig): WhiteboxReward {
  return new WhiteboxReward({ config, template: lab.template });
}

export interface WhiteboxScores {
  totals: number[];
  /** Mean of each component over the batch (length_incentive, repetition_penalty, relevance, …). */
  componentMeans: Record<string, number>;
}

export function whiteboxScores(lab: Lab, reward: WhiteboxReward, tokenizer: LmTokenizer, examples: readonly TaskExample[], responses: readonly number[][]): WhiteboxScores {
  const scores = reward.scoreBatch(
    responses.map((r, i) => ({ prompt: formatPrompt(examples[i]!, lab.template), response: tokenizer.decode(r, { skipSpecialTokens: true }), ctx: { example: examples[i]! } })),
  );
  const sums: Record<string, number> = {};
  const counts: Record<string, number> = {};
  for (const s of scores) {
    for (const [k, v] of Object.entries(s.components)) {
      sums[k] = (sums[k] ?? 0) + v;
      counts[k] = (counts[k] ?? 0) + 1;
    }
  }
  const componentMeans = Object.fromEntries(Object.keys(sums).map((k) => [k, sums[k]! / counts[k]!]));
  return { totals: scores.map((s) => s.total), componentMeans };
}

export interface SampleSettings {
  seed: number;
  temperature: number;
  maxNewTokens: number;
}

export interface PolicyEvaluation {
  gold: number[];
  /** Per named white-box variant: the score of every response. */
  proxies: Record<string, number[]>;
  /** Component means of the first variant. */
  components: Record<string, number>;
  responses: string[];
}

/** One sampled response per example, scored by the gold reward and every given white-box variant. */
export function evaluateWhitebox(lab: Lab, policy: GptNeoX, tokenizer: LmTokenizer, variants: Record<string, WhiteboxReward>, examples: readonly TaskExample[], s: SampleSettings): PolicyEvaluation {
  const prompts = examples.map(encodePromptFor(lab, tokenizer));
  const gens = generate(policy, prompts, { maxNewTokens: s.maxNewTokens, temperature: s.temperature, stopTokens: [tokenizer.eosId!], padId: tokenizer.padId ?? 0, seed: s.seed, batchSize: 32 });
  const responses = gens.map((g) => g.tokens);
  const proxies: Record<string, number[]> = {};
  let components: Record<string, number> = {};
  for (const [name, reward] of Object.entries(variants)) {
    const sc = whiteboxScores(lab, reward, tokenizer, examples, responses);
    if (Object.keys(proxies).length === 0) components = sc.componentMeans;
    proxies[name] = sc.totals;
  }
  return { gold: goldScores(lab, tokenizer, examples, responses), proxies, components, responses: responses.map((r) => tokenizer.decode(r, { skipSpecialTokens: true })) };
}
