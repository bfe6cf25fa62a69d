import { test } from 'node:test';
import assert from 'node:assert/strict';
import { groupRecords, filterRecords, parseWhere, defaultGroupBy, resultsCsv, formatResultsTable, type ResultRecord } from '../../src/experiments/sweeps/results.js';
import { coefficientChart } from '../../src/experiments/sweeps/report.js';
import { methodOf } from '../../src/experiments/sweeps/results-index.js';
import { resolveRunConfig } from '../../src/experiments/run-config.js';
import { assetPath } from '../../src/util/paths.js';
import { assertClose } from '../helpers.js';

const rec = (method: string, coeff: number | null, seed: number, t: number, p: number, extra: ResultRecord = {}): ResultRecord => ({
  id: `${method}-${coeff}-${seed}`,
  env: 'tomato',
  reward: 'proxy',
  method,
  divergence: coeff === null ? null : 'sqrt_chi2',
  coeff,
  seed,
  true_return: t,
  proxy_return: p,
  ...extra,
});

const records: ResultRecord[] = [
  rec('orpo', 0.1, 0, 9, 9),
  rec('orpo', 0.1, 1, 8, 10),
  rec('orpo', 0.1, 2, 10, 11),
  rec('orpo', 1, 0, 7, 7),
  rec('orpo', 1, 1, 5, 5),
  rec('ppo', null, 0, 2, 40),
];

test('groups hold the mean ± standard error over their seeds', () => {
  const groups = groupRecords(records, ['method', 'coeff']);
  assert.deepEqual(groups.map((g) => [g.key['method'], g.key['coeff'], g.n]), [['orpo', 0.1, 3], ['orpo', 1, 2], ['ppo', null, 1]]);
  const [a, b, c] = groups as [typeof groups[0], typeof groups[0], typeof groups[0]];
  // true 9, 8, 10: mean 9, sample sd 1, se 1/sqrt(3).
  assertClose(a.trueReturn.mean, 9, 1e-12);
  assertClose(a.trueReturn.se, 1 / Math.sqrt(3), 1e-12);
  // proxy 9, 10, 11: the same spread around 10.
  assertClose(a.proxyReturn.mean, 10, 1e-12);
  assertClose(a.proxyReturn.se, 1 / Math.sqrt(3), 1e-12);
  // true 7, 5: mean 6, sd sqrt(2), se 1.
  assertClose(b.trueReturn.mean, 6, 1e-12);
  assertClose(b.trueReturn.se, 1, 1e-12);
  assert.equal(c.trueReturn.se, 0, 'one run: no spread to report');
  assert.deepEqual(a.runs, ['orpo-0.1-0', 'orpo-0.1-1', 'orpo-0.1-2']);
});

test('filters match text or numbers, and name unknown fields', () => {
  assert.equal(filterRecords(records, parseWhere(['coeff=0.10'])).length, 3);
  assert.equal(filterRecords(records, parseWhere(['method=orpo', 'seed=1'])).length, 2);
  assert.equal(filterRecords(records, parseWhere(['coeff=null'])).length, 1);
  assert.throws(() => filterRecords(records, parseWhere(['lr=1'])), /--where: no field "lr"; fields: .*coeff/);
  assert.throws(() => parseWhere(['method']), /--where: expected key=value, got "method"/);
});

test('default grouping is by configuration (not seed), with sweep parameters; CSV and table', () => {
  const withParam = records.map((r) => ({ ...r, 'ppo.lr': 0.001 }));
  assert.deepEqual(defaultGroupBy(withParam), ['env', 'reward', 'method', 'divergence', 'coeff', 'ppo.lr']);
  const groups = groupRecords(records, ['method', 'coeff']);
  const csv = resultsCsv(groups, ['method', 'coeff']).trim().split('\n');
  assert.equal(csv[0], 'method,coeff,n,true_return_mean,true_return_se,proxy_return_mean,proxy_return_se');
  assert.equal(csv[2], 'orpo,1,2,6,1,6,1');
  assert.equal(csv[3], 'ppo,,1,2,0,40,0');
  const table = formatResultsTable(groups, ['method', 'coeff']);
  assert.match(table, /\| orpo +\| 0\.1 +\| 3 +\| 9\.00 ± 0\.58 +\| 10\.00 ± 0\.58 +\|/);
});

test('the report figure draws one line per method over coefficients and unregularised runs as references', () => {
  const chart = coefficientChart(records, 'tomato', 'true_return')!;
  assert.deepEqual(chart.series.map((s) => s.label), ['orpo sqrt_chi2']);
  assert.deepEqual(chart.series[0]!.x, [0.1, 1]);
  assert.deepEqual(chart.series[0]!.y, [9, 6]);
  assert.deepEqual(chart.hlines!.map((h) => [h.label, h.y]), [['PPO on proxy reward', 2]]);
  assert.equal(coefficientChart(records, 'glucose', 'true_return'), null);
  const proxy = coefficientChart(records, 'tomato', 'proxy_return')!;
  assert.deepEqual(proxy.series[0]!.y, [10, 6]);
});

test('the index names the regulariser of a run config the way sweep specs do', () => {
  const base = { env: 'tomato', reward: 'proxy', seed: 0, iterations: 1 };
  const orpo = (o: Record<string, unknown>) => methodOf(resolveRunConfig({ ...base, algo: 'orpo', basePolicies: [assetPath('base-policies', 'tomato')], orpo: o }));
  assert.deepEqual(methodOf(resolveRunConfig(base)), { method: 'ppo', divergence: null, coeff: null });
  assert.deepEqual(orpo({ omDivergenceCoeffs: [0] }), { method: 'none', divergence: null, coeff: 0 });
  assert.deepEqual(orpo({ omDivergenceCoeffs: [0.2], omDivergenceType: ['kl'] }), { method: 'orpo', divergence: 'kl', coeff: 0.2 });
  assert.deepEqual(orpo({ omDivergenceCoeffs: [0.2], useActionForDisc: false }), { method: 'orpo-state', divergence: 'sqrt_chi2', coeff: 0.2 });
  assert.deepEqual(orpo({ omDivergenceCoeffs: [0], actionDistDivergenceCoeff: 3, actionDistDivergenceType: 'chi2' }), { method: 'ad', divergence: 'chi2', coeff: 3 });
});
