/** `goodhart render`: one episode as text frames and a PNG strip. */
import { writeFileSync } from 'node:fs';
import { parse, intOption, choiceOption, stringOption } from '../args.js';
import { out, readJsonFile, type Command } from '../shared.js';
import { ConfigError } from '../../util/validate.js';
import { listEnvs, makeEnv, getEnvSpec } from '../../envs/registry.js';
import { sample } from '../../envs/spaces.js';
import { loadRunPolicy, recordEpisode } from '../../experiments/evaluate.js';
import { Rng } from '../../util/rng.js';

export const renderCommand: Command = {
  summary: 'play one episode (random, or a run’s policy) and draw it as text and PNG',
  usage: `goodhart render --env NAME [--config FILE.json] [--run DIR] [--seed S] [--out FILE.png] [--frames all|ends]
  --run      use the policy of this run (its env and env config) instead of random actions
  --frames   text frames to print: "ends" (first and last, default) or "all"`,
  async run(argv) {
    const v = parse(argv, { env: { type: 'string' }, config: { type: 'string' }, run: { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' }, frames: { type: 'string' } }, 'render');
    const seed = intOption(v, 'seed') ?? 0;
    const frames = choiceOption(v, 'frames', ['all', 'ends'] as const) ?? 'ends';
    let envName = stringOption(v, 'env');
    let envConfig: Record<string, unknown> = v['config'] ? ((readJsonFile(v['config'] as string, '--config') as Record<string, unknown>)['envConfig'] as Record<string, unknown>) ?? {} : {};
    let act: (obs: Float32Array) => Float32Array;
    let cleanup = () => {};
    const rng = new Rng(seed);
    if (v['run']) {
      const run = await loadRunPolicy(v['run'] as string);
      envName = run.config.env;
      envConfig = run.config.envConfig;
      act = (obs) => run.policy.act(obs, 1, rng).actions;
      cleanup = () => run.policy.dispose();
    } else {
      if (!envName) throw new ConfigError(`render: --env or --run is required; environments: ${listEnvs().map((e) => e.name).join(', ')}`);
      const probe = makeEnv(envName, envConfig);
      act = () => {
        const a = sample(probe.actionSpace, rng);
        return typeof a === 'number' ? Float32Array.of(a) : Float32Array.from(a as Float32Array);
      };
    }
    const env = makeEnv(envName!, envConfig);
    const ep = recordEpisode(envName!, env, act, seed);
    cleanup();
    const shown = frames === 'all' ? ep.text.map((t, i) => [i, t] as const) : [[0, ep.text[0]!] as const, [ep.text.length - 1, ep.text[ep.text.length - 1]!] as const];
    for (const [i, t] of shown) if (t !== undefined) out(`t=${i}\n${t}\n`);
    out(`episode of ${ep.actions.length} steps: proxy return ${ep.proxyReturn.toFixed(3)}, true return ${ep.trueReturn.toFixed(3)}`);
    const spec = getEnvSpec(envName!);
    const file = stringOption(v, 'out');
    if (file) {
      if (!spec.framesToPng) throw new ConfigError(`render --out: environment "${envName}" has no PNG renderer`);
      writeFileSync(file, spec.framesToPng(ep.frames));
      out(`wrote ${file} (${ep.frames.length} frames)`);
    }
    return 0;
  },
};
