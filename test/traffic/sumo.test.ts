/**
 * Against the real `sumo` binary (Debian package sumo 1.15): the TraCI client, process handling,
 * the merge scenario and the traffic environment. Skipped, saying why, only when SUMO is missing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as C from '../../src/envs/traffic/traci/constants.js';
import { TraciCommandError } from '../../src/envs/traffic/traci/protocol.js';
import { asNumber, asString, asStringList, double } from '../../src/envs/traffic/traci/storage.js';
import { SumoProcess, SumoNotFoundError, processAlive, sumoAvailable } from '../../src/envs/traffic/sumo-process.js';
import { DEFAULT_MERGE_SCENARIO, generateMergeScenario, sumoArgs } from '../../src/envs/traffic/scenario.js';
import { TrafficEnv } from '../../src/envs/traffic/traffic-env.js';
import { checkEnv } from '../../src/envs/checker.js';
import { makeController } from '../../src/policies/controllers/index.js';

const skip = sumoAvailable() ? false : 'SUMO is not installed: apt-get install sumo sumo-tools';

test('netconvert builds the merge network with the spec lengths (372.68 m in all)', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'goodhart-traffic-test-'));
  try {
    const s = generateMergeScenario(dir, DEFAULT_MERGE_SCENARIO);
    for (const [edge, len] of [['inflow_highway', 50], ['left', 100], ['center', 75], ['inflow_merge', 50], ['bottom', 50]] as const) assert.equal(s.edgeLengths.get(edge), len, edge);
    assert.ok(Math.abs(s.networkLength - 372.68) < 0.05, `network length ${s.networkLength}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the TraCI client round-trips every value type it uses with sumo', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'goodhart-traffic-test-'));
  const files = generateMergeScenario(dir, DEFAULT_MERGE_SCENARIO);
  const sumo = SumoProcess.launch({ args: sumoArgs(files, 7, 0.2), cwd: dir, logFile: join(dir, 'sumo.log') });
  try {
    const c = sumo.client;
    // int and string
    assert.deepEqual(c.getVersion(), { apiVersion: C.TRACI_API_VERSION, identifier: 'SUMO 1.15.0' });
    // a simulation subscription: double, string lists, int
    const sub = c.subscribeSimulation([{ id: C.VAR_TIME }, { id: C.VAR_DEPARTED_VEHICLES_IDS }, { id: C.VAR_TELEPORT_STARTING_VEHICLES_NUMBER }]);
    assert.equal(asNumber(sub.values.get(C.VAR_TIME)), 0);
    assert.deepEqual(asStringList(sub.values.get(C.VAR_DEPARTED_VEHICLES_IDS)), []);
    assert.equal(sub.values.get(C.VAR_TELEPORT_STARTING_VEHICLES_NUMBER)?.type, 'int');
    const departed: string[] = [];
    for (let i = 0; i < 15; i++) {
      const res = c.simulationStep();
      const mine = res.find((r) => r.responseId === C.RESPONSE_SUBSCRIBE_SIM_VARIABLE)!;
      assert.ok(Math.abs(asNumber(mine.values.get(C.VAR_TIME)) - 0.2 * (i + 1)) < 1e-9);
      departed.push(...asStringList(mine.values.get(C.VAR_DEPARTED_VEHICLES_IDS)));
    }
    assert.ok(Math.abs(c.time() - 3) < 1e-9);
    assert.deepEqual(departed.slice(0, 2).sort(), ['human_init_0', 'human_init_1']);
    assert.ok(departed.includes('bus.0') && departed.includes('human_merge.0'), `departed: ${departed.join(',')}`);
    const ids = c.vehicleIds();
    assert.deepEqual([...ids].sort(), [...departed].sort());
    // The initial car at the start of the highway follows the one placed after the junction.
    const follower = 'human_init_0';
    // string, double, int, position2d, compound
    assert.equal(asString(c.getVehicle(C.VAR_ROAD_ID, follower)), 'inflow_highway');
    assert.equal(c.getVehicle(C.VAR_LANE_INDEX, follower).type, 'int');
    const pos = c.getVehicle(C.VAR_POSITION, follower);
    assert.equal(pos.type, 'position2d');
    assert.equal(c.leader('human_init_1'), null);
    const lead = c.leader(follower);
    assert.ok(lead && lead.id === 'human_init_1' && lead.gap > 100, `leader of ${follower}: ${JSON.stringify(lead)}`);
    // vehicle subscription with a parameter (the leader within 2000 m)
    const vs = c.subscribeVehicle(follower, [{ id: C.VAR_SPEED }, { id: C.VAR_LEADER, param: double(2000) }]);
    assert.equal(vs.values.get(C.VAR_LEADER)?.type, 'compound');
    // setters: int (speed mode), compound (slowDown, setAcceleration), double (setSpeed)
    c.setSpeedMode(follower, 1);
    assert.equal(asNumber(c.getVehicle(C.VAR_SPEEDSETMODE, follower)), 1);
    const before = asNumber(vs.values.get(C.VAR_SPEED));
    assert.ok(before > 5, `the car is moving (${before} m/s)`);
    // Flow's way of applying an acceleration: slowDown to the target speed over 1 ms.
    c.slowDown(follower, 0, 1e-3);
    const after = asNumber(c.simulationStep().find((r) => r.objectId === follower)!.values.get(C.VAR_SPEED));
    assert.ok(after < 0.5, `slowDown to 0 all but stops the car (${before} -> ${after} m/s)`);
    c.setAcceleration(follower, 1, 1);
    c.simulationStep();
    const accelerated = asNumber(c.getVehicle(C.VAR_SPEED, follower));
    // SUMO ramps the commanded acceleration in over the command's duration, so one step gains less than 0.2 m/s.
    assert.ok(accelerated - after > 0.1 && accelerated - after <= 0.2 + 1e-9, `setAcceleration 1 m/s² for one 0.2 s step: ${after} -> ${accelerated}`);
    c.setSpeed(follower, 3);
    for (let i = 0; i < 8; i++) c.simulationStep(); // reached within the type's 2.6 m/s² acceleration
    assert.ok(Math.abs(asNumber(c.getVehicle(C.VAR_SPEED, follower)) - 3) < 1e-6);
    // an error status names the problem and leaves the connection usable
    assert.throws(() => c.setSpeed('nobody', 1), (e: unknown) => e instanceof TraciCommandError && /nobody/.test(e.message));
    assert.ok(c.time() > 3);
    assert.ok(c.stats.roundTrips > 20);
  } finally {
    sumo.close();
    rmSync(dir, { recursive: true, force: true });
  }
  assert.equal(processAlive(sumo.pid), false, 'close() leaves no sumo');
});

test('an env step advances simulated time by 1 s; inflows load and insert at the configured rates', { skip }, () => {
  const env = new TrafficEnv({ horizon: 300 });
  try {
    const r = env.reset(3);
    assert.equal(r.info.time, 0.2);
    const idm = makeController('traffic', 'idm');
    idm.reset();
    let last = env.simulationTime;
    let steps = 0;
    for (; steps < 150; steps++) {
      const s = env.step(idm.act(env) as Float32Array);
      assert.ok(Math.abs((s.info.time as number) - last - 1) < 1e-9, `step ${steps + 1}: time ${s.info.time} after ${last}`);
      last = s.info.time as number;
      assert.equal(s.obs.length, 50);
      if (s.terminated) break;
    }
    assert.equal(steps, 150, 'the IDM base policy does not crash');
    const seconds = last - 1; // flows begin at t = 1 s
    const expect = (rate: number) => (rate * seconds) / 3600;
    const loaded = (f: string) => env.loadedByFlow.get(f) ?? 0;
    const departed = (f: string) => env.departedByFlow.get(f) ?? 0;
    // Loading follows the flow rates exactly (to one vehicle).
    assert.ok(Math.abs(loaded('human') - expect(7500)) <= 1.01, `human loaded ${loaded('human')} vs ${expect(7500)}`);
    assert.ok(Math.abs(loaded('human_merge') - expect(337.5)) <= 1.01, `human_merge loaded ${loaded('human_merge')}`);
    assert.ok(Math.abs(loaded('bus') - expect(112.5)) <= 1.01, `bus loaded ${loaded('bus')}`);
    // The ramp is free, so its cars enter as they are generated; the highway's 7500 veh/h exceed
    // what one lane starting at 10 m/s can take, so fewer enter than are generated.
    assert.ok(Math.abs(departed('human_merge') - expect(337.5)) <= 2, `human_merge departed ${departed('human_merge')}`);
    assert.ok(Math.abs(departed('bus') - expect(112.5)) <= 2, `bus departed ${departed('bus')}`);
    assert.ok(departed('human') > 30 && departed('human') < loaded('human'), `human departed ${departed('human')}`);
  } finally {
    env.close();
  }
});

test('the traffic env passes checkEnv (short horizon)', { skip }, () => {
  const report = checkEnv((config?: Record<string, unknown>) => new TrafficEnv(config), { config: { horizon: 12 }, episodes: 2, seed: 5 });
  assert.deepEqual(report.passed, ['spaces', 'rollouts', 'reset-after-end', 'determinism', 'invalid-actions']);
  assert.equal(report.observationDim, 50);
  assert.equal(report.actionSpace, 'Box(-1.5, 1.5, [10])');
});

test('several envs run in parallel, each with its own sumo, and close() ends them', { skip }, () => {
  const envs = [new TrafficEnv({ horizon: 5 }), new TrafficEnv({ horizon: 5 }), new TrafficEnv({ horizon: 5 })];
  try {
    envs.forEach((e, i) => e.reset(i));
    const pids = envs.map((e) => e.sumoPid!);
    assert.equal(new Set(pids).size, 3);
    for (let t = 0; t < 3; t++) for (const e of envs) e.step(new Float32Array(10));
    assert.ok(envs.every((e) => Math.abs(e.simulationTime - 3.2) < 1e-9));
    for (const e of envs) e.close();
    assert.deepEqual(pids.map(processAlive), [false, false, false]);
  } finally {
    for (const e of envs) e.close();
  }
});

/** Starts a Node process that opens a traffic env, and returns it with the pid of its sumo. */
function childWithEnv(): Promise<{ child: ReturnType<typeof spawn>; sumoPid: number }> {
  const module = fileURLToPath(new URL('../../src/envs/traffic/traffic-env.js', import.meta.url));
  const code = `import { TrafficEnv } from ${JSON.stringify(module)}; const e = new TrafficEnv(); e.reset(0); console.log('PID ' + e.sumoPid); setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /PID (\d+)/.exec(out);
      if (m) resolve({ child, sumoPid: Number(m[1]) });
    });
    child.on('exit', (code) => reject(new Error(`child exited (${code}) before reporting its sumo: ${out}`)));
  });
}

async function waitGone(pid: number, ms = 5000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (!processAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return !processAlive(pid);
}

for (const signal of ['SIGKILL', 'SIGTERM', 'SIGINT'] as const) {
  test(`${signal} to the parent Node process leaves no sumo running`, { skip }, async () => {
    const { child, sumoPid } = await childWithEnv();
    assert.ok(processAlive(sumoPid), 'sumo runs while its parent lives');
    child.kill(signal);
    assert.ok(await waitGone(sumoPid), `sumo ${sumoPid} still runs after ${signal} of its parent`);
  });
}

test('a missing sumo is reported with how to install it', () => {
  const saved = process.env.GOODHART_SUMO_BIN;
  process.env.GOODHART_SUMO_BIN = '/nonexistent/sumo';
  try {
    const env = new TrafficEnv();
    assert.equal(env.observationSpace.low.length, 50, 'the env can be described without SUMO');
    assert.throws(() => env.reset(0), (e: unknown) => e instanceof SumoNotFoundError && /apt-get install sumo sumo-tools/.test(e.message));
    env.close();
  } finally {
    if (saved === undefined) delete process.env.GOODHART_SUMO_BIN;
    else process.env.GOODHART_SUMO_BIN = saved;
  }
});
