/** TITAN_PROTO opcodes (spec: /work/shared/spec/titan-proto.md). */
export const OP = {
  SUBMIT_JOB: 0x03,
  SUBMIT_DAG: 0x04,
  DEPLOY: 0x05,
  RUN: 0x06,
  STOP: 0x07,
  STATS: 0x08,
  STATS_JSON: 0x09,
  GET_LOGS: 0x16,
  UPLOAD_ASSET: 0x53,
  FETCH_ASSET: 0x54,
  GET_JOB_STATUS: 0x55,
  CANCEL_JOB: 0x56,
  DEPLOY_SCRIPT: 0x57,
  KV_SET: 0x60,
  KV_GET: 0x61,
  KV_SADD: 0x62,
  KV_SMEMBERS: 0x63,
  /** Ours, not the original SDK's: the opt-in bridge token (payload: the token). */
  AUTH: 0x70,
  // replies
  ACK: 0x50,
  ERROR: 0x51,
} as const;

/**
 * Opcodes the original master accepted from its workers (HEARTBEAT, REGISTER,
 * JOB_COMPLETE, LOG_STREAM, LOG_BATCH). Our agents speak HTTP, so these get a
 * pointed error instead of UNKNOWN_OPCODE.
 */
export const WORKER_OPCODES: ReadonlySet<number> = new Set([0x01, 0x02, 0x12, 0x15, 0x17]);

export const PROTO_VERSION = 0x01;
export const HEADER_SIZE = 8;
/** Largest request payload accepted (10 MiB). */
export const MAX_PAYLOAD = 10 * 1024 * 1024;
