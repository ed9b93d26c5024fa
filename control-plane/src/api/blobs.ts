/** R2 layout: named artifacts, deployed scripts, and job payloads by content hash. */
import { isBase64 } from '../contract/common';

export const artifactKey = (name: string) => `artifacts/${name}`;
export const scriptKey = (name: string) => `scripts/${name}`;
export const blobKey = (hash: string) => `blobs/${hash}`;

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** Standard base64 to bytes; throws on anything else (atob alone would also take whitespace). */
export function decodeBase64(b64: string): Uint8Array {
  if (!isBase64(b64)) throw new Error('not valid base64');
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Hashes this isolate has seen stored: resubmitting the same script skips R2 entirely. */
const knownBlobs = new Set<string>();

/** Whether this isolate already stored these bytes: submitting them again writes nothing. */
export const isKnownBlob = (hash: string) => knownBlobs.has(hash);

/** Store bytes under their hash (idempotent: the same script is stored once). */
export async function putBlob(bucket: R2Bucket, bytes: Uint8Array, hash?: string): Promise<string> {
  hash ??= await sha256Hex(bytes);
  if (knownBlobs.has(hash)) return hash;
  if (!(await bucket.head(blobKey(hash)))) await bucket.put(blobKey(hash), bytes);
  if (knownBlobs.size > 10_000) knownBlobs.clear();
  knownBlobs.add(hash);
  return hash;
}
