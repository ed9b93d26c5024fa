// `npm run bench`: figures, not pass/fail. Each section runs on a fresh embedded control plane.
// `npm run bench -- <section name prefix>` runs one section; BENCH_SCALE_MAX caps the scale curve.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { venvEnv } from '../../scripts/setup-python.mjs';
import { benchAgent } from '../agent/bench';
import { benchBridge } from '../bridge/bench';
import { startTestPlane } from '../helpers/controlPlane';
import { compareWithRay } from './compare';
import { benchControlPlane } from './controlPlane';
import { benchControlPlaneScale } from './controlPlaneScale';
import { benchDagster } from './dagster';
import { benchMachine, cpuTimes, stealPct } from './machine';
import { benchMcp } from './mcp';
import { benchPythonEnv, runRay } from './ray';
import { benchScale } from './scale';
import { percentile } from './stats';

type Figures = Record<string, number | string>;
type Report = { figures: Figures; table: string[] };

/** Wall time of `titan --version`: what every CLI call pays before it does anything (the built bundle, after `npm run build`). */
function benchCli(): Record<string, number> {
  const titan = fileURLToPath(new URL('../../bin/titan.mjs', import.meta.url));
  const times = Array.from({ length: 10 }, () => {
    const t0 = performance.now();
    spawnSync(process.execPath, [titan, '--version']);
    return performance.now() - t0;
  });
  return { cli_version_ms: Math.round(percentile(times, 50)) };
}

// One interpreter for every Python process of the bench, ours and Ray's alike: the bench venv's
// (a venv python starts in about half the time of pyenv's, so mixing them would not compare like
// with like). Agents find it first on PATH, as `npm test` makes them find `.venv`.
const pyEnv = benchPythonEnv();
if (pyEnv.layout) Object.assign(process.env, venvEnv(process.env, pyEnv.layout));
const rayMissing = pyEnv.layout ? '' : `the bench environment could not be built (${pyEnv.why}); Python jobs use python3 from PATH`;
if (rayMissing) console.log(`bench: Ray not available: ${rayMissing}`);

/** Ours on the shared workloads, then Ray's (subprocess and native tasks), with the ratios. */
async function benchAgentsAndRay(): Promise<Report> {
  const { figures, workloads } = await benchAgent();
  const ray = pyEnv.layout ? runRay(pyEnv.layout.python) : { ray: null, why: rayMissing };
  const cmp = compareWithRay(workloads, ray.ray, ray.ray ? '' : ray.why);
  return { figures: { ...figures, ...cmp.figures }, table: cmp.table };
}

const sections: [string, () => Promise<Figures | Report>][] = [
  // python3 from PATH: the bench venv's, the interpreter our jobs and Ray's run.
  ['machine (this machine\'s floors, to read the rest against; each section ends with the CPU time the host took meanwhile)', () => benchMachine()],
  ['control plane (one ClusterDO, embedded workerd)', benchControlPlane],
  [
    'tcp-bridge (TITAN_PROTO → HTTP → Durable Object)',
    async () => {
      const cp = await startTestPlane();
      try {
        return await benchBridge({ url: cp.url, clientToken: cp.clientToken });
      } finally {
        await cp.dispose();
      }
    },
  ],
  ['mcp (job_status over Streamable HTTP vs GET /v1/jobs/{id}, 300 calls)', benchMcp],
  ['agents end to end (real Python processes), and Ray on the same workloads', benchAgentsAndRay],
  ['dagster (three-asset example: titan_dagster vs the 2-s polling pattern, median of 3)', benchDagster],
  ['scale (independent trivial jobs, one 4-slot agent process; /proc)', benchScale],
  ['control plane at scale (50,000 trivial jobs from simulated agents, no Python; BENCH_CP_SCALE_JOBS)', benchControlPlaneScale],
  ['cli (node bin/titan.mjs, median of 10)', async () => benchCli()],
];

const isReport = (r: Figures | Report): r is Report => Array.isArray((r as Report).table);

const only = process.argv[2];
for (const [name, fn] of sections) {
  if (only && !name.startsWith(only)) continue;
  console.log(`\n## ${name}`);
  const before = cpuTimes();
  const r = await fn();
  const steal = stealPct(before, cpuTimes()); // a busy host slows every figure of the section
  for (const [k, v] of Object.entries(isReport(r) ? r.figures : r)) console.log(`${k.padEnd(40)} ${v}`);
  if (isReport(r)) console.log(['', ...r.table].join('\n'));
  if (steal !== null) console.log(`${'host_steal_pct'.padEnd(40)} ${steal}`);
}
