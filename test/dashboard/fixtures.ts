/**
 * Run directories and sweeps for the dashboard tests: a tiny real training run, and written
 * metrics files shaped like the run store's (config.json, metrics.jsonl, summary.json).
 */
import { mkdirSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { train } from '../../src/experiments/train.js';
import { encodePNG } from '../../src/util/png.js';

/** A real `goodhart train` run of a few iterations (about 2 s): both returns logged from the first iteration. */
export async function trainTinyRun(dir: string, iterations = 3, seed = 0): Promise<void> {
  const ppo = { model: { hidden: [16] }, numEnvs: 2, rolloutFragmentLength: 100, sgdMinibatchSize: 64, numSgdIter: 2 };
  await train({ runDir: dir, input: { env: 'tomato', reward: 'proxy', seed, iterations, checkpointEvery: 1, evalEpisodes: 4, ppo } });
}

export interface FakeRun {
  env?: string;
  reward?: 'proxy' | 'true';
  seed?: number;
  iterations?: number;
  /** 'ppo', or an ORPO/AD method with its coefficient. */
  method?: { kind: 'none' } | { kind: 'orpo'; coeff: number; divergence?: string; stateOnly?: boolean } | { kind: 'ad'; coeff: number };
  /** Rows written now (default all `iterations`). */
  rows?: number;
  finished?: boolean;
  /** Final true return (and proxy = true + hackGap). */
  finalTrue?: number;
  hackGap?: number;
}

/** Proxy rising steadily; true rising with it and then falling away when `hackGap` > 0. */
export function metricsRow(i: number, run: FakeRun): Record<string, number> {
  const iterations = run.iterations ?? 10;
  const frac = i / iterations;
  const finalTrue = run.finalTrue ?? 5;
  const gap = run.hackGap ?? 0;
  const trueRet = gap > 0 ? finalTrue + 4 * Math.sin(Math.PI * frac) : finalTrue * frac;
  const proxyRet = trueRet + gap * frac * frac;
  return {
    iteration: i,
    timesteps: 1000 * i,
    episodes: 10 * i,
    proxyReturnMean: proxyRet,
    trueReturnMean: trueRet,
    episodeLenMean: 100,
    policyLoss: -0.01 / i,
    vfLoss: 2 / i,
    kl: 0.001 * i,
    entropy: 1.6 - 0.05 * i,
    klCoeff: 0.2,
    omKl: 0.5 / i,
    omChi2: 0.8 / i,
    iterationSec: 1,
  };
}

export function writeFakeRun(dir: string, run: FakeRun): void {
  mkdirSync(dir, { recursive: true });
  const iterations = run.iterations ?? 10;
  const m = run.method ?? null;
  const orpo =
    m === null
      ? null
      : {
          omDivergenceCoeffs: [m.kind === 'orpo' ? m.coeff : 0],
          omDivergenceType: [m.kind === 'orpo' ? (m.divergence ?? 'sqrt_chi2') : 'kl'],
          useActionForDisc: !(m.kind === 'orpo' && m.stateOnly),
          actionDistDivergenceCoeff: m.kind === 'ad' ? m.coeff : 0,
          actionDistDivergenceType: 'kl',
          coeffScale: 'auto',
        };
  const config = { version: 1, env: run.env ?? 'tomato', envConfig: {}, reward: run.reward ?? 'proxy', seed: run.seed ?? 0, iterations, algo: m === null ? 'ppo' : 'orpo', basePolicies: m === null ? [] : ['assets/base-policies/tomato'], orpo, ppo: {} };
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config, null, 2));
  writeFileSync(join(dir, 'metrics.jsonl'), '');
  appendRows(dir, run, 1, run.rows ?? iterations);
  if (run.finished ?? true) {
    const last = metricsRow(iterations, run);
    writeFileSync(
      join(dir, 'summary.json'),
      JSON.stringify({ env: config.env, reward: config.reward, seed: config.seed, iterations, proxyReturn: { mean: last.proxyReturnMean, se: 0.1, n: 10 }, trueReturn: { mean: last.trueReturnMean, se: 0.1, n: 10 } }),
    );
  }
}

