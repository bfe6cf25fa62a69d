/**
 * Meal scenarios. The ORPO glucose environment uses the RL4BG fork's `RandomBalancedScenario` with
 * `harrison_benedict=True` and `meal_duration=5` (`bgp/simglucose/simulation/scenario_gen.py`;
 * specs/envs.md §A5): every midnight a new day is drawn. Six candidate meals (breakfast, snack,
 * lunch, snack, dinner, snack) occur with probabilities .95/.3/.95/.3/.95/.3 at truncated-normal
 * times; amounts are normal around a Harris-Benedict share of the day's carbohydrate with a 15%
 * standard deviation, rounded to grams. A meal of A grams at minute m is announced as A/5 g/min
 * over minutes m..m+4 (where meals overlap, the first in the list wins).
 *
 * Random numbers come from the scenario's own seeded Rng, so the draws follow the reference's
 * distributions but not numpy's exact stream.
 */
import { Rng, type RngState } from '../../util/rng.js';
import type { PatientKind } from './params.js';
import { roundHalfEven } from './pump.js';

export const MINUTES_PER_DAY = 1440;

/** [breakfast, snack, lunch, snack, dinner, snack] */
export const MEAL_PROBABILITIES = [0.95, 0.3, 0.95, 0.3, 0.95, 0.3] as const;
const H = 60;
export const MEAL_TIME_LOWER = [5 * H, 9 * H, 10 * H, 14 * H, 16 * H, 20 * H] as const;
export const MEAL_TIME_UPPER = [9 * H, 10 * H, 14 * H, 16 * H, 20 * H, 23 * H] as const;
export const MEAL_TIME_MEAN = [7 * H, 9.5 * H, 12 * H, 15 * H, 18 * H, 21.5 * H] as const;
export const MEAL_TIME_SD = [60, 30, 60, 30, 60, 30] as const;

// (upper weight bound, age, height) per band; a weight falls in the band with lower < w <= upper.
const CHILD_BANDS: readonly [number, number, number][] = [
  [25.6, 7, 121.9],
  [28.6, 8, 128],
  [32, 9, 133.3],
  [35.6, 10, 138.4],
  [39.9, 11, 143.5],
  [Infinity, 12, 149.1],
];
const ADOLESCENT_BANDS: readonly [number, number, number][] = [
  [50.8, 13, 156.2],
  [56.0, 14, 163.8],
  [60.8, 15, 170.1],
  [64.4, 16, 173.4],
  [66.9, 17, 175.2],
  [68.9, 18, 175.7],
  [70.3, 19, 176.5],
  [Infinity, 20, 177],
];

export interface MealMeans {
  breakfast: number;
  lunch: number;
  dinner: number;
  snack: number;
}

/**
 * Mean meal sizes (g) from the Harris-Benedict basal metabolic rate: BMR = 66.5 + 13.75·BW +
 * 5.003·height - 6.755·age; daily carbohydrate 1.2·BMR·0.45/4 g split 1.1 : 1.3 : 1.55 : 0.15 ×3.
 * Adults are taken as 45 years and 177 cm; children and adolescents by weight band.
 */
export function harrisBenedict(bw: number, kind: PatientKind): MealMeans {
  let age = 45;
  let height = 177;
  if (kind === 'child' || kind === 'adolescent') {
    const bands = kind === 'child' ? CHILD_BANDS : ADOLESCENT_BANDS;
    const band = bands.find(([upper]) => bw <= upper);
    if (!band || !(bw > 0)) throw new RangeError(`harrisBenedict: body weight ${bw} kg is outside the ${kind} table`);
    age = band[1];
    height = band[2];
  }
  const bmr = 66.5 + 13.75 * bw + 5.003 * height - 6.755 * age;
  const total = (1.2 * bmr * 0.45) / 4;
  const adj = 1.1 + 1.3 + 1.55 + 3 * 0.15;
  return { breakfast: (total * 1.1) / adj, lunch: (total * 1.3) / adj, dinner: (total * 1.55) / adj, snack: (total * 0.15) / adj };
}

