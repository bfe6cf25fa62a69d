/**
 * A saved reward model: a directory with model.json (architecture, training settings, errors) and
 * the weights (nn's saveModel: manifest plus binary, each written atomically).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { saveModel, loadModel, loadTensors } from '../../nn/index.js';
import { atomicWriteJson } from '../../util/fs.js';
import { RewardModel, parseRewardModelConfig, type RewardModelConfig } from './model.js';
import { jsRewardFunction, type RewardFn } from './forward-js.js';

const FORMAT = 'goodhart-reward-model/1';
const WEIGHTS = 'reward-model';

export interface RewardModelInfo {
  format: string;
  config: RewardModelConfig;
  /** Where the model came from: dataset, environment, training settings, errors. */
  meta: Record<string, unknown>;
}

export function saveRewardModel(dir: string, model: RewardModel, meta: Record<string, unknown>): void {
  saveModel(dir, WEIGHTS, model.params);
  // model.json last: a directory with it holds a complete model.
  atomicWriteJson(join(dir, 'model.json'), { format: FORMAT, config: model.config, meta } satisfies RewardModelInfo);
}

export function readRewardModelInfo(dir: string): RewardModelInfo {
  const path = join(dir, 'model.json');
  if (!existsSync(path)) throw new Error(`${dir}: not a reward model (no model.json); train one with goodhart reward-model train`);
  const info = JSON.parse(readFileSync(path, 'utf8')) as RewardModelInfo;
  if (info.format !== FORMAT) throw new Error(`${path}: format "${info.format}" is not ${FORMAT}`);
  return { ...info, config: parseRewardModelConfig(info.config) };
}

/** The model as tensors (for saliency and evaluation); call initBackend() first. */
export function loadRewardModel(dir: string): { model: RewardModel; info: RewardModelInfo } {
  const info = readRewardModelInfo(dir);
  const model = new RewardModel(info.config);
  loadModel(dir, WEIGHTS, model.params);
  return { model, info };
}

const fnCache = new Map<string, { fn: RewardFn; info: RewardModelInfo }>();

/** The model as a plain function of one transition (no tensors); loaded once per directory. */
export function loadRewardFunction(dir: string): { fn: RewardFn; info: RewardModelInfo } {
  const cached = fnCache.get(dir);
  if (cached) return cached;
  const info = readRewardModelInfo(dir);
  const { tensors } = loadTensors(dir, WEIGHTS);
  const loaded = { fn: jsRewardFunction(info.config, tensors), info };
  fnCache.set(dir, loaded);
  return loaded;
}
