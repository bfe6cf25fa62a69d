import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ALLOWED_TRANSITIONS,
  ASYMP,
  City,
  DECEASED,
  EXPOSED,
  goToHospitalRate,
  HOSPITALIZED,
  NEEDS_HOSP,
  NO_STATE,
  PandemicEnv,
  PandemicSim,
  PRE_ASYMP,
  PRE_SYMP,
  RECOVERED,
  SeirModel,
  SUSCEPTIBLE,
  SYMP,
  triangular,
  pandemicTables,
  HOSPITAL,
  labelSummary,
  CRITICAL,
} from '../../src/envs/pandemic/index.js';
import { Rng } from '../../src/util/rng.js';
import { assertClose } from '../helpers.js';

test('transition tables: rows sum to one and match the formulas of the rate table', () => {
  const model = new SeirModel(new Rng(0), { mean: 0.021, sigma: 0.01 });
  const r = model.rates;
  assert.ok(1 / r.exposedRate >= 2.8 && 1 / r.exposedRate <= 3.0);
  assert.ok(1 / r.recoveryRateAsymp >= 3.9 && 1 / r.recoveryRateAsymp <= 4.9);
  assert.ok(1 / r.recoveryRateSymp >= 3.9 && 1 / r.recoveryRateSymp <= 4.1);
  assert.ok(1 / r.recoveryRateHosp >= 10.6 && 1 / r.recoveryRateHosp <= 10.9);
  assert.ok(1 / r.hospToDeathRate >= 7.8 && 1 / r.hospToDeathRate <= 8.2);
  const rows = pandemicTables().seirRates;
  for (let bucket = 0; bucket < 5; bucket++) {
    for (let risk = 0; risk < 2; risk++) {
      for (const label of [EXPOSED, PRE_ASYMP, PRE_SYMP, ASYMP, SYMP, NEEDS_HOSP, HOSPITALIZED]) {
        const probs = model.transitionProbabilities(label, bucket, risk);
        let total = 0;
        for (const [to, p] of probs) {
          assert.ok(ALLOWED_TRANSITIONS[label]!.includes(to), `${label} -> ${to}`);
          assert.ok(p >= 0 && p <= 1);
          total += p;
        }
        assertClose(total, 1, 1e-12, 0, `row ${label} sums to 1`);
      }
      const row = rows[risk * 5 + bucket]!;
      const g = goToHospitalRate(row.hospRateSympPercent, r.recoveryRateSymp, 0.1695);
      const symp = model.transitionProbabilities(SYMP, bucket, risk);
      assertClose(symp.get(NEEDS_HOSP)!, 0.1695 * g, 1e-12);
      assertClose(symp.get(RECOVERED)!, r.recoveryRateSymp * (1 - g), 1e-12);
      const nh = model.transitionProbabilities(NEEDS_HOSP, bucket, risk);
      assertClose(nh.get(DECEASED)!, row.deathRateNeedsHosp * 0.3, 1e-12);
      assertClose(nh.get(RECOVERED)!, (1 - row.deathRateNeedsHosp) * 0.0214286, 1e-12);
      const h = model.transitionProbabilities(HOSPITALIZED, bucket, risk);
      assertClose(h.get(DECEASED)!, row.deathRateHosp * r.hospToDeathRate, 1e-12);
      assertClose(h.get(RECOVERED)!, (1 - row.deathRateHosp) * r.recoveryRateHosp, 1e-12);
    }
  }
  // High-risk older people need hospitalisation far more often than low-risk children.
  assert.ok(model.transitionProbabilities(SYMP, 4, 1).get(NEEDS_HOSP)! > 50 * model.transitionProbabilities(SYMP, 1, 0).get(NEEDS_HOSP)!);
});

