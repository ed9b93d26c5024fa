import { posix } from 'node:path';
import { isSafeRelativePath, JobId, Tag } from '../../control-plane/src/contract/common';
import { findCycle } from '../../control-plane/src/contract/graph';
import { dagId } from '../../control-plane/src/contract/jobs';
import type { SourceNode, SourcePair } from './pipelineSource';

/**
 * The pipeline format's rules, as one pure function from a parsed document to the
 * normalised pipeline or the list of every problem. titan_sdk/pipeline_format.py is the
 * Python twin: both must produce what test/fixtures/pipelines/ expects, byte for byte
 * after JSON parsing, so change the two together (the README there states the rules).
 */

export type PipelineErrorCode =
  | 'syntax'
  | 'not_mapping'
  | 'unknown_key'
  | 'duplicate_key'
  | 'missing'
  | 'bad_type'
  | 'bad_value'
  | 'duplicate_id'
  | 'unknown_parent'
  | 'cycle'
  | 'file_not_found'
  | 'project_not_found'
  | 'unsupported';

export interface PipelineIssue {
  code: PipelineErrorCode;
  /** The key at fault (`requires`, `port`, …), or null for the document or a whole job. */
  key: string | null;
  /** 1-based line in the pipeline file, when known. */
  line: number | null;
  /** The job's id, `#<n>` (1-based) while it has no valid id, or null at the top level. */
  job: string | null;
  message: string;
}

export interface NormalizedJob {
  id: string;
  type: 'run' | 'service';
  /** Inline jobs: the script's path relative to the pipeline file; archive jobs: the entry in the project. */
  file: string;
  args: string[];
  requirement: string;
  priority: number;
  /** Seconds, as written. */
  delay: number;
  /** Declared ids of the parents (`DAG-a` and `a` name the same job). */
  parents: string[];
  affinity: boolean;
  port: number;
  hitl: { message: string; max_wait_seconds: number } | null;
  resources: { gpus: number; gpu_memory_mb: number; memory_mb: number; cpus: number };
}

export interface NormalizedPipeline {
  name: string;
  version: string | null;
  /** Folder zipped and uploaded first (relative to the pipeline file), or null for inline scripts. */
  project: string | null;
  /** The name of that zip. */
  archive: string | null;
  schedule: string | null;
  jobs: NormalizedJob[];
}

/** What the rules need from the file system, paths relative to the pipeline file's folder. */
export interface PipelineFiles {
  isFile(path: string): boolean;
  isDir(path: string): boolean;
  /** The name of the folder a relative path resolves to (`.` is the pipeline's own folder). */
  folderName(path: string): string;
}

export const TOP_KEYS = ['name', 'project', 'version', 'jobs', 'schedule'] as const;
export const JOB_KEYS = [
  'id', 'type', 'file', 'args', 'requirement', 'priority', 'delay', 'affinity', 'depends_on', 'port',
  'hitl_message', 'max_wait_seconds', 'gpus', 'gpu_memory_mb', 'memory_mb', 'cpus',
] as const;
export const RESOURCE_KEYS = ['gpus', 'gpu_memory_mb', 'memory_mb', 'cpus'] as const;
export const DEFAULT_MAX_WAIT_SECONDS = 172800;

type Scalar = Extract<SourceNode, { kind: 'scalar' }>;
const isNull = (n: SourceNode | undefined) => n === undefined || (n.kind === 'scalar' && n.value === null);
const scalar = (n: SourceNode): Scalar | null => (n.kind === 'scalar' ? n : null);
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** A string, or a number/boolean as written (`1.0` stays `1.0`); null for anything else. */
function text(n: SourceNode, allowBool = false): string | null {
  const s = scalar(n);
  if (!s) return null;
  if (typeof s.value === 'string') return s.value;
  if (typeof s.value === 'number' || (allowBool && typeof s.value === 'boolean')) return s.text;
  return null;
}

/** `a\b/./c` → `a/b/c`: one spelling of a path for both languages. */
export const normalPath = (p: string) => posix.normalize(p.replace(/\\/g, '/'));

const stem = (fileName: string) => fileName.replace(/^.*[\\/]/, '').replace(/\.[^.]*$/, '') || 'pipeline';

export type NormalizeResult = { pipeline: NormalizedPipeline; issues: [] } | { pipeline: null; issues: PipelineIssue[] };

