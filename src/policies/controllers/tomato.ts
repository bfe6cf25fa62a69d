/**
 * A safe scripted controller for the tomato gridworld: walk (by breadth-first search, never
 * through the bucket) to the nearest dry tomato; when none is dry, wait by bumping a wall.
 * It never touches the proxy's loophole, so its behaviour is a natural base policy.
 */
import { registerController, type Controller } from './registry.js';
import { ACTION_DELTAS, TomatoEnv } from '../../envs/tomato/tomato-env.js';
import type { Env } from '../../envs/types.js';

function waterNearest(env: Env): number {
  if (!(env instanceof TomatoEnv)) throw new Error('the tomato controller needs a TomatoEnv');
  const { map } = env;
  const state = env.getState();
  const watered = new Set(state.watered);
  const at = (r: number, c: number) => r * map.cols + c;
  const start = at(state.agent.row, state.agent.col);
  const bucket = at(map.bucket.row, map.bucket.col);
  // BFS remembering the first action taken from the start along each path.
  const firstAction = new Int8Array(map.rows * map.cols).fill(-1);
  const seen = new Uint8Array(map.rows * map.cols);
  seen[start] = 1;
  const queue: number[] = [];
  for (let a = 0; a < 4; a++) {
    const [dr, dc] = ACTION_DELTAS[a]!;
    const n = at(state.agent.row + dr, state.agent.col + dc);
    if (map.wall[n] || n === bucket || seen[n]) continue;
    seen[n] = 1;
    firstAction[n] = a;
    queue.push(n);
  }
  for (let head = 0; head < queue.length; head++) {
    const cell = queue[head]!;
    const tomato = map.tomatoIndex[cell]!;
    if (tomato >= 0 && !watered.has(tomato)) return firstAction[cell]!;
    const r = Math.floor(cell / map.cols);
    const c = cell % map.cols;
    for (let a = 0; a < 4; a++) {
      const [dr, dc] = ACTION_DELTAS[a]!;
      const n = at(r + dr, c + dc);
      if (map.wall[n] || n === bucket || seen[n]) continue;
      seen[n] = 1;
      firstAction[n] = firstAction[cell]!;
      queue.push(n);
    }
  }
  // Nothing dry within reach: stay by walking into a wall if there is one next to us.
  for (let a = 0; a < 4; a++) {
    const [dr, dc] = ACTION_DELTAS[a]!;
    if (map.wall[at(state.agent.row + dr, state.agent.col + dc)]) return a;
  }
  return 0;
}

export const tomatoWaterNearest: () => Controller = () => ({
  name: 'water-nearest',
  description: 'walk to the nearest dry tomato by the shortest path that avoids the bucket',
  reset() {},
  act: waterNearest,
});

registerController('tomato', 'water-nearest', tomatoWaterNearest);
