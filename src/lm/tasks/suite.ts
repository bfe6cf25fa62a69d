/**
 * Seeded generation of the task suite and its train / eval / held-out splits. The same config gives
 * the same examples on every machine; no prompt appears in two splits.
 */
import { Rng } from '../../util/rng.js';
import { parseConfig, z } from '../../util/validate.js';
import { exampleFromSpec, TASK_FAMILIES } from './families.js';
import { SPLIT_NAMES, TASK_FAMILY_NAMES, type TaskExample, type TaskFamilyName, type TaskSuite } from './types.js';

const familyWeights = z
  .partialRecord(z.enum(TASK_FAMILY_NAMES as [TaskFamilyName, ...TaskFamilyName[]]), z.number().min(0))
  .refine((w) => Object.values(w).some((v) => (v ?? 0) > 0), { message: 'at least one family needs a positive weight' });

export const taskSuiteConfigSchema = z.strictObject({
  seed: z.int().default(0),
  train: z.int().min(0).default(2000),
  eval: z.int().min(0).default(200),
  heldOut: z.int().min(0).default(200),
  /** Relative frequency of each family; families left out are not generated. Default: all equal. */
  families: familyWeights.optional(),
});
export type TaskSuiteConfig = z.output<typeof taskSuiteConfigSchema>;

export function parseTaskSuiteConfig(value: unknown): TaskSuiteConfig {
  return parseConfig(taskSuiteConfigSchema, value ?? {}, 'task suite config');
}

function promptKey(e: TaskExample): string {
  return `${e.instruction}\n${e.input}`;
}

/** Draws `n` examples whose prompts are not in `seen` (and adds them to it). */
export function generateExamples(
  n: number,
  rng: Rng,
  weights: Partial<Record<TaskFamilyName, number>> = {},
  seen: Set<string> = new Set(),
  what = 'examples',
): TaskExample[] {
  const names = TASK_FAMILY_NAMES.filter((f) => (weights[f] ?? (Object.keys(weights).length === 0 ? 1 : 0)) > 0);
  const w = names.map((f) => weights[f] ?? 1);
  const out: TaskExample[] = [];
  // Small families (copy of 2 words, arithmetic) run out of fresh prompts; give up loudly rather than loop.
  const maxTries = 50 * n + 1000;
  let tries = 0;
  while (out.length < n) {
    if (++tries > maxTries) {
      throw new RangeError(
        `${what}: could only draw ${out.length} of ${n} distinct prompts from families ${names.join(', ')}; ask for fewer examples or more families`,
      );
    }
    const family = names[rng.categorical(w)]!;
    const example = exampleFromSpec(TASK_FAMILIES[family].generate(rng));
    const key = promptKey(example);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(example);
  }
  return out;
}

/**
 * Generates the three splits. Each split has its own generator forked from the seed, so the training
 * split does not change when the evaluation sizes do; later splits skip prompts of earlier ones.
 */
export function generateTaskSuite(config: Partial<TaskSuiteConfig> = {}): TaskSuite {
  const cfg = parseTaskSuiteConfig(config);
  const root = new Rng(cfg.seed);
  const rngs = SPLIT_NAMES.map(() => root.fork());
  const seen = new Set<string>();
  const suite = {} as TaskSuite;
  SPLIT_NAMES.forEach((split, i) => {
    suite[split] = generateExamples(cfg[split], rngs[i]!, cfg.families ?? {}, seen, `task suite split ${split}`);
  });
  return suite;
}
