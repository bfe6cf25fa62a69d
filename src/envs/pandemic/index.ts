/** The pandemic environment (an agent-based SEIR city with regulation stages), its parts and its registry entry. */
import type { EnvSpec } from '../types.js';
import { PandemicEnv, type PandemicConfig, type PandemicDayRecord } from './pandemic-env.js';
import { pandemicEpisodeChart } from './metrics.js';
import { renderPng } from '../../util/plot/index.js';

export * from './data.js';
export * from './infection.js';
export * from './population.js';
export * from './simulator.js';
export * from './rewards.js';
export * from './pandemic-env.js';
export * from './metrics.js';

export const pandemicEnvSpec: EnvSpec<PandemicConfig> = {
  name: 'pandemic',
  description:
    'Agent-based SEIR city of 500 (PandemicSimulator, ORPO fork with alpha and delta variants): each day the agent lowers, keeps or raises the lockdown stage (0-4) from 8 days of testing summaries; the true reward charges critical cases, stage costs and political backlash for raising the stage while infections are low; the proxy omits the political term.',
  make: (config?: Partial<PandemicConfig>) => new PandemicEnv(config),
  frame: (env) => (env as PandemicEnv).record(),
  framesToPng: (frames) => {
    const records = frames as PandemicDayRecord[];
    const n = records[0] ? records[0].tested.reduce((a, b) => a + b, 0) || 1 : 1;
    return renderPng(pandemicEpisodeChart(records, n));
  },
};
