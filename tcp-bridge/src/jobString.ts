import { isPaddedBase64, isSafeName, isSafeRelativePath, JobSpec, type JobSpecInput } from '../../control-plane/src/contract/index';

/** Thrown for payloads that do not follow the wire grammar; the message is the reply's `<why>`. */
export class GrammarError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GrammarError';
  }
}

import { dagId } from '../../control-plane/src/contract/jobs';
import { nativeGate } from './hitlGate';

export { DAG_PREFIX, dagId, otherIdForm } from '../../control-plane/src/contract/jobs';

const INT = /^-?\d+$/;

function int(field: string | undefined, what: string): number {
  const s = (field ?? '').trim();
  if (!INT.test(s)) throw new GrammarError(`${what} must be an integer, got '${field ?? ''}'`);
  return Number(s);
}

function port(field: string | undefined): number {
  const p = int(field, 'port');
  if (p < 1 || p > 65535) throw new GrammarError(`port must be 1..65535, got ${p}`);
  return p;
}

const basename = (f: string) => f.split(/[\\/]/).pop() ?? '';
const argv = (args: string) => args.split(' ').filter(Boolean);

/** REQ resource asks (snake_case, as in pipeline YAML) → the contract's JobSpec fields. */
const ASK_FIELDS = { gpus: 'gpus', gpu_memory_mb: 'gpuMemoryMb', memory_mb: 'memoryMb', cpus: 'cpus' } as const;
type AskField = (typeof ASK_FIELDS)[keyof typeof ASK_FIELDS];
/** A plain non-negative decimal; whether it must be whole, and its range, is the contract's to say. */
const DECIMAL = /^\d+(\.\d+)?$/;

/**
 * The REQ field: a capability tag, optionally followed by space-separated resource asks
 * (`GPU gpus=2 gpu_memory_mb=40960 memory_mb=8192 cpus=0.5`; docs/titan-proto-extensions.md).
 * An empty tag is GENERAL. A bare tag (the original SDK's strings) gives exactly
 * `{ requirement }`: asks appear only when written.
 */
export function requirementField(req: string | undefined): { requirement: string } & Partial<Record<AskField, number>> {
  const words = (req ?? '').trim().split(/\s+/).filter(Boolean);
  // A tag never contains '=' (the contract's Tag), so a first word with one is already an ask.
  const tag = words[0] !== undefined && !words[0].includes('=') ? words.shift()! : 'GENERAL';
  const asks: Partial<Record<AskField, number>> = {};
  const seen = new Set<string>();
  for (const word of words) {
    const eq = word.indexOf('=');
    if (eq < 0) throw new GrammarError(`requirement: expected key=value resource asks after the tag '${tag}', got '${word}'`);
    const key = word.slice(0, eq);
    const value = word.slice(eq + 1);
    if (!Object.hasOwn(ASK_FIELDS, key)) throw new GrammarError(`requirement: unknown resource '${key}' (expected ${Object.keys(ASK_FIELDS).join(', ')})`);
    if (seen.has(key)) throw new GrammarError(`requirement: resource '${key}' is given twice`);
    seen.add(key);
    if (!DECIMAL.test(value)) throw new GrammarError(`requirement: ${key} must be a non-negative number, got '${value}'`);
    asks[ASK_FIELDS[key as keyof typeof ASK_FIELDS]] = Number(value);
  }
  return { requirement: tag, ...asks };
}

/** `<zip>.zip/<entry path>` → archive name and entry. */
function archivePointer(pointer: string): { archive: string; file: string } {
  const at = pointer.indexOf('.zip/');
  if (at <= 0) throw new GrammarError(`archive pointer '${pointer}' must look like <project>.zip/<entry path>`);
  const archive = pointer.slice(0, at + 4);
  const file = pointer.slice(at + 5);
  if (!isSafeName(archive)) throw new GrammarError(`invalid archive name '${archive}'`);
  if (!isSafeRelativePath(file)) throw new GrammarError(`invalid entry path '${file}' (absolute paths and '..' are not allowed)`);
  return { archive, file };
}

function b64(field: string): string {
  if (!isPaddedBase64(field)) throw new GrammarError('script is not valid Base64');
  return field;
}

/** Checks the built spec against the contract so errors carry the job index rather than surfacing later from the API. */
function validated(spec: JobSpecInput): JobSpecInput {
  const r = JobSpec.safeParse(spec);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const where = issue.path.length ? `${issue.path.join('.')}: ` : '';
    throw new GrammarError(where + issue.message);
  }
  return spec;
}

/** Body field counts per kind, REQ included (it may be left off: it defaults to GENERAL). */
const KINDS: Record<string, { fields: number; build: (b: string[]) => Partial<JobSpecInput> }> = {
  RUN_PAYLOAD: {
    fields: 4, // basename | args | b64 | REQ
    build: ([file, args, script, req]) => ({ type: 'RUN_PAYLOAD', file: basename(file!), args: argv(args!), payloadB64: b64(script!), ...requirementField(req) }),
  },
  DEPLOY_PAYLOAD: {
    fields: 4, // basename | b64 | port | REQ
    build: ([file, script, p, req]) => ({ type: 'SERVICE', file: basename(file!), payloadB64: b64(script!), port: port(p), ...requirementField(req) }),
  },
  RUN_ARCHIVE: {
    fields: 3, // zip/entry | args | REQ
    build: ([ptr, args, req]) => ({ type: 'RUN_ARCHIVE', ...archivePointer(ptr!), args: argv(args!), ...requirementField(req) }),
  },
  START_ARCHIVE_SERVICE: {
    fields: 4, // zip/entry | args | port | REQ
    build: ([ptr, args, p, req]) => ({ type: 'ARCHIVE_SERVICE', ...archivePointer(ptr!), args: argv(args!), port: port(p), ...requirementField(req) }),
  },
};

