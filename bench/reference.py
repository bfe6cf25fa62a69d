"""PyTorch references for `npm run bench`, measured on the same machine in the same run.

  python3 bench/reference.py [--quick]    prints one JSON object on stdout

* matmul: 512x512 float32 GFLOP/s.
* learner: PPO samples/s through one SGD epoch over a 3000-sample tomato batch (minibatch 128):
  RLlib's PPO loss as in src/algos/ppo/loss.ts (clipped surrogate, squared value error, entropy
  bonus, KL(old||new) penalty), global-norm gradient clipping, Adam; tanh MLP policy plus a
  separate value MLP of the same shape, 36 inputs, 4 actions.
* ppo: end-to-end PPO env steps/s on tomato level 4 (bench/tomato_ref.py) with the paper's
  settings: 30 envs x 100 steps per iteration, 8 epochs of minibatch 128, GAE(0.99, 0.98).

Every measurement is taken with 1 and with all CPU threads and the faster is reported, so the
reference is PyTorch at its best on this machine.
"""
import json
import os
import sys
import time


def choose_openblas_core():
    """OpenBLAS falls back to its slowest kernels on CPUs newer than its tables; name the right family."""
    if "OPENBLAS_CORETYPE" in os.environ:
        return None
    try:
        with open("/proc/cpuinfo") as f:
            flags = next((line.split(":", 1)[1].split() for line in f if line.startswith("flags")), [])
    except OSError:
        return None
    if {"avx512f", "avx512bw", "avx512vl", "avx512dq"} <= set(flags):
        core = "SkylakeX"
    elif {"avx2", "fma"} <= set(flags):
        core = "Haswell"
    else:
        return None
    os.environ["OPENBLAS_CORETYPE"] = core
    return core


FORCED_CORE = choose_openblas_core()
import torch  # noqa: E402  (after the environment is set)

QUICK = "--quick" in sys.argv
OBS_DIM, N_ACTIONS = 36, 4
THREADS = sorted({1, os.cpu_count() or 1})


def blas_library():
    try:
        with open("/proc/self/maps") as f:
            libs = {line.split()[-1] for line in f if "blas" in line.lower() and ".so" in line}
        names = sorted({os.path.basename(os.path.realpath(p)) for p in libs})
        return ", ".join(n for n in names if "lapack" not in n) or "unknown"
    except OSError:
        return "unknown"


def best_rate(fn, seconds):
    """Best units/s over 3 rounds of about seconds/3 each, after one warm-up call."""
    fn()
    best = 0.0
    for _ in range(3):
        units, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds / 3:
            units += fn()
        best = max(best, units / (time.perf_counter() - start))
    return best


def mlp(hidden, out):
    layers, last = [], OBS_DIM
    for h in hidden:
        layers += [torch.nn.Linear(last, h), torch.nn.Tanh()]
        last = h
    layers.append(torch.nn.Linear(last, out))
    return torch.nn.Sequential(*layers)


