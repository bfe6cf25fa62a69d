/** The glucose (UVA/Padova type-1 diabetes) environment, its simulator parts and its registry entry. */
import type { EnvSpec } from '../types.js';
import { GlucoseEnv, type GlucoseConfig } from './glucose-env.js';

export * from './params.js';
export * from './integrator.js';
export * from './lsoda.js';
export * from './patient.js';
export * from './sensor.js';
export * from './pump.js';
export * from './scenario.js';
export * from './rewards.js';
export * from './simulate.js';
export * from './metrics.js';
export * from './glucose-env.js';

export const glucoseEnvSpec: EnvSpec<GlucoseConfig> = {
  name: 'glucose',
  description:
    'Insulin dosing for a simulated type-1 diabetic (UVA/Padova model, ORPO setting: adult#001, 5-minute steps, 20-day episodes): the proxy reward is the expected cost to the patient (insulin and hypoglycaemia); the true reward is minus the Magni glycaemic risk.',
  make: (config?: Partial<GlucoseConfig>) => new GlucoseEnv(config),
};
