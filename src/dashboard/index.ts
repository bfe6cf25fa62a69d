/** The web dashboard: a local server over the runs directory, and the helpers it is built from. */
export { createDashboard, type Dashboard, type DashboardOptions } from './server.js';
export { SafeRoot, NotFoundError } from './safe-path.js';
export { findRuns, findSweeps } from './discover.js';
export { runInfo, runDetail, describeMethod } from './run-info.js';
export { sweepDetail, sweepInfo, sweepFileSchema } from './sweeps.js';
export { escapeHtml } from './http-util.js';
export type * from './client/api-types.js';
