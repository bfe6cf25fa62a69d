/** The `goodhart` subcommands. Each validates its options and names the offending flag on error. */
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseWithPositionals, intOption, choiceOption, stringOption } from './args.js';
import { reproduceTomato } from '../experiments/reproduce.js';
import { ConfigError } from '../util/validate.js';
import { REWARD_KINDS } from '../envs/types.js';
import { listEnvs, makeEnv, getEnvSpec } from '../envs/registry.js';
import '../envs/builtin.js';
import { describe, flatDim, sample } from '../envs/spaces.js';
import { train } from '../experiments/train.js';
import { mergeRunInputs, ALGOS } from '../experiments/run-config.js';
import { OM_DIVERGENCES } from '../algos/orpo/divergences.js';
import { AD_DIVERGENCES } from '../algos/orpo/action-divergence.js';
import { evaluateRun, loadRunPolicy, recordEpisode } from '../experiments/evaluate.js';
import { runDemo, formatDemoTable } from '../experiments/demo.js';
import { writeRollouts } from '../experiments/rollouts.js';
import { trainBc } from '../experiments/bc-run.js';
import { controllerNames } from '../policies/controllers/index.js';
import { formatMeanSe } from '../util/stats.js';
import { formatDuration } from '../util/progress.js';
import { Rng } from '../util/rng.js';

export interface Command {
  summary: string;
  usage: string;
  run(argv: string[]): Promise<number>;
}

const out = (s: string) => process.stdout.write(s + '\n');

function readJsonFile(path: string, flag: string): unknown {
  if (!existsSync(path)) throw new ConfigError(`${flag}: file "${path}" does not exist`);
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(`${flag}: "${path}" is not valid JSON (${(err as Error).message})`);
  }
}

const trainCommand: Command = {
  summary: 'train a PPO or ORPO agent on the proxy or the true reward',
  usage: `goodhart train --env NAME --reward proxy|true [--seed S] [--iterations N] [--config FILE.json] [--out DIR]
goodhart train ... --algo orpo --base DIR [--coeff C] [--divergence TYPE] [--state-only] [--ad-coeff C] [--coeff-scale auto|X]
goodhart train ... --algo orpo --reference DIR --coeff -C          (regularise away from a previous run's policy)
goodhart train --resume --out DIR

  --env          environment name (see "goodhart envs")
  --reward       reward the agent learns from: proxy or true (both are always measured)
  --seed         integer seed (default 0); the same seed gives the same numbers
  --iterations   PPO iterations (default 500, the paper's)
  --config       JSON file with run settings, e.g. {"ppo": {"model": {"hidden": [64, 64]}}, "envConfig": {"level": 4}}
  --out          run directory (default runs/<env>-<reward>-seed<S>)
  --resume       continue an interrupted run from its last checkpoint
  --quiet        no progress bar

ORPO (occupancy-measure regularisation; names follow the paper's code, see README):
  --algo         ppo (default) or orpo
  --base         base policy: a run directory (repeat for several base policies)
  --reference    a previous run to regularise away from (same as --base; give a negative --coeff)
  --coeff        occupancy-measure coefficient, one per base policy (om_divergence_coeffs; default 0)
  --divergence   kl, chi2, sqrt_chi2 (default), tv or wasserstein (om_divergence_type)
  --state-only   discriminate state occupancy instead of state-action (use_action_for_disc = false)
  --ad-coeff     action-distribution divergence coefficient (action_dist_divergence_coeff; alias --ad-kl-coeff)
  --ad-divergence  kl (default), chi2 or sqrt_chi2
  --coeff-scale  auto: multiply coefficients by the base policy's reward std (sqrt_chi2) or per-step reward (kl)
  --percent-safe fraction of environment copies that run the base policies (default 0.5)`,
  async run(argv) {
    const v = parse(
      argv,
      {
        env: { type: 'string' },
        reward: { type: 'string' },
        seed: { type: 'string' },
        iterations: { type: 'string' },
        config: { type: 'string' },
        out: { type: 'string' },
        resume: { type: 'boolean' },
        quiet: { type: 'boolean' },
        algo: { type: 'string' },
        base: { type: 'string', multiple: true },
        reference: { type: 'string', multiple: true },
        coeff: { type: 'string', multiple: true },
        divergence: { type: 'string', multiple: true },
        'state-only': { type: 'boolean' },
        'ad-coeff': { type: 'string' },
        'ad-kl-coeff': { type: 'string' },
        'ad-divergence': { type: 'string' },
        'coeff-scale': { type: 'string' },
        'percent-safe': { type: 'string' },
      },
      'train',
    );
    const progress = !v['quiet'];
    if (v['resume']) {
      const dir = stringOption(v, 'out');
      if (!dir) throw new ConfigError('train --resume: --out DIR is required (the run directory to continue)');
      const result = await train({ runDir: dir, resume: true, progress });
      return report(result, dir);
    }
    const fromFile = v['config'] ? readJsonFile(v['config'] as string, '--config') : {};
    const input = mergeRunInputs(fromFile, {
      env: stringOption(v, 'env'),
      reward: choiceOption(v, 'reward', REWARD_KINDS),
      seed: intOption(v, 'seed'),
      iterations: intOption(v, 'iterations', { min: 1 }),
      ...orpoInputFromFlags(v),
    });
    if (input['env'] === undefined) throw new ConfigError(`train: --env is required; choose one of ${listEnvs().map((e) => e.name).join(', ')}`);
    if (input['reward'] === undefined) throw new ConfigError(`train: --reward is required; choose one of ${REWARD_KINDS.join(', ')}`);
    input['seed'] ??= 0;
    input['iterations'] ??= 500;
    const dir = stringOption(v, 'out') ?? join('runs', defaultRunName(input));
    const result = await train({ runDir: dir, input, progress });
    return report(result, dir);
  },
};

