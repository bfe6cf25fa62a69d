/**
 * The TraCI protocol numbers this client uses (SUMO's "TraCI/Protocol" documentation and the
 * constants table shipped with SUMO 1.15, API version 20). Only what the merge environment and its
 * tests need is listed; every value is a byte on the wire.
 */

/** API version a SUMO 1.15 server reports for CMD_GETVERSION. */
export const TRACI_API_VERSION = 20;

// Control commands.
export const CMD_GETVERSION = 0x00;
export const CMD_LOAD = 0x01;
export const CMD_SIMSTEP = 0x02;
export const CMD_SETORDER = 0x03;
export const CMD_CLOSE = 0x7f;

// Vehicle domain: get / set / subscribe and their responses (a response id is the command id + 0x10).
export const CMD_GET_VEHICLE_VARIABLE = 0xa4;
export const RESPONSE_GET_VEHICLE_VARIABLE = 0xb4;
export const CMD_SET_VEHICLE_VARIABLE = 0xc4;
export const CMD_SUBSCRIBE_VEHICLE_VARIABLE = 0xd4;
export const RESPONSE_SUBSCRIBE_VEHICLE_VARIABLE = 0xe4;

// Simulation domain.
export const CMD_GET_SIM_VARIABLE = 0xab;
export const RESPONSE_GET_SIM_VARIABLE = 0xbb;
export const CMD_SUBSCRIBE_SIM_VARIABLE = 0xdb;
export const RESPONSE_SUBSCRIBE_SIM_VARIABLE = 0xeb;

// Value type tags.
export const POSITION_2D = 0x01;
export const POSITION_3D = 0x03;
export const TYPE_UBYTE = 0x07;
export const TYPE_BYTE = 0x08;
export const TYPE_INTEGER = 0x09;
export const TYPE_DOUBLE = 0x0b;
export const TYPE_STRING = 0x0c;
export const TYPE_STRINGLIST = 0x0e;
export const TYPE_COMPOUND = 0x0f;
export const TYPE_DOUBLELIST = 0x10;
export const TYPE_COLOR = 0x11;

// Status codes of a command's status response.
export const RTYPE_OK = 0x00;
export const RTYPE_NOTIMPLEMENTED = 0x01;
export const RTYPE_ERR = 0xff;

// Shared variable ids.
export const TRACI_ID_LIST = 0x00;
export const ID_COUNT = 0x01;

// Vehicle variables.
export const VAR_SPEED = 0x40;
export const VAR_POSITION = 0x42;
export const VAR_LENGTH = 0x44;
export const VAR_MINGAP = 0x4c;
export const VAR_TYPE = 0x4f;
export const VAR_ROAD_ID = 0x50;
export const VAR_LANE_ID = 0x51;
export const VAR_LANE_INDEX = 0x52;
export const VAR_ROUTE_ID = 0x53;
export const VAR_LANEPOSITION = 0x56;
export const VAR_LEADER = 0x68;
export const VAR_ACCELERATION = 0x72;
export const VAR_FOLLOWER = 0x78;
export const VAR_SPEEDSETMODE = 0xb3;
export const VAR_LANECHANGE_MODE = 0xb6;
export const CMD_SLOWDOWN = 0x14;
export const VAR_REMOVE = 0x81;
export const ADD_FULL = 0x85;

// Simulation variables.
export const VAR_TIME = 0x66;
export const VAR_LOADED_VEHICLES_NUMBER = 0x71;
export const VAR_DEPARTED_VEHICLES_NUMBER = 0x73;
export const VAR_DEPARTED_VEHICLES_IDS = 0x74;
export const VAR_TELEPORT_STARTING_VEHICLES_NUMBER = 0x75;
export const VAR_ARRIVED_VEHICLES_IDS = 0x7a;
export const VAR_DELTA_T = 0x7b;
export const VAR_MIN_EXPECTED_VEHICLES = 0x7d;
export const VAR_COLLIDING_VEHICLES_NUMBER = 0x80;
export const VAR_LOADED_VEHICLES_IDS = 0x72;
