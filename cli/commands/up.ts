import { join } from 'node:path';
import { TitanHttpClient } from '../../sdk/ts/client';
import type { Invocation } from '../args';
import { upConfig } from '../config';
import { demoPipeline } from '../demo';
import { startLocalCluster } from '../localCluster';
import { followJobs } from '../progress';
import type { System } from '../system';

/** Agents get 5 s to end their jobs; the rest normally takes well under a second. */
const STOP_GRACE_MS = 15_000;

/** `titan up`: start the local cluster, print one ready line, optionally run the demo, keep running. */
export async function runUp(inv: Invocation, sys: System): Promise<number> {
  const o = upConfig({ flags: inv.flags, env: sys.env, cwd: sys.cwd });
  const t0 = Date.now();
  const cluster = await startLocalCluster(o, o.verbose ? (l) => console.log(l) : () => {}, (l) => console.log(l));
  const f = cluster.file;
  const caps = ['GENERAL', ...o.capabilities.map((c) => c.toUpperCase())];
  console.log(`titan ready in ${Date.now() - t0} ms: control plane ${f.url} · bridge ${f.bridge.host}:${f.bridge.port} · ${o.agents} agent(s) (${caps.join(',')}, ${o.slots} slots) · state ${o.stateDir}`);
  // Never the token itself: stdout ends up in terminals' scrollback, CI logs and screen shares.
  console.log(`dashboard: ${f.url}/ (sign in with clientToken from ${join(o.stateDir, 'cluster.json')})`);

  // A stop that hangs must not keep the terminal: after STOP_GRACE_MS, or at a second Ctrl-C, the
  // runtime is killed outright and titan exits 1 (saying where the stop was).
  let stopping = false;
  let step = 'starting';
  const force = (why: string) => {
    console.log(`${why} (${step}): killing the local runtime`);
    cluster.kill();
    process.exit(1);
  };
  const shutdown = async (sig: string) => {
    if (stopping) return force(`${sig} again`);
    stopping = true;
    console.log(`\n${sig}: stopping the local cluster… (${sig} again to force)`);
    setTimeout(() => force(`not stopped after ${STOP_GRACE_MS / 1000} s`), STOP_GRACE_MS).unref();
    await cluster.stop((s) => (step = s));
    console.log('stopped.');
    process.exit(0);
  };
  // Miniflare's exit hook would exit(130) at once; we stop the agents and the bridge first.
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.removeAllListeners(sig);
    process.on(sig, () => void shutdown(sig));
  }

  if (o.demo) {
    const client = new TitanHttpClient({ url: f.url, token: f.clientToken });
    const dag = demoPipeline(Date.now().toString(36));
    const r = await client.submitDag(dag);
    console.log(`demo: submitted ${dag.name} (${r.jobs.length} jobs, ${r.dag}); watch it at ${f.url}/#/dags/${r.dag}`);
    const final = await followJobs(client, r.jobs, { dag: r.dag, env: sys.env });
    const ok = Object.values(final).every((s) => s === 'COMPLETED');
    const report = await client.getLogs(r.jobs[r.jobs.length - 1]);
    for (const l of report.lines) console.log(`  report> ${l.text}`);
    console.log(ok ? 'demo: all jobs COMPLETED. The cluster keeps running; Ctrl-C stops it.' : 'demo: some jobs did not complete (see the dashboard).');
    await client.close();
  }
  return 0;
}