/** e.g. tomato-proxy-seed0, or tomato-orpo-sqrt_chi2-0.05-proxy-seed0 for ORPO runs. */
function defaultRunName(input: Record<string, unknown>): string {
  const parts = [String(input['env'])];
  if (input['algo'] === 'orpo') {
    const o = (input['orpo'] ?? {}) as Record<string, unknown>;
    parts.push('orpo', String((o['omDivergenceType'] as string[] | undefined)?.join('+') ?? 'sqrt_chi2'), String((o['omDivergenceCoeffs'] as number[] | undefined)?.join('+') ?? '0'));
    if (o['actionDistDivergenceCoeff']) parts.push(`ad${String(o['actionDistDivergenceCoeff'])}`);
  }
  parts.push(String(input['reward']), `seed${String(input['seed'])}`);
  return parts.join('-');
}

function numberList(values: Record<string, unknown>, name: string): number[] | undefined {
  const raw = values[name] as string[] | undefined;
  if (raw === undefined) return undefined;
  return raw.map((r) => {
    const n = Number(r);
    if (r.trim() === '' || !Number.isFinite(n)) throw new ConfigError(`--${name}: expected a number, got "${r}"`);
    return n;
  });
}

function numberFlag(values: Record<string, unknown>, name: string): number | undefined {
  const raw = values[name];
  return raw === undefined ? undefined : numberList({ [name]: [raw] }, name)![0];
}

