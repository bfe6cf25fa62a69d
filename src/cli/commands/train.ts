/** `goodhart train`: PPO or ORPO runs, new or resumed. */
import { join } from 'node:path';
import { parse, intOption, choiceOption, stringOption } from '../args.js';
import { out, readJsonFile, numberList, numberFlag, gaaFlagSettings, type Command } from '../shared.js';
import { ConfigError } from '../../util/validate.js';
import { REWARD_KINDS } from '../../envs/types.js';
import { listEnvs } from '../../envs/registry.js';
import { train } from '../../experiments/train.js';
import { mergeRunInputs, ALGOS } from '../../experiments/run-config.js';
import { OM_DIVERGENCES } from '../../algos/orpo/divergences.js';
import { AD_DIVERGENCES } from '../../algos/orpo/action-divergence.js';
import { GAA_VARIANTS } from '../../algos/gaa/config.js';
import { formatMeanSe } from '../../util/stats.js';
import { formatDuration } from '../../util/progress.js';

export const trainCommand: Command = {
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
  --env-workers  worker threads that step the environment copies (ppo.numEnvWorkers; default 0 = main
                 thread); the numbers do not change, expensive simulators (pandemic) sample faster
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
  --percent-safe fraction of environment copies that run the base policies (default 0.5)
  --init-policy  start from this run's latest policy (e.g. a BC base policy), as the paper does on glucose, pandemic and traffic

GAA (Greedy Advantage Aware PPO, discrete actions; see docs/gaa.md):
  --algo gaa     weigh PPO's update and the greedy action's by a and b (from eta and sigma)
  --gaa-variant  prose (default: the greedy actions' own log-probabilities) or published (the code's: sampled ratios times the greedy advantage)
  --x-eta        scale of eta (x_eta, default 1)     --x-sig   scale of sigma (x_sig, default 1; 0 is plain PPO)

Diagnostics:
  --sharpness-every K  every K iterations: PPO loss slice along the update and Hessian lambda1/lambda5
                 (metrics sharpnessTop/Fifth/Ratio, sharpness.json, sharpness-slices/-ratio plots; docs/lm-extras.md)`,
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
        'env-workers': { type: 'string' },
        resume: { type: 'boolean' },
        quiet: { type: 'boolean' },
        algo: { type: 'string' },
        base: { type: 'string', multiple: true },
        reference: { type: 'string', multiple: true },
        'init-policy': { type: 'string' },
        coeff: { type: 'string', multiple: true },
        divergence: { type: 'string', multiple: true },
        'state-only': { type: 'boolean' },
        'ad-coeff': { type: 'string' },
        'ad-kl-coeff': { type: 'string' },
        'ad-divergence': { type: 'string' },
        'coeff-scale': { type: 'string' },
        'percent-safe': { type: 'string' },
        'gaa-variant': { type: 'string' },
        'x-eta': { type: 'string' },
        'x-sig': { type: 'string' },
        'sharpness-every': { type: 'string' },
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
    const envWorkers = intOption(v, 'env-workers', { min: 0 });
    const input = mergeRunInputs(fromFile, {
      ppo: envWorkers === undefined ? undefined : { numEnvWorkers: envWorkers },
      env: stringOption(v, 'env'),
      reward: choiceOption(v, 'reward', REWARD_KINDS),
      seed: intOption(v, 'seed'),
      iterations: intOption(v, 'iterations', { min: 1 }),
      sharpnessEvery: intOption(v, 'sharpness-every', { min: 0 }),
      ...orpoInputFromFlags(v),
      ...gaaInputFromFlags(v),
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
  if (input['algo'] === 'gaa') parts.push('gaa');
  if (input['algo'] === 'orpo') {
    const o = (input['orpo'] ?? {}) as Record<string, unknown>;
    parts.push('orpo', String((o['omDivergenceType'] as string[] | undefined)?.join('+') ?? 'sqrt_chi2'), String((o['omDivergenceCoeffs'] as number[] | undefined)?.join('+') ?? '0'));
    if (o['actionDistDivergenceCoeff']) parts.push(`ad${String(o['actionDistDivergenceCoeff'])}`);
  }
  parts.push(String(input['reward']), `seed${String(input['seed'])}`);
  return parts.join('-');
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
  const init = v['init-policy'];
  if (typeof init === 'string') out['initPolicy'] = init;
  if (Object.keys(orpo).length) {
    out['orpo'] = orpo;
    out['algo'] ??= 'orpo';
  }
  if (bases.length && out['algo'] === undefined) out['algo'] = 'orpo';
  return out;
}

/** The GAA part of a run input from train's flags; any GAA flag implies --algo gaa. */
function gaaInputFromFlags(v: Record<string, unknown>): Record<string, unknown> {
  const gaa = gaaFlagSettings(v);
  if (!Object.keys(gaa).length) return {};
  const algo = choiceOption(v, 'algo', ALGOS);
  if (algo !== undefined && algo !== 'gaa') throw new ConfigError(`--gaa-variant, --x-eta and --x-sig are GAA settings, but --algo is ${algo}`);
  return { algo: 'gaa', gaa };
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