test('sampled transitions match the table probabilities (200k draws per row, 5-sigma)', () => {
  const model = new SeirModel(new Rng(1), { mean: 0.021, sigma: 0.01 });
  const rng = new Rng(2);
  const draws = 200_000;
  for (const [label, bucket, risk] of [
    [EXPOSED, 2, 0],
    [SYMP, 4, 1],
    [SYMP, 3, 0],
    [NEEDS_HOSP, 4, 1],
    [HOSPITALIZED, 2, 0],
    [ASYMP, 0, 0],
  ] as const) {
    const probs = model.transitionProbabilities(label, bucket, risk);
    const counts = new Map<number, number>();
    for (let i = 0; i < draws; i++) {
      const to = model.step(rng, label, bucket, risk, 0, false);
      counts.set(to, (counts.get(to) ?? 0) + 1);
    }
    for (const [to, p] of probs) {
      const got = (counts.get(to) ?? 0) / draws;
      const sigma = Math.sqrt((p * (1 - p)) / draws);
      assert.ok(Math.abs(got - p) <= 5 * sigma + 1e-12, `label ${label} -> ${to}: ${got} vs ${p}`);
    }
    for (const to of counts.keys()) assert.ok(probs.has(to), `unexpected ${label} -> ${to}`);
  }
  // Susceptible: exposed with the given probability; admitted needs-hospitalisation: hospitalized.
  let exposed = 0;
  for (let i = 0; i < draws; i++) if (model.step(rng, SUSCEPTIBLE, 2, 0, 0.3, false) === EXPOSED) exposed++;
  assert.ok(Math.abs(exposed / draws - 0.3) < 5 * Math.sqrt(0.21 / draws));
  assert.equal(model.step(rng, NEEDS_HOSP, 4, 1, 0, true), HOSPITALIZED);
  assert.equal(model.step(rng, RECOVERED, 4, 1, 1, false), RECOVERED);
  assert.equal(model.step(rng, DECEASED, 4, 1, 1, false), DECEASED);
});

test('triangular draws and spread probabilities have the right range and mean', () => {
  const rng = new Rng(3);
  let s = 0;
  for (let i = 0; i < 100_000; i++) {
    const x = triangular(rng, 3.9, 4.0, 4.9);
    assert.ok(x >= 3.9 && x <= 4.9);
    s += x;
  }
  assertClose(s / 100_000, (3.9 + 4.0 + 4.9) / 3, 0.005);
  const model = new SeirModel(rng, { mean: 0.021, sigma: 0.01 });
  let m = 0;
  for (let i = 0; i < 100_000; i++) {
    const x = model.drawSpreadProbability(rng);
    assert.ok(x >= 0 && x <= 1);
    m += x;
  }
  // Truncation at 0 lifts the mean slightly above 0.021.
  assert.ok(m / 100_000 > 0.021 && m / 100_000 < 0.0215, `mean spread ${m / 100_000}`);
});

test('contact rule: the infectious member lowers the other escape probability; a pair infectious for alpha skips delta too', () => {
  const sim = new PandemicSim(new City(new Rng(0), { numPersons: 500 }), new Rng(1));
  const [a, b] = [10, 11];
  sim.labelA[a] = SYMP;
  sim.labelA[b] = SUSCEPTIBLE;
  sim.labelD[a] = NO_STATE;
  sim.labelD[b] = NO_STATE;
  sim.spreadA[a] = 0.05;
  sim.multA[a] = 0.6;
  sim.applyContact(b, a);
  assertClose(sim.notInfA[b]!, 1 - 0.05 * 0.6, 1e-15);
  assertClose(sim.notInfA[a]!, 1, 0);
  sim.applyContact(a, b);
  assertClose(sim.notInfA[b]!, (1 - 0.03) * (1 - 0.03), 1e-15);
  // Delta: b infectious for delta, a susceptible (the source's spread and multiplier count).
  sim.labelD[a] = SUSCEPTIBLE;
  sim.labelD[b] = PRE_SYMP;
  sim.spreadD[b] = 0.04;
  sim.multD[b] = 1.5;
  sim.applyContact(a, b);
  assertClose(sim.notInfD[a]!, 1 - 0.04 * 1.5, 1e-15);
  // Both alpha-infectious: nothing changes for either variant.
  sim.labelA[b] = ASYMP;
  sim.spreadA[b] = 0.02;
  const before = [sim.notInfA[a], sim.notInfA[b], sim.notInfD[a], sim.notInfD[b]];
  sim.applyContact(a, b);
  assert.deepEqual([sim.notInfA[a], sim.notInfA[b], sim.notInfD[a], sim.notInfD[b]], before);
});

