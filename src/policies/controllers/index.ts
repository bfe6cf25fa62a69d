/** Controllers registry; importing this module registers the built-in controllers. */
export * from './registry.js';
export { tomatoWaterNearest } from './tomato.js';
export { glucosePidController, GlucosePid } from './glucose.js';
export { pandemicScheduleController, PANDEMIC_STRATEGIES } from './pandemic.js';
export { mazeGoToGoal } from './maze.js';
export { breakoutTrackBall, seaquestShootAndRescue, breakoutLandingX } from './minatar.js';
export { trafficIdmController } from './traffic.js';
