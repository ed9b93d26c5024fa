import * as z from 'zod';

/** Hard limits, declared once: the API, the bridge and the clients all read them from here. */
export const LIMITS = {
  maxDagJobs: 10_000,
  maxArgs: 256,
  maxArgLength: 8192,
  maxParents: 256,
  maxIdLength: 200,
  maxKeyLength: 1024,
  maxValueBytes: 1024 * 1024,
  /** One message on the store's WebSocket; a bigger value goes over HTTP (the Workers message cap is 1 MiB). */
  maxStoreSocketMessageBytes: 256 * 1024,
  maxInlinePayloadBytes: 8 * 1024 * 1024,
  maxArtifactBytes: 100 * 1024 * 1024,
  /** A JSON request body (a DAG of inline scripts is the big one). */
  maxJsonBodyBytes: 16 * 1024 * 1024,
  maxLogLinesPerBatch: 5000,
  maxLogLineLength: 16 * 1024,
  /** Log lines that may ride with a job's result (its tail, see contract/agents JobResult). */
  maxTailLines: 256,
  maxLeaseBatch: 256,
  maxLeaseWaitMs: 30_000,
  maxRetries: 50,
  maxEnvVars: 64,
  /** One env value of a job: roomy enough for a Dagster Pipes context (compressed JSON) passed this way. */
  maxEnvValueLength: 64 * 1024,
} as const;

export const ErrorCode = z.enum([
  'bad_request',
  'unauthorized',
  'forbidden',
  'not_found',
  'conflict',
  'invalid_dag',
  'unschedulable',
  'payload_too_large',
  'unavailable',
  'internal',
]);
export type ErrorCode = z.output<typeof ErrorCode>;

/** A zod error as one line a person can act on: the first few issues, each with its path. */
export function describeIssues(err: z.ZodError): string {
  return err.issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.join('.') + ': ' : ''}${i.message}`)
    .join('; ');
}

export const ErrorBody = z.object({
  error: z.object({ code: ErrorCode, message: z.string() }),
});
export type ErrorBody = z.output<typeof ErrorBody>;

/** Job ids: what users type and what TITAN_PROTO carries; `|`, `;`, `,`, brackets and whitespace would break the wire grammar. */
export const JobId = z
  .string()
  .min(1)
  .max(LIMITS.maxIdLength)
  .regex(/^[^\s|;,\[\]\/\\]+$/, 'job ids may not contain whitespace, / \\ | ; , [ ]');

/** Capability tags such as GENERAL, GPU, HIGH_MEM; stored upper-case. */
export const Tag = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_.:-]+$/, 'tags are letters, digits, _ . : -')
  .transform((s) => s.toUpperCase());

/**
 * File and artifact names: one path segment. Rejecting separators and dot-names here is
 * what stops `../../etc/passwd` style names everywhere downstream (R2 keys, agent paths).
 */
export function isSafeName(name: string): boolean {
  if (name.length === 0 || name.length > 255) return false;
  if (name === '.' || name === '..') return false;
  if (/[\/\\\u0000-\u001f\u007f]/.test(name)) return false;
  if (name.includes('..')) return false;
  return true;
}
export const SafeName = z.string().refine(isSafeName, 'invalid name (path separators, ".." and control characters are not allowed)');

/** A relative path inside a project archive (the entry file of RUN_ARCHIVE jobs). */
export function isSafeRelativePath(p: string): boolean {
  if (p.length === 0 || p.length > 1024) return false;
  if (p.startsWith('/') || p.startsWith('\\') || /^[A-Za-z]:/.test(p)) return false;
  if (/[\u0000-\u001f\u007f\\]/.test(p)) return false;
  return p.split('/').every((seg) => seg !== '..' && seg !== '');
}
export const SafeRelativePath = z.string().refine(isSafeRelativePath, 'invalid relative path (absolute paths and ".." are not allowed)');

/**
 * Standard-alphabet base64 (`+` and `/`) with at most two `=` of padding, at the end. The length is
 * not checked here: a decoder still refuses a truncated string.
 */
export function isBase64(s: string): boolean {
  return /^[A-Za-z0-9+/]*={0,2}$/.test(s);
}

/** Base64 whole to the last quantum (a multiple of 4 characters): what TITAN_PROTO senders produce. */
export const isPaddedBase64 = (s: string): boolean => s.length % 4 === 0 && isBase64(s);

export const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a lower-case hex SHA-256');

export const Ok = z.object({ ok: z.literal(true) });
