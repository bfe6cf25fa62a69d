/** A TraCI client written from SUMO's protocol documentation: framing, typed values, commands, a blocking TCP transport. */
export * as traciConstants from './constants.js';
export * from './storage.js';
export * from './protocol.js';
export * from './client.js';
export * from './sync-socket.js';