class Learner:
    def __init__(self, hidden, lr=1e-3, clip=0.05, vf_coeff=0.01, ent_coeff=0.01, kl_coeff=0.2, grad_clip=0.1):
        torch.manual_seed(0)
        self.pi, self.vf = mlp(hidden, N_ACTIONS), mlp(hidden, 1)
        self.params = list(self.pi.parameters()) + list(self.vf.parameters())
        self.opt = torch.optim.Adam(self.params, lr=lr)
        self.clip, self.vf_coeff, self.ent_coeff, self.kl_coeff, self.grad_clip = clip, vf_coeff, ent_coeff, kl_coeff, grad_clip

    def update(self, obs, actions, old_logits, old_logp, adv, targets):
        logits = self.pi(obs)
        values = self.vf(obs).reshape(-1)
        logp_all = torch.log_softmax(logits, 1)
        logp = logp_all.gather(1, actions.reshape(-1, 1)).reshape(-1)
        ratio = torch.exp(logp - old_logp)
        surrogate = torch.minimum(adv * ratio, adv * torch.clamp(ratio, 1 - self.clip, 1 + self.clip))
        policy_loss = -surrogate.mean()
        vf_loss = ((values - targets) ** 2).mean()
        entropy = -(logp_all.exp() * logp_all).sum(1).mean()
        old_logp_all = torch.log_softmax(old_logits, 1)
        kl = (old_logp_all.exp() * (old_logp_all - logp_all)).sum(1).mean()
        total = policy_loss + self.vf_coeff * vf_loss - self.ent_coeff * entropy + self.kl_coeff * kl
        self.opt.zero_grad(set_to_none=True)
        total.backward()
        torch.nn.utils.clip_grad_norm_(self.params, self.grad_clip)
        self.opt.step()

    def epochs(self, batch, epochs, minibatch, gen):
        obs, actions, old_logits, adv, targets = batch
        with torch.no_grad():
            old_logp = torch.log_softmax(old_logits, 1).gather(1, actions.reshape(-1, 1)).reshape(-1)
        size = obs.shape[0]
        for _ in range(epochs):
            perm = torch.randperm(size, generator=gen)
            for m in range(size // minibatch):
                idx = perm[m * minibatch : (m + 1) * minibatch]
                self.update(obs[idx], actions[idx], old_logits[idx], old_logp[idx], adv[idx], targets[idx])
        return (size // minibatch) * minibatch * epochs


def bench_matmul(n=512):
    a, b = torch.randn(n, n), torch.randn(n, n)

    def once():
        for _ in range(10):
            a @ b
        return 10 * 2 * n**3

    return best_rate(once, 0.6 if QUICK else 1.5) / 1e9


def random_batch(size=3000):
    gen = torch.Generator().manual_seed(1)
    obs = torch.zeros(size, OBS_DIM)
    obs[torch.arange(size), torch.randint(0, 26, (size,), generator=gen)] = 1
    obs[:, 26:] = (torch.rand(size, 10, generator=gen) < 0.3).float()
    actions = torch.randint(0, N_ACTIONS, (size,), generator=gen)
    old_logits = 0.01 * torch.randn(size, N_ACTIONS, generator=gen)
    adv = torch.randn(size, generator=gen)
    targets = torch.randn(size, generator=gen)
    return obs, actions, old_logits, adv, targets


def bench_learner(hidden):
    learner, batch, gen = Learner(hidden), random_batch(), torch.Generator().manual_seed(2)
    return best_rate(lambda: learner.epochs(batch, 1, 128, gen), 1.0 if QUICK else 4.0)


def bench_ppo(hidden, iterations):
    from tomato_ref import TomatoEnv

    num, length, epochs, minibatch, gamma, lam = 30, 100, 8, 128, 0.99, 0.98
    envs = [TomatoEnv() for _ in range(num)]
    obs_list = [e.reset() for e in envs]
    learner, gen = Learner(hidden), torch.Generator().manual_seed(3)

    def iteration():
        obs_buf = torch.zeros(length, num, OBS_DIM)
        act_buf = torch.zeros(length, num, dtype=torch.long)
        logit_buf = torch.zeros(length, num, N_ACTIONS)
        val_buf = torch.zeros(length, num)
        rew_buf = torch.zeros(length, num)
        term_buf = torch.zeros(length, num, dtype=torch.bool)
        trunc_buf = torch.zeros(length, num, dtype=torch.bool)
        trunc_val = torch.zeros(length, num)
        nonlocal obs_list
        for t in range(length):
            obs = torch.tensor(obs_list)
            with torch.no_grad():
                logits, values = learner.pi(obs), learner.vf(obs).reshape(-1)
                actions = torch.multinomial(torch.softmax(logits, 1), 1, generator=gen).reshape(-1)
            obs_buf[t], act_buf[t], logit_buf[t], val_buf[t] = obs, actions, logits, values
            finals = []
            for i, (env, a) in enumerate(zip(envs, actions.tolist())):
                o, proxy, _true, term, trunc = env.step(a)
                rew_buf[t, i], term_buf[t, i], trunc_buf[t, i] = proxy, term, trunc
                if term or trunc:
                    if trunc and not term:
                        finals.append((i, o))
                    o = env.reset()
                obs_list[i] = o
            if finals:
                with torch.no_grad():
                    v = learner.vf(torch.tensor([o for _, o in finals])).reshape(-1)
                for (i, _), vi in zip(finals, v.tolist()):
                    trunc_val[t, i] = vi
        with torch.no_grad():
            last_values = learner.vf(torch.tensor(obs_list)).reshape(-1)
        adv = torch.zeros(length, num)
        next_adv, next_value = torch.zeros(num), last_values
        for t in reversed(range(length)):
            next_value = torch.where(term_buf[t], torch.zeros(num), torch.where(trunc_buf[t], trunc_val[t], next_value))
            next_adv = torch.where(term_buf[t] | trunc_buf[t], torch.zeros(num), next_adv)
            delta = rew_buf[t] + gamma * next_value - val_buf[t]
            next_adv = delta + gamma * lam * next_adv
            adv[t], next_value = next_adv, val_buf[t]
        targets = (adv + val_buf).reshape(-1)
        adv = adv.reshape(-1)
        adv = (adv - adv.mean()) / torch.clamp(adv.std(unbiased=False), min=1e-4)
        batch = (obs_buf.reshape(-1, OBS_DIM), act_buf.reshape(-1), logit_buf.reshape(-1, N_ACTIONS), adv, targets)
        learner.epochs(batch, epochs, minibatch, gen)
        return num * length

    iteration()
    start = time.perf_counter()
    steps = sum(iteration() for _ in range(iterations))
    return steps / (time.perf_counter() - start)


def best_over_threads(fn):
    """(best value, threads) over THREADS."""
    results = []
    for n in THREADS:
        torch.set_num_threads(n)
        results.append((fn(), n))
    return max(results)


def main():
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    out = {"torch": torch.__version__, "python": sys.version.split()[0], "cpus": os.cpu_count(), "blas": blas_library()}
    if FORCED_CORE:
        out["openblasCoretype"] = FORCED_CORE
    out["matmul512"] = dict(zip(("gflops", "threads"), best_over_threads(bench_matmul)))
    out["learner"], out["ppo"] = {}, {}
    for name, hidden in (("2x64", [64, 64]), ("4x512", [512] * 4)):
        value, threads = best_over_threads(lambda: bench_learner(hidden))
        out["learner"][name] = {"samplesPerSec": value, "threads": threads}
        if QUICK and name == "4x512":
            continue
        torch.set_num_threads(threads)
        out["ppo"][name] = {"stepsPerSec": bench_ppo(hidden, 1 if QUICK or name == "4x512" else 3), "threads": threads}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