/** The ORPO part of a run input from train's flags (undefined fields leave the config file's values). */
function orpoInputFromFlags(v: Record<string, unknown>): Record<string, unknown> {
  const bases = [...((v['base'] as string[] | undefined) ?? []), ...((v['reference'] as string[] | undefined) ?? [])];
  const orpo: Record<string, unknown> = {};
  const coeffs = numberList(v, 'coeff');
  if (coeffs) orpo['omDivergenceCoeffs'] = coeffs;
  const types = v['divergence'] as string[] | undefined;
  if (types) orpo['omDivergenceType'] = types.map((t) => choiceOption({ divergence: t }, 'divergence', OM_DIVERGENCES)!);
  if (v['state-only']) orpo['useActionForDisc'] = false;
  if (v['ad-coeff'] !== undefined && v['ad-kl-coeff'] !== undefined) throw new ConfigError('--ad-coeff and --ad-kl-coeff are the same option; give one');
  const ad = numberFlag(v, 'ad-coeff') ?? numberFlag(v, 'ad-kl-coeff');
  if (ad !== undefined) orpo['actionDistDivergenceCoeff'] = ad;
  const adType = choiceOption(v, 'ad-divergence', AD_DIVERGENCES);
  if (adType) orpo['actionDistDivergenceType'] = adType;
  const scale = v['coeff-scale'];
  if (scale !== undefined) orpo['coeffScale'] = scale === 'auto' ? 'auto' : numberFlag(v, 'coeff-scale');
  const pct = numberFlag(v, 'percent-safe');
  if (pct !== undefined) orpo['percentSafePolicy'] = pct;
  const out: Record<string, unknown> = {};
  const algo = choiceOption(v, 'algo', ALGOS);
  if (algo) out['algo'] = algo;
  if (bases.length) out['basePolicies'] = bases;
  if (Object.keys(orpo).length) {
    out['orpo'] = orpo;
    out['algo'] ??= 'orpo';
  }
  if (bases.length && out['algo'] === undefined) out['algo'] = 'orpo';
  return out;
}

function report(result: Awaited<ReturnType<typeof train>>, dir: string): number {
  if (result.status === 'interrupted') {
    out(`interrupted at iteration ${result.iteration}; resume with: goodhart train --resume --out ${dir}`);
    return 130;
  }
  const s = result.summary;
  out(`run ${dir}: ${s.iterations} iterations, ${s.timesteps} env steps in ${formatDuration(s.trainingSeconds)}`);
  out(`evaluation over ${s.evalEpisodes} episodes: proxy return ${formatMeanSe(s.proxyReturn)}, true return ${formatMeanSe(s.trueReturn)}`);
  return 0;
}

const evalCommand: Command = {
  summary: "evaluate a run's policy on both rewards (mean ± standard error)",
  usage: `goodhart eval --run DIR [--episodes N] [--seed S] [--checkpoint ITER] [--deterministic] [--json]`,
  async run(argv) {
    const v = parse(argv, { run: { type: 'string' }, episodes: { type: 'string' }, seed: { type: 'string' }, checkpoint: { type: 'string' }, deterministic: { type: 'boolean' }, json: { type: 'boolean' } }, 'eval');
    const runDir = stringOption(v, 'run');
    if (!runDir) throw new ConfigError('eval: --run DIR is required');
    const checkpoint = intOption(v, 'checkpoint');
    const r = await evaluateRun(runDir, {
      episodes: intOption(v, 'episodes', { min: 1 }) ?? 100,
      seed: intOption(v, 'seed') ?? 0,
      deterministic: Boolean(v['deterministic']),
      ...(checkpoint === undefined ? {} : { checkpoint }),
    });
    if (v['json']) out(JSON.stringify(r));
    else {
      out(`run ${runDir} (checkpoint ${r.iteration}), ${r.episodes} episodes${v['deterministic'] ? ', deterministic' : ''}:`);
      out(`  proxy return  ${formatMeanSe(r.proxyReturn, 3)}`);
      out(`  true return   ${formatMeanSe(r.trueReturn, 3)}`);
      out(`  length        ${formatMeanSe(r.episodeLength, 1)}`);
    }
    return 0;
  },
};

