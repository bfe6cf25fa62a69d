/**
 * Counterfactual probes: hand-edited states fed to a reward model to see what it responds to.
 * The maze set rebuilds the three probes of the learned-reward paper (specs/rlhf.md §4.5) next to
 * ordinary transitions, each with the reward the environment would actually give.
 */
import { mazeObservation, MAZE_SIZE, isMazeWall, type MazeCell } from '../envs/maze/maze-env.js';

export interface Probe {
  name: string;
  description: string;
  s: Float32Array;
  next: Float32Array;
  /** The environment's reward for this transition (null when the transition is impossible in the environment). */
  trueReward: number | null;
  /** The paper's reward-model output for this probe, where it reports one. */
  paper?: number;
}

export interface ProbeResult extends Probe {
  predicted: number;
}

export function runProbes(fn: (s: Float32Array, next: Float32Array) => number, probes: readonly Probe[]): ProbeResult[] {
  return probes.map((p) => ({ ...p, predicted: fn(p.s, p.next) }));
}

const cell = (row: number, col: number): MazeCell => ({ row, col });

/** A maze observation with the agent and an arbitrary set of goal cells (no goal at all is allowed). */
function board(agent: MazeCell, goals: MazeCell[]): Float32Array {
  return mazeObservation(agent, goals);
}

export function mazeProbes(): Probe[] {
  const low = cell(1, 1);
  const high = cell(9, 9);
  const checker: MazeCell[] = [];
  for (let r = 1; r < MAZE_SIZE - 1; r++) for (let c = 1; c < MAZE_SIZE - 1; c++) if (!isMazeWall(r, c) && (r + c) % 2 === 0) checker.push(cell(r, c));
  return [
    {
      name: 'reach-goal',
      description: 'agent steps from (1,2) onto the goal at (1,1)',
      s: board(cell(1, 2), [low]),
      next: board(low, [low]),
      trueReward: 1,
    },
    {
      name: 'step-no-goal-reached',
      description: 'agent steps (5,5) to (5,6); goal at (9,9) visible in both',
      s: board(cell(5, 5), [high]),
      next: board(cell(5, 6), [high]),
      trueReward: 0,
    },
    {
      name: 'goal-removed',
      description: "paper (a): no goal in s or s' (agent steps (5,5) to (5,6)); nothing was reached",
      s: board(cell(5, 5), []),
      next: board(cell(5, 6), []),
      trueReward: null,
      paper: 0.954,
    },
    {
      name: 'two-goals-reach-one',
      description: "paper (b): two goals; agent steps from (1,2) onto (1,1), the goal at (9,9) stays visible in s'",
      s: board(cell(1, 2), [low, high]),
      next: board(low, [low, high]),
      trueReward: 1,
      paper: -0.074,
    },
    {
      name: 'checkerboard-goals',
      description: "paper (c): goals on every free cell with even row+col; agent steps (5,5) to (5,4), off any goal",
      s: board(cell(5, 5), checker),
      next: board(cell(5, 4), checker),
      trueReward: null,
      paper: -1.489,
    },
    {
      name: 'goal-vanishes-far-away',
      description: "goal at (9,9) visible in s, gone from s' while the agent is far from it at (5,6)",
      s: board(cell(5, 5), [high]),
      next: board(cell(5, 6), []),
      trueReward: null,
    },
    {
      name: 'stay-on-goal',
      description: 'agent on the goal at (1,1) bumps the wall and stays (the env pays +1)',
      s: board(low, [low]),
      next: board(low, [low]),
      trueReward: 1,
    },
  ];
}

/** A copy of a board observation (H·W·C, channel fastest) with some cells' channels overwritten. */
export function editBoard(obs: ArrayLike<number>, board: { height: number; width: number; channels: number }, edits: readonly { row: number; col: number; channel: number; value: number }[]): Float32Array {
  const out = Float32Array.from(obs);
  for (const e of edits) {
    if (e.row < 0 || e.col < 0 || e.row >= board.height || e.col >= board.width || e.channel < 0 || e.channel >= board.channels) {
      throw new RangeError(`editBoard: cell (${e.row},${e.col}) channel ${e.channel} is outside the ${board.height}x${board.width}x${board.channels} board`);
    }
    out[(e.row * board.width + e.col) * board.channels + e.channel] = e.value;
  }
  return out;
}

/** Cells (row, col) where a channel is set. */
export function cellsWith(obs: ArrayLike<number>, board: { height: number; width: number; channels: number }, channel: number): { row: number; col: number }[] {
  const out: { row: number; col: number }[] = [];
  for (let r = 0; r < board.height; r++) for (let c = 0; c < board.width; c++) if (obs[(r * board.width + c) * board.channels + channel]) out.push({ row: r, col: c });
  return out;
}

const MINATAR_BOARD = { height: 10, width: 10, channels: 4 };

/**
 * Breakout probes built from real transitions: a zero-reward one (s, s') and a rewarded one
 * (a brick hit). They ask whether the model detects "a brick disappeared" anywhere, rather than
 * "the ball hit a brick".
 */