/** Apply the format's rules; `files` absent means file and folder existence is not checked. */
export function normalizeSource(root: SourceNode | null, opts: { fileName: string; files?: PipelineFiles }): NormalizeResult {
  const issues: PipelineIssue[] = [];
  const add = (code: PipelineErrorCode, key: string | null, line: number | null, job: string | null, message: string) =>
    issues.push({ code, key, line, job, message });

  if (!root || root.kind !== 'map') {
    add('not_mapping', null, root?.line ?? null, null, "the top level must be a mapping with a 'jobs' list");
    return { pipeline: null, issues };
  }
  const top = new Map<string, SourcePair>();
  for (const p of root.pairs) {
    if (top.has(p.key)) add('duplicate_key', p.key, p.line, null, `key '${p.key}' appears twice at the top level`);
    else if (!(TOP_KEYS as readonly string[]).includes(p.key)) add('unknown_key', p.key, p.line, null, `unknown key '${p.key}' at the top level`);
    else top.set(p.key, p);
  }

  let name = stem(opts.fileName);
  const nameP = top.get('name');
  if (nameP && !isNull(nameP.value)) {
    const s = text(nameP.value);
    if (!s) add('bad_type', 'name', nameP.line, null, "'name' must be a non-empty string");
    else name = s;
  }
  let version: string | null = null;
  const versionP = top.get('version');
  if (versionP && !isNull(versionP.value)) {
    version = text(versionP.value);
    if (version === null) add('bad_type', 'version', versionP.line, null, "'version' must be a string or a number");
  }
  let schedule: string | null = null;
  const scheduleP = top.get('schedule');
  if (scheduleP && !isNull(scheduleP.value)) {
    const s = scalar(scheduleP.value)?.value;
    if (typeof s !== 'string' || !s.trim()) add('bad_type', 'schedule', scheduleP.line, null, "'schedule' must be a non-empty string");
    else schedule = s;
  }

  let project: string | null = null;
  let archive: string | null = null;
  let projectOk = true;
  let projectText = '';
  const projectP = top.get('project');
  if (projectP && !isNull(projectP.value)) {
    const v = scalar(projectP.value)?.value;
    projectText = v === true ? '.' : String(v);
    if (v === true) [project, archive] = ['.', `${name}.zip`];
    else if (typeof v === 'string' && v.trim()) project = normalPath(v);
    else if (v !== false) {
      add('bad_type', 'project', projectP.line, null, "'project' must be a folder path or true/false");
      projectOk = false;
    }
    if (project !== null && opts.files && !opts.files.isDir(project)) {
      add('project_not_found', 'project', projectP.line, null, `project folder '${projectText}' not found`);
      projectOk = false;
    }
    if (project !== null && archive === null) {
      archive = `${opts.files ? opts.files.folderName(project) : posix.basename(posix.resolve('/', project)) || 'project'}.zip`;
    }
  }

  const jobsP = top.get('jobs');
  const jobsNode = jobsP?.value;
  if (!jobsNode || isNull(jobsNode) || jobsNode.kind !== 'seq' || jobsNode.items.length === 0) {
    const code = !jobsP || isNull(jobsNode) ? 'missing' : jobsNode!.kind !== 'seq' ? 'bad_type' : 'bad_value';
    add(code, 'jobs', jobsP?.line ?? null, null, "'jobs' must be a non-empty list");
    return { pipeline: null, issues };
  }

  const jobs: NormalizedJob[] = [];
  const graph: { id: string; parents: string[]; line: number | null }[] = [];
  const byDagId = new Map<string, string>(); // dagId(id) -> declared id, for every valid id seen
  jobsNode.items.forEach((node, i) => {
    const n = i + 1;
    if (node.kind !== 'map') {
      add('not_mapping', null, node.line, `#${n}`, `job #${n} must be a mapping`);
      return;
    }
    const idPair = node.pairs.find((p) => p.key === 'id');
    const idText = idPair ? text(idPair.value) : null;
    const validId = idText !== null && JobId.safeParse(idText).success ? idText : null;
    const ref = validId ?? `#${n}`;
    const label = validId ? `job '${validId}'` : `job #${n}`;
    const bad = (code: PipelineErrorCode, key: string | null, line: number | null, message: string) => add(code, key, line, ref, message);

    const f = new Map<string, SourcePair>();
    for (const p of node.pairs) {
      if (f.has(p.key)) bad('duplicate_key', p.key, p.line, `${label}: key '${p.key}' appears twice`);
      else if (!(JOB_KEYS as readonly string[]).includes(p.key)) bad('unknown_key', p.key, p.line, `${label}: unknown key '${p.key}'`);
      else f.set(p.key, p);
    }
    const given = (k: string) => {
      const p = f.get(k);
      return p && !isNull(p.value) ? p : undefined;
    };
    const before = issues.length;
    const job: NormalizedJob = {
      id: validId ?? '', type: 'run', file: '', args: [], requirement: 'GENERAL', priority: 1, delay: 0, parents: [],
      affinity: false, port: 0, hitl: null, resources: { gpus: 0, gpu_memory_mb: 0, memory_mb: 0, cpus: 0 },
    };

    // Fields in a fixed order (the order of JOB_KEYS), so both languages list problems alike.
    if (!given('id')) bad('missing', 'id', node.line, `job #${n} has no 'id'`);
    else if (idText === null || idText === '') bad('bad_type', 'id', idPair!.line, `job #${n}: 'id' must be a string`);
    else if (!validId) bad('bad_value', 'id', idPair!.line, `job #${n}: invalid id '${idText}' (no whitespace, / \\ | ; , [ ], at most 200 characters)`);

    const typeP = given('type');
    let typeOk = true;
    if (typeP) {
      const v = scalar(typeP.value)?.value;
      typeOk = typeof v === 'string' && (v.toLowerCase() === 'run' || v.toLowerCase() === 'service');
      if (typeof v !== 'string') bad('bad_type', 'type', typeP.line, `${label}: 'type' must be 'run' or 'service'`);
      else if (!typeOk) bad('bad_value', 'type', typeP.line, `${label}: type must be 'run' or 'service', not '${v}'`);
      else job.type = v.toLowerCase() as 'run' | 'service';
    }

    const fileP = given('file');
    const fileV = fileP ? scalar(fileP.value)?.value : undefined;
    if (!fileP || fileV === '') bad('missing', 'file', fileP?.line ?? node.line, `${label} has no 'file'`);
    else if (typeof fileV !== 'string') bad('bad_type', 'file', fileP.line, `${label}: 'file' must be a path`);
    else if (project !== null) {
      const entry = normalPath(fileV);
      if (!isSafeRelativePath(entry) || entry === '.') bad('bad_value', 'file', fileP.line, `${label}: file '${fileV}' must be a path inside the project folder`);
      else if (projectOk && opts.files && !opts.files.isFile(posix.join(project, entry)))
        bad('file_not_found', 'file', fileP.line, `${label}: file '${fileV}' not found in project folder '${projectText}'`);
      else job.file = entry;
    } else if (projectOk) {
      const path = normalPath(fileV);
      if (opts.files && !opts.files.isFile(path)) bad('file_not_found', 'file', fileP.line, `${label}: file '${fileV}' not found`);
      else job.file = path;
    }

    const argsP = given('args');
    if (argsP) {
      const v = argsP.value;
      const items = v.kind === 'seq' ? v.items.map((x) => text(x, true)) : v.kind === 'scalar' && typeof v.value === 'string' ? v.value.split(/\s+/).filter(Boolean) : null;
      if (!items || items.some((x) => x === null)) bad('bad_type', 'args', argsP.line, `${label}: 'args' must be a string or a list of strings`);
      // TITAN_PROTO joins args with spaces and splits them again: an item with a space would arrive as two.
      else if (items.some((x) => /[|;\s]/.test(x!) || x === '')) bad('bad_value', 'args', argsP.line, `${label}: an argument may not be empty or contain whitespace, '|' or ';'`);
      else job.args = items as string[];
    }

    const reqP = given('requirement');
    if (reqP) {
      const v = scalar(reqP.value)?.value;
      if (typeof v !== 'string') bad('bad_type', 'requirement', reqP.line, `${label}: 'requirement' must be a string`);
      else if (!Tag.safeParse(v).success) bad('bad_value', 'requirement', reqP.line, `${label}: requirement '${v}' must be letters, digits, _ . : - (at most 64)`);
      else job.requirement = v.toUpperCase();
    }

    const int = (key: 'priority' | 'port' | 'max_wait_seconds' | 'gpus' | 'gpu_memory_mb' | 'memory_mb', min: number, max = Number.MAX_SAFE_INTEGER): number | null => {
      const p = given(key);
      if (!p) return null;
      const v = scalar(p.value)?.value;
      if (!isInt(v)) bad('bad_type', key, p.line, `${label}: '${key}' must be an integer`);
      else if (v < min || v > max) bad('bad_value', key, p.line, `${label}: '${key}' must be ${max === Number.MAX_SAFE_INTEGER ? `${min} or more` : `${min}..${max}`}`);
      else return v;
      return null;
    };
    const num = (key: 'delay' | 'cpus'): number | null => {
      const p = given(key);
      if (!p) return null;
      const v = scalar(p.value)?.value;
      if (!isNum(v)) bad('bad_type', key, p.line, `${label}: '${key}' must be a number`);
      else if (v < 0) bad('bad_value', key, p.line, `${label}: '${key}' must be 0 or more`);
      else return v;
      return null;
    };

    job.priority = int('priority', -1_000_000, 1_000_000) ?? 1;
    job.delay = num('delay') ?? 0;

    const affP = given('affinity');
    if (affP) {
      const v = scalar(affP.value)?.value;
      if (typeof v !== 'boolean') bad('bad_type', 'affinity', affP.line, `${label}: 'affinity' must be true or false`);
      else job.affinity = v;
    }

    const depP = given('depends_on');
    if (depP) {
      const v = depP.value;
      const items = v.kind === 'seq' ? v.items.map((x) => text(x)) : [text(v)];
      if (items.some((x) => x === null || x === '')) bad('bad_type', 'depends_on', depP.line, `${label}: 'depends_on' must be a job id or a list of job ids`);
      else job.parents = [...new Set(items as string[])];
    }

    const portV = int('port', 1, 65535);
    job.port = portV ?? 0;

    const hitlP = given('hitl_message');
    let hitlMessage: string | null = null;
    if (hitlP) {
      const v = scalar(hitlP.value)?.value;
      if (typeof v !== 'string' || !v.trim()) bad('bad_type', 'hitl_message', hitlP.line, `${label}: 'hitl_message' must be a non-empty string`);
      else hitlMessage = v;
    }
    const maxWait = int('max_wait_seconds', 1);
    if (hitlMessage !== null) job.hitl = { message: hitlMessage, max_wait_seconds: maxWait ?? DEFAULT_MAX_WAIT_SECONDS };

    job.resources = {
      gpus: int('gpus', 0) ?? 0,
      gpu_memory_mb: int('gpu_memory_mb', 0) ?? 0,
      memory_mb: int('memory_mb', 0) ?? 0,
      cpus: num('cpus') ?? 0,
    };

    // Rules between fields.
    if (job.type === 'service' && typeOk && !given('port')) bad('missing', 'port', typeP!.line, `${label}: a service needs a 'port'`);
    if (job.type === 'run' && typeOk && portV !== null) bad('bad_value', 'port', f.get('port')!.line, `${label}: 'port' is only for services`);
    if (given('max_wait_seconds') && !hitlP) bad('bad_value', 'max_wait_seconds', f.get('max_wait_seconds')!.line, `${label}: 'max_wait_seconds' needs 'hitl_message'`);

    let duplicate = false;
    if (validId) {
      duplicate = byDagId.has(dagId(validId));
      if (duplicate) bad('duplicate_id', 'id', idPair!.line, `duplicate job id '${validId}'`);
      else byDagId.set(dagId(validId), validId);
    }
    // Parents are checked for every job with an id, valid or not, so one run reports them all.
    const depsOk = !issues.slice(before).some((x) => x.key === 'depends_on');
    if (validId && !duplicate && depsOk) graph.push({ id: validId, parents: job.parents, line: depP?.line ?? null });
    if (issues.length === before) jobs.push(job);
  });

  for (const node of graph) {
    // In place: the job holds the same array, and ends up with the declared spelling of each parent.
    node.parents.forEach((p, k) => {
      const declared = byDagId.get(dagId(p));
      if (declared === undefined) add('unknown_parent', 'depends_on', node.line, node.id, `job '${node.id}' depends on unknown job '${p}'`);
      else node.parents[k] = declared;
    });
  }
  if (!issues.length) {
    const cycle = findCycle(graph);
    if (cycle) {
      const child = graph.find((g) => g.id === cycle[1])!;
      add('cycle', 'depends_on', child.line, child.id, `cycle: ${cycle.join(' -> ')}`);
    }
  }
  if (issues.length) return { pipeline: null, issues };
  return { pipeline: { name, version, project, archive, schedule, jobs }, issues: [] };
}