export function appendRows(dir: string, run: FakeRun, from: number, to: number): void {
  for (let i = from; i <= to; i++) appendFileSync(join(dir, 'metrics.jsonl'), JSON.stringify(metricsRow(i, run)) + '\n');
}

export interface SweepRunSpec {
  /** As `goodhart sweep` names them: ppo, none, ad, orpo, orpo-state. */
  method: string;
  divergence?: string;
  /** Absent for ppo and none, as in `goodhart sweep`'s params. */
  coeff?: number;
  seed: number;
  env?: string;
  finalTrue: number;
  hackGap: number;
}

/** A sweep in the shared format: <root>/sweeps/<id>/sweep.json with run dirs under <root>/runs/. */
export function writeSweep(root: string, id: string, runs: SweepRunSpec[]): void {
  const entries = runs.map((r) => {
    const env = r.env ?? 'tomato';
    const runId = `${id}-${env}-${r.method}${r.divergence ? `-${r.divergence}` : ''}${r.coeff !== undefined ? `-c${r.coeff}` : ''}-s${r.seed}`;
    const coeff = r.coeff ?? 0;
    const method: FakeRun['method'] =
      r.method === 'none' ? { kind: 'none' } : r.method === 'ad' ? { kind: 'ad', coeff } : { kind: 'orpo', coeff, divergence: r.divergence ?? 'sqrt_chi2', stateOnly: r.method === 'orpo-state' };
    writeFakeRun(join(root, 'runs', runId), { env, seed: r.seed, method, finalTrue: r.finalTrue, hackGap: r.hackGap, iterations: 5 });
    const params: Record<string, string | number> = { env, method: r.method };
    if (r.divergence !== undefined) params['divergence'] = r.divergence;
    if (r.coeff !== undefined) params['coeff'] = r.coeff;
    params['seed'] = r.seed;
    return { id: runId, dir: `runs/${runId}`, params };
  });
  mkdirSync(join(root, 'sweeps', id), { recursive: true });
  writeFileSync(join(root, 'sweeps', id, 'sweep.json'), JSON.stringify({ id, name: `test sweep ${id}`, createdAt: '2026-11-21T08:00:00.000Z', spec: { grid: { env: ['tomato'], method: ['none', 'ad', 'orpo'] } }, runs: entries }, null, 2));
}

/** A run with RLHF samples (samples.json) and two saliency maps (saliency/*.png with index.json), as documented in docs/dashboard.md. */
export function writeRlhfRun(dir: string): void {
  writeFakeRun(dir, { env: 'text', iterations: 4 });
  const samples = [
    { prompt: 'What is the capital of France?', completion: 'Paris.', proxyScore: 1.2, goldScore: 1.1, iteration: 4 },
    { prompt: 'Summarise the article.', completion: 'Great article! Amazing! Wonderful!', proxyScore: 3.5, goldScore: -0.8, iteration: 4 },
    { prompt: 'Say hi', completion: '<script>alert(1)</script>', proxyScore: 9, goldScore: -2, iteration: 2 },
  ];
  writeFileSync(join(dir, 'samples.json'), JSON.stringify({ samples }, null, 2));
  mkdirSync(join(dir, 'saliency'), { recursive: true });
  const rgba = new Uint8Array(8 * 8 * 4);
  for (let i = 0; i < 64; i++) rgba.set([i * 4, 0, 255 - i * 4, 255], i * 4);
  writeFileSync(join(dir, 'saliency', 'gradient.png'), encodePNG(8, 8, rgba));
  writeFileSync(join(dir, 'saliency', 'occlusion.png'), encodePNG(8, 8, rgba.reverse()));
  writeFileSync(join(dir, 'saliency', 'index.json'), JSON.stringify([{ file: 'gradient.png', title: 'gradient saliency', caption: 'reward model, sample 0' }]));
}
