import { JobId, protoStatus } from '../../../control-plane/src/contract/index';
import { GrammarError, otherIdForm, parseDagPayload, parseDeploy, parseLegacySubmit, parseRun } from '../jobString';
import { errorReply, fail, isApiError, ok, withEitherId, type Handler, type Reply } from './context';

const FILE_NOT_FOUND = 'ERROR: File not found in perm_files';

/** Ids that cannot exist (bad characters, empty) are answered locally: no round trip, no 400 to explain. */
const validId = (id: string) => JobId.safeParse(id).success;

/** A deployed script the control plane does not have. */
const scriptMissing = (e: unknown) => isApiError(e, 404) || (isApiError(e, 400) && /not found/i.test(e.message));

function grammarOr(e: unknown): Reply {
  return e instanceof GrammarError ? fail(`ERROR: ${e.message}`) : errorReply(e);
}

export const submitDag: Handler = async (payload, { client, dagNameFor }) => {
  try {
    const jobs = parseDagPayload(payload);
    const name = dagNameFor?.(jobs.map((j) => j.id!));
    // The control plane validates the whole DAG (cycles, unknown parents, active ids) and stores all or nothing.
    await client.submitDag(name ? { name, jobs } : { jobs });
    return ok('DAG_ACCEPTED');
  } catch (e) {
    return grammarOr(e);
  }
};

export const submitJob: Handler = async (payload, { client }) => {
  try {
    await client.submitJob(parseLegacySubmit(payload));
    return ok('JOB_ACCEPTED');
  } catch (e) {
    return scriptMissing(e) ? fail(FILE_NOT_FOUND) : grammarOr(e);
  }
};

export const run: Handler = async (payload, { client }) => {
  try {
    const { job } = await client.submitJob(parseRun(payload));
    return ok(`JOB_QUEUED ${job.id} on ${job.requirement}`);
  } catch (e) {
    return scriptMissing(e) ? fail(FILE_NOT_FOUND) : grammarOr(e);
  }
};

export const deploy: Handler = async (payload, { client }) => {
  try {
    await client.submitJob(parseDeploy(payload));
    return ok('DEPLOY_QUEUED');
  } catch (e) {
    return scriptMissing(e) ? fail(FILE_NOT_FOUND) : grammarOr(e);
  }
};

export const getJobStatus: Handler = async (payload, { client }) => {
  const id = payload.trim();
  if (!validId(id)) return ok('NULL');
  try {
    const res = await withEitherId(id, otherIdForm(id), (i) => client.getJob(i));
    return ok(res ? protoStatus(res.job) : 'NULL');
  } catch (e) {
    return errorReply(e);
  }
};

/** Safety stop for a log that keeps growing while we page through it. */
const MAX_LOG_PAGES = 1000;
/** Lines asked per page; we still read until an empty page rather than trust the server's cap. */
const LOG_PAGE = 10_000;

export const getLogs: Handler = async (payload, { client }) => {
  const id = payload.trim();
  if (!validId(id)) return ok('');
  try {
    // Resolve the id first: it picks the DAG- spelling, and the job's current run, so a re-run that
    // has printed nothing yet answers empty rather than with the previous run's lines.
    const found = await withEitherId(id, otherIdForm(id), (i) => client.getJob(i));
    if (!found) return ok('');
    const { id: jobId, run } = found.job;
    const lines: string[] = [];
    let after: number | undefined;
    for (let n = 0; n < MAX_LOG_PAGES; n++) {
      const page = await client.getLogs(jobId, { after, run, limit: LOG_PAGE });
      // The agent's own notes ('started …', 'exited with code 0') are not job output; the
      // original returned only what the job printed, and scripts parse that (e.g. its last line).
      for (const l of page.lines) if (l.stream !== 'system') lines.push(l.text);
      if (page.lines.length === 0 || (after !== undefined && page.next <= after)) break;
      after = page.next;
    }
    // Log text is data: it goes out as ACK even when a line starts with "ERROR".
    return ok(lines.join('\n'));
  } catch (e) {
    return errorReply(e);
  }
};

export const cancelJob: Handler = async (payload, { client }) => {
  const id = payload.trim();
  if (!validId(id)) return ok('NOT_FOUND');
  try {
    const res = await withEitherId(id, otherIdForm(id), (i) => client.cancelJob(i));
    return ok(res ? 'CANCELLED' : 'NOT_FOUND');
  } catch (e) {
    return errorReply(e);
  }
};

export const stop: Handler = async (payload, { client }) => {
  const id = payload.trim();
  const notFound = fail(`ERROR: Service ${id} not found`);
  if (!validId(id)) return notFound;
  try {
    const res = await withEitherId(id, otherIdForm(id), (i) => client.stopService(i));
    return res ? ok(`STOPPED: ${res.job.id}`) : notFound;
  } catch (e) {
    return errorReply(e);
  }
};
