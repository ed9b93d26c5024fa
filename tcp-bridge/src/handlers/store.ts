import { LIMITS } from '../../../control-plane/src/contract/common';
import { errorReply, fail, ok, type Handler, type Reply } from './context';

const INVALID = fail('ERROR: Invalid Format');

/**
 * Checked here, before any HTTP: a key over the limit is the caller's mistake and must say so,
 * not travel in a URL the control plane may refuse at the transport level.
 */
export function keyTooLong(key: string): Reply | null {
  return key.length > LIMITS.maxKeyLength ? fail(`ERROR: key too long: ${key.length} characters, the limit is ${LIMITS.maxKeyLength}`) : null;
}

/** `key|value` split on the FIRST `|`: values may hold `|` or be empty; keys may not be empty. */
export function splitKeyValue(payload: string): [string, string] | null {
  const bar = payload.indexOf('|');
  if (bar <= 0) return null;
  return [payload.slice(0, bar), payload.slice(bar + 1)];
}

export const kvSet: Handler = async (payload, { client }) => {
  const kv = splitKeyValue(payload);
  if (!kv) return INVALID;
  const long = keyTooLong(kv[0]);
  if (long) return long;
  try {
    await client.kvPut(kv[0], kv[1]);
    return ok('OK');
  } catch (e) {
    return errorReply(e);
  }
};

export const kvGet: Handler = async (key, { client }) => {
  if (key === '') return ok('NULL');
  const long = keyTooLong(key);
  if (long) return long;
  try {
    const value = await client.kvGet(key);
    // A stored value is data: ACK even if it happens to start with "ERROR".
    return ok(value ?? 'NULL');
  } catch (e) {
    return errorReply(e);
  }
};

export const kvSadd: Handler = async (payload, { client }) => {
  const kv = splitKeyValue(payload);
  if (!kv) return INVALID;
  const long = keyTooLong(kv[0]);
  if (long) return long;
  try {
    return ok(String(await client.sadd(kv[0], kv[1])));
  } catch (e) {
    return errorReply(e);
  }
};

export const kvSmembers: Handler = async (key, { client }) => {
  if (key === '') return ok('');
  const long = keyTooLong(key);
  if (long) return long;
  try {
    return ok((await client.smembers(key)).join(','));
  } catch (e) {
    return errorReply(e);
  }
};