const envsCommand: Command = {
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

const renderCommand: Command = {
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

const demoCommand: Command = {
  summary: 'see reward hacking: PPO on the tomato proxy vs true reward, next to a random policy',
  usage: `goodhart demo [--seeds K] [--iterations N] [--out DIR] [--quiet]
  Trains tomato runs (2×64 network) on each reward for K seeds (default 3), N iterations (default 50),
  evaluates them on both rewards and prints the table. Finished runs in DIR (default runs/demo) are reused.`,
  async run(argv) {
    const v = parse(argv, { seeds: { type: 'string' }, iterations: { type: 'string' }, out: { type: 'string' }, quiet: { type: 'boolean' } }, 'demo');
    const seeds = intOption(v, 'seeds', { min: 1 }) ?? 3;
    const started = performance.now();
    const rows = await runDemo({ outDir: stringOption(v, 'out') ?? join('runs', 'demo'), seeds, iterations: intOption(v, 'iterations', { min: 1 }) ?? 50, progress: !v['quiet'] });
    out('\nTomato watering (level 4): reward hacking in one table\n');
    out(formatDemoTable(rows, seeds));
    out(`\nThe proxy-trained agent earns the most proxy reward and less true reward than a random policy: it parks on the bucket.`);
    out(`total wall time ${formatDuration((performance.now() - started) / 1000)}`);
    return 0;
  },
};

const rolloutsCommand: Command = {
  summary: "write a dataset of episodes played by a controller or a run's policy",
  usage: `goodhart rollouts --policy CONTROLLER|RUN_DIR [--env NAME] [--episodes N] [--seed S] [--deterministic] --out FILE
  --policy   a controller of the environment (tomato: ${controllerNames('tomato').join(', ')}) or a run directory
  --out      dataset file (columns obs, action, proxy, true, done, terminated, episode)`,
  async run(argv) {
    const v = parse(argv, { policy: { type: 'string' }, env: { type: 'string' }, config: { type: 'string' }, episodes: { type: 'string' }, seed: { type: 'string' }, deterministic: { type: 'boolean' }, out: { type: 'string' }, quiet: { type: 'boolean' } }, 'rollouts');
    const policy = stringOption(v, 'policy');
    if (!policy) throw new ConfigError('rollouts: --policy is required (a controller name or a run directory)');
    const file = stringOption(v, 'out');
    if (!file) throw new ConfigError('rollouts: --out FILE is required');
    const envConfig = v['config'] ? ((readJsonFile(v['config'] as string, '--config') as Record<string, unknown>)['envConfig'] as Record<string, unknown> | undefined) : undefined;
    const r = await writeRollouts({
      policy,
      ...(stringOption(v, 'env') ? { env: stringOption(v, 'env')! } : {}),
      ...(envConfig ? { envConfig } : {}),
      episodes: intOption(v, 'episodes', { min: 1 }) ?? 1000,
      seed: intOption(v, 'seed') ?? 0,
      out: file,
      deterministic: Boolean(v['deterministic']),
      progress: !v['quiet'],
    });
    out(`wrote ${file}: ${r.rows} steps from ${r.episodes} episodes; proxy return ${formatMeanSe(r.proxyReturn)}, true return ${formatMeanSe(r.trueReturn)}`);
    return 0;
  },
};

const bcCommand: Command = {
  summary: 'train a behavioural-cloning policy from a rollouts dataset (usable as an ORPO base policy)',
  usage: `goodhart bc --data FILE --out DIR [--iterations N] [--hidden 64,64] [--lr X] [--minibatch N] [--entropy-coeff X] [--grad-clip X] [--seed S]`,
  async run(argv) {
    const v = parse(argv, { data: { type: 'string' }, out: { type: 'string' }, iterations: { type: 'string' }, hidden: { type: 'string' }, lr: { type: 'string' }, minibatch: { type: 'string' }, 'entropy-coeff': { type: 'string' }, 'grad-clip': { type: 'string' }, seed: { type: 'string' }, 'eval-episodes': { type: 'string' }, quiet: { type: 'boolean' } }, 'bc');
    const data = stringOption(v, 'data');
    if (!data) throw new ConfigError('bc: --data FILE is required (made by goodhart rollouts)');
    if (!existsSync(data)) throw new ConfigError(`--data: file "${data}" does not exist`);
    const dir = stringOption(v, 'out');
    if (!dir) throw new ConfigError('bc: --out DIR is required');
    const hiddenRaw = stringOption(v, 'hidden') ?? '64,64';
    const hidden = hiddenRaw.split(',').map((h) => Number(h));
    if (hidden.some((h) => !Number.isInteger(h) || h < 1)) throw new ConfigError(`--hidden: expected comma-separated positive integers, got "${hiddenRaw}"`);
    const r = await trainBc({
      data,
      out: dir,
      iterations: intOption(v, 'iterations', { min: 1 }) ?? 100,
      seed: intOption(v, 'seed') ?? 0,
      hidden,
      evalEpisodes: intOption(v, 'eval-episodes', { min: 1 }) ?? 100,
      bc: { lr: numberFlag(v, 'lr') ?? 1e-3, minibatch: intOption(v, 'minibatch', { min: 1 }) ?? 128, entropyCoeff: numberFlag(v, 'entropy-coeff') ?? 0, gradClip: numberFlag(v, 'grad-clip') ?? null },
      progress: !v['quiet'],
    });
    out(`wrote ${dir}: final NLL ${r.nll.toFixed(4)}; evaluation proxy return ${formatMeanSe(r.proxyReturn)}, true return ${formatMeanSe(r.trueReturn)}`);
    return 0;
  },
};

const reproduceCommand: Command = {
  summary: "the ORPO paper's tomato comparison: methods × coefficients × seeds, table and plot",
  usage: `goodhart reproduce tomato [--quick] [--seeds K] [--iterations N] [--grid standard|paper] [--jobs J] [--methods a,b] [--out DIR]
  --quick       one coefficient per method, 3 seeds unless --seeds, 40 iterations (under 10 minutes on 2 cores)
  --seeds       seeds per configuration (default 5; quick: 3)
  --grid        coefficients: standard (every other point of the paper's lists, default) or paper (all of them)
  --jobs        runs trained at once (default: one per core)
  --methods     subset of: none, ad-kl, orpo-sa-sqrt_chi2, orpo-s-sqrt_chi2, orpo-sa-kl
  --out         output directory (default runs/reproduce-tomato[-quick]); finished runs are reused`,
  async run(argv) {
    const { values: v, positionals } = parseWithPositionals(argv, { quick: { type: 'boolean' }, grid: { type: 'string' }, seeds: { type: 'string' }, iterations: { type: 'string' }, jobs: { type: 'string' }, methods: { type: 'string' }, out: { type: 'string' }, quiet: { type: 'boolean' } }, 'reproduce');
    const target = positionals[0];
    if (target !== 'tomato') throw new ConfigError(`reproduce: ${target === undefined ? 'name what to reproduce' : `"${target}" is not reproducible yet`}; choose one of tomato`);
    const quick = Boolean(v['quick']);
    const iterations = intOption(v, 'iterations', { min: 1 });
    const jobs = intOption(v, 'jobs', { min: 1 });
    const methods = stringOption(v, 'methods')?.split(',');
    const result = await reproduceTomato({
      outDir: stringOption(v, 'out') ?? join('runs', quick ? 'reproduce-tomato-quick' : 'reproduce-tomato'),
      seeds: intOption(v, 'seeds', { min: 1 }) ?? (quick ? 3 : 5),
      grid: choiceOption(v, 'grid', ['standard', 'paper'] as const) ?? 'standard',
      quick,
      progress: !v['quiet'],
      ...(iterations ? { iterations } : {}),
      ...(jobs ? { jobs } : {}),
      ...(methods ? { methods } : {}),
    });
    out(result.report);
    out(`\nwrote ${result.files.join(', ')}`);
    return 0;
  },
};

export const commands: Record<string, Command> = {
  train: trainCommand,
  eval: evalCommand,
  envs: envsCommand,
  render: renderCommand,
  rollouts: rolloutsCommand,
  bc: bcCommand,
  reproduce: reproduceCommand,
  demo: demoCommand,
};
