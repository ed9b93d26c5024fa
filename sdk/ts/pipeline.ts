import { parse as parseYaml } from 'yaml';
import { findCycle } from '../../control-plane/src/cluster/dag';
import type { JobSpecInput, SubmitDagRequest } from '../../control-plane/src/contract/jobs';

/** A job of the original Titan YAML pipeline format. */
export interface PipelineJob {
  id: string;
  type: 'run' | 'service';
  file: string;
  args: string[];
  requirement: string;
  priority: number;
  delay: number;
  affinity: boolean;
  depends_on: string[];
  port: number;
}

export interface Pipeline {
  name: string;
  project: string | null;
  jobs: PipelineJob[];
}

export class PipelineError extends Error {}

const asList = (v: unknown): string[] => (v == null ? [] : Array.isArray(v) ? v.map(String) : [String(v)]);

/** Parse and validate a pipeline document; every problem is reported before anything is sent. */
export function parsePipeline(text: string): Pipeline {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new PipelineError(`not valid YAML: ${(e as Error).message}`);
  }
  if (!doc || typeof doc !== 'object') throw new PipelineError('a pipeline is a mapping with `name` and `jobs`');
  const d = doc as Record<string, unknown>;
  if (!Array.isArray(d.jobs) || d.jobs.length === 0) throw new PipelineError('`jobs` must be a non-empty list');
  const jobs = d.jobs.map((raw, i): PipelineJob => {
    if (!raw || typeof raw !== 'object') throw new PipelineError(`jobs[${i}] is not a mapping`);
    const j = raw as Record<string, unknown>;
    if (!j.id) throw new PipelineError(`jobs[${i}] has no id`);
    if (!j.file) throw new PipelineError(`job ${j.id} has no file`);
    const type = String(j.type ?? 'run').toLowerCase();
    if (type !== 'run' && type !== 'service') throw new PipelineError(`job ${j.id}: type must be run or service, not ${type}`);
    const port = Number(j.port ?? 0);
    if (type === 'service' && !(port > 0)) throw new PipelineError(`service ${j.id} needs a port`);
    const args = typeof j.args === 'string' ? j.args.split(/\s+/).filter(Boolean) : asList(j.args);
    return {
      id: String(j.id),
      type,
      file: String(j.file),
      args,
      requirement: String(j.requirement ?? 'GENERAL').toUpperCase(),
      priority: Number(j.priority ?? 1),
      delay: Number(j.delay ?? 0),
      affinity: j.affinity === true || j.affinity === 'true',
      depends_on: asList(j.depends_on),
      port,
    };
  });
  const ids = new Set<string>();
  for (const j of jobs) {
    if (ids.has(j.id)) throw new PipelineError(`duplicate job id ${j.id}`);
    ids.add(j.id);
  }
  for (const j of jobs) for (const p of j.depends_on) if (!ids.has(p)) throw new PipelineError(`job ${j.id} depends on unknown job ${p}`);
  const cycle = findCycle(jobs.map((j) => ({ id: j.id, parents: j.depends_on })));
  if (cycle) throw new PipelineError(`cycle: ${cycle.join(' -> ')}`);
  return { name: String(d.name ?? 'pipeline'), project: d.project ? String(d.project) : null, jobs };
}

/**
 * The DAG request for a pipeline. Without a project each job's file is read and sent inline;
 * with one, jobs are entries of the uploaded project zip `archive`.
 */
export function pipelineToDag(p: Pipeline, source: { readFile(path: string): Uint8Array } | { archive: string }): SubmitDagRequest {
  const jobs = p.jobs.map((j): JobSpecInput => {
    const common = {
      id: j.id,
      args: j.args,
      requirement: j.requirement,
      priority: j.priority,
      delayMs: Math.round(j.delay * 1000),
      affinity: j.affinity,
      parents: j.depends_on,
      port: j.port,
    };
    if ('archive' in source) return { ...common, type: j.type === 'service' ? 'ARCHIVE_SERVICE' : 'RUN_ARCHIVE', archive: source.archive, file: j.file.replace(/^\.\//, '') };
    const bytes = source.readFile(j.file);
    const base = j.file.split(/[\\/]/).pop()!;
    return { ...common, type: j.type === 'service' ? 'SERVICE' : 'RUN_PAYLOAD', file: base, payloadB64: Buffer.from(bytes).toString('base64') };
  });
  return { name: p.name, jobs };
}
