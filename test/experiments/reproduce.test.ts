import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planReproduction, formatReport, reproductionChart, REPRODUCTION_TARGETS, REPRODUCE_METHODS, TOMATO_METHODS, STANDARD_KL_COEFFS, STANDARD_SQRT_CHI2_COEFFS, KL_COEFFS, SQRT_CHI2_COEFFS, type ReproduceRow } from '../../src/experiments/reproduce.js';
import { resolveRunConfig } from '../../src/experiments/run-config.js';

test('quick mode trains one coefficient per method plus the true-reward reference, per seed', () => {
  const { jobs, iterations } = planReproduction({ outDir: '/tmp/x', seeds: 3, quick: true });
  assert.equal(iterations, 40);
  assert.equal(jobs.length, 3 * (1 + TOMATO_METHODS.length));
  assert.deepEqual([...new Set(jobs.map((j) => j.seed))], [0, 1, 2]);
  assert.equal(new Set(jobs.map((j) => j.out)).size, jobs.length, 'every run has its own directory');
});

test('full mode uses the standard grid by default and the paper lists on request', () => {
  const std = planReproduction({ outDir: '/tmp/x', seeds: 5, quick: false });
  const perSeed = 1 + 1 + STANDARD_KL_COEFFS.length * 2 + STANDARD_SQRT_CHI2_COEFFS.length * 2;
  assert.equal(std.jobs.length, 5 * perSeed);
  assert.equal(std.iterations, 60);
  const paper = planReproduction({ outDir: '/tmp/x', seeds: 1, quick: false, grid: 'paper' });
  assert.equal(paper.jobs.length, 1 + 1 + KL_COEFFS.length * 2 + SQRT_CHI2_COEFFS.length * 2);
});

test('every planned run input is a valid run config with the method settings', () => {
  const { jobs } = planReproduction({ outDir: '/tmp/x', seeds: 1, quick: true });
  for (const j of jobs) {
    const c = resolveRunConfig(j.input);
    if (j.method === 'true-reward') {
      assert.equal(c.reward, 'true');
      assert.equal(c.algo, 'ppo');
      continue;
    }
    assert.equal(c.reward, 'proxy');
    assert.equal(c.algo, 'orpo');
    const o = c.orpo!;
    if (j.method === 'ad-kl') assert.equal(o.actionDistDivergenceCoeff, j.coeff);
    if (j.method === 'orpo-s-sqrt_chi2') assert.equal(o.useActionForDisc, false);
    if (j.method === 'orpo-sa-kl') assert.deepEqual(o.omDivergenceType, ['kl']);
    if (j.method !== 'none') assert.equal(o.coeffScale, 'auto');
  }
});

test('an unknown method is refused with the known ones named', () => {
  assert.throws(() => planReproduction({ outDir: '/tmp/x', seeds: 1, quick: true, methods: ['orpo-magic'] }), /--methods: orpo-magic not among none, ad-kl/);
});

test('the report names the best coefficient of each method and counts hacked seeds', () => {
  const ms = (mean: number, se = 0.1) => ({ mean, se, n: 5 });
  const rows: ReproduceRow[] = [
    { method: 'none', label: 'no regularisation', coeff: 0, seeds: 5, proxyReturn: ms(30), trueReturn: ms(4), trainSeconds: 60, hacked: 3 },
    { method: 'ad-kl', label: 'AD KL', coeff: 0.1, seeds: 5, proxyReturn: ms(20), trueReturn: ms(5), trainSeconds: 60, hacked: 2 },
    { method: 'ad-kl', label: 'AD KL', coeff: 1, seeds: 5, proxyReturn: ms(7), trueReturn: ms(6.5), trainSeconds: 60, hacked: 0 },
    { method: 'orpo-sa-sqrt_chi2', label: 'ORPO state-action sqrt(chi2)', coeff: 0.2, seeds: 5, proxyReturn: ms(9), trueReturn: ms(9), trainSeconds: 60, hacked: 0 },
  ];
  const text = formatReport(rows, { seeds: 5, iterations: 60, quick: false, wallSeconds: 3600 });
  assert.match(text, /best AD KL: coefficient 1, true return 6\.50 ± 0\.10/);
  assert.match(text, /best ORPO state-action sqrt\(chi2\): coefficient 0\.2/);
  assert.match(text, /\| 3\/5 /);
  const chart = reproductionChart(rows);
  assert.equal(chart.xScale, 'log');
  assert.deepEqual(chart.series.map((s) => s.label), ['AD KL', 'ORPO state-action sqrt(chi2)']);
  assert.deepEqual(chart.series[0]!.x, [0.1, 1]);
  assert.ok(chart.hlines!.some((h) => h.label === 'no regularisation' && h.y === 4));
});

test('pandemic and glucose reproductions plan the same grid on their own environment and base policy', () => {
  for (const name of ['pandemic', 'glucose', 'traffic']) {
    const target = REPRODUCTION_TARGETS[name]!;
    const { jobs, iterations } = planReproduction({ outDir: '/tmp/x', seeds: 2, quick: true, target });
    assert.equal(iterations, target.quickIterations);
    assert.equal(jobs.length, 2 * (1 + REPRODUCE_METHODS.length));
    for (const j of jobs) {
      const c = resolveRunConfig(j.input);
      assert.equal(c.env, name);
      if (c.algo === 'orpo') assert.match(c.basePolicies[0]!, new RegExp(`base-policies/${name}$`));
    }
  }
});

test('glucose and pandemic count a seed as hacked when the proxy beats the base policy and the true reward falls behind it', () => {
  const rule = REPRODUCTION_TARGETS['pandemic']!.hacked;
  const base = { proxy: -8, true: -18 };
  assert.equal(rule({ proxy: -2, true: -40 }, base), true);
  assert.equal(rule({ proxy: -2, true: -10 }, base), false, 'better on both is not hacking');
  assert.equal(rule({ proxy: -9, true: -40 }, base), false, 'worse on both is failing, not hacking');
  assert.equal(REPRODUCTION_TARGETS['tomato']!.hacked({ proxy: 40, true: 5 }, base), true);
});
