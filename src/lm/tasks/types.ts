/**
 * Records of the task suite. A task *spec* is the structured content of one prompt (operands, word
 * lists, facts); it is kept next to the AlpacaFarm-style text so that the gold reward can check a
 * response without parsing the prompt back.
 */
import { z } from '../../util/validate.js';
import { ANIMALS, CATEGORIES, FOCUS_TRAITS, RELATIONS } from './world.js';

/** Query types of reverse reward engineering (Kim & Seo): is there one right answer or many? */
export const QUERY_TYPES = ['OPENENDED', 'CONSTRAINED'] as const;
export type QueryType = (typeof QUERY_TYPES)[number];
export const queryTypeSchema = z.enum(QUERY_TYPES);

const word = z.string().min(1);
const words = z.array(word).min(1);

export const factSchema = z.strictObject({
  person: z.string().min(1),
  relation: z.enum(RELATIONS),
  object: z.string().min(1),
});
export type Fact = z.infer<typeof factSchema>;

export const taskSpecSchema = z.discriminatedUnion('family', [
  z.strictObject({
    family: z.literal('arithmetic'),
    a: z.int(),
    b: z.int(),
    op: z.enum(['+', '-', '*']),
    phrasing: z.int().min(0).default(0),
  }),
  z.strictObject({ family: z.literal('copy'), words }),
  z.strictObject({ family: z.literal('reverse'), words }),
  z.strictObject({ family: z.literal('count'), category: z.enum(CATEGORIES), words }),
  z.strictObject({
    family: z.literal('list'),
    category: z.enum(CATEGORIES),
    n: z.int().min(1),
    /** Members the list must not contain ("other than cat and dog"). */
    exclude: z.array(word).default([]),
  }),
  z.strictObject({ family: z.literal('facts'), facts: z.array(factSchema).min(1), question: factSchema }),
  z.strictObject({
    family: z.literal('describe'),
    subject: z.enum(ANIMALS),
    words: z.int().min(1),
    /** A trait the description must mention. */
    focus: z.enum(FOCUS_TRAITS).optional(),
  }),
]);
export type TaskSpec = z.infer<typeof taskSpecSchema>;
export type TaskFamilyName = TaskSpec['family'];
export type SpecOf<F extends TaskFamilyName> = Extract<TaskSpec, { family: F }>;

export const TASK_FAMILY_NAMES: readonly TaskFamilyName[] = [
  'arithmetic',
  'copy',
  'reverse',
  'count',
  'list',
  'facts',
  'describe',
];

/**
 * One instruction-following example in the AlpacaFarm layout: `instruction`, optional `input`, the
 * reference `output`; `qtype` and `task` are optional extras (ours always carry both).
 */
export interface TaskExample {
  instruction: string;
  input: string;
  output: string;
  qtype?: QueryType;
  task?: TaskSpec;
}

export const SPLIT_NAMES = ['train', 'eval', 'heldOut'] as const;
export type SplitName = (typeof SPLIT_NAMES)[number];
export type TaskSuite = Record<SplitName, TaskExample[]>;
