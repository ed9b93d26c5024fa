/** Tools that follow and steer jobs: status, logs, waiting, cancelling, approval gates. */
import * as z from 'zod';
import { JobId } from '../contract/common';
import { DecisionRequest, type JobView } from '../contract/jobs';
import type { LogLine } from '../contract/logs';
import { defineTool, FINAL, LIFECYCLE, jobFacts, jobLine, reply, simpleState, type ToolContext } from './tool';

const JOB_ID = { job_id: JobId.describe('The job id (as submit_job or submit_dag returned it).') };
/** Characters of log text one answer carries at most. */
export const LOG_CHARS = 20_000;
const PAGE = 5_000;

const getJob = async (port: ToolContext['port'], id: string): Promise<JobView> => (await port('getJob', { params: { id } })).job;
const answer = (j: JobView, lead = '') => reply(lead + jobLine(j), jobFacts(j));

const jobStatus = defineTool({
  name: 'job_status',
  description: `A job's state now, with its attempts, the agent running it, exit code, timestamps, the reason it failed or was cancelled, and its recent history. ${LIFECYCLE}`,
  input: JOB_ID,
  run: async ({ job_id }, { port }) => answer(await getJob(port, job_id)),
});

const logText = (lines: LogLine[]) => lines.map((l) => (l.stream === 'stdout' ? l.text : `[${l.stream}] ${l.text}`)).join('\n');

/** The longest run of lines from the end (tail) or the start that fits in `LOG_CHARS`. */
export function fitLines(lines: LogLine[], fromEnd: boolean): LogLine[] {
  let size = 0;
  const kept: LogLine[] = [];
  for (const l of fromEnd ? [...lines].reverse() : lines) {
    size += l.text.length + 10;
    if (size > LOG_CHARS && kept.length) break;
    kept.push(l);
  }
  return fromEnd ? kept.reverse() : kept;
}

const jobLogs = defineTool({
  name: 'job_logs',
  description: `The output of a job's newest run (or \`run\`): stdout lines as written, stderr and system lines marked. By default the last \`tail\` lines; with \`offset\` the lines after that position (pass back structuredContent.nextOffset to read on). At most ${LOG_CHARS} characters per answer; a note says what was left out.`,
  input: {
    ...JOB_ID,
    tail: z.number().int().min(1).max(10_000).optional().describe('How many of the last lines (default 200).'),
    offset: z.number().int().min(0).optional().describe('Read the lines after this position (0: from the start); overrides tail.'),
    run: z.number().int().min(1).optional().describe('Which run of the job (default the newest).'),
  },
  async run({ job_id, tail, offset, run }, { port }) {
    const read = (after: number, limit: number) => port('getLogs', { params: { id: job_id }, query: { after, limit, ...(run ? { run } : {}) } });
    if (offset !== undefined) {
      const r = await read(offset, PAGE);
      const shown = fitLines(r.lines, false);
      const next = shown.length ? shown[shown.length - 1]!.seq : offset;
      const more = shown.length < r.lines.length || r.lines.length === PAGE;
      const note = more ? `\n(more lines follow: call job_logs with offset=${next})` : '';
      return reply(logText(shown) + note, { jobId: job_id, run: r.run, lines: shown.length, nextOffset: next, more });
    }
    // The tail: page through the log keeping the last lines.
    const want = tail ?? 200;
    let kept: LogLine[] = [];
    let total = 0;
    let after = 0;
    let runNo = run ?? 0;
    for (let page = 0; page < 40; page++) {
      const r = await read(after, PAGE);
      runNo = r.run;
      total += r.lines.length;
      kept = kept.concat(r.lines).slice(-want);
      if (r.lines.length < PAGE || r.next <= after) break;
      after = r.next;
    }
    const shown = fitLines(kept, true);
    const next = shown.length ? shown[shown.length - 1]!.seq : 0;
    const left = total - shown.length;
    const note = left > 0 ? `(${left} earlier line${left === 1 ? '' : 's'} not shown; job_logs with offset=0 reads from the start)\n` : '';
    return reply(shown.length ? note + logText(shown) : `(job ${job_id} has written no output yet)`, { jobId: job_id, run: runNo, lines: shown.length, omitted: left, nextOffset: next });
  },
});

export const WAIT_MAX_S = 300;
const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });

const waitJob = defineTool({
  name: 'wait_job',
  description: `Wait until a job reaches a final state (COMPLETED, FAILED or CANCELLED), at most \`timeout_s\` seconds (≤ ${WAIT_MAX_S}), sending progress notifications while it waits when the request carries a progressToken. Returns the job's status like job_status, with structuredContent.done false if the time ran out first (call again to keep waiting). A job in WAITING_APPROVAL waits for approve_gate; wait on it only after deciding.`,
  input: { ...JOB_ID, timeout_s: z.number().positive().max(WAIT_MAX_S).default(60).describe('Longest wait in seconds.') },
  async run({ job_id, timeout_s }, { port, signal, progress }) {
    const start = Date.now();
    const end = start + timeout_s * 1000;
    let step = 200;
    let lastState = '';
    for (;;) {
      const j = await getJob(port, job_id);
      const state = simpleState(j.state);
      if (FINAL.includes(state)) return reply(jobLine(j), { ...jobFacts(j), done: true });
      if (Date.now() >= end || signal.aborted) return reply(`still waiting after ${timeout_s} s: ${jobLine(j)}`, { ...jobFacts(j), done: false });
      if (progress && state !== lastState) await progress((Date.now() - start) / 1000, timeout_s, `${job_id}: ${state}`);
      lastState = state;
      await sleep(Math.min(step, end - Date.now()), signal);
      step = Math.min(step * 1.5, 1000);
    }
  },
});

const cancelJob = defineTool({
  name: 'cancel_job',
  description: 'Cancel a job that has not ended (a running one is killed on its agent); its descendants in a DAG are cancelled too. Returns its new state. Cancelling an ended job is an error.',
  input: JOB_ID,
  run: async ({ job_id }, { port }) => answer((await port('cancelJob', { params: { id: job_id } })).job, 'cancelled: '),
});

const DECISION = {
  ...JOB_ID,
  by: DecisionRequest.shape.by.describe('Who decides (kept in the job history).'),
  reason: DecisionRequest.shape.reason.describe('Why (kept in the job history).'),
};
const approveGate = defineTool({
  name: 'approve_gate',
  description: 'Approve a job waiting in WAITING_APPROVAL: it goes to QUEUED and runs (a pure gate COMPLETES at once, releasing its children). Returns its new state; a job that is not waiting is an error.',
  input: DECISION,
  run: async ({ job_id, by, reason }, { port }) => answer((await port('approveJob', { params: { id: job_id }, body: { by, reason } })).job, 'approved: '),
});
const rejectGate = defineTool({
  name: 'reject_gate',
  description: 'Reject a job waiting in WAITING_APPROVAL: it ends FAILED for good (no retry) and its descendants are cancelled. Returns its new state.',
  input: DECISION,
  run: async ({ job_id, by, reason }, { port }) => answer((await port('rejectJob', { params: { id: job_id }, body: { by, reason } })).job, 'rejected: '),
});

export const JOB_TOOLS = [jobStatus, jobLogs, waitJob, cancelJob, approveGate, rejectGate];
