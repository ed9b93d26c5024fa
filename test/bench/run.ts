// `npm run bench`: figures, not pass/fail. Each section runs on a fresh embedded control plane.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { benchAgent } from '../agent/bench';
import { benchBridge } from '../bridge/bench';
import { startTestPlane } from '../helpers/controlPlane';
import { benchControlPlane } from './controlPlane';
import { benchDagster } from './dagster';
import { benchMcp } from './mcp';
import { percentile } from './stats';

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

const sections: [string, () => Promise<Record<string, number>>][] = [
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
  ['agents end to end (real Python processes)', benchAgent],
  ['dagster (three-asset example: titan_dagster vs the 2-s polling pattern, median of 3)', benchDagster],
  ['cli (node bin/titan.mjs, median of 10)', async () => benchCli()],
];

const only = process.argv[2];
for (const [name, fn] of sections) {
  if (only && !name.startsWith(only)) continue;
  console.log(`\n## ${name}`);
  const r = await fn();
  for (const [k, v] of Object.entries(r)) console.log(`${k.padEnd(40)} ${v}`);
}
