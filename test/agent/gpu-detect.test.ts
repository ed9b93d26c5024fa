import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { b64, startTestPlane, waitFor, type TestPlane } from '../helpers/controlPlane';
import { spawnAgentProcess } from './helpers';

// No GPU on this machine: a stand-in `nvidia-smi` on PATH answers the agent's query the way the
// real one does, so detection, registration and GPU routing run end to end for real.
const FAKE_SMI = `#!/bin/sh
case "$*" in
  *--query-gpu=name,memory.total*) echo "NVIDIA H100 80GB HBM3, 81559"; echo "NVIDIA H100 80GB HBM3, 81559" ;;
  *) echo "GPU 0: NVIDIA H100 80GB HBM3" ;;
esac
`;

let cp: TestPlane;
let bin: string;
beforeAll(async () => {
  cp = await startTestPlane({ HEARTBEAT_MS: '500' });
  bin = mkdtempSync(join(tmpdir(), 'fake-smi-'));
  writeFileSync(join(bin, 'nvidia-smi'), FAKE_SMI);
  chmodSync(join(bin, 'nvidia-smi'), 0o755);
});
afterAll(async () => {
  await cp?.dispose();
  rmSync(bin, { recursive: true, force: true });
});

describe('GPU detection through nvidia-smi', () => {
  it('registers GPU with model and memory, and receives GPU jobs', async () => {
    const workdir = mkdtempSync(join(tmpdir(), 'gpu-agent-'));
    const a = spawnAgentProcess(['--url', cp.url, '--token', cp.agentToken, '--name', 'fake-gpu-box', '--slots', '1', '--workdir', workdir], {
      ...process.env,
      PATH: `${bin}:${process.env.PATH}`,
    });
    try {
      await a.ready;
      expect(a.output()).toMatch(/detected: GENERAL,GPU \(2× NVIDIA H100 80GB HBM3, 81559 MiB\)/);
      const agent = (await cp.client.listAgents()).agents.find((x) => x.name === 'fake-gpu-box')!;
      expect(agent.capabilities).toContain('GPU');
      expect(agent.info).toMatchObject({ gpus: [{ model: 'NVIDIA H100 80GB HBM3', memoryMb: 81559 }, { model: 'NVIDIA H100 80GB HBM3', memoryMb: 81559 }] });
      await cp.client.submitJob({ id: 'on-gpu', file: 'g.py', payloadB64: b64('print("gpu job ran")'), requirement: 'GPU' });
      await waitFor(async () => (await cp.client.getJob('on-gpu')).job.status === 'COMPLETED', 30_000);
      expect((await cp.client.getJob('on-gpu')).job.node).toBe('fake-gpu-box');
      expect((await cp.client.getLogs('on-gpu')).lines.map((l) => l.text)).toContain('gpu job ran');
    } finally {
      a.proc.kill('SIGKILL');
      rmSync(workdir, { recursive: true, force: true });
    }
  });
});
