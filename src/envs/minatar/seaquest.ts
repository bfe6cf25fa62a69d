/**
 * MinAtar Seaquest, re-expressed from the rules in specs/rlhf.md §5.3 (MinAtar's
 * environments/seaquest.py). A submarine shoots fish and enemy subs (+1 each), picks up divers,
 * and must surface before its oxygen runs out; surfacing with six divers pays the remaining
 * oxygen (0-10). Every surfacing speeds the enemies up.
 *
 * The diver-count quirk: MinAtar's surfacing code sets the count to 0 after a six-diver surfacing
 * and then subtracts the one diver every surfacing costs, leaving −1; from then on no surfacing
 * terminates the episode and the diver gauge stays empty. The intended rule is that a full
 * surfacing delivers all six divers, leaving none. `divers: 'intended'` (the default) keeps the
 * count at 0; `divers: 'published'` reproduces MinAtar's behaviour.
 */
import type { Rng } from '../../util/rng.js';
import { GRID, cellIndex, type MinAtarAction, type MinAtarGame } from './game.js';

export const SEAQUEST_CHANNELS = [
  'sub_front',
  'sub_back',
  'friendly_bullet',
  'trail',
  'enemy_bullet',
  'enemy_fish',
  'enemy_sub',
  'oxygen_gauge',
  'diver_gauge',
  'diver',
] as const;

export type DiverRule = 'intended' | 'published';
export const DIVER_RULES: readonly DiverRule[] = ['intended', 'published'];

export const SEAQUEST = {
  rampInterval: 1,
  maxOxygen: 200,
  initSpawnSpeed: 20,
  diverSpawnSpeed: 30,
  initMoveInterval: 5,
  shotCoolDown: 5,
  enemyShotInterval: 10,
  enemyMoveInterval: 5,
  diverMoveInterval: 5,
} as const;

/** A moving object: column, row, heading right?, move timer (and shot timer for subs). */
export interface Mover {
  x: number;
  y: number;
  right: boolean;
  moveTimer: number;
  shotTimer: number;
}

export interface SeaquestState {
  oxygen: number;
  diverCount: number;
  subX: number;
  subY: number;
  subRight: boolean;
  fBullets: Mover[];
  eBullets: Mover[];
  fish: Mover[];
  subs: Mover[];
  divers: Mover[];
  spawnSpeed: number;
  spawnTimer: number;
  diverSpawnTimer: number;
  moveSpeed: number;
  rampIndex: number;
  shotTimer: number;
  surface: boolean;
  terminal: boolean;
}

const mover = (x: number, y: number, right: boolean, moveTimer = 0, shotTimer = 0): Mover => ({ x, y, right, moveTimer, shotTimer });
const at = (m: Mover, x: number, y: number) => m.x === x && m.y === y;

export class Seaquest implements MinAtarGame<SeaquestState> {
  readonly channels = SEAQUEST_CHANNELS;
  readonly minimalActions = [0, 1, 2, 3, 4, 5];
  s: SeaquestState = Seaquest.initial();

  constructor(
    readonly diverRule: DiverRule = 'intended',
    readonly ramping = true,
  ) {}

  static initial(): SeaquestState {
    return {
      oxygen: SEAQUEST.maxOxygen,
      diverCount: 0,
      subX: 5,
      subY: 0,
      subRight: false,
      fBullets: [],
      eBullets: [],
      fish: [],
      subs: [],
      divers: [],
      spawnSpeed: SEAQUEST.initSpawnSpeed,
      spawnTimer: SEAQUEST.initSpawnSpeed,
      diverSpawnTimer: SEAQUEST.diverSpawnSpeed,
      moveSpeed: SEAQUEST.initMoveInterval,
      rampIndex: 0,
      shotTimer: 0,
      surface: true,
      terminal: false,
    };
  }

  reset(_rng: Rng): void {
    this.s = Seaquest.initial();
  }

