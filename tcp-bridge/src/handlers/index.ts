import { AUTH_OK } from '../auth';
import { OP, WORKER_OPCODES } from '../opcodes';
import { deployScript, fetchAsset, uploadAsset } from './assets';
import { fail, ok, type Handler, type HandlerContext, type Reply } from './context';
import { cancelJob, deploy, getJobStatus, getLogs, run, stop, submitDag, submitJob } from './jobs';
import { stats, statsJsonHandler } from './stats';
import { kvGet, kvSadd, kvSet, kvSmembers } from './store';

export type { BridgeClient, HandlerContext, Reply } from './context';

/** One handler per client opcode of the spec's table. */
export const HANDLERS: Readonly<Record<number, Handler>> = {
  [OP.SUBMIT_JOB]: submitJob,
  [OP.SUBMIT_DAG]: submitDag,
  [OP.DEPLOY]: deploy,
  [OP.RUN]: run,
  [OP.STOP]: stop,
  [OP.STATS]: stats,
  [OP.STATS_JSON]: statsJsonHandler,
  [OP.GET_LOGS]: getLogs,
  [OP.UPLOAD_ASSET]: uploadAsset,
  [OP.FETCH_ASSET]: fetchAsset,
  [OP.GET_JOB_STATUS]: getJobStatus,
  [OP.CANCEL_JOB]: cancelJob,
  [OP.DEPLOY_SCRIPT]: deployScript,
  [OP.KV_SET]: kvSet,
  [OP.KV_GET]: kvGet,
  [OP.KV_SADD]: kvSadd,
  [OP.KV_SMEMBERS]: kvSmembers,
  // Reached only on a bridge without a token (the server checks tokens before this table).
  [OP.AUTH]: async () => ok(AUTH_OK),
};

export const WORKER_OPCODE_REPLY = 'ERROR: worker opcodes are not supported by this bridge; run agents with `titan agent`';

/**
 * Answers one frame. Never throws and never takes longer than `deadlineMs`: the SDK
 * gives up after 10 s, and an answer it never reads is worse than a clear error.
 */
export async function handleFrame(opcode: number, payload: string, ctx: HandlerContext, deadlineMs = 9_000): Promise<Reply> {
  const handler = HANDLERS[opcode];
  if (!handler) {
    return fail(WORKER_OPCODES.has(opcode) ? WORKER_OPCODE_REPLY : `UNKNOWN_OPCODE: ${opcode}`);
  }
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<Reply>((resolve) => {
    timer = setTimeout(
      () => resolve(fail(`ERROR: control plane unreachable: no answer within ${Math.round(deadlineMs / 100) / 10} s`)),
      deadlineMs,
    );
  });
  try {
    return await Promise.race([handler(payload, ctx), late]);
  } catch (e) {
    return fail(`ERROR: internal: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    clearTimeout(timer);
  }
}
