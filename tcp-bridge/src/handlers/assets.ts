import { isPaddedBase64, isSafeName } from '../../../control-plane/src/contract/index';
import { describe, fail, ok, type Handler } from './context';

/** `name|<base64>` split on the first `|`; bytes null when the Base64 is malformed. */
export function parseNamedB64(payload: string): { name: string; bytes: Uint8Array | null } | null {
  const bar = payload.indexOf('|');
  if (bar < 0) return null;
  // Tolerate line breaks (Python's base64.encodebytes wraps at 76 columns).
  const b64 = payload.slice(bar + 1).replace(/\s+/g, '');
  return { name: payload.slice(0, bar), bytes: isPaddedBase64(b64) ? Buffer.from(b64, 'base64') : null };
}

export const uploadAsset: Handler = async (payload, { client }) => {
  const p = parseNamedB64(payload);
  if (!p) return fail('ERROR: Invalid Upload Payload');
  if (!isSafeName(p.name)) return fail('ERROR: Invalid asset name (path traversal rejected)');
  if (!p.bytes) return fail('ERROR: Invalid Upload Payload');
  try {
    await client.putArtifact(p.name, p.bytes);
    return ok('UPLOAD_SUCCESS');
  } catch (e) {
    return fail(`UPLOAD_FAILED: ${describe(e)}`);
  }
};

export const fetchAsset: Handler = async (name, { client }) => {
  // An unsafe name cannot name a stored asset; answering NOT_FOUND leaks nothing.
  if (!isSafeName(name)) return fail('ERROR_NOT_FOUND');
  try {
    const bytes = await client.getArtifact(name);
    return bytes ? ok(Buffer.from(bytes).toString('base64')) : fail('ERROR_NOT_FOUND');
  } catch (e) {
    return fail(`ERROR: ${describe(e)}`);
  }
};

export const deployScript: Handler = async (payload, { client }) => {
  const p = parseNamedB64(payload);
  if (!p) return fail('DEPLOY_FAILED: invalid payload (expected filename|<base64>)');
  if (!isSafeName(p.name)) return fail('ERROR: Invalid script name (path traversal rejected)');
  if (!p.bytes) return fail('DEPLOY_FAILED: script is not valid Base64');
  try {
    await client.putScript(p.name, p.bytes);
    return ok('DEPLOY_SUCCESS');
  } catch (e) {
    return fail(`DEPLOY_FAILED: ${describe(e)}`);
  }
};
