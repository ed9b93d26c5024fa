/** What a tool is (a pure table entry: name, text for the model, input shape, run) and how it answers. */
import type * as z from 'zod';
import type { JobState, JobView } from '../contract/jobs';
import type { ClusterPort } from './port';

export interface ToolContext {
  port: ClusterPort;
  /** Aborted when the client cancels the call or goes away. */
  signal: AbortSignal;
  /** Sends a progress notification, when the client asked for them (a progressToken); else null. */
  progress: ((progress: number, total: number | undefined, message: string) => Promise<void>) | null;
}

export interface ToolResult {
  [k: string]: unknown;
  content: { type: 'text'; text: string }[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}

export interface ToolDef<S extends z.ZodRawShape = z.ZodRawShape> {
  name: string;
  description: string;
  input: S;
  run(args: z.output<z.ZodObject<S>>, ctx: ToolContext): Promise<ToolResult>;
}

/** Declares one tool; the shape's types flow into `run`. */
export const defineTool = <S extends z.ZodRawShape>(t: ToolDef<S>): ToolDef => t as unknown as ToolDef;

/** A refusal found by the tool itself (before any call): the message is what the model reads. */
export class ToolError extends Error {}

export function reply(text: string, structured?: Record<string, unknown>): ToolResult {
  return { content: [{ type: 'text', text }], ...(structured ? { structuredContent: structured } : {}) };
}

export const toolError = (message: string): ToolResult => ({ content: [{ type: 'text', text: message }], isError: true });

/** The states a model is told about: a retry waiting out its backoff reads QUEUED, the final failure FAILED. */
export function simpleState(s: JobState): string {
  return s === 'DEAD' ? 'FAILED' : s === 'FAILED' ? 'QUEUED' : s;
}
export const LIFECYCLE =
  'A job goes PENDING (waiting for its parents) → QUEUED → RUNNING → COMPLETED | FAILED | CANCELLED; a job with an approval stops in WAITING_APPROVAL until approve_gate or reject_gate. A failed attempt with retries left goes back to QUEUED.';
export const FINAL = ['COMPLETED', 'FAILED', 'CANCELLED'];

/** A job as tools report it: the facts a model needs, no internals. */
export function jobFacts(j: JobView) {
  return {
    jobId: j.id,
    state: simpleState(j.state),
    retrying: j.state === 'FAILED',
    type: j.type,
    dag: j.dag,
    requirement: j.requirement,
    attempts: j.attempts,
    maxRetries: j.maxRetries,
    agent: j.node,
    exitCode: j.exitCode,
    reason: j.error,
    approval: j.approval?.message ?? null,
    createdAt: iso(j.createdAt),
    startedAt: iso(j.startedAt),
    finishedAt: iso(j.finishedAt),
    ...(j.history ? { history: j.history.slice(-10).map((h) => ({ at: iso(h.ts), state: simpleState(h.state), note: h.note })) } : {}),
  };
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function jobLine(j: JobView): string {
  const f = jobFacts(j);
  const extra = [
    f.agent && `agent ${f.agent}`,
    f.exitCode !== null && `exit code ${f.exitCode}`,
    f.retrying && 'a retry is due',
    f.reason && `reason: ${f.reason}`,
    f.state === 'WAITING_APPROVAL' && f.approval && `asks: "${f.approval}" (approve_gate or reject_gate)`,
  ].filter(Boolean);
  return `job ${f.jobId}: ${f.state} (attempt ${f.attempts}${extra.length ? ', ' + extra.join(', ') : ''})`;
}

/** UTF-8 text as standard base64, in Node and workerd alike. */
export function base64Of(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}