/**
 * One SUBMIT_DAG job string → the contract's JobSpecInput, parsed from the outside in
 * (spec "Job strings inside SUBMIT_DAG"): affinity suffix, `[parents]`, delay, priority,
 * then id and kind from the front; what is left is the kind's body. Ids and parents get
 * the `DAG-` prefix.
 */
export function parseJobString(input: string): JobSpecInput {
  let s = input.trim();
  let affinity = false;
  const suffix = /\|(AFFINITY|STICKY)$/i.exec(s);
  if (suffix) {
    affinity = true;
    s = s.slice(0, suffix.index);
  }

  const open = s.lastIndexOf('[');
  if (open < 1 || s[open - 1] !== '|' || !s.endsWith(']')) throw new GrammarError("missing '|[parents]' at the end (use [] for none)");
  const parents = s
    .slice(open + 1, -1)
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)
    .map(dagId);
  const fields = s.slice(0, open - 1).split('|');

  if (fields.length < 4) throw new GrammarError('too few fields (expected ID|KIND|…|PRIORITY|DELAY|[parents])');
  const delayMs = int(fields.pop(), 'delay');
  if (delayMs < 0) throw new GrammarError(`delay must not be negative, got ${delayMs}`);
  const priority = int(fields.pop(), 'priority');

  const id = fields[0]!.trim();
  if (!id) throw new GrammarError('empty job id');
  const kindName = fields[1]!.trim().toUpperCase();
  const kind = KINDS[kindName];
  if (!kind) throw new GrammarError(`unknown job kind '${fields[1]}' (expected ${Object.keys(KINDS).join(', ')})`);
  const body = fields.slice(2);
  if (body.length < kind.fields - 1 || body.length > kind.fields) {
    throw new GrammarError(`${kindName} expects ${kind.fields} fields between the kind and the priority, got ${body.length}`);
  }
  const spec = { id: dagId(id), ...kind.build(body), priority, delayMs, parents, affinity } as JobSpecInput;
  return validated(nativeGate(spec, id) ?? spec);
}

/** A whole SUBMIT_DAG payload: job strings joined by `;` (blank pieces ignored). */
export function parseDagPayload(payload: string): JobSpecInput[] {
  const pieces = payload.split(';').filter((p) => p.trim() !== '');
  if (pieces.length === 0) throw new GrammarError('empty DAG (no job strings)');
  return pieces.map((piece, i) => {
    try {
      return parseJobString(piece);
    } catch (e) {
      if (e instanceof GrammarError) throw new GrammarError(`job ${i + 1}: ${e.message}`);
      throw e;
    }
  });
}

/**
 * Legacy SUBMIT_JOB: `[ID|]BODY[|PRIORITY][|DELAY]`. The spec leaves BODY open; here it
 * is the name of a script deployed with DEPLOY_SCRIPT (the same thing RUN runs), so a
 * legacy submit is a RUN with an optional id, priority and delay. Trailing integer
 * fields are priority then delay; a non-integer field before BODY is the id. The id is
 * kept as given (only SUBMIT_DAG adds `DAG-`).
 */
export function parseLegacySubmit(payload: string): JobSpecInput {
  const fields = payload.split('|').map((f) => f.trim());
  const nums: number[] = [];
  while (fields.length > 1 && nums.length < 2 && INT.test(fields[fields.length - 1]!)) nums.unshift(Number(fields.pop()));
  if (fields.length > 2 || fields.length === 0) throw new GrammarError('expected [ID|]SCRIPT[|PRIORITY][|DELAY]');
  const script = fields.pop()!;
  const id = fields.pop();
  if (!script) throw new GrammarError('empty script name');
  if (!isSafeName(script)) throw new GrammarError(`invalid script name '${script}'`);
  const [priority, delayMs] = nums;
  if (delayMs !== undefined && delayMs < 0) throw new GrammarError('delay must not be negative');
  return validated({
    ...(id ? { id } : {}),
    type: 'RUN_PAYLOAD',
    script,
    file: script,
    ...(priority !== undefined ? { priority } : {}),
    ...(delayMs !== undefined ? { delayMs } : {}),
  });
}

/** RUN `filename[|requirement]`: a deployed script run as a task. */
export function parseRun(payload: string): JobSpecInput {
  const [file = '', req, ...extra] = payload.split('|').map((f) => f.trim());
  if (extra.length) throw new GrammarError('expected filename[|requirement]');
  if (!isSafeName(file)) throw new GrammarError(`invalid script name '${file}'`);
  return validated({ type: 'RUN_PAYLOAD', script: file, file, ...requirementField(req) });
}

/** DEPLOY `filename|port|requirement`: a deployed script started as a service. */
export function parseDeploy(payload: string): JobSpecInput {
  const [file = '', p, req, ...extra] = payload.split('|').map((f) => f.trim());
  if (p === undefined || extra.length) throw new GrammarError('expected filename|port|requirement');
  if (!isSafeName(file)) throw new GrammarError(`invalid script name '${file}'`);
  return validated({ type: 'SERVICE', script: file, file, port: port(p), ...requirementField(req) });
}
