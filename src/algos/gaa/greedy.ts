/**
 * The greedy action x* at each step and its advantage (specs/rlhf.md §3.2 items 1–2). The greedy
 * action is only observed: it never changes what is rolled out.
 *
 * The advantage of an action is a one-step estimate, A(x) = r(x) + γ·V(successor after x) − V(now),
 * with V = 0 after a terminal step. For tokens (γ = 1, reward only at the end of the sequence) this
 * is the post's A(x*_t) = V(x_<t, x*_t) − V(x_<t), with the sequence's reward in place of V at the
 * last token; for an environment with per-step rewards the step's reward belongs to the action, so
 * it is part of its advantage. Sampled and greedy advantages must come from this same estimator
 * for σ (their difference) to mean anything.
 */

export interface GreedyActions {
  /** argmax of each row's logits (first index on ties). */
  actions: Int32Array;
  /** π(x*) of each row: the softmax probability of the argmax, computed in float64. */
  probs: Float64Array;
  /** log π(x*) of each row. */
  logProbs: Float64Array;
}

/** Greedy actions of `rows` categorical distributions given as a flat [rows × n] array of logits. */
export function greedyFromLogits(logits: ArrayLike<number>, rows: number, n: number): GreedyActions {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`greedyFromLogits: n must be a positive integer, got ${n}`);
  if (logits.length !== rows * n) throw new RangeError(`greedyFromLogits: ${logits.length} logits for ${rows} rows of ${n}`);
  const actions = new Int32Array(rows);
  const probs = new Float64Array(rows);
  const logProbs = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    const base = r * n;
    let best = 0;
    let max = logits[base]!;
    for (let j = 1; j < n; j++) {
      const v = logits[base + j]!;
      if (v > max) {
        max = v;
        best = j;
      }
    }
    if (!Number.isFinite(max)) throw new RangeError(`greedyFromLogits: row ${r} has a non-finite logit (${max})`);
    let sum = 0;
    for (let j = 0; j < n; j++) sum += Math.exp(logits[base + j]! - max);
    actions[r] = best;
    logProbs[r] = -Math.log(sum);
    probs[r] = 1 / sum;
  }
  return { actions, probs, logProbs };
}

export interface OneStepInput {
  /** Reward received for taking the action (0 for a non-final token). */
  rewards: ArrayLike<number>;
  /** V(successor) after the action; ignored where `terminal` is set. */
  nextValues: ArrayLike<number>;
  /** V(current state or prefix). */
  values: ArrayLike<number>;
  /** 1 where the action ended the episode (no bootstrap). */
  terminal: ArrayLike<number>;
  gamma: number;
}

/** A = r + γ·(1 − terminal)·V(next) − V(now), elementwise. */
export function oneStepAdvantages(input: OneStepInput): Float64Array {
  const { rewards, nextValues, values, terminal, gamma } = input;
  const n = values.length;
  for (const [name, arr] of [['rewards', rewards], ['nextValues', nextValues], ['terminal', terminal]] as const) {
    if (arr.length !== n) throw new RangeError(`oneStepAdvantages: ${name} has ${arr.length} entries, values has ${n}`);
  }
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = rewards[i]! + (terminal[i] ? 0 : gamma * nextValues[i]!) - values[i]!;
  return out;
}
