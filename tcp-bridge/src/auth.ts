/**
 * The opt-in bridge token. Programs written for the original SDK cannot send one, so a bridge
 * without a token serves every connection as before; with one, a connection must open with AUTH.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { OP } from './opcodes';

export const AUTH_OK = 'AUTH_OK';
export const BAD_TOKEN = 'bad bridge token';
export const TOKEN_NEEDED = 'this bridge needs a token: send AUTH first (titan_sdk: TITAN_BRIDGE_TOKEN)';

/** What the gate does with one frame: hand it on, answer AUTH_OK, or refuse and close. */
export type AuthStep = { kind: 'pass' } | { kind: 'accept' } | { kind: 'refuse'; message: string };

/** Hashing first gives equal-length inputs, so the comparison time says nothing about the token. */
export function tokenMatches(given: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/**
 * Decides one frame of a connection. Without a token every frame passes (AUTH then reaches its
 * handler, which answers AUTH_OK), so a client configured with a token works against an open bridge.
 */
export function authStep(opcode: number, payload: string, token: string | undefined, authed: boolean): AuthStep {
  if (token === undefined) return { kind: 'pass' };
  if (opcode === OP.AUTH) return tokenMatches(payload, token) ? { kind: 'accept' } : { kind: 'refuse', message: BAD_TOKEN };
  return authed ? { kind: 'pass' } : { kind: 'refuse', message: TOKEN_NEEDED };
}