/** A normal draw restricted to [lower, upper] (rejection; the bounds here are at least 1 sd apart). */
export function truncatedNormal(rng: Rng, mean: number, sd: number, lower: number, upper: number): number {
  for (let i = 0; i < 10000; i++) {
    const v = mean + sd * rng.normal();
    if (v >= lower && v <= upper) return v;
  }
  return Math.min(Math.max(mean, lower), upper);
}

export interface Meal {
  /** Minute of the day the meal starts. */
  time: number;
  /** Grams of carbohydrate. */
  amount: number;
}

export interface ScenarioState {
  rng: RngState;
  day: Meal[];
}

export interface MealScenario {
  /** Carbohydrate announced at patient minute t (minutes since midnight of day 0), g/min. */
  mealAt(t: number): number;
  reset(seed?: number): void;
  getState(): unknown;
  setState(state: unknown): void;
}

export class RandomBalancedScenario implements MealScenario {
  readonly means: MealMeans;
  private readonly amountMeans: number[];
  private day: Meal[] = [];

  constructor(bw: number, kind: PatientKind, readonly rng: Rng, readonly mealDuration = 5) {
    if (!Number.isInteger(mealDuration) || mealDuration < 1) throw new RangeError(`scenario: mealDuration must be a positive integer, got ${mealDuration}`);
    this.means = harrisBenedict(bw, kind);
    const { breakfast, lunch, dinner, snack } = this.means;
    this.amountMeans = [breakfast, snack, lunch, snack, dinner, snack];
  }

  /** Draws one day's meals. */
  drawDay(): Meal[] {
    const meals: Meal[] = [];
    for (let i = 0; i < 6; i++) {
      if (this.rng.uniform() < MEAL_PROBABILITIES[i]!) {
        const time = roundHalfEven(truncatedNormal(this.rng, MEAL_TIME_MEAN[i]!, MEAL_TIME_SD[i]!, MEAL_TIME_LOWER[i]!, MEAL_TIME_UPPER[i]!));
        const mu = this.amountMeans[i]!;
        // The reference does not clip at 0; a negative draw needs a -6.7 sd deviation. Clip anyway.
        const amount = Math.max(0, roundHalfEven(mu + 0.15 * mu * this.rng.normal()));
        meals.push({ time, amount });
      }
    }
    return meals;
  }

  /** Reseeds (when given) and draws the current day's plan. */
  reset(seed?: number): void {
    if (seed !== undefined) this.rng.reseed(seed);
    this.day = this.drawDay();
  }

  /** The meals of the current day (a copy). */
  today(): Meal[] {
    return this.day.map((m) => ({ ...m }));
  }

  mealAt(t: number): number {
    const minute = ((t % MINUTES_PER_DAY) + MINUTES_PER_DAY) % MINUTES_PER_DAY;
    // A new day starts at every midnight.
    if (minute === 0) this.day = this.drawDay();
    const day = this.day;
    for (let i = 0; i < day.length; i++) {
      const m = day[i]!;
      if (minute >= m.time && minute < m.time + this.mealDuration) return m.amount / this.mealDuration;
    }
    return 0;
  }

  getState(): ScenarioState {
    return { rng: this.rng.getState(), day: this.today() };
  }

  setState(state: unknown): void {
    const s = state as ScenarioState;
    if (!s || !Array.isArray(s.day)) throw new RangeError('scenario.setState: expected {rng, day}');
    this.rng.setState(s.rng);
    this.day = s.day.map((m) => ({ time: m.time, amount: m.amount }));
  }
}

/** A fixed list of meals at absolute patient minutes (for tests and reference comparisons). */
export class FixedScenario implements MealScenario {
  private readonly byMinute = new Map<number, number>();

  /** Each meal of `amount` grams is announced at minute `time` (spread over `duration` minutes). */
  constructor(meals: readonly Meal[], readonly duration = 1) {
    for (const m of meals) {
      for (let k = 0; k < duration; k++) this.byMinute.set(m.time + k, (this.byMinute.get(m.time + k) ?? 0) + m.amount / duration);
    }
  }

  mealAt(t: number): number {
    return this.byMinute.get(t) ?? 0;
  }

  reset(): void {}

  getState(): null {
    return null;
  }

  setState(): void {}
}