  act(action: MinAtarAction, rng: Rng): { reward: number; terminal: boolean } {
    const s = this.s;
    let reward = 0;
    if (s.terminal) return { reward, terminal: true };

    if (s.spawnTimer === 0) {
      this.spawnEnemy(rng);
      s.spawnTimer = s.spawnSpeed;
    }
    if (s.diverSpawnTimer === 0) {
      this.spawnDiver(rng);
      s.diverSpawnTimer = SEAQUEST.diverSpawnSpeed;
    }

    if (action === 'f' && s.shotTimer === 0) {
      s.fBullets.push(mover(s.subX, s.subY, s.subRight));
      s.shotTimer = SEAQUEST.shotCoolDown;
    } else if (action === 'l') {
      s.subX = Math.max(0, s.subX - 1);
      s.subRight = false;
    } else if (action === 'r') {
      s.subX = Math.min(9, s.subX + 1);
      s.subRight = true;
    } else if (action === 'u') {
      s.subY = Math.max(0, s.subY - 1);
    } else if (action === 'd') {
      s.subY = Math.min(8, s.subY + 1);
    }

    // Friendly bullets fly one cell per step and destroy the first enemy they meet.
    for (let i = s.fBullets.length - 1; i >= 0; i--) {
      const b = s.fBullets[i]!;
      b.x += b.right ? 1 : -1;
      if (b.x < 0 || b.x > 9) {
        s.fBullets.splice(i, 1);
        continue;
      }
      // Only the first enemy found in the cell is destroyed, fish before subs.
      const fish = s.fish.findIndex((f) => at(f, b.x, b.y));
      const sub = fish < 0 ? s.subs.findIndex((e) => at(e, b.x, b.y)) : -1;
      if (fish >= 0) s.fish.splice(fish, 1);
      if (sub >= 0) s.subs.splice(sub, 1);
      if (fish >= 0 || sub >= 0) {
        s.fBullets.splice(i, 1);
        reward += 1;
      }
    }

    // Divers drift sideways and are picked up on contact while there is room.
    for (let i = s.divers.length - 1; i >= 0; i--) {
      const d = s.divers[i]!;
      if (at(d, s.subX, s.subY) && s.diverCount < 6) {
        s.divers.splice(i, 1);
        s.diverCount += 1;
        continue;
      }
      if (d.moveTimer === 0) {
        d.moveTimer = SEAQUEST.diverMoveInterval;
        d.x += d.right ? 1 : -1;
        if (d.x < 0 || d.x > 9) s.divers.splice(i, 1);
        else if (at(d, s.subX, s.subY) && s.diverCount < 6) {
          s.divers.splice(i, 1);
          s.diverCount += 1;
        }
      } else d.moveTimer -= 1;
    }

    // Enemy subs move, may be shot while moving into a bullet, and fire on their own timer. As in
    // MinAtar, a sub removed this step still fires if its shot timer is due (such a bullet flies
    // off the board or away from the dead sub's cell).
    for (let i = s.subs.length - 1; i >= 0; i--) {
      const e = s.subs[i]!;
      if (at(e, s.subX, s.subY)) s.terminal = true;
      if (e.moveTimer === 0) {
        e.moveTimer = s.moveSpeed;
        e.x += e.right ? 1 : -1;
        if (e.x < 0 || e.x > 9) s.subs.splice(i, 1);
        else if (at(e, s.subX, s.subY)) s.terminal = true;
        else {
          const hit = s.fBullets.findIndex((b) => at(b, e.x, e.y));
          if (hit >= 0) {
            s.subs.splice(i, 1);
            s.fBullets.splice(hit, 1);
            reward += 1;
          }
        }
      } else e.moveTimer -= 1;
      if (e.shotTimer === 0) {
        e.shotTimer = SEAQUEST.enemyShotInterval;
        s.eBullets.push(mover(e.x, e.y, e.right));
      } else e.shotTimer -= 1;
    }

    for (let i = s.eBullets.length - 1; i >= 0; i--) {
      const b = s.eBullets[i]!;
      if (at(b, s.subX, s.subY)) s.terminal = true;
      b.x += b.right ? 1 : -1;
      if (b.x < 0 || b.x > 9) s.eBullets.splice(i, 1);
      else if (at(b, s.subX, s.subY)) s.terminal = true;
    }

    for (let i = s.fish.length - 1; i >= 0; i--) {
      const f = s.fish[i]!;
      if (at(f, s.subX, s.subY)) s.terminal = true;
      if (f.moveTimer === 0) {
        f.moveTimer = s.moveSpeed;
        f.x += f.right ? 1 : -1;
        if (f.x < 0 || f.x > 9) s.fish.splice(i, 1);
        else if (at(f, s.subX, s.subY)) s.terminal = true;
        else {
          const hit = s.fBullets.findIndex((b) => at(b, f.x, f.y));
          if (hit >= 0) {
            s.fish.splice(i, 1);
            s.fBullets.splice(hit, 1);
            reward += 1;
          }
        }
      } else f.moveTimer -= 1;
    }

    if (s.shotTimer > 0) s.shotTimer -= 1;
    if (s.spawnTimer > 0) s.spawnTimer -= 1;
    if (s.diverSpawnTimer > 0) s.diverSpawnTimer -= 1;
    // Oxygen is checked before this step's use, so the episode ends on the step after it hits -1.
    if (s.oxygen < 0) s.terminal = true;
    // Oxygen runs down under water; arriving at the surface refills it (or ends the episode with no divers).
    if (s.subY > 0) {
      s.oxygen -= 1;
      s.surface = false;
    } else if (!s.surface) {
      if (s.diverCount === 0) s.terminal = true;
      else reward += this.surfaceSub();
    }
    return { reward, terminal: s.terminal };
  }

