/**
 * The highway-merge scenario of Flow's `merge_bus` setting (ORPO's traffic environment; specs/
 * envs.md §C1-C2, orpo.md §3.2), written as SUMO's plain XML inputs and turned into a network by
 * SUMO's own `netconvert`:
 *
 *   inflow_highway (50 m) -> left (pre-merge, 100 m) -> [junction "center", radius 10] -> center (post-merge, 75 m)
 *   inflow_merge (50 m) -> bottom (merge, 50 m) --45°--^
 *
 * One lane everywhere, speed limit 30 m/s. Flows: 7500 veh/h of "human" cars on the highway (depart
 * speed 10), 337.5 veh/h of humans and 112.5 veh/h of "bus" vehicles (the controlled ones; 25% of
 * the 450 veh/h merge rate) on the ramp (depart speed 7.5), all from t = 1 s; two humans are on
 * the road at t = 0, spaced evenly along the network as Flow's uniform initial placement puts them.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runNetconvert } from './sumo-process.js';

export interface MergeScenarioConfig {
  /** Metres of highway before the pre-merge section. */
  inflowHighwayLength: number;
  /** Pre-merge highway ("left"). */
  preMergeLength: number;
  /** Post-merge highway ("center"). */
  postMergeLength: number;
  /** Metres of on-ramp before the merge section. */
  inflowMergeLength: number;
  /** The merging ramp section ("bottom"). */
  mergeLength: number;
  /** Angle of the ramp to the highway, radians. */
  angle: number;
  highwayLanes: number;
  mergeLanes: number;
  /** Speed limit on every edge, m/s. */
  speedLimit: number;
  /** Junction radius of the merge node, m. */
  junctionRadius: number;
  /** Human cars entering the highway, vehicles per hour. */
  highwayInflow: number;
  /** Human cars entering the ramp, veh/h. */
  mergeHumanInflow: number;
  /** Controlled ("bus") vehicles entering the ramp, veh/h. */
  mergeControlledInflow: number;
  highwayDepartSpeed: number;
  mergeDepartSpeed: number;
  /** Flows start at this time, s. */
  inflowBegin: number;
  /** Human cars on the road at t = 0. */
  initialHumans: number;
}

export const DEFAULT_MERGE_SCENARIO: Readonly<MergeScenarioConfig> = Object.freeze({
  inflowHighwayLength: 50,
  preMergeLength: 100,
  postMergeLength: 75,
  inflowMergeLength: 50,
  mergeLength: 50,
  angle: Math.PI / 4,
  highwayLanes: 1,
  mergeLanes: 1,
  speedLimit: 30,
  junctionRadius: 10,
  highwayInflow: 7500,
  mergeHumanInflow: 337.5,
  mergeControlledInflow: 112.5,
  highwayDepartSpeed: 10,
  mergeDepartSpeed: 7.5,
  inflowBegin: 1,
  initialHumans: 2,
});

/** SUMO vehicle type ids; the controlled vehicles are the buses. */
export const HUMAN_TYPE = 'human';
export const CONTROLLED_TYPE = 'bus';

/**
 * Flow's SumoCarFollowingParams defaults, given to both types (SUMO's own model drives a car only
 * where nobody commands it: on junction lanes, and controlled cars beyond the 10 slots).
 */
const VTYPE_ATTRS = 'accel="2.6" decel="4.5" sigma="0.5" tau="1.0" minGap="2.5" maxSpeed="30" speedFactor="1.0" speedDev="0.1" impatience="0.5" carFollowModel="IDM" length="5"';
/** Vehicle length and minGap used by the observation and the headways (as in the vTypes above). */
export const VEHICLE_LENGTH = 5;
export const VEHICLE_MIN_GAP = 2.5;

/** The SUMO input files of a generated scenario. */
export interface MergeScenarioFiles {
  dir: string;
  net: string;
  routes: string;
}

const fmt = (v: number) => (Number.isInteger(v) ? String(v) : v.toPrecision(15).replace(/\.?0+$/, ''));