export function breakoutProbes(zero: { s: Float32Array; next: Float32Array }, hit: { s: Float32Array; next: Float32Array }): Probe[] {
  const B = MINATAR_BOARD;
  const ball = cellsWith(zero.next, B, 1)[0] ?? { row: 0, col: 0 };
  const bricks = cellsWith(zero.next, B, 3);
  // The brick farthest from the ball.
  const far = [...bricks].sort((a, b) => Math.abs(b.row - ball.row) + Math.abs(b.col - ball.col) - (Math.abs(a.row - ball.row) + Math.abs(a.col - ball.col)))[0];
  const gone = cellsWith(hit.s, B, 3).filter((c) => !cellsWith(hit.next, B, 3).some((d) => d.row === c.row && d.col === c.col));
  const probes: Probe[] = [
    { name: 'no-hit', description: 'a real transition with no brick hit', s: zero.s, next: zero.next, trueReward: 0 },
    { name: 'hit', description: 'a real transition where the ball breaks a brick', s: hit.s, next: hit.next, trueReward: 1 },
  ];
  if (far) {
    probes.push({
      name: 'far-brick-vanishes',
      description: `no-hit transition with the brick at (${far.row},${far.col}), far from the ball, deleted from s' only`,
      s: zero.s,
      next: editBoard(zero.next, B, [{ ...far, channel: 3, value: 0 }]),
      trueReward: null,
    });
  }
  probes.push({
    name: 'all-bricks-vanish',
    description: "no-hit transition with every brick deleted from s'",
    s: zero.s,
    next: editBoard(zero.next, B, bricks.map((b) => ({ ...b, channel: 3, value: 0 }))),
    trueReward: null,
  });
  if (gone.length) {
    probes.push({
      name: 'hit-brick-restored',
      description: "the hit transition with the broken brick put back in s' (ball still bounced)",
      s: hit.s,
      next: editBoard(hit.next, B, gone.map((b) => ({ ...b, channel: 3, value: 1 }))),
      trueReward: null,
    });
  }
  probes.push({
    name: 'brick-appears',
    description: "no-hit transition with a brick added to s' at an empty cell of row 3 or below",
    s: zero.s,
    next: editBoard(zero.next, B, [{ row: 5, col: ball.col === 5 ? 2 : 5, channel: 3, value: 1 }]),
    trueReward: null,
  });
  return probes;
}

const SEAQUEST_BOARD = { height: 10, width: 10, channels: 10 };

/**
 * Seaquest probes from a zero-reward transition: does the model pay for an enemy vanishing with
 * no bullet near it, or for a refilled oxygen gauge (the look of a surfacing), instead of for the
 * events that earn reward?
 */
export function seaquestProbes(
  zero: { s: Float32Array; next: Float32Array },
  rewarded: { s: Float32Array; next: Float32Array; reward: number },
  /** A six-diver surfacing (reward = oxygen cells), to test whether the model reads the amount off the gauge in s. */
  bonus?: { s: Float32Array; next: Float32Array; reward: number },
): Probe[] {
  const B = SEAQUEST_BOARD;
  const enemies = [...cellsWith(zero.next, B, 5).map((c) => ({ ...c, channel: 5 })), ...cellsWith(zero.next, B, 6).map((c) => ({ ...c, channel: 6 }))];
  const probes: Probe[] = [
    { name: 'no-reward', description: 'a real transition with no reward', s: zero.s, next: zero.next, trueReward: 0 },
    { name: 'rewarded', description: `a real rewarded transition (reward ${rewarded.reward})`, s: rewarded.s, next: rewarded.next, trueReward: rewarded.reward },
  ];
  if (enemies.length) {
    probes.push({
      name: 'enemies-vanish',
      description: `no-reward transition with its ${enemies.length} enemies deleted from s' (no bullet hit them)`,
      s: zero.s,
      next: editBoard(zero.next, B, enemies.map((e) => ({ ...e, value: 0 }))),
      trueReward: null,
    });
  }
  probes.push({
    name: 'oxygen-refilled',
    description: "no-reward transition with the oxygen gauge full in s'",
    s: zero.s,
    next: editBoard(zero.next, B, Array.from({ length: 10 }, (_, c) => ({ row: 9, col: c, channel: 7, value: 1 }))),
    trueReward: null,
  });
  probes.push({
    name: 'six-divers-shown',
    description: "no-reward transition with the diver gauge showing six divers in s and s'",
    s: editBoard(zero.s, B, Array.from({ length: 6 }, (_, k) => ({ row: 9, col: 3 + k, channel: 8, value: 1 }))),
    next: editBoard(zero.next, B, Array.from({ length: 6 }, (_, k) => ({ row: 9, col: 3 + k, channel: 8, value: 1 }))),
    trueReward: null,
  });
  if (bonus) {
    probes.push({ name: 'surfacing-bonus', description: `a real six-diver surfacing (reward ${bonus.reward})`, s: bonus.s, next: bonus.next, trueReward: bonus.reward });
    for (const cells of [2, 9]) {
      // The env would pay exactly the number of oxygen cells shown before surfacing.
      probes.push({
        name: `surfacing-bonus-gauge-${cells}`,
        description: `the same surfacing with the oxygen gauge in s edited to ${cells} cells`,
        s: editBoard(bonus.s, B, Array.from({ length: 10 }, (_, c) => ({ row: 9, col: c, channel: 7, value: c < cells ? 1 : 0 }))),
        next: bonus.next,
        trueReward: cells,
      });
    }
  }
  return probes;
}
