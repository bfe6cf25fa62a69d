"""Runs the reference glucose patient model (the RL4BG fork used by ORPO, `T1DPatientNew`) and
prints one JSON object.

Usage:
    GOODHART_GLUCOSE_REF=/path/to/glucose python3 bench/glucose_reference.py trajectory \
        [--patient adult#001] [--minutes 1440] [--t0 0] [--schedule JSON]
    GOODHART_GLUCOSE_REF=/path/to/glucose python3 bench/glucose_reference.py speed \
        [--patient adult#001] [--seconds 20] [--t0 1440]

GOODHART_GLUCOSE_REF is a checkout of the reference repository (the folder holding `bgp/`); no
reference code lives in this project. The patient module imports pandas and joblib at the top
without needing them for the patient itself; where they are missing, importable stand-ins must be
on PYTHONPATH (docs/reference-checks.md).

trajectory: the open-loop patient under a fixed schedule, minute by minute (no sensor, pump or
noise): BG = subcutaneous glucose / Vg after each minute. The schedule JSON is
  {"basal": true, "meals": [[minute, grams], ...], "boluses": [[minute, units_per_min], ...]}
with minutes relative to t0; "basal" adds the patient's basal rate u2ss·BW/6000 every minute.

speed: one environment step of the fork's simulator is 5 one-minute patient steps (each a fresh
`solve_ivp(LSODA, rtol=10)` call); this times those 5 calls at a constant basal rate, i.e. the
patient-model part of an env step (the fork's env adds the sensor, pump, scenario and reward
bookkeeping on top, so its full env step is slower than this).
"""
import argparse
import csv
import json
import os
import sys
import time


class PatientRow:
    """One row of vpatient_params.csv with named numeric attributes, as the model reads them."""

    def __init__(self, header, row):
        for k, v in zip(header, row):
            k = k.strip()
            try:
                setattr(self, k, float(v))
            except ValueError:
                setattr(self, k, v)
        self.Name = row[0]
        self.init_state = [float(v) for v in row[2:15]]


def load_reference(root, name):
    bgp = os.path.join(root, "bgp")
    if not os.path.isdir(bgp):
        raise SystemExit(f"GOODHART_GLUCOSE_REF={root}: no bgp/ there")
    sys.path.insert(0, root)
    from bgp.simglucose.patient.t1dpatient import T1DPatientNew, Action

    with open(os.path.join(bgp, "simglucose", "params", "vpatient_params.csv")) as f:
        rows = list(csv.reader(f))
    header = rows[0]
    for row in rows[1:]:
        if row[0] == name:
            return T1DPatientNew, Action, PatientRow(header, row)
    raise SystemExit(f"unknown patient {name}")


def trajectory(args):
    Patient, Action, params = load_reference(os.environ["GOODHART_GLUCOSE_REF"], args.patient)
    sched = json.loads(args.schedule)
    basal = params.u2ss * params.BW / 6000 if sched.get("basal", True) else 0.0
    meals = {int(t): float(g) for t, g in sched.get("meals", [])}
    boluses = {int(t): float(u) for t, u in sched.get("boluses", [])}
    p = Patient(params, init_state=params.init_state, t0=args.t0)
    bg = []
    c0 = time.process_time()
    for k in range(args.minutes):
        p.step(Action(CHO=meals.get(k, 0.0), insulin=basal + boluses.get(k, 0.0)))
        bg.append(float(p.observation.Gsub))
    print(json.dumps({"patient": args.patient, "t0": args.t0, "minutes": args.minutes, "basal": basal, "cpuSeconds": time.process_time() - c0, "bg": bg}))


def speed(args):
    Patient, Action, params = load_reference(os.environ["GOODHART_GLUCOSE_REF"], args.patient)
    basal = params.u2ss * params.BW / 6000
    p = Patient(params, init_state=params.init_state, t0=args.t0)
    act = Action(CHO=0.0, insulin=basal)
    for _ in range(5):
        p.step(act)
    steps = 0
    t0, c0 = time.perf_counter(), time.process_time()
    while time.perf_counter() - t0 < args.seconds:
        for _ in range(5):
            p.step(act)
        steps += 1
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(json.dumps({
        "patient": args.patient,
        "envSteps": steps,
        "seconds": wall,
        "stepsPerSecond": steps / wall,
        "cpuSeconds": cpu,
        "stepsPerCpuSecond": steps / cpu if cpu > 0 else None,
        "loadavg": list(os.getloadavg()),
    }))


def main():
    if not os.environ.get("GOODHART_GLUCOSE_REF"):
        raise SystemExit("set GOODHART_GLUCOSE_REF to a checkout of the reference glucose simulator")
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["trajectory", "speed"])
    ap.add_argument("--patient", default="adult#001")
    ap.add_argument("--minutes", type=int, default=1440)
    ap.add_argument("--t0", type=float, default=0.0)
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--schedule", default='{"basal": true, "meals": [[60, 50], [360, 70], [720, 80]], "boluses": [[60, 5.0], [360, 7.0], [720, 8.0]]}')
    args = ap.parse_args()
    (trajectory if args.mode == "trajectory" else speed)(args)


if __name__ == "__main__":
    main()
