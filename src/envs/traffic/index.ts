/** The traffic (highway merge on SUMO) environment, its scenario, process management, TraCI client and registry entry. */
import type { EnvSpec } from '../types.js';
import { TrafficEnv, type TrafficConfig } from './traffic-env.js';

export * from './traffic-env.js';
export * from './scenario.js';
export * from './rewards.js';
export * from './idm.js';
export * from './sumo-process.js';
export * as traci from './traci/index.js';

export const trafficEnvSpec: EnvSpec<TrafficConfig> = {
  name: 'traffic',
  description:
    'Highway on-ramp merge on the SUMO simulator (Flow merge_bus, ORPO setting): accelerations for up to 10 controlled vehicles; the proxy reward is the mean speed, the true reward minus the mean inverse speed (commute time), both with acceleration and headway penalties. Needs `sumo` and `netconvert` (apt-get install sumo sumo-tools).',
  make: (config?: Partial<TrafficConfig>) => new TrafficEnv(config),
};
