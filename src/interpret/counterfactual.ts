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
