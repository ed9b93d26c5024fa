import { readFileSync, statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type { JobSpecInput, SubmitDagRequestInput } from '../../control-plane/src/contract/jobs';
import { normalizeSource, type NormalizedJob, type NormalizedPipeline, type NormalizeResult, type PipelineFiles, type PipelineIssue } from './pipelineNormalize';
import { readSource, SourceSyntaxError } from './pipelineSource';

/**
 * Pipeline files (the original Titan YAML format, or JSON of the same shape) → the HTTP
 * API's SubmitDagRequest. The rules live in pipelineNormalize.ts; the corpus in
 * test/fixtures/pipelines/ (and its README) is what this and the Python SDK agree on.
 */

export type { NormalizedJob, NormalizedPipeline, PipelineErrorCode, PipelineFiles, PipelineIssue } from './pipelineNormalize';
/** The pipeline `parsePipeline` returns and `pipelineToDag` takes: the normalised form. */
export type Pipeline = NormalizedPipeline;

/** Every problem found, each with a code, the key and the line; the message lists them all. */
export class PipelineError extends Error {
  constructor(readonly issues: PipelineIssue[]) {
    super(issues.length === 1 ? formatIssue(issues[0]!) : `${issues.length} problems:\n  - ${issues.map(formatIssue).join('\n  - ')}`);
    this.name = 'PipelineError';
  }
}

/** One problem as a line for people: the message, then where. */
export const formatIssue = (i: PipelineIssue) => (i.line === null ? i.message : `${i.message} (line ${i.line})`);

const formatOf = (fileName: string) => (/\.json$/i.test(fileName) ? 'json' : 'yaml');

/** Parse and apply the rules to a pipeline's text; never throws for a bad pipeline. */
export function normalizePipelineText(text: string, opts: { fileName: string; files?: PipelineFiles }): NormalizeResult {
  try {
    return normalizeSource(readSource(text, formatOf(opts.fileName)), opts);
  } catch (e) {
    if (!(e instanceof SourceSyntaxError)) throw e;
    return { pipeline: null, issues: [{ code: 'syntax', key: null, line: e.line, job: null, message: e.message }] };
  }
}

/**
 * Parse and validate a pipeline's text without looking at the file system (scripts and the
 * project folder are not checked). The default name is the file name's stem: `pipeline`.
 */
export function parsePipeline(text: string, fileName = 'pipeline.yaml'): Pipeline {
  const r = normalizePipelineText(text, { fileName });
  if (!r.pipeline) throw new PipelineError(r.issues);
  return r.pipeline;
}

/** The file system seen from a pipeline file's folder. */
export function filesBeside(pipelinePath: string): PipelineFiles {
  const base = dirname(resolve(pipelinePath));
  const stat = (p: string) => statSync(resolve(base, p), { throwIfNoEntry: false });
  return {
    isFile: (p) => stat(p)?.isFile() ?? false,
    isDir: (p) => stat(p)?.isDirectory() ?? false,
    folderName: (p) => basename(resolve(base, p)),
  };
}

/** Read a pipeline file and apply every rule, scripts and project folder included. */
export function loadPipelineFile(path: string): Pipeline {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new PipelineError([{ code: 'file_not_found', key: null, line: null, job: null, message: `pipeline file not found: ${path}` }]);
  }
  const r = normalizePipelineText(text, { fileName: basename(path), files: filesBeside(path) });
  if (!r.pipeline) throw new PipelineError(r.issues);
  return r.pipeline;
}

/**
 * Keys the HTTP API cannot carry yet: an approval gate (`hitl_message`). Refused rather
 * than dropped, so a job never runs without the gate it asked for.
 */
export function unsupportedOverHttp(p: Pipeline): PipelineIssue[] {
  return p.jobs
    .filter((j) => j.hitl)
    .map((j): PipelineIssue => ({ code: 'unsupported', key: 'hitl_message', line: null, job: j.id, message: `job '${j.id}': 'hitl_message' is not supported yet by the HTTP API (titan submit)` }));
}

/** A job's resource asks as JobSpec fields, only those asked (0 is the contract's default). */
export function resourceFields(r: NormalizedJob['resources']): Pick<JobSpecInput, 'gpus' | 'gpuMemoryMb' | 'memoryMb' | 'cpus'> {
  return {
    ...(r.gpus ? { gpus: r.gpus } : {}),
    ...(r.gpu_memory_mb ? { gpuMemoryMb: r.gpu_memory_mb } : {}),
    ...(r.memory_mb ? { memoryMb: r.memory_mb } : {}),
    ...(r.cpus ? { cpus: r.cpus } : {}),
  };
}

/** Seconds → whole milliseconds, half up (the Python SDK rounds the same way). */
export const delayMs = (seconds: number) => Math.floor(seconds * 1000 + 0.5);

/**
 * The DAG request for a pipeline. Without a project each job's script is read (path relative
 * to the pipeline file) and sent inline; with one, jobs are entries of the uploaded zip `archive`.
 */
export function pipelineToDag(p: Pipeline, source: { readFile(path: string): Uint8Array } | { archive: string }): SubmitDagRequestInput {
  const unsupported = unsupportedOverHttp(p);
  if (unsupported.length) throw new PipelineError(unsupported);
  const jobs = p.jobs.map((j): JobSpecInput => {
    const common = {
      id: j.id,
      args: j.args,
      requirement: j.requirement,
      priority: j.priority,
      delayMs: delayMs(j.delay),
      affinity: j.affinity,
      parents: j.parents,
      port: j.port,
      ...resourceFields(j.resources),
    };
    if ('archive' in source) return { ...common, type: j.type === 'service' ? 'ARCHIVE_SERVICE' : 'RUN_ARCHIVE', archive: source.archive, file: j.file };
    const bytes = source.readFile(j.file);
    const base = j.file.split('/').pop()!;
    return { ...common, type: j.type === 'service' ? 'SERVICE' : 'RUN_PAYLOAD', file: base, payloadB64: Buffer.from(bytes).toString('base64') };
  });
  return { name: p.name, jobs };
}
