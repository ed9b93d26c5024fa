import { errorReply, fail, ok, type Handler } from './context';

const INVALID = fail('ERROR: Invalid Format');

/** `key|value` split on the FIRST `|`: values may hold `|` or be empty; keys may not be empty. */
export function splitKeyValue(payload: string): [string, string] | null {
  const bar = payload.indexOf('|');
  if (bar <= 0) return null;
  return [payload.slice(0, bar), payload.slice(bar + 1)];
}

export const kvSet: Handler = async (payload, { client }) => {
  const kv = splitKeyValue(payload);
  if (!kv) return INVALID;
  try {
    await client.kvPut(kv[0], kv[1]);
    return ok('OK');
  } catch (e) {
    return errorReply(e);
  }
};

export const kvGet: Handler = async (key, { client }) => {
  if (key === '') return ok('NULL');
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
  try {
    return ok(String(await client.sadd(kv[0], kv[1])));
  } catch (e) {
    return errorReply(e);
  }
};

export const kvSmembers: Handler = async (key, { client }) => {
  if (key === '') return ok('');
  try {
    return ok((await client.smembers(key)).join(','));
  } catch (e) {
    return errorReply(e);
  }
};