test('over an episode: population conserved, labels only move forward, hospital capacity respected', () => {
  const env = new PandemicEnv({ horizon: 150, deltaStartLo: 40, deltaStartHi: 41 });
  env.reset(5);
  const sim = env.sim;
  const n = sim.numPersons;
  let prevA = Int8Array.from(sim.labelA);
  let prevD = Int8Array.from(sim.labelD);
  let maxPatients = 0;
  let everHospitalized = 0;
  let deltaSeen = false;
  for (let day = 0; day < 150; day++) {
    // Hold stage 0 (action 1 keeps it).
    const r = env.step(1);
    for (const v of [0, 1, 2]) {
      let inf = 0;
      let tested = 0;
      for (let s = 0; s < 5; s++) {
        inf += sim.infCounts[v * 5 + s]!;
        tested += sim.testCounts[v * 5 + s]!;
        assert.ok(sim.testCounts[v * 5 + s]! >= 0);
      }
      assert.equal(inf, n, `infection counts of variant ${v} sum to N on day ${day + 1}`);
      assert.equal(tested, n, `testing counts of variant ${v} sum to N on day ${day + 1}`);
    }
    for (let p = 0; p < n; p++) {
      for (const [prev, cur] of [
        [prevA[p]!, sim.labelA[p]!],
        [prevD[p]!, sim.labelD[p]!],
      ] as const) {
        if (prev === NO_STATE) assert.ok(cur === NO_STATE || ALLOWED_TRANSITIONS[SUSCEPTIBLE]!.includes(cur) || ALLOWED_TRANSITIONS[EXPOSED]!.includes(cur), `first label ${cur}`);
        else assert.ok(ALLOWED_TRANSITIONS[prev]!.includes(cur), `person ${p} moved ${prev} -> ${cur} on day ${day + 1}`);
      }
      if (sim.labelA[p] === HOSPITALIZED) everHospitalized++;
    }
    if (sim.labelD.some((l) => l !== NO_STATE)) deltaSeen = true;
    const patients = sim.occupants(sim.city.locationsOfType(HOSPITAL)[0]!).patients;
    maxPatients = Math.max(maxPatients, patients.length);
    for (const p of patients) assert.equal(sim.hospitalized[p], 1);
    prevA = Int8Array.from(sim.labelA);
    prevD = Int8Array.from(sim.labelD);
    assert.equal(r.terminated, false);
  }
  assert.ok(maxPatients <= 5, `hospital holds at most 5 patients, saw ${maxPatients}`);
  assert.ok(everHospitalized > 0, 'someone was hospitalized');
  assert.ok(deltaSeen, 'delta emerged after its start day');
  // Summaries follow labels.
  for (let p = 0; p < n; p++) if (sim.labelA[p] === NEEDS_HOSP) assert.equal(labelSummary(sim.labelA[p]!), CRITICAL);
});

test('seeding: the first six persons are exposed on day 0; delta seeds the same six after its start day', () => {
  const env = new PandemicEnv({ deltaStartLo: 3, deltaStartHi: 4 });
  env.reset(7);
  const sim = env.sim;
  env.step(1);
  for (let p = 0; p < 6; p++) assert.ok(sim.labelA[p]! >= EXPOSED, `person ${p} seeded`);
  const infectedOthers = Array.from(sim.labelA.subarray(6)).filter((l) => l !== SUSCEPTIBLE).length;
  assert.equal(infectedOthers, 0, 'nobody else is infected on day 0');
  assert.ok(sim.labelD.every((l) => l === NO_STATE));
  for (let d = 0; d < 4; d++) env.step(1);
  // The delta model starts on day 4 (> deltaStart 3): persons 0-5 are its seeds.
  for (let p = 0; p < 6; p++) assert.ok(sim.labelD[p]! >= EXPOSED, `delta seed ${p}`);
  assert.ok(Array.from(sim.labelD.subarray(6)).every((l) => l === SUSCEPTIBLE || l === EXPOSED));
});