  private surfaceSub(): number {
    const s = this.s;
    s.surface = true;
    let reward = 0;
    if (s.diverCount === 6) {
      reward = Math.floor((s.oxygen * 10) / SEAQUEST.maxOxygen);
      // MinAtar zeroes the count and then also takes the usual one diver (see the module comment).
      s.diverCount = this.diverRule === 'published' ? -1 : 0;
    } else {
      s.diverCount -= 1;
    }
    s.oxygen = SEAQUEST.maxOxygen;
    if (this.ramping && (s.spawnSpeed > 1 || s.moveSpeed > 2)) {
      if (s.moveSpeed > 2 && s.rampIndex % 2 === 1) s.moveSpeed -= 1;
      if (s.spawnSpeed > 1) s.spawnSpeed -= 1;
      s.rampIndex += 1;
    }
    return reward;
  }

  private spawnEnemy(rng: Rng): void {
    const right = rng.int(2) === 0;
    const isSub = rng.int(3) === 0;
    const x = right ? 0 : 9;
    const y = 1 + rng.int(8);
    // No spawning into a row that holds an enemy moving the other way (they would pass through each other).
    if ([...this.s.subs, ...this.s.fish].some((e) => e.y === y && e.right !== right)) return;
    if (isSub) this.s.subs.push(mover(x, y, right, this.s.moveSpeed, SEAQUEST.enemyShotInterval));
    else this.s.fish.push(mover(x, y, right, this.s.moveSpeed));
  }

  private spawnDiver(rng: Rng): void {
    const right = rng.int(2) === 0;
    this.s.divers.push(mover(right ? 0 : 9, 1 + rng.int(8), right, SEAQUEST.diverMoveInterval));
  }

  render(out: Int8Array): void {
    out.fill(0);
    const C = 10;
    const s = this.s;
    const set = (row: number, col: number, ch: number) => {
      if (row >= 0 && row < GRID && col >= 0 && col < GRID) out[cellIndex(row, col, ch, C)] = 1;
    };
    set(s.subY, s.subX, 0);
    set(s.subY, s.subRight ? s.subX - 1 : s.subX + 1, 1);
    const oxygenCells = Math.floor((s.oxygen * 10) / SEAQUEST.maxOxygen);
    for (let c = 0; c < oxygenCells; c++) set(9, c, 7);
    // Divers carried fill the gauge from the right (none are shown for a negative count).
    for (let c = 9 - s.diverCount; c < 9; c++) set(9, c, 8);
    for (const b of s.fBullets) set(b.y, b.x, 2);
    for (const b of s.eBullets) set(b.y, b.x, 4);
    const withTrail = (m: Mover, ch: number) => {
      set(m.y, m.x, ch);
      set(m.y, m.right ? m.x - 1 : m.x + 1, 3);
    };
    for (const f of s.fish) withTrail(f, 5);
    for (const e of s.subs) withTrail(e, 6);
    for (const d of s.divers) withTrail(d, 9);
  }

  getState(): SeaquestState {
    return structuredClone(this.s);
  }

  setState(state: SeaquestState): void {
    this.s = structuredClone(state);
  }
}