export function mergeNodesXml(c: MergeScenarioConfig): string {
  const cos = Math.cos(c.angle);
  const sin = Math.sin(c.angle);
  const ramp = c.mergeLength + c.inflowMergeLength;
  const nodes: [string, number, number, string?][] = [
    ['inflow_highway', -c.inflowHighwayLength, 0],
    ['left', 0, 0],
    ['center', c.preMergeLength, 0, ` radius="${fmt(c.junctionRadius)}"`],
    ['right', c.preMergeLength + c.postMergeLength, 0],
    ['inflow_merge', c.preMergeLength - ramp * cos, -ramp * sin],
    ['bottom', c.preMergeLength - c.mergeLength * cos, -c.mergeLength * sin],
  ];
  return `<nodes>\n${nodes.map(([id, x, y, extra]) => `  <node id="${id}" x="${fmt(x)}" y="${fmt(y)}"${extra ?? ''}/>`).join('\n')}\n</nodes>\n`;
}

export function mergeEdgesXml(c: MergeScenarioConfig): string {
  const edges: [string, string, string, string, number][] = [
    ['inflow_highway', 'highwayType', 'inflow_highway', 'left', c.inflowHighwayLength],
    ['left', 'highwayType', 'left', 'center', c.preMergeLength],
    ['inflow_merge', 'mergeType', 'inflow_merge', 'bottom', c.inflowMergeLength],
    ['bottom', 'mergeType', 'bottom', 'center', c.mergeLength],
    ['center', 'highwayType', 'center', 'right', c.postMergeLength],
  ];
  return `<edges>\n${edges.map(([id, type, from, to, len]) => `  <edge id="${id}" type="${type}" from="${from}" to="${to}" length="${fmt(len)}"/>`).join('\n')}\n</edges>\n`;
}

export function mergeTypesXml(c: MergeScenarioConfig): string {
  return `<types>\n  <type id="highwayType" numLanes="${c.highwayLanes}" speed="${fmt(c.speedLimit)}"/>\n  <type id="mergeType" numLanes="${c.mergeLanes}" speed="${fmt(c.speedLimit)}"/>\n</types>\n`;
}

/** Routes, vehicle types, the three flows and the initial cars. */
export function mergeRoutesXml(c: MergeScenarioConfig, networkLength: number, edgeStarts: ReadonlyMap<string, number>, edgeLengths: ReadonlyMap<string, number>): string {
  const lines = [
    '<routes>',
    `  <vType id="${HUMAN_TYPE}" ${VTYPE_ATTRS}/>`,
    `  <vType id="${CONTROLLED_TYPE}" ${VTYPE_ATTRS}/>`,
    '  <route id="highway" edges="inflow_highway left center"/>',
    '  <route id="ramp" edges="inflow_merge bottom center"/>',
    '  <route id="from_left" edges="left center"/>',
    '  <route id="from_center" edges="center"/>',
    '  <route id="from_bottom" edges="bottom center"/>',
  ];
  // Flow's uniform initial placement: evenly spaced along the network's position axis, on the
  // (non-internal) edge that covers each position, at speed 0.
  const routeOf: Record<string, string> = { inflow_highway: 'highway', left: 'from_left', center: 'from_center', inflow_merge: 'ramp', bottom: 'from_bottom' };
  const spacing = networkLength / Math.max(1, c.initialHumans);
  const order = [...edgeStarts.entries()].filter(([e]) => !e.startsWith(':')).sort((a, b) => a[1] - b[1]);
  for (let i = 0; i < c.initialHumans; i++) {
    const x = i * spacing;
    let edge = order[0]![0];
    for (const [e, start] of order) if (start <= x) edge = e;
    const pos = Math.min(Math.max(0, x - edgeStarts.get(edge)!), (edgeLengths.get(edge) ?? 0) - 0.1);
    lines.push(`  <vehicle id="${HUMAN_TYPE}_init_${i}" type="${HUMAN_TYPE}" route="${routeOf[edge]}" depart="0" departPos="${fmt(Number(pos.toFixed(3)))}" departSpeed="0" departLane="free"/>`);
  }
  const end = 1e6;
  const flow = (id: string, type: string, route: string, rate: number, speed: number) =>
    rate > 0 ? [`  <flow id="${id}" type="${type}" route="${route}" begin="${fmt(c.inflowBegin)}" end="${end}" vehsPerHour="${fmt(rate)}" departLane="free" departSpeed="${fmt(speed)}"/>`] : [];
  lines.push(...flow('human', HUMAN_TYPE, 'highway', c.highwayInflow, c.highwayDepartSpeed));
  lines.push(...flow('human_merge', HUMAN_TYPE, 'ramp', c.mergeHumanInflow, c.mergeDepartSpeed));
  lines.push(...flow(CONTROLLED_TYPE, CONTROLLED_TYPE, 'ramp', c.mergeControlledInflow, c.mergeDepartSpeed));
  lines.push('</routes>', '');
  return lines.join('\n');
}

