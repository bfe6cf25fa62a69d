/** The `goodhart` subcommands. Each validates its options and names the offending flag on error. */
import '../../envs/builtin.js';
import type { Command } from '../shared.js';
import { trainCommand } from './train.js';
import { evalCommand } from './eval.js';
import { envsCommand } from './envs.js';
import { renderCommand } from './render.js';
import { rolloutsCommand } from './rollouts.js';
import { bcCommand } from './bc.js';
import { reproduceCommand } from './reproduce.js';
import { demoCommand } from './demo.js';
import { plotCommand } from './plot.js';
import { rlhfCommand } from './rlhf.js';
import { tasksCommand } from './tasks.js';
import { gaaCompareCommand } from './gaa-compare.js';
import { rewardModelCommand } from './reward-model.js';
import { sweepCommand } from './sweep.js';
import { workerCommand } from './worker.js';
import { resultsCommand } from './results.js';
import { reportCommand } from './report.js';
import { dashboardCommand } from './dashboard.js';
import { rreCommand } from './rre.js';
import { monotonicityCommand } from './monotonicity.js';

export type { Command };

export const commands: Record<string, Command> = {
  train: trainCommand,
  eval: evalCommand,
  envs: envsCommand,
  render: renderCommand,
  plot: plotCommand,
  rollouts: rolloutsCommand,
  bc: bcCommand,
  reproduce: reproduceCommand,
  demo: demoCommand,
  rlhf: rlhfCommand,
  tasks: tasksCommand,
  'gaa-compare': gaaCompareCommand,
  'reward-model': rewardModelCommand,
  sweep: sweepCommand,
  worker: workerCommand,
  results: resultsCommand,
  report: reportCommand,
  dashboard: dashboardCommand,
  rre: rreCommand,
  monotonicity: monotonicityCommand,
};
