/**
 * Preference pairs as Coste et al. built them (specs/rlhf.md §1.1): for each prompt, two responses
 * sampled from the SFT policy, ordered by the gold reward, and a fraction of the labels flipped at
 * random (25% by default) so the proxy learns from noisy labels, as human labels are.
 */
import { generate, type GptNeoX, type LmTokenizer } from '../../lm/index.js';
import type { TaskExample } from '../../lm/tasks/index.js';
import type { TextReward } from '../types.js';
import { Rng } from '../../util/rng.js';
import { ProgressBar } from '../../util/progress.js';

export interface PreferencePair {
  /** Index of the prompt in the examples it came from. */
  example: number;
  prompt: number[];
  chosen: number[];
  rejected: number[];
  /** Gold scores of the two responses as labelled (a flipped pair has goldChosen < goldRejected). */
  goldChosen: number;
  goldRejected: number;
  flipped: boolean;
}

export interface PreferenceDataOptions {
  /** Label noise: probability that a pair's order is flipped. */
  noise: number;
  maxNewTokens: number;
  temperature: number;
  seed: number;
  /** Prompts generated at once. */
  batchSize?: number;
  progress?: boolean;
}

/** Token ids of the prompt of an example (the same text every stage of the lab feeds the policy). */
export type PromptEncoder = (example: TaskExample) => number[];

export function buildPreferencePairs(
  policy: GptNeoX,
  tokenizer: LmTokenizer,
  examples: readonly TaskExample[],
  encodePrompt: PromptEncoder,
  gold: TextReward,
  options: PreferenceDataOptions,
): { pairs: PreferencePair[]; ties: number } {
  if (!(options.noise >= 0 && options.noise <= 1)) throw new RangeError(`noise: must be in [0, 1], got ${options.noise}`);
  const rng = new Rng(options.seed);
  const labelRng = rng.fork();
  const prompts = examples.map(encodePrompt);
  const stop = tokenizer.eosId === null ? [] : [tokenizer.eosId];
  const pad = tokenizer.padId ?? 0;
  const batch = options.batchSize ?? 16;
  const pairs: PreferencePair[] = [];
  let ties = 0;
  const bar = options.progress ? new ProgressBar({ total: examples.length, label: 'preference pairs', unit: 'prompt' }) : null;
  for (let start = 0; start < prompts.length; start += batch) {
    const chunk = prompts.slice(start, start + batch);
    // Both answers of a prompt in one batch: each prompt appears twice.
    const doubled = chunk.flatMap((p) => [p, p]);
    const gens = generate(policy, doubled, { maxNewTokens: options.maxNewTokens, temperature: options.temperature, stopTokens: stop, padId: pad, rng });
    for (let k = 0; k < chunk.length; k++) {
      const i = start + k;
      const ex = examples[i]!;
      const a = gens[2 * k]!.tokens;
      const b = gens[2 * k + 1]!.tokens;
      const prompt = tokenizer.decode(chunk[k]!);
      const ga = gold.score(prompt, tokenizer.decode(a, { skipSpecialTokens: true }), { example: ex }).total;
      const gb = gold.score(prompt, tokenizer.decode(b, { skipSpecialTokens: true }), { example: ex }).total;
      if (ga === gb) {
        ties++;
        continue;
      }
      const flipped = labelRng.uniform() < options.noise;
      const aWins = ga > gb !== flipped;
      pairs.push({ example: i, prompt: chunk[k]!, chosen: aWins ? a : b, rejected: aWins ? b : a, goldChosen: aWins ? ga : gb, goldRejected: aWins ? gb : ga, flipped });
    }
    bar?.update(Math.min(start + batch, prompts.length));
  }
  bar?.finish();
  return { pairs, ties };
}
