/**
 * The learned-reward pipeline (Michaud et al.): train a reward model on a transitions dataset,
 * evaluate it, and write its interpretation (saliency figures per observation channel,
 * counterfactual probes). Datasets come from `goodhart rollouts --transitions`; policies on the
 * learned reward train with `goodhart train --env learned-reward` (the wrapper env).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { initBackend } from '../nn/index.js';
import { makeEnv } from '../envs/registry.js';
import type { Env } from '../envs/types.js';
import { MinAtarEnv } from '../envs/minatar/minatar-env.js';
import { MAZE_SIZE } from '../envs/maze/maze-env.js';
import {
  loadTransitions,
  splitByEpisode,
  trainRewardModel,
  evaluateRewardModel,
  predictAll,
  saveRewardModel,
  loadRewardModel,
  mlpRewardConfig,
  cnnRewardConfig,
  asDifferentiable,
  type RewardModelConfig,
  type RewardEval,
  type EpochRecord,
  type Transitions,
  type RewardModel,
} from '../rewards/learned/index.js';
import { gradientSaliency, integratedGradients, occlusionSaliency, blurSaliency, batchFnOf, perChannel, mazeProbes, breakoutProbes, seaquestProbes, cellsWith, runProbes, heatFigurePNG, type Board, type HeatPanel, type ProbeResult } from '../interpret/index.js';
import { atomicWriteFile, atomicWriteJson } from '../util/fs.js';
import { ConfigError } from '../util/validate.js';

export interface BoardInfo {
  board: Board;
  channelNames: string[];
}

/** The board layout of an environment's flattened observation. */
export function boardOf(env: Env): BoardInfo {
  if (env instanceof MinAtarEnv) return { board: { height: 10, width: 10, channels: env.channels.length }, channelNames: [...env.channels] };
  const space = env.observationSpace;
  if (space.kind === 'box' && space.shape.length === 2) return { board: { height: space.shape[0]!, width: space.shape[1]!, channels: 1 }, channelNames: ['grid'] };
  if (space.kind === 'box' && space.shape.length === 3) {
    return { board: { height: space.shape[0]!, width: space.shape[1]!, channels: space.shape[2]! }, channelNames: Array.from({ length: space.shape[2]! }, (_, i) => `ch${i}`) };
  }
  const n = space.kind === 'discrete' || space.kind === 'multibinary' ? space.n : space.kind === 'box' ? space.low.length : 0;
  if (n === 0) throw new ConfigError('reward-model: dict observation spaces have no board layout');
  return { board: { height: 1, width: n, channels: 1 }, channelNames: ['obs'] };
}

export interface RewardModelTrainOptions {
  data: string;
  /** A separate test dataset; without one, `testFraction` of the episodes are held out. */
  test?: string;
  testFraction?: number;
  out: string;
  arch?: 'mlp' | 'cnn';
  input?: 'transition' | 'next';
  epochs: number;
  batchSize: number;
  lr: number;
  seed: number;
  progress?: boolean;
  log?: (line: string) => void;
}

export interface RewardModelTrainReport {
  trainRows: number;
  testRows: number;
  history: EpochRecord[];
  test: RewardEval;
  seconds: number;
}

export async function runRewardModelTraining(opts: RewardModelTrainOptions): Promise<RewardModelTrainReport> {
  await initBackend();
  if (existsSync(join(opts.out, 'model.json'))) throw new ConfigError(`--out: ${opts.out} already holds a reward model; choose another directory`);
  const all = loadTransitions(opts.data);
  const envName = String(all.meta['env']);
  const envConfig = (all.meta['envConfig'] ?? {}) as Record<string, unknown>;
  const probe = makeEnv(envName, envConfig);
  const { board } = boardOf(probe);
  probe.close?.();
  let train: Transitions;
  let test: Transitions;
  if (opts.test) {
    train = all;
    test = loadTransitions(opts.test);
    if (test.meta['env'] !== envName) throw new ConfigError(`--test: ${opts.test} holds ${String(test.meta['env'])} transitions, not ${envName}`);
  } else ({ train, test } = splitByEpisode(all, opts.testFraction ?? 1 / 3, opts.seed));
  const arch = opts.arch ?? (probe instanceof MinAtarEnv ? 'cnn' : 'mlp');
  const config: RewardModelConfig = { ...(arch === 'cnn' ? cnnRewardConfig(board) : mlpRewardConfig(board)), ...(opts.input ? { input: opts.input } : {}) };
  const start = performance.now();
  const { model, history } = trainRewardModel(config, train, test, {
    epochs: opts.epochs,
    batchSize: opts.batchSize,
    lr: opts.lr,
    seed: opts.seed,
    progress: opts.progress ?? false,
    onEpoch: (epoch, mse, t) => opts.log?.(`epoch ${epoch}: train MSE ${mse.toExponential(3)}, test MSE ${t ? t.mse.toExponential(3) : '-'}`),
  });
  const seconds = (performance.now() - start) / 1000;
  const final = history[history.length - 1]!.test!;
  mkdirSync(opts.out, { recursive: true });
  saveRewardModel(opts.out, model, {
    env: envName,
    envConfig,
    data: opts.data,
    test: opts.test ?? null,
    testFraction: opts.test ? null : (opts.testFraction ?? 1 / 3),
    trainRows: train.n,
    testRows: test.n,
    epochs: opts.epochs,
    batchSize: opts.batchSize,
    lr: opts.lr,
    seed: opts.seed,
    seconds,
    history,
    testEval: final,
  });
  model.dispose();
  return { trainRows: train.n, testRows: test.n, history, test: final, seconds };
}

