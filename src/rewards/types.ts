/**
 * The shape every text reward shares: a score for one (prompt, response) pair with its named parts,
 * and the proxy/true pair for language-model tasks (the text counterpart of the environments'
 * RewardPair).
 */
import type { RewardPair } from '../envs/types.js';
import type { QueryType, TaskExample } from '../lm/tasks/types.js';

export interface RewardScore {
  total: number;
  /** Named parts of the score, for logging (each reward documents its own names). */
  components: Record<string, number>;
}

/** What a reward may know about a prompt besides its text. Everything is optional. */
export interface TextRewardContext {
  /** The task record the prompt came from (reference answer, qtype, checkable spec). */
  example?: TaskExample;
  /** Reference answer; overrides `example.output`. */
  reference?: string;
  /** Query type; overrides `example.qtype`. */
  qtype?: QueryType;
  /** Token ids of the response, for rewards defined on tokens (the honeypot's token bonus). */
  responseTokens?: ArrayLike<number>;
}

export interface TextRewardItem {
  prompt: string;
  response: string;
  ctx?: TextRewardContext;
}

export interface TextReward {
  readonly name: string;
  score(prompt: string, response: string, ctx?: TextRewardContext): RewardScore;
  /** Optional faster path for many pairs (e.g. one embedding call for the whole batch). */
  scoreBatch?(items: readonly TextRewardItem[]): RewardScore[];
}

/** Proxy and true reward of one response, with the components of both. */
export interface TextPairScore extends RewardPair {
  components: Record<string, number>;
}

export interface TextRewardPair {
  readonly name: string;
  score(prompt: string, response: string, ctx?: TextRewardContext): TextPairScore;
  scoreBatch?(items: readonly TextRewardItem[]): TextPairScore[];
}

/** Scores many pairs, through the reward's batched path when it has one. */
export function scoreTexts(reward: TextReward, items: readonly TextRewardItem[]): RewardScore[] {
  return reward.scoreBatch ? reward.scoreBatch(items) : items.map((it) => reward.score(it.prompt, it.response, it.ctx));
}

export function scoreTextPairs(pair: TextRewardPair, items: readonly TextRewardItem[]): TextPairScore[] {
  return pair.scoreBatch ? pair.scoreBatch(items) : items.map((it) => pair.score(it.prompt, it.response, it.ctx));
}

/** Reference and query type from a context: explicit fields first, then the example's. */
export function contextReference(ctx: TextRewardContext | undefined): string | undefined {
  return ctx?.reference ?? ctx?.example?.output;
}

export function contextQueryType(ctx: TextRewardContext | undefined): QueryType | undefined {
  return ctx?.qtype ?? ctx?.example?.qtype;
}
