/**
 * The traffic environment's base (safe) policy: Flow's `acc_controller_actions`, i.e. for each
 * controlled slot the IDM acceleration of that vehicle (v0 30, T 1, a 1, b 1.5, δ 4, s0 2),
 * clipped to ±1.5, and 0 for empty slots (specs/envs.md §C5, orpo.md §4). ORPO behaviour-clones
 * its base policy from rollouts of this controller.
 *
 * Flow recomputes it every 0.2 s sub-step; acting through the environment, it is computed from the
 * state at the start of each 1 s step and held, as any policy's action is.
 */
import { registerController, type Controller } from './registry.js';
import { TrafficEnv } from '../../envs/traffic/traffic-env.js';
import type { Env } from '../../envs/types.js';

export function trafficIdmController(): Controller {
  return {
    name: 'idm',
    description: "Flow's IDM acceleration (v0 30, T 1, a 1, b 1.5, delta 4, s0 2) for every controlled vehicle, clipped to +-1.5 m/s^2",
    reset() {},
    act(env: Env): Float32Array {
      if (!(env instanceof TrafficEnv)) throw new Error('the traffic IDM controller needs a TrafficEnv');
      return env.idmActions();
    },
  };
}

registerController('traffic', 'idm', () => trafficIdmController());
