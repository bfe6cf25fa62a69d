/** A proxy/true pair from two text rewards (e.g. a white-box or learned proxy against the gold reward). */
import type { TextPairScore, TextReward, TextRewardContext, TextRewardItem, TextRewardPair } from './types.js';
import { scoreTexts } from './types.js';

export class TextRewardPairOf implements TextRewardPair {
  readonly name: string;

  constructor(
    readonly proxy: TextReward,
    readonly truth: TextReward,
  ) {
    this.name = `${proxy.name}/${truth.name}`;
  }

  private static merge(p: { total: number; components: Record<string, number> }, t: typeof p): TextPairScore {
    const components: Record<string, number> = {};
    for (const [k, v] of Object.entries(p.components)) components[`proxy.${k}`] = v;
    for (const [k, v] of Object.entries(t.components)) components[`true.${k}`] = v;
    return { proxy: p.total, true: t.total, components };
  }

  score(prompt: string, response: string, ctx?: TextRewardContext): TextPairScore {
    return TextRewardPairOf.merge(this.proxy.score(prompt, response, ctx), this.truth.score(prompt, response, ctx));
  }

  scoreBatch(items: readonly TextRewardItem[]): TextPairScore[] {
    const p = scoreTexts(this.proxy, items);
    const t = scoreTexts(this.truth, items);
    return items.map((_, i) => TextRewardPairOf.merge(p[i]!, t[i]!));
  }
}

/** `proxy` is trained on, `truth` is watched: components are prefixed "proxy." and "true.". */
export function textRewardPair(proxy: TextReward, truth: TextReward): TextRewardPair {
  return new TextRewardPairOf(proxy, truth);
}
