/**
 * Scripted MinAtar players standing in for the paper's trained Atari agents (our datasets need a
 * competent policy's state distribution, not an optimal one). Both read the game's state.
 */
import { registerController, type Controller } from './registry.js';
import { MinAtarEnv } from '../../envs/minatar/minatar-env.js';
import { Breakout } from '../../envs/minatar/breakout.js';
import { Seaquest, type Mover } from '../../envs/minatar/seaquest.js';
import type { Env } from '../../envs/types.js';
import { Rng } from '../../util/rng.js';

/** Action indices in MinAtar's full set. */
const N = 0;
const L = 1;
const U = 2;
const R = 3;
const D = 4;
const F = 5;

function gameOf<G>(env: Env, cls: new (...args: never[]) => G, what: string): { game: G; minimal: boolean; env: MinAtarEnv } {
  if (!(env instanceof MinAtarEnv) || !(env.game instanceof cls)) throw new Error(`the ${what} controller needs a MinAtar ${what} environment`);
  return { game: env.game as G, minimal: env.actionSpace.n !== 6, env };
}

/** Maps a full-set action to the env's action index (minimal sets leave out some actions). */
function toEnvAction(env: MinAtarEnv, full: number, minimal: readonly number[]): number {
  if (env.actionSpace.n === 6) return full;
  const i = minimal.indexOf(full);
  return i >= 0 ? i : 0;
}

/**
 * The column at which the ball will next be on row 8 heading down (where the paddle must be), by
 * playing the ball forward through walls and bricks (the strike rule is ignored).
 */
export function breakoutLandingX(game: Pick<Breakout, 'ballX' | 'ballY' | 'ballDir' | 'bricks'>): number {
  const dx = [-1, 1, 1, -1];
  const dy = [-1, -1, 1, 1];
  const bricks = Uint8Array.from(game.bricks);
  let { ballX: x, ballY: y, ballDir: dir } = game;
  for (let t = 0; t < 200; t++) {
    if (y === 8 && (dir === 2 || dir === 3)) return x;
    let nx = x + dx[dir]!;
    let ny = y + dy[dir]!;
    if (nx < 0 || nx > 9) {
      nx = Math.min(9, Math.max(0, nx));
      dir = [1, 0, 3, 2][dir]!;
    }
    if (ny < 0) {
      ny = 0;
      dir = [3, 2, 1, 0][dir]!;
    } else if (ny <= 9 && bricks[ny * 10 + nx]) {
      bricks[ny * 10 + nx] = 0;
      ny = y;
      dir = [3, 2, 1, 0][dir]!;
    }
    x = nx;
    y = ny;
  }
  return x;
}

export function breakoutTrackBall(eps = 0.05, seed = 0): Controller {
  const rng = new Rng(seed);
  return {
    name: 'track-ball',
    description: `move the paddle under the ball's landing column; random action with probability ${eps}`,
    reset() {},
    act(env: Env): number {
      const { game, env: m } = gameOf(env, Breakout, 'breakout');
      if (rng.uniform() < eps) return rng.int(m.actionSpace.n);
      const target = breakoutLandingX(game);
      const full = target < game.paddle ? L : target > game.paddle ? R : N;
      return toEnvAction(m, full, game.minimalActions);
    },
  };
}

/**
 * Seaquest: keep enough oxygen to get back up, surface once carrying divers when oxygen runs low
 * or the hold is full, shoot enemies in the submarine's row, dodge enemies about to reach it, and
 * otherwise swim to the nearest diver.
 */
export function seaquestShootAndRescue(eps = 0.05, seed = 0): Controller {
  const rng = new Rng(seed);
  return {
    name: 'shoot-and-rescue',
    description: `shoot enemies in the row, rescue divers, surface on low oxygen; random action with probability ${eps}`,
    reset() {},
    act(env: Env): number {
      const { game, env: m } = gameOf(env, Seaquest, 'seaquest');
      if (rng.uniform() < eps) return rng.int(m.actionSpace.n);
      const s = game.s;
      const choose = (a: number) => toEnvAction(m, a, game.minimalActions);
      const enemies: Mover[] = [...s.fish, ...s.subs];
      const dangerAt = (x: number, y: number) =>
        enemies.some((e) => e.y === y && Math.abs(e.x - x) <= 1) || s.eBullets.some((b) => b.y === y && Math.abs(b.x - x) <= 2 && (b.right ? b.x <= x : b.x >= x));
      const needAir = s.oxygen < 16 * (s.subY + 1) || s.diverCount >= 6;
      if (s.diverCount > 0 && needAir) {
        if (s.subY > 0 && !dangerAt(s.subX, s.subY - 1)) return choose(U);
        if (s.subY > 0) return choose(s.subX > 0 && !dangerAt(s.subX - 1, s.subY) ? L : R);
      }
      if (s.subY === 0) return choose(D);
      // An enemy in this row: face it and fire (turning costs a step).
      const inRow = enemies.filter((e) => e.y === s.subY).sort((a, b) => Math.abs(a.x - s.subX) - Math.abs(b.x - s.subX))[0];
      if (dangerAt(s.subX, s.subY)) {
        if (inRow && s.shotTimer === 0 && (inRow.x < s.subX) !== s.subRight && Math.abs(inRow.x - s.subX) >= 1) return choose(F);
        if (s.subY < 8 && !dangerAt(s.subX, s.subY + 1)) return choose(D);
        if (s.subY > 1 && !dangerAt(s.subX, s.subY - 1)) return choose(U);
      }
      if (inRow) {
        const left = inRow.x < s.subX;
        if (left === s.subRight) return choose(left ? L : R);
        if (s.shotTimer === 0) return choose(F);
      }
      const diver = [...s.divers].sort((a, b) => Math.abs(a.x - s.subX) + Math.abs(a.y - s.subY) - (Math.abs(b.x - s.subX) + Math.abs(b.y - s.subY)))[0];
      if (diver && s.diverCount < 6) {
        if (diver.y !== s.subY) {
          const a = diver.y < s.subY ? U : D;
          if (!dangerAt(s.subX, s.subY + (a === U ? -1 : 1)) && !(a === U && s.subY === 1)) return choose(a);
        }
        if (diver.x !== s.subX) return choose(diver.x < s.subX ? L : R);
      }
      // Nothing to do: go to the row of the nearest enemy to shoot it.
      const target = enemies.sort((a, b) => Math.abs(a.y - s.subY) - Math.abs(b.y - s.subY))[0];
      if (target && target.y !== s.subY) {
        const a = target.y < s.subY ? U : D;
        if (!dangerAt(s.subX, s.subY + (a === U ? -1 : 1)) && !(a === U && s.subY === 1)) return choose(a);
      }
      return choose(N);
    },
  };
}

registerController('minatar-breakout', 'track-ball', () => breakoutTrackBall());
registerController('minatar-seaquest', 'shoot-and-rescue', () => seaquestShootAndRescue());
registerController('minatar-breakout', 'random', () => breakoutTrackBall(1));
registerController('minatar-seaquest', 'random', () => seaquestShootAndRescue(1));