export async function runRewardModelEval(modelDir: string, data: string): Promise<RewardEval & { env: string }> {
  await initBackend();
  const { model, info } = loadRewardModel(modelDir);
  try {
    const d = loadTransitions(data);
    if (info.meta['env'] !== undefined && d.meta['env'] !== info.meta['env']) throw new ConfigError(`--data: ${data} holds ${String(d.meta['env'])} transitions but the model was trained on ${String(info.meta['env'])}`);
    return { env: String(d.meta['env']), ...evaluateRewardModel(model, d) };
  } finally {
    model.dispose();
  }
}

export interface SaliencyOptions {
  model: string;
  /** Transitions to explain (examples are picked from it): required for MinAtar, optional for the maze. */
  data?: string;
  out: string;
  /** Examples with non-zero and with zero reward to explain (default 2 each). */
  examples?: number;
  seed?: number;
}

export interface SaliencyReport {
  figures: string[];
  probes: ProbeResult[] | null;
  examples: { index: number; reward: number; predicted: number }[];
}

const fmt = (v: number | null | undefined) => (v === null || v === undefined ? '-' : v.toFixed(3));

function mazeLabels(obs: ArrayLike<number>): string[] {
  return Array.from(obs, (v) => ['', '#', 'A', 'G'][Math.round(v)] ?? '');
}

function boardLabels(obs: ArrayLike<number>, board: Board, channel: number): string[] {
  return Array.from({ length: board.height * board.width }, (_, k) => (obs[k * board.channels + channel] ? 'o' : ''));
}

/** Panels for one example: each method × input plane × channel. */
function examplePanels(model: RewardModel, s: Float32Array, next: Float32Array, info: BoardInfo, isMaze: boolean): { method: string; panels: HeatPanel[] }[] {
  const d = asDifferentiable(model);
  const inputs = model.planes === 2 ? [s, next] : [next];
  const planeNames = model.planes === 2 ? ['s', "s'"] : ["s'"];
  const { board, channelNames } = info;
  const fn = batchFnOf(d);
  const grads = gradientSaliency(d, inputs).map((g) => g.map(Math.abs));
  const ig = integratedGradients(d, inputs, { steps: 64 });
  const occ = occlusionSaliency(fn, inputs, inputs.map(() => board), { perChannel: true });
  const blur = blurSaliency(fn, inputs, inputs.map(() => board), { maskSigma: 1, blurSigma: 1 });
  const out: { method: string; panels: HeatPanel[] }[] = [];
  const perPlane = (method: string, maps: Float32Array[], channelWise: boolean) => {
    const panels: HeatPanel[] = [];
    maps.forEach((m, p) => {
      const obs = inputs[p]!;
      if (!channelWise) {
        const occupied = Array.from({ length: board.height * board.width }, (_, k) => (Array.from({ length: board.channels }, (_, ch) => obs[k * board.channels + ch]).some(Boolean) ? 'o' : ''));
        panels.push({ title: `${planeNames[p]}`, height: board.height, width: board.width, values: m, labels: isMaze ? mazeLabels(obs) : occupied });
        return;
      }
      perChannel(m, board).forEach((c, ch) => {
        panels.push({
          title: board.channels > 1 ? `${planeNames[p]} ${channelNames[ch]}` : planeNames[p]!,
          height: board.height,
          width: board.width,
          values: c,
          labels: isMaze ? mazeLabels(obs) : boardLabels(obs, board, ch),
        });
      });
    });
    out.push({ method, panels });
  };
  perPlane('gradient', grads, true);
  perPlane('integrated-gradients', ig, true);
  perPlane('occlusion', occ, true);
  perPlane('blur', blur, false);
  return out;
}

