// `npm run bench`: figures, not pass/fail. Each section runs on a fresh embedded control plane.
import { benchAgent } from '../agent/bench';
import { benchBridge } from '../bridge/bench';
import { startTestPlane } from '../helpers/controlPlane';
import { benchControlPlane } from './controlPlane';

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
  ['agents end to end (real Python processes)', benchAgent],
];

const only = process.argv[2];
for (const [name, fn] of sections) {
  if (only && !name.startsWith(only)) continue;
  console.log(`\n## ${name}`);
  const r = await fn();
  for (const [k, v] of Object.entries(r)) console.log(`${k.padEnd(40)} ${v}`);
}
