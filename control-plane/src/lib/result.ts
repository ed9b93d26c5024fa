import type { ErrorCode } from '../contract/common';

/** What a Durable Object method returns across RPC: a value, or an API error to relay as is. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: ApiError };
export interface ApiError {
  status: 400 | 401 | 403 | 404 | 409 | 413 | 500 | 503;
  code: ErrorCode;
  message: string;
}

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = (status: ApiError['status'], code: ErrorCode, message: string): Result<never> => ({
  ok: false,
  error: { status, code, message },
});
