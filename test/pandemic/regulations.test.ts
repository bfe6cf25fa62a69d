import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BAR,
  City,
  GROCERY,
  HAIR_SALON,
  HOME,
  HOSPITAL,
  LOCATION_TYPES,
  OFFICE,
  PandemicSim,
  pandemicTables,
  RESTAURANT,
  RETAIL,
  SCHOOL,
} from '../../src/envs/pandemic/index.js';
import { Rng } from '../../src/util/rng.js';
import { assertClose } from '../helpers.js';

function makeSim(seed = 1, options = {}) {
  const city = new City(new Rng(seed), { numPersons: 500 });
  return new PandemicSim(city, new Rng(seed + 1000), options);
}

test('the regulation table reads as the five austin stages', () => {
  const regs = pandemicTables().regulations;
  assert.equal(regs.length, 5);
  assert.deepEqual(
    regs.map((r) => [r.stayHomeIfSick, r.practiceGoodHygiene, r.wearFacialCoverings]),
    [
      [false, false, false],
      [true, true, false],
      [true, true, true],
      [true, true, true],
      [true, true, true],
    ],
  );
  assert.deepEqual(
    regs.map((r) => r.socialDistancing),
    [null, null, 0.3, 0.5, 0.7],
  );
  assert.deepEqual(
    regs.map((r) => [r.avoidGatheringSize.high, r.avoidGatheringSize.low]),
    [
      [-1, -1],
      [25, 50],
      [10, 25],
      [0, 0],
      [0, 0],
    ],
  );
  assert.deepEqual(
    regs.map((r) => r.lockedTypes.map((t) => LOCATION_TYPES[t]).sort()),
    [[], [], ['HairSalon', 'School'], ['HairSalon', 'School'], ['HairSalon', 'Office', 'RetailStore', 'School']],
  );
});

test('each stage locks exactly the listed location types and scales contact fractions', () => {
  const sim = makeSim();
  const city = sim.city;
  const regs = pandemicTables().regulations;
  const init = pandemicTables().locations;
  for (const reg of regs) {
    sim.imposeStage(reg.stage);
    assert.equal(sim.stage, reg.stage);
    for (let l = 0; l < city.numLocations; l++) {
      const type = city.locType[l]!;
      assert.equal(sim.locked[l], reg.lockedTypes.includes(type) ? 1 : 0, `stage ${reg.stage}: ${LOCATION_TYPES[type]} lock`);
    }
    for (const never of [GROCERY, HOSPITAL, RESTAURANT, BAR, HOME]) assert.ok(!reg.lockedTypes.includes(never));
    for (let type = 0; type < LOCATION_TYPES.length; type++) {
      const cr = init[type]!.contactRate;
      const initial = [cr.fractionAssignees, cr.fractionAssigneesVisitors, cr.fractionVisitors];
      // Homes ignore regulations (Home.update_rules is a no-op); every other type is scaled by 1 − s.
      const scale = type === HOME || reg.socialDistancing === null ? 1 : 1 - reg.socialDistancing;
      for (let k = 0; k < 3; k++) assertClose(sim.fractions[type * 3 + k]!, scale * initial[k]!, 1e-12, 0, `stage ${reg.stage} ${LOCATION_TYPES[type]} fraction ${k}`);
    }
    const flags = sim.regulationFlags();
    assert.equal(flags.sickAtHome, reg.stayHomeIfSick);
    assert.deepEqual(flags.avoidGathering, reg.avoidGatheringSize);
  }
  // Back to stage 0 restores the initial contact rates and unlocks everything.
  sim.imposeStage(0);
  assert.ok(sim.locked.every((x) => x === 0));
});

test('spread multipliers: cumulative under daily re-imposition (ORPO fork), recomputed in the original mode', () => {
  const sim = makeSim();
  const c = 0.99;
  let a = 1;
  let d = 1.5;
  for (let day = 0; day < 5; day++) {
    sim.imposeStage(2);
    a = 1 - (1 - a * 0.8 * 0.6) * c;
    d = 1 - (1 - d * 0.8 * 0.6) * c;
    assertClose(sim.multA[0]!, a, 1e-12, 0, 'alpha multiplier');
    assertClose(sim.multD[7]!, d, 1e-12, 0, 'delta multiplier');
  }
  // Fixed point under stage ≥ 2: m = 0.01 / (1 − 0.99·0.48) ≈ 0.0191.
  for (let day = 0; day < 400; day++) sim.imposeStage(3);
  assertClose(sim.multA[3]!, 0.01 / (1 - 0.99 * 0.48), 1e-9, 0, 'stage-3 fixed point');
  sim.imposeStage(0);
  assertClose(sim.multA[3]!, 1 - (1 - 0.01 / (1 - 0.99 * 0.48)) * 0.99, 1e-9, 0, 'stage 0 recovers by 0.99 of the gap');

  const original = makeSim(1, { multipliers: 'recompute' });
  for (let day = 0; day < 3; day++) original.imposeStage(1);
  assertClose(original.multA[0]!, 1 - (1 - 0.8) * 0.99, 1e-12, 0, 'recomputed stage-1 multiplier');
  original.imposeStage(0);
  assertClose(original.multA[0]!, 1, 1e-12, 0, 'recomputed stage-0 multiplier');
});

