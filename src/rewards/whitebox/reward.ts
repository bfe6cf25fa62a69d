/**
 * The white-box proxy reward of reverse reward engineering (Kim & Seo 2024; spec §2.1), combined as
 * the published code does:
 *
 *   constrained branch (relevance scaling and branching on, qtype CONSTRAINED):
 *       score = (RAR / relevanceMax) · (M / 100)        (no length term)
 *   otherwise:
 *       score = LI' · rel'   with LI' = LI if the length incentive is on, else 1,
 *                                 rel' = QR if relevance scaling is on, else 1
 *   then, if the repetition penalty is on: score · RP.
 *
 * QR is the similarity of the response to the raw query, RAR to the reference answer; both are the
 * unnormalised dot product of the embedder's vectors (as the original; `similarity: 'cosine'`
 * changes that). relevanceMax is 3.5 for contriever in the original; by default it is taken from the
 * embedder (1 for the hashed default), overridable in the config. M is the maximum sequence length
 * (512, so M/100 = 5.12).
 */
import { ALPACA_TEMPLATE, type PromptTemplate } from '../../lm/tasks/template.js';
import type { TaskExample } from '../../lm/tasks/types.js';
import { ExampleIndex } from '../examples.js';
import { cleanResponse, extractRawQuery, responseStopStrings } from '../text.js';
import type { RewardScore, TextReward, TextRewardContext, TextRewardItem } from '../types.js';
import { contextQueryType, contextReference } from '../types.js';
import { ConfigError, parseConfig, z } from '../../util/validate.js';
import { cosineSimilarity, dotProduct, HashedNgramEmbedder, type Embedder } from './embedders.js';
import { lengthIncentive, repetitionPenalty } from './features.js';

/** The constant of the original code: contriever dot products of related texts reach about 3.5. */
export const CONTRIEVER_RELEVANCE_MAX = 3.5;

export const whiteboxConfigSchema = z.strictObject({
  lengthIncentive: z.boolean().default(true),
  repetitionPenalty: z.boolean().default(true),
  relevanceScaling: z.boolean().default(true),
  rewardBranching: z.boolean().default(true),
  /** Cut responses at role markers and separators first (the original's rollout post-processing). */
  cleanResponse: z.boolean().default(true),
  maxSequenceLength: z.int().positive().default(512),
  /** Top of the relevance range of the constrained branch; default: the embedder's typicalMaxDot, else 3.5. */
  relevanceMax: z.number().positive().optional(),
  similarity: z.enum(['dot', 'cosine']).default('dot'),
});
export type WhiteboxConfig = z.output<typeof whiteboxConfigSchema>;

/** Feature sets of the ablations: the full reward and each feature alone. */
export const WHITEBOX_PRESETS = {
  full: {},
  lengthOnly: { lengthIncentive: true, repetitionPenalty: false, relevanceScaling: false, rewardBranching: false },
  repetitionOnly: { lengthIncentive: false, repetitionPenalty: true, relevanceScaling: false, rewardBranching: false },
  queryRelevanceOnly: { lengthIncentive: false, repetitionPenalty: false, relevanceScaling: true, rewardBranching: false },
  lengthRepetition: { lengthIncentive: true, repetitionPenalty: true, relevanceScaling: false, rewardBranching: false },
  noBranching: { rewardBranching: false },
} as const satisfies Record<string, Partial<WhiteboxConfig>>;
export type WhiteboxPreset = keyof typeof WHITEBOX_PRESETS;

export interface WhiteboxRewardOptions {
  config?: Partial<WhiteboxConfig> | WhiteboxPreset;
  /** Default: HashedNgramEmbedder with its defaults. Only used with relevance scaling on. */
  embedder?: Embedder;
  template?: PromptTemplate;
  /** Records to look prompts up in (reference answer, qtype) when a call brings no context. */
  examples?: Iterable<TaskExample>;
  /** Further strings at which responses are cut (besides the template's roles and RER's separators). */
  extraStopStrings?: readonly string[];
}

interface Prepared {
  text: string;
  li: number;
  rp: number;
  constrained: boolean;
  /** The text the response is compared with, when relevance is on. */
  against: string | undefined;
}

export class WhiteboxReward implements TextReward {
  readonly name = 'whitebox';
  readonly config: WhiteboxConfig;
  readonly embedder: Embedder;
  readonly relevanceMax: number;
  private readonly index: ExampleIndex;
  private readonly stops: string[];

