// `npm run bench`: figures, not pass/fail. Each section runs on a fresh embedded control plane.
import { existsSync } from 'node:fs';
import { benchControlPlane } from './controlPlane';

const sections: [string, () => Promise<Record<string, number>>][] = [['control plane (one ClusterDO, embedded workerd)', benchControlPlane]];
if (existsSync(new URL('../bridge/bench.ts', import.meta.url))) {
  const { benchBridge } = await import('../bridge/bench');
  const { startTestPlane } = await import('../helpers/controlPlane');
  sections.push([
    'tcp-bridge (TITAN_PROTO → HTTP → Durable Object)',
    async () => {
      const cp = await startTestPlane();
      try {
        return await benchBridge({ url: cp.url, clientToken: cp.clientToken });
      } finally {
        await cp.dispose();
      }
    },
  ]);
}
if (existsSync(new URL('../agent/bench.ts', import.meta.url))) {
  const { benchAgent } = await import('../agent/bench');
  sections.push(['agents end to end (real Python processes)', benchAgent]);
}

const only = process.argv[2];
for (const [name, fn] of sections) {
  if (only && !name.startsWith(only)) continue;
  console.log(`\n## ${name}`);
  const r = await fn();
  for (const [k, v] of Object.entries(r)) console.log(`${k.padEnd(40)} ${v}`);
}
