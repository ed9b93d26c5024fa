import { TitanApiError, TitanUnreachableError, type TitanHttpClient } from '../../../sdk/ts/client';

/** The part of the HTTP client the bridge uses (unit tests hand in a fake with these methods). */
export type BridgeClient = Pick<
  TitanHttpClient,
  | 'submitJob'
  | 'submitDag'
  | 'getJob'
  | 'cancelJob'
  | 'stopService'
  | 'getLogs'
  | 'stats'
  | 'kvGet'
  | 'kvPut'
  | 'sadd'
  | 'smembers'
  | 'putArtifact'
  | 'getArtifact'
  | 'putScript'
>;

export interface HandlerContext {
  client: BridgeClient;
  /** DAG names learned from the SDK's manifest POST, by job id (optional). */
  dagNameFor?: (jobIds: string[]) => string | undefined;
}

/** A reply text and whether it goes out as ERROR (0x51) or ACK (0x50). */
export interface Reply {
  text: string;
  error: boolean;
}

export type Handler = (payload: string, ctx: HandlerContext) => Promise<Reply>;

export const ok = (text: string): Reply => ({ text, error: false });
export const fail = (text: string): Reply => ({ text, error: true });

export const isApiError = (e: unknown, ...statuses: number[]): e is TitanApiError =>
  e instanceof TitanApiError && (statuses.length === 0 || statuses.includes(e.status));

/** Why a control-plane call failed, in the words a reply carries. */
export function describe(e: unknown): string {
  if (e instanceof TitanUnreachableError) {
    return e.message.startsWith('control plane unreachable') ? e.message : `control plane unreachable: ${e.message}`;
  }
  if (e instanceof TitanApiError) return e.message;
  return `internal: ${e instanceof Error ? e.message : String(e)}`;
}

/** The generic failure reply: `ERROR: <why>`. */
export const errorReply = (e: unknown): Reply => fail(`ERROR: ${describe(e)}`);

/**
 * Calls `fn` with the id as given and, when the control plane does not know it, with the
 * other `DAG-` spelling (the original SDK polls raw ids of DAG jobs). Null when neither exists.
 */
export async function withEitherId<T>(id: string, other: string, fn: (id: string) => Promise<T>): Promise<T | null> {
  for (const candidate of [id, other]) {
    try {
      return await fn(candidate);
    } catch (e) {
      if (!isApiError(e, 404)) throw e;
    }
  }
  return null;
}