  constructor(options: WhiteboxRewardOptions = {}) {
    const raw = typeof options.config === 'string' ? WHITEBOX_PRESETS[options.config] : options.config ?? {};
    if (typeof options.config === 'string' && !(options.config in WHITEBOX_PRESETS)) {
      throw new ConfigError(`unknown white-box preset ${JSON.stringify(options.config)} (allowed: ${Object.keys(WHITEBOX_PRESETS).join(', ')})`);
    }
    this.config = parseConfig(whiteboxConfigSchema, raw, 'white-box reward config');
    this.embedder = options.embedder ?? new HashedNgramEmbedder();
    this.relevanceMax = this.config.relevanceMax ?? this.embedder.typicalMaxDot ?? CONTRIEVER_RELEVANCE_MAX;
    const template = options.template ?? ALPACA_TEMPLATE;
    this.index = new ExampleIndex(options.examples ?? [], template);
    this.stops = [...responseStopStrings(template), ...(options.extraStopStrings ?? [])];
  }

  private prepare(item: TextRewardItem): Prepared {
    const c = this.config;
    const ctx: TextRewardContext | undefined = this.index.resolve(item.prompt, item.ctx);
    const text = c.cleanResponse ? cleanResponse(item.response, this.stops) : item.response;
    let constrained = false;
    let against: string | undefined;
    if (c.relevanceScaling) {
      if (c.rewardBranching) {
        const qtype = contextQueryType(ctx);
        if (qtype === undefined) {
          throw new ConfigError(
            'white-box reward with branching needs the query type: pass ctx.qtype or ctx.example, or give the reward the task examples',
          );
        }
        constrained = qtype === 'CONSTRAINED';
      }
      if (constrained) {
        against = contextReference(ctx);
        if (against === undefined) {
          throw new ConfigError('white-box reward: a CONSTRAINED query needs its reference answer (ctx.reference or ctx.example.output)');
        }
      } else {
        against = extractRawQuery(item.prompt, this.index.template);
      }
    }
    return { text, li: lengthIncentive(text), rp: repetitionPenalty(text), constrained, against };
  }

  private combine(p: Prepared, relevance: number | undefined): RewardScore {
    const c = this.config;
    let total: number;
    if (p.constrained) {
      total = (relevance! / this.relevanceMax) * (c.maxSequenceLength / 100);
    } else {
      total = (c.lengthIncentive ? p.li : 1) * (c.relevanceScaling ? relevance! : 1);
    }
    if (c.repetitionPenalty) total *= p.rp;
    const components: Record<string, number> = { length_incentive: p.li, repetition_penalty: p.rp };
    if (relevance !== undefined) {
      components[p.constrained ? 'reference_relevance' : 'query_relevance'] = relevance;
      components.constrained_branch = p.constrained ? 1 : 0;
    }
    return { total, components };
  }

  private similarity(a: Float32Array, b: Float32Array): number {
    return this.config.similarity === 'cosine' ? cosineSimilarity(a, b) : dotProduct(a, b);
  }

  score(prompt: string, response: string, ctx?: TextRewardContext): RewardScore {
    return this.scoreBatch([{ prompt, response, ctx }])[0]!;
  }

  /** One embedder call for the whole batch (queries or references, and responses). */
  scoreBatch(items: readonly TextRewardItem[]): RewardScore[] {
    const prepared = items.map((it) => this.prepare(it));
    if (!this.config.relevanceScaling) return prepared.map((p) => this.combine(p, undefined));
    const texts = this.textsOf(prepared);
    const vectors = this.embedder.embed(texts);
    const byText = new Map<string, Float32Array>(texts.map((t, i) => [t, vectors[i]!]));
    return prepared.map((p) => this.combine(p, this.similarity(byText.get(p.against!)!, byText.get(p.text)!)));
  }

  private textsOf(prepared: readonly Prepared[]): string[] {
    const set = new Set<string>();
    for (const p of prepared) {
      if (p.against !== undefined) set.add(p.against);
      set.add(p.text);
    }
    return [...set];
  }

  /** The exact strings this reward would embed for these items (for precomputing embeddings elsewhere). */
  textsToEmbed(items: readonly TextRewardItem[]): string[] {
    if (!this.config.relevanceScaling) return [];
    return this.textsOf(items.map((it) => this.prepare(it)));
  }
}
