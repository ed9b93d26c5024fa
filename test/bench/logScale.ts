// What the control plane keeps per trivial job: `npx tsx test/bench/logScale.ts [--jobs N] [--idle S] [--state DIR]`.
// Runs the local control plane (the bundle `titan up` starts) and plays the agents over HTTP, as the
// real agent does for `print("ok")`: lease, one log batch (the output line and the exit note), then
// the result. Prints workerd's RSS and the state dir's size at checkpoints and after an idle wait
// (open objects' write-ahead logs are folded back then: the size at rest), and the cost of a job's
// first log append against a later one. Nothing Python runs: the figures are the control plane's own.
// The state dir is kept for a look; its path is printed last.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startLocalControlPlane } from '../../cli/local/controlPlane';
import type { JobResultInput } from '../../control-plane/src/contract/agents';
import { TitanHttpClient } from '../../sdk/ts/client';

const { values } = parseArgs({
  options: {
    jobs: { type: 'string', default: '10000' },
    idle: { type: 'string', default: '60' },
    state: { type: 'string' },
    agents: { type: 'string', default: '4' },
    checkpoints: { type: 'string', default: '5000,10000,20000,50000' },
  },
});
const TOTAL = Number(values.jobs);
const IDLE_S = Number(values.idle);
const AGENTS = Number(values.agents);
const CHECKPOINTS = values.checkpoints!.split(',').map(Number).filter((n) => n <= TOTAL);
const stateDir = values.state ?? mkdtempSync(join(tmpdir(), 'titan-logscale-'));
const TRIVIAL = Buffer.from('print("ok")\n').toString('base64');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const rssMb = (pid: number) => {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
};
// Files come and go while workerd runs (journals): tolerate the races.
const sh = (cmd: string) => execFileSync('sh', ['-c', `${cmd} 2>/dev/null; true`], { encoding: 'utf8' });
const duKb = (dir: string) => Number(sh(`du -sk "${dir}"`).split('\t')[0]);
const files = (dir: string) => Number(sh(`find "${dir}" -type f | wc -l`).trim());
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const cp = await startLocalControlPlane({ stateDir, port: 0, log: (line) => console.error(line) });
// Read again at each report: an idle recycle (TITAN_IDLE_RECYCLE_MS) starts a new workerd.
const workerd = () => (JSON.parse(readFileSync(join(stateDir, 'workerd.pid'), 'utf8')) as { pid: number }).pid;
const rssNow = () => {
  try {
    return rssMb(workerd());
  } catch {
    return -1; // in the middle of a restart
  }
};
const client = new TitanHttpClient({ url: cp.url, token: cp.clientToken });
const agent = new TitanHttpClient({ url: cp.url, token: cp.agentToken });
const report = (label: string, extra: Record<string, number | string> = {}) =>
  console.log(JSON.stringify({ at: label, workerd_rss_mb: rssNow(), state_kb: duKb(stateDir), state_files: files(stateDir), ...extra }));
report('start');

// The append on the hot path: a job's first batch, then a second batch of the same run.
{
  const agentId = (await agent.registerAgent({ name: 'append-probe', capabilities: ['PROBE'], slots: 4 })).agentId;
  const first: number[] = [];
  const later: number[] = [];
  for (let i = 0; i < 200; i++) {
    const id = `probe-${i}`;
    await client.submitJob({ id, file: 'job.py', payloadB64: TRIVIAL, requirement: 'PROBE', maxRetries: 0 });
    const lease = (await agent.lease(agentId, { max: 1, waitMs: 0 })).leases[0]!;
    const line = (seq: number) => ({ seq, ts: Date.now(), stream: 'stdout' as const, text: 'ok' });
    let t0 = performance.now();
    await agent.appendLogs(id, { leaseId: lease.leaseId, run: 1, lines: [line(1)] });
    first.push(performance.now() - t0);
    t0 = performance.now();
    await agent.appendLogs(id, { leaseId: lease.leaseId, run: 1, lines: [line(2)] });
    later.push(performance.now() - t0);
    await agent.complete(agentId, [{ leaseId: lease.leaseId, status: 'COMPLETED', exitCode: 0 }]);
  }
  console.log(JSON.stringify({ append_first_batch_ms_p50: +median(first).toFixed(2), append_later_batch_ms_p50: +median(later).toFixed(2) }));
}

let submitted = 0;
let done = 0;
const t0 = performance.now();
async function submitter(): Promise<void> {
  let dag = 0;
  while (submitted < TOTAL) {
    if (submitted - done > 2000) {
      await sleep(20);
      continue;
    }
    const n = Math.min(500, TOTAL - submitted);
    const base = submitted;
    await client.submitDag({ name: `scale-${dag++}`, jobs: Array.from({ length: n }, (_, i) => ({ id: `s${base + i}`, file: 'job.py', payloadB64: TRIVIAL, maxRetries: 0 })) });
    submitted += n;
  }
}
async function playAgent(i: number): Promise<void> {
  const agentId = (await agent.registerAgent({ name: `sim-${i}`, capabilities: ['GENERAL'], slots: 4 })).agentId;
  while (done < TOTAL) {
    const { leases } = await agent.lease(agentId, { max: 4, waitMs: 1000 });
    // As the agent does with a trivial job's log: its lines ride with the result (JobResult.tail).
    const ts = Date.now();
    const results: JobResultInput[] = leases.map((l) => ({
      leaseId: l.leaseId,
      status: 'COMPLETED',
      exitCode: 0,
      durationMs: 3,
      tail: { jobId: l.job.id, run: l.job.run, lines: [{ seq: 1, ts, stream: 'stdout', text: 'ok' }, { seq: 2, ts, stream: 'system', text: 'exit code 0 after 3 ms' }] },
    }));
    if (results.length) {
      await agent.complete(agentId, results);
      done += results.length;
    }
    for (; CHECKPOINTS.length && done >= CHECKPOINTS[0]!; CHECKPOINTS.shift()) {
      report(`after ${CHECKPOINTS[0]} jobs`, { jobs_per_s: Math.round(done / ((performance.now() - t0) / 1000)) });
    }
  }
}
await Promise.all([submitter(), ...Array.from({ length: AGENTS }, (_, i) => playAgent(i))]);
report(`after ${done} jobs (all)`, { disk_per_job_bytes: Math.round((duKb(stateDir) * 1024) / done) });
for (let s = 0; s < IDLE_S; s += 15) {
  await sleep(15_000);
  report(`idle ${s + 15} s`, { disk_per_job_bytes: Math.round((duKb(stateDir) * 1024) / done) });
}
await Promise.all([client.close(), agent.close()]);
await cp.stop();
console.log(JSON.stringify({ stateDir }));
process.exit(0);
