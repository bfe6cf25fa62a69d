/** `goodhart envs`: registered environments and their spaces. */
import { parse } from '../args.js';
import { out, type Command } from '../shared.js';
import { listEnvs } from '../../envs/registry.js';
import { describe, flatDim } from '../../envs/spaces.js';

export const envsCommand: Command = {
  summary: 'list environments with their spaces',
  usage: 'goodhart envs',
  async run(argv) {
    parse(argv, {}, 'envs');
    for (const spec of listEnvs()) {
      const env = spec.make();
      out(`${spec.name}\n  ${spec.description}\n  observation: ${describe(env.observationSpace)} (flat ${flatDim(env.observationSpace)})\n  action:      ${describe(env.actionSpace)}\n  horizon:     ${env.horizon}`);
      env.close?.();
    }
    return 0;
  },
};