/** Runs 24 hours and returns, per location type, the largest number of persons present in any hour. */
function maxOccupancyByType(sim: PandemicSim, hours = 24 * 7): { byType: number[]; atOthersHomes: number } {
  const city = sim.city;
  const byType = new Array<number>(LOCATION_TYPES.length).fill(0);
  let atOthersHomes = 0;
  for (let h = 0; h < hours; h++) {
    sim.stepHour();
    const count = new Array<number>(LOCATION_TYPES.length).fill(0);
    for (let p = 0; p < city.numPersons; p++) {
      const l = sim.loc[p]!;
      count[city.locType[l]!]!++;
      if (city.locType[l] === HOME && l !== city.home[p]) atOthersHomes++;
    }
    count.forEach((c, t) => (byType[t] = Math.max(byType[t]!, c)));
  }
  return { byType, atOthersHomes };
}

test('locked locations stay empty for a week, open ones are visited; stage 4 gatherings shrink', () => {
  const open = makeSim(3);
  const openStats = maxOccupancyByType(open);
  for (const t of [GROCERY, OFFICE, SCHOOL, RETAIL, HAIR_SALON, RESTAURANT, BAR]) assert.ok(openStats.byType[t]! > 0, `${LOCATION_TYPES[t]} visited at stage 0`);
  assert.ok(openStats.atOthersHomes > 200, `social gatherings at stage 0: ${openStats.atOthersHomes}`);

  const locked = makeSim(3);
  const stats: number[][] = [];
  let gatherings = 0;
  for (let day = 0; day < 7; day++) {
    locked.imposeStage(4);
    const s = maxOccupancyByType(locked, 24);
    stats.push(s.byType);
    gatherings += s.atOthersHomes;
  }
  for (const t of [OFFICE, SCHOOL, RETAIL, HAIR_SALON]) assert.ok(stats.every((b) => b[t] === 0), `${LOCATION_TYPES[t]} must stay empty at stage 4`);
  for (const t of [GROCERY, RESTAURANT]) assert.ok(stats.some((b) => b[t]! > 0), `${LOCATION_TYPES[t]} stays open at stage 4`);
  // Gatherings are banned, but the social routine stays due and is retried every hour from 15 to 19,
  // each try with a 1% chance of not complying, so roughly a third of the weekly gatherings happen.
  assert.ok(gatherings > 0 && gatherings < openStats.atOthersHomes / 2, `gatherings at stage 4: ${gatherings} vs ${openStats.atOthersHomes} at stage 0`);

  const stage2 = makeSim(3);
  const s2: number[][] = [];
  for (let day = 0; day < 7; day++) {
    stage2.imposeStage(2);
    s2.push(maxOccupancyByType(stage2, 24).byType);
  }
  for (const t of [SCHOOL, HAIR_SALON]) assert.ok(s2.every((b) => b[t] === 0), `${LOCATION_TYPES[t]} must stay empty at stage 2`);
  for (const t of [OFFICE, RETAIL]) assert.ok(s2.some((b) => b[t]! > 0), `${LOCATION_TYPES[t]} open at stage 2`);
});

test('the city follows the population recipe', () => {
  for (const seed of [0, 1, 2]) {
    const city = new City(new Rng(seed), { numPersons: 500 });
    const [minors, workers, retirees] = city.kindCounts();
    assert.equal(minors + workers + retirees, 500);
    assert.equal(city.numLocations, 150 + 2 + 2 + 10 + 1 + 2 + 2 + 1 + 1);
    for (let p = 0; p < 500; p++) {
      const age = city.age[p]!;
      assert.ok(age >= 1 && age <= 99, `age ${age}`);
      const kind = city.kind[p]!;
      assert.equal(kind, age <= 18 ? 0 : age <= 65 ? 1 : 2);
      assert.equal(city.locType[city.home[p]!], HOME);
      if (kind === 0) assert.equal(city.locType[city.school[p]!], SCHOOL);
      if (kind === 1) assert.ok(city.locType[city.work[p]!]! !== HOME);
    }
    // The first persons are nursing-home retirees: they seed the epidemic.
    for (let p = 0; p < 6; p++) assert.equal(city.kind[p], 2);
    // Every home with a minor has at least one adult (worker or retiree).
    const homesWithMinor = new Set<number>();
    const homesWithAdult = new Set<number>();
    for (let p = 0; p < 500; p++) (city.kind[p] === 0 ? homesWithMinor : homesWithAdult).add(city.home[p]!);
    for (const h of homesWithMinor) assert.ok(homesWithAdult.has(h), `home ${h} has minors but no adult`);
    // Routines: workers have the midday restaurant routine plus six; retirees six; minors two or three.
    for (let p = 0; p < 500; p++) {
      const total = city.nWorkRoutines[p]! + city.nMainRoutines[p]!;
      assert.equal(total, city.kind[p] === 0 ? (city.age[p]! >= 12 ? 3 : 2) : city.kind[p] === 1 ? 7 : 6);
    }
    // Risk is HIGH with probability age/101: the old are mostly high-risk, children mostly low.
    let oldHigh = 0;
    let youngHigh = 0;
    for (let p = 0; p < 500; p++) {
      if (city.kind[p] === 2) oldHigh += city.risk[p]!;
      if (city.kind[p] === 0) youngHigh += city.risk[p]!;
    }
    assert.ok(oldHigh / retirees > 0.6 && youngHigh / minors < 0.2, `risk by age: retirees ${oldHigh}/${retirees}, minors ${youngHigh}/${minors}`);
  }
});
