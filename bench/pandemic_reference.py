"""Runs the reference pandemic simulator (PandemicSimulator, ORPO fork) with the ORPO city and
prints one JSON object: simulated days per second, and per-episode statistics under fixed stages.

Usage:
    GOODHART_PANDEMIC_REF=/path/to/pandemic python3 bench/pandemic_reference.py \
        [--stages 0,4] [--seeds 10] [--first-seed 0] [--days 193] [--persons 500]

GOODHART_PANDEMIC_REF is a checkout of the reference repository (the folder holding `python/`);
no reference code lives in this project. Its optional dependencies (structlog, ordered-set,
cachetools, istype, gymnasium, ray) must be importable, e.g. via PYTHONPATH; docs/reference-checks.md
says which small stand-ins were used where they were missing.

The episode loop mirrors the reference gym env with ORPO's settings (constrain=True): every day
the stage moves one step towards the target (lower/keep/raise), that regulation is imposed (it
is re-imposed every day, as the env does), and 24 hourly simulator steps follow. An episode is
193 days (the env's done function fires when the simulated day exceeds 192). The gym wrapper
itself is not used: its observation and reward bookkeeping would only add time and randomness-free
work, and the statistics below read the simulator's true state.

Per episode, from the true combined infection summary after each day's 24 hours:
  peakInfectedFraction  max over days of (infected + critical) / persons
  peakDay               first day (1-based) with that maximum
  finalDeadFraction     dead / persons after the last day
"""
import argparse
import json
import os
import sys
import time
import types


def import_reference(root):
    """Imports the simulator package without its top-level __init__ (which also pulls in
    plotting, HDF5 and evaluation helpers; the last fails on Python >= 3.11 over a mutable
    dataclass default)."""
    pkg_root = os.path.join(root, "python", "pandemic_simulator")
    if not os.path.isdir(pkg_root):
        raise SystemExit(f"GOODHART_PANDEMIC_REF={root}: no python/pandemic_simulator there")
    for name, sub in (("pandemic_simulator", ""), ("pandemic_simulator.script_helpers", "script_helpers")):
        mod = types.ModuleType(name)
        mod.__path__ = [os.path.join(pkg_root, sub) if sub else pkg_root]
        sys.modules[name] = mod
    import pandemic_simulator.environment as env
    from pandemic_simulator.script_helpers.covid_regulations import austin_regulations
    from pandemic_simulator.script_helpers.person_routines import DefaultPersonRoutineAssignment

    return env, austin_regulations, DefaultPersonRoutineAssignment


def orpo_city(env, routines, num_persons):
    """The city of ORPO's pandemic experiments (specs/envs.md B1; data/pandemic_locations_orpo.csv)."""
    L = env.LocationConfig
    locations = [
        L(env.Home, num=150),
        L(env.GroceryStore, num=2, num_assignees=5, state_opts=dict(visitor_capacity=30)),
        L(env.Office, num=2, num_assignees=150, state_opts=dict(visitor_capacity=0)),
        L(env.School, num=10, num_assignees=2, state_opts=dict(visitor_capacity=30)),
        L(env.Hospital, num=1, num_assignees=15, state_opts=dict(patient_capacity=5)),
        L(env.RetailStore, num=2, num_assignees=5, state_opts=dict(visitor_capacity=30)),
        L(env.HairSalon, num=2, num_assignees=3, state_opts=dict(visitor_capacity=5)),
        L(env.Restaurant, num=1, num_assignees=6, state_opts=dict(visitor_capacity=30)),
        L(env.Bar, num=1, num_assignees=3, state_opts=dict(visitor_capacity=30)),
    ]
    return env.PandemicSimConfig(
        num_persons=num_persons,
        location_configs=locations,
        person_routine_assignment=routines(),
        delta_start_lo=95,
        delta_start_hi=105,
    )


def run_episode(env, regulations, routines, seed, target_stage, days, num_persons):
    import numpy as np

    # The simulator draws from numpy's global generator (its own seed) and from the registry's
    # generator (persons, population, infection models); seed both.
    np.random.seed(seed)
    env.init_globals(seed=seed)
    t_build = time.perf_counter()
    sim = env.PandemicSim.from_config(orpo_city(env, routines, num_persons), env.PandemicSimOpts(spontaneous_testing_rate=0.3))
    sim.reset()
    t0 = time.perf_counter()
    c0 = time.process_time()
    by_stage = {r.stage: r for r in regulations}
    summary = env.InfectionSummary
    peak, peak_day, dead = -1, 0, 0
    for day in range(1, days + 1):
        prev = sim.state.regulation_stage
        action = 2 if target_stage > prev else 0 if target_stage < prev else 1
        sim.impose_regulation(by_stage[min(max(prev + action - 1, 0), 4)])
        for _ in range(24):
            sim.step()
        s = sim.state.global_infection_summary
        infected = s[summary.INFECTED] + s[summary.CRITICAL]
        if infected > peak:
            peak, peak_day = infected, day
        dead = s[summary.DEAD]
    t1 = time.perf_counter()
    c1 = time.process_time()
    return {
        "seed": seed,
        "stage": target_stage,
        "days": days,
        "peakInfectedFraction": peak / num_persons,
        "peakDay": peak_day,
        "finalDeadFraction": dead / num_persons,
        "buildSeconds": t0 - t_build,
        "seconds": t1 - t0,
        # CPU time of this process: on a shared, overloaded machine the wall-clock rate mostly
        # measures the other processes, the CPU-time rate the simulator.
        "cpuSeconds": c1 - c0,
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--stages", default="0,4")
    ap.add_argument("--seeds", type=int, default=1)
    ap.add_argument("--first-seed", type=int, default=0)
    ap.add_argument("--days", type=int, default=193)
    ap.add_argument("--persons", type=int, default=500)
    args = ap.parse_args()
    root = os.environ.get("GOODHART_PANDEMIC_REF")
    if not root:
        raise SystemExit("set GOODHART_PANDEMIC_REF to a checkout of the reference pandemic simulator")
    env, regulations, routines = import_reference(root)
    episodes = []
    for stage in [int(s) for s in args.stages.split(",") if s != ""]:
        for seed in range(args.first_seed, args.first_seed + args.seeds):
            episodes.append(run_episode(env, regulations, routines, seed, stage, args.days, args.persons))
            print(json.dumps(episodes[-1]), file=sys.stderr, flush=True)
    days = sum(e["days"] for e in episodes)
    seconds = sum(e["seconds"] for e in episodes)
    cpu = sum(e["cpuSeconds"] for e in episodes)
    print(json.dumps({
        "python": sys.version.split()[0],
        "persons": args.persons,
        "days": days,
        "seconds": seconds,
        "daysPerSecond": days / seconds if seconds > 0 else None,
        "cpuSeconds": cpu,
        "daysPerCpuSecond": days / cpu if cpu > 0 else None,
        "loadavg": list(os.getloadavg()),
        "episodes": episodes,
    }))


if __name__ == "__main__":
    main()