/** Lane lengths of every edge of a net.xml, internal ones (":center_0", ...) included. */
export function readEdgeLengths(netXml: string): Map<string, number> {
  const out = new Map<string, number>();
  const edgeRe = /<edge\s+id="([^"]+)"[^>]*>([\s\S]*?)<\/edge>/g;
  for (const m of netXml.matchAll(edgeRe)) {
    const lane = /<lane\s[^>]*length="([0-9.eE+-]+)"/.exec(m[2]!);
    if (lane) out.set(m[1]!, Number(lane[1]));
  }
  return out;
}

/**
 * Positions along Flow's one-dimensional axis for the merge network (`MergeNetwork.
 * specify_edge_starts` / `specify_internal_edge_starts`): highway edges first, then the ramp, with
 * fixed offsets. Flow assumes the "center" junction is 22.5 m long; its internal edges map to the
 * junction's start without adding the lane position (Flow's get_x for generalised internal edges).
 */
export function mergeEdgeStarts(c: MergeScenarioConfig): Map<string, number> {
  const premerge = c.inflowHighwayLength + 0.1 + c.preMergeLength;
  const postmerge = premerge + 22.5;
  const rampStart = postmerge + c.postMergeLength;
  return new Map([
    ['inflow_highway', 0],
    [':left', c.inflowHighwayLength],
    ['left', c.inflowHighwayLength + 0.1],
    [':center', premerge],
    ['center', postmerge],
    ['inflow_merge', rampStart],
    [':bottom', rampStart + c.inflowMergeLength],
    ['bottom', rampStart + c.inflowMergeLength + 0.1],
  ]);
}

export interface GeneratedMergeScenario extends MergeScenarioFiles {
  /** Sum of all lane lengths, internal lanes included (netconvert 1.15: 372.68 m for the defaults). */
  networkLength: number;
  edgeLengths: Map<string, number>;
  edgeStarts: Map<string, number>;
}

/** Writes the node/edge/type files, runs netconvert, then writes the routes for the resulting network. */
export function generateMergeScenario(dir: string, c: MergeScenarioConfig): GeneratedMergeScenario {
  writeFileSync(join(dir, 'merge.nod.xml'), mergeNodesXml(c));
  writeFileSync(join(dir, 'merge.edg.xml'), mergeEdgesXml(c));
  writeFileSync(join(dir, 'merge.typ.xml'), mergeTypesXml(c));
  runNetconvert(
    ['--node-files', 'merge.nod.xml', '--edge-files', 'merge.edg.xml', '--type-files', 'merge.typ.xml', '--output-file', 'merge.net.xml', '--no-internal-links', 'false', '--no-turnarounds', 'true', '--no-warnings', 'true'],
    dir,
  );
  const net = join(dir, 'merge.net.xml');
  const edgeLengths = readEdgeLengths(readFileSync(net, 'utf8'));
  const networkLength = [...edgeLengths.values()].reduce((a, b) => a + b, 0);
  const edgeStarts = mergeEdgeStarts(c);
  const routes = join(dir, 'merge.rou.xml');
  writeFileSync(routes, mergeRoutesXml(c, networkLength, edgeStarts, edgeLengths));
  return { dir, net, routes, networkLength, edgeLengths, edgeStarts };
}

/** sumo's command line for one episode (without --remote-port). */
export function sumoArgs(files: MergeScenarioFiles, seed: number, stepLength: number): string[] {
  return [
    '--net-file', files.net,
    '--route-files', files.routes,
    '--step-length', String(stepLength),
    '--seed', String(seed),
    // Jams never teleport; a teleport can only follow a collision, which ends the episode.
    '--time-to-teleport', '-1',
    '--collision.check-junctions', 'true',
    '--no-step-log', 'true',
    '--duration-log.disable', 'true',
    '--device.rerouting.probability', '0',
  ];
}
