import { test } from 'node:test';
import assert from 'node:assert/strict';
import { accelTerm, commuteTerm, headwayTerm, trafficRewardTerms, velTerm, weightedReward, TRAFFIC_PROXY_WEIGHTS, TRAFFIC_TRUE_WEIGHTS } from '../../src/envs/traffic/rewards.js';
import { FLOW_IDM, idmAcceleration } from '../../src/envs/traffic/idm.js';
import { DEFAULT_MERGE_SCENARIO, mergeEdgeStarts, mergeNodesXml, readEdgeLengths } from '../../src/envs/traffic/scenario.js';
import { resolveTrafficConfig } from '../../src/envs/traffic/traffic-env.js';
import { assertClose } from '../helpers.js';

test('reward terms follow Flow: mean speed, minus mean inverse speed, minus mean |a|, headway penalty', () => {
  assert.equal(velTerm([10, 20, 0]), 10);
  assert.equal(velTerm([]), 0);
  assertClose(commuteTerm([0, 9.999]), -(1 / 0.001 + 1 / 10) / 2, 1e-9);
  assert.equal(commuteTerm([]), -10000);
  assertClose(accelTerm([1.5, -1.5, 0, 0, 0, 0, 0, 0, 0, 0]), -0.3, 1e-12);
  // time headway 0.5 s costs 0.5; 2 s costs nothing; a stopped car is skipped.
  assertClose(headwayTerm([{ speed: 10, headway: 5 }, { speed: 10, headway: 20 }, { speed: 0, headway: 1 }]), -0.5, 1e-12);
});

test('proxy and true weightings, and zero rewards on a crash', () => {
  const input = { speeds: [10, 0.999], actions: [1, 0, 0, 0, 0, 0, 0, 0, 0, 0], controlledHeadways: [{ speed: 10, headway: 5 }], crashed: false };
  const terms = trafficRewardTerms(input);
  assertClose(weightedReward(terms, TRAFFIC_PROXY_WEIGHTS), 5.4995 - 0.1 - 0.05, 1e-9);
  assertClose(weightedReward(terms, TRAFFIC_TRUE_WEIGHTS), -(1 / 10.001 + 1 / 1) / 2 - 0.1 - 0.05, 1e-9);
  const crashed = trafficRewardTerms({ ...input, crashed: true });
  assert.deepEqual(crashed, { vel: 0, commute: 0, accel: 0, headway: 0 });
  assert.deepEqual(trafficRewardTerms({ ...input, speeds: [5, -1001] }), { vel: 0, commute: 0, accel: 0, headway: 0 });
});

test('IDM with the merge_bus parameters', () => {
  assert.deepEqual({ ...FLOW_IDM }, { v0: 30, T: 1, a: 1, b: 1.5, delta: 4, s0: 2 });
  // Free road at rest: full acceleration a; at v0: zero.
  assert.equal(idmAcceleration(0, null, 1000), 1);
  assertClose(idmAcceleration(30, null, 1000), 0, 1e-12);
  // Behind a stopped leader 10 m ahead at 10 m/s: s* = 2 + 10 + 100/(2√1.5).
  const sStar = 2 + 10 + 100 / (2 * Math.sqrt(1.5));
  assertClose(idmAcceleration(10, 0, 10), 1 - (10 / 30) ** 4 - (sStar / 10) ** 2, 1e-12);
  // A zero headway is clipped to 1e-3 instead of dividing by zero.
  assert.ok(Number.isFinite(idmAcceleration(5, 5, 0)));
});

test('scenario geometry and Flow position axis match the spec', () => {
  const nodes = mergeNodesXml(DEFAULT_MERGE_SCENARIO);
  assert.match(nodes, /<node id="inflow_merge" x="29.2893218813452[0-9]*" y="-70.7106781186547[0-9]*"\/>/);
  assert.match(nodes, /<node id="center" x="100" y="0" radius="10"\/>/);
  const starts = mergeEdgeStarts(DEFAULT_MERGE_SCENARIO);
  assert.deepEqual(Object.fromEntries([...starts].map(([k, v]) => [k, Number(v.toFixed(3))])), { inflow_highway: 0, ':left': 50, left: 50.1, ':center': 150.1, center: 172.6, inflow_merge: 247.6, ':bottom': 297.6, bottom: 297.7 });
  const lengths = readEdgeLengths('<net><edge id=":c_0" function="internal"><lane id=":c_0_0" length="22.95" shape=""/></edge><edge id="left" from="a"><lane id="left_0" index="0" length="100.00"/></edge></net>');
  assert.deepEqual([...lengths], [[':c_0', 22.95], ['left', 100]]);
});

test('traffic config errors name the field and what is allowed', () => {
  assert.throws(() => resolveTrafficConfig({ horizon: 0 }), /invalid horizon=0; allowed: an integer >= 1/);
  assert.throws(() => resolveTrafficConfig({ humanDriver: 'x' as never }), /humanDriver="x"; allowed: 'idm', 'sumo'/);
  assert.throws(() => resolveTrafficConfig({ bogus: 1 } as never), /unknown field "bogus"/);
  assert.throws(() => resolveTrafficConfig({ proxyWeights: { speed: 1 } as never }), /proxyWeights.speed/);
  assert.throws(() => resolveTrafficConfig({ scenario: { highwayLanes: 0 } }), /scenario.highwayLanes=0/);
  assert.deepEqual(resolveTrafficConfig({ proxyWeights: { headway: 0 } as never }).proxyWeights, { vel: 1, commute: 0, accel: 1, headway: 0 });
});
