/**
 * A scripted maze player standing in for the paper's trained PPO agent: it walks towards the
 * nearest goal (it reads the goal from the environment, so it knows where the goal is even when
 * it stands on it), and with probability `eps` takes a random move, as stochastic play does.
 */
import { registerController, type Controller } from './registry.js';
import { MazeEnv, MAZE_ACTION_DELTAS, isMazeWall } from '../../envs/maze/maze-env.js';
import type { Env } from '../../envs/types.js';
import { Rng } from '../../util/rng.js';

export function mazeGoToGoal(eps = 0.1, seed = 0): Controller {
  const rng = new Rng(seed);
  return {
    name: 'go-to-goal',
    description: `walk to the nearest goal, random move with probability ${eps}`,
    reset() {},
    act(env: Env): number {
      if (!(env instanceof MazeEnv)) throw new Error('the maze controller needs a MazeEnv');
      if (rng.uniform() < eps) return rng.int(4);
      const { agent, goals } = env.snapshot();
      const dist = (r: number, c: number) => Math.min(...goals.map((g) => Math.abs(g.row - r) + Math.abs(g.col - c)));
      const here = dist(agent.row, agent.col);
      const moves = MAZE_ACTION_DELTAS.map(([dr, dc], a) => {
        const r = agent.row + dr;
        const c = agent.col + dc;
        // A blocked move keeps the agent where it is.
        return isMazeWall(r, c) ? { a, d: here } : { a, d: dist(r, c) };
      });
      const best = Math.min(...moves.map((m) => m.d));
      const options = moves.filter((m) => m.d === best);
      return options[rng.int(options.length)]!.a;
    },
  };
}

registerController('maze', 'go-to-goal', () => mazeGoToGoal(0.1));
registerController('maze', 'go-to-goal-greedy', () => mazeGoToGoal(0));
registerController('maze', 'random', () => mazeGoToGoal(1));
