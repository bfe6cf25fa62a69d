/** Entry point of the embedded pool's worker threads: each task trains one run (execute.ts). */
import { executeRun, type RunTask, type RunOutcome } from './execute.js';

export default function runTask(task: RunTask): Promise<RunOutcome> {
  return executeRun(task);
}