export async function runSaliency(opts: SaliencyOptions): Promise<SaliencyReport> {
  await initBackend();
  const { model, info } = loadRewardModel(opts.model);
  mkdirSync(opts.out, { recursive: true });
  const figures: string[] = [];
  try {
    const envName = String(info.meta['env']);
    const env = makeEnv(envName, (info.meta['envConfig'] ?? {}) as Record<string, unknown>);
    const boardInfo = boardOf(env);
    env.close?.();
    const isMaze = envName === 'maze';
    const write = (name: string, png: Buffer) => {
      const path = join(opts.out, name);
      atomicWriteFile(path, png);
      figures.push(path);
    };
    let probes: ProbeResult[] | null = null;
    const lines: string[] = [`# Reward model ${opts.model}`, '', `Environment: ${envName}; architecture ${info.config.arch} (${info.config.input}).`, ''];
    if (isMaze && boardInfo.board.height === MAZE_SIZE) {
      probes = runProbes((s, next) => model.predict(s, next, 1)[0]!, mazeProbes());
      lines.push('## Counterfactual probes', '', '| probe | what | env reward | paper | ours |', '|---|---|---|---|---|');
      for (const p of probes) lines.push(`| ${p.name} | ${p.description} | ${p.trueReward ?? 'impossible'} | ${p.paper ?? '-'} | ${p.predicted.toFixed(3)} |`);
      lines.push('');
      // One figure per probe: the two boards and their gradient saliency.
      for (const p of probes) {
        const d = asDifferentiable(model);
        const inputs = model.planes === 2 ? [p.s, p.next] : [p.next];
        const grads = gradientSaliency(d, inputs);
        const panels: HeatPanel[] = grads.map((g, i) => ({ title: `|dR/d${model.planes === 2 ? ['s', "s'"][i] : "s'"}|`, height: MAZE_SIZE, width: MAZE_SIZE, values: g.map(Math.abs), labels: mazeLabels(inputs[i]!) }));
        write(`probe-${p.name}.png`, heatFigurePNG(panels, { title: `${p.name}: R=${p.predicted.toFixed(3)} (env ${p.trueReward ?? 'n/a'})`, scale: 'magnitude' }));
      }
    }
    const examples: SaliencyReport['examples'] = [];
    if (opts.data) {
      const d = loadTransitions(opts.data);
      const pred = predictAll(model, d);
      const k = opts.examples ?? 2;
      const nonzero: number[] = [];
      const zero: number[] = [];
      for (let i = 0; i < d.n; i++) (d.reward[i] !== 0 ? nonzero : zero).push(i);
      // Evenly spaced picks keep the choice reproducible and spread over the dataset.
      const pick = (xs: number[]) => Array.from({ length: Math.min(k, xs.length) }, (_, j) => xs[Math.floor(((j + 0.5) * xs.length) / Math.min(k, xs.length))]!);
      for (const i of [...pick(nonzero), ...pick(zero)]) {
        const s = d.s.slice(i * d.obsDim, (i + 1) * d.obsDim);
        const next = d.next.slice(i * d.obsDim, (i + 1) * d.obsDim);
        examples.push({ index: i, reward: d.reward[i]!, predicted: pred[i]! });
        for (const { method, panels } of examplePanels(model, s, next, boardInfo, isMaze)) {
          const columns = boardInfo.board.channels > 1 && method !== 'blur' ? boardInfo.board.channels : panels.length;
          write(`example-${i}-${method}.png`, heatFigurePNG(panels, { title: `row ${i} ${method}: reward ${d.reward[i]}, model ${pred[i]!.toFixed(3)}`, columns, cellSize: isMaze ? 14 : 12 }));
        }
      }
      // Counterfactual probes built from the first real zero-reward and rewarded transitions.
      const first = (rows: number[]) => (rows.length ? { s: d.s.slice(rows[0]! * d.obsDim, (rows[0]! + 1) * d.obsDim), next: d.next.slice(rows[0]! * d.obsDim, (rows[0]! + 1) * d.obsDim), reward: d.reward[rows[0]!]! } : null);
      // Seaquest's probes need enemies on the board to delete; prefer such a zero-reward step.
      const withEnemies = envName === 'minatar-seaquest' ? zero.filter((i) => cellsWith(d.next.subarray(i * d.obsDim, (i + 1) * d.obsDim), boardInfo.board, 5).length + cellsWith(d.next.subarray(i * d.obsDim, (i + 1) * d.obsDim), boardInfo.board, 6).length > 0) : [];
      const z = first(withEnemies.length ? withEnemies : zero);
      const nz = first(nonzero);
      const built = z && nz ? (envName === 'minatar-breakout' ? breakoutProbes(z, nz) : envName === 'minatar-seaquest' ? seaquestProbes(z, nz, first(nonzero.filter((i) => d.reward[i]! >= 2)) ?? undefined) : null) : null;
      if (built) {
        probes = runProbes((s, next) => model.predict(s, next, 1)[0]!, built);
        lines.push('## Counterfactual probes', '', '| probe | what | env reward | model |', '|---|---|---|---|');
        for (const p of probes) lines.push(`| ${p.name} | ${p.description} | ${p.trueReward ?? 'impossible'} | ${p.predicted.toFixed(3)} |`);
        lines.push('');
      }
      lines.push('## Examples', '', '| row | reward | model |', '|---|---|---|');
      for (const e of examples) lines.push(`| ${e.index} | ${e.reward} | ${fmt(e.predicted)} |`);
      lines.push('');
    }
    lines.push('## Figures', '', ...figures.map((f) => `- ${f}`), '');
    atomicWriteFile(join(opts.out, 'saliency.md'), lines.join('\n'));
    atomicWriteJson(join(opts.out, 'saliency.json'), { model: opts.model, probes: probes?.map(({ s: _s, next: _n, ...rest }) => rest) ?? null, examples, figures });
    return { figures, probes, examples };
  } finally {
    model.dispose();
  }
}

