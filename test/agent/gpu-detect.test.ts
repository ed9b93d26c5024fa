import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TitanApiError } from '../../sdk/ts/client';
import { b64, startTestPlane, waitFor, type TestPlane } from '../helpers/controlPlane';
import { spawnAgentProcess } from './helpers';

// No GPU on this machine: a stand-in `nvidia-smi` answers the agent's query the way the real one
// does (4 devices of three sizes), so detection, placement, pinning and re-reading run end to end
// for real. While the file `$FAIL` exists it fails like a driver that lost its devices.
const fakeSmi = (failFlag: string) => `#!/bin/sh
if [ -e "${failFlag}" ]; then echo "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver." >&2; exit 9; fi
case "$*" in
  *--query-gpu=index,uuid,name,memory.total,memory.free*)
    echo "0, GPU-00000000-aaaa, NVIDIA H100 80GB HBM3, 81559, 81000"
    echo "1, GPU-11111111-bbbb, NVIDIA H100 80GB HBM3, 81559, 80500"
    echo "2, GPU-22222222-cccc, NVIDIA A100-SXM4-40GB, 40960, 40000"
    echo "3, GPU-33333333-dddd, NVIDIA L4, 23034, 22000" ;;
  *) echo "GPU 0: NVIDIA H100 80GB HBM3" ;;
esac
`;

// Each job prints what it was given and when it held it, so overlaps can be checked afterwards.
const JOB = `import os, time
start = time.time()
print("CVD=" + os.environ.get("CUDA_VISIBLE_DEVICES", "<unset>"), "TITAN_GPUS=" + os.environ.get("TITAN_GPUS", "<unset>"), flush=True)
time.sleep(0.7)
print("SPAN=%f,%f" % (start, time.time()), flush=True)
`;

let cp: TestPlane;
let bin: string;
let failFlag: string;
beforeAll(async () => {
  cp = await startTestPlane({ HEARTBEAT_MS: '300' });
  bin = mkdtempSync(join(tmpdir(), 'fake-smi-'));
  failFlag = join(bin, 'FAIL');
  writeFileSync(join(bin, 'nvidia-smi'), fakeSmi(failFlag));
  chmodSync(join(bin, 'nvidia-smi'), 0o755);
});
afterAll(async () => {
  await cp?.dispose();
  rmSync(bin, { recursive: true, force: true });
});

describe('GPUs as resources (stand-in nvidia-smi with 4 devices)', () => {
  it('detects each device, places 1-, 2- and 4-GPU jobs only on free devices, pins each to its own, refuses the impossible', { timeout: 120_000 }, async () => {
    const workdir = mkdtempSync(join(tmpdir(), 'gpu-agent-'));
    const a = spawnAgentProcess(['--url', cp.url, '--token', cp.agentToken, '--name', 'fake-gpu-box', '--slots', '8', '--workdir', workdir], {
      ...process.env,
      PATH: `${bin}:${process.env.PATH}`,
      TITAN_GPU_POLL_MS: '300',
    });
    try {
      await a.ready;
      expect(a.output()).toMatch(/detected: GENERAL,GPU \(4× NVIDIA H100 80GB HBM3, 81559 MiB\)/);
      const agent = (await cp.client.listAgents()).agents.find((x) => x.name === 'fake-gpu-box')!;
      expect(agent.capabilities).toContain('GPU');
      expect(agent.resources.gpus.map((g) => [g.index, g.uuid, g.model, g.memoryMb])).toEqual([
        [0, 'GPU-00000000-aaaa', 'NVIDIA H100 80GB HBM3', 81559],
        [1, 'GPU-11111111-bbbb', 'NVIDIA H100 80GB HBM3', 81559],
        [2, 'GPU-22222222-cccc', 'NVIDIA A100-SXM4-40GB', 40960],
        [3, 'GPU-33333333-dddd', 'NVIDIA L4', 23034],
      ]);

      // More than any device has: refused at submit, naming the largest, and nothing stored.
      const refused = await cp.client.submitJob({ id: 'too-big', file: 'g.py', payloadB64: b64(JOB), gpus: 1, gpuMemoryMb: 200_000 }).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(TitanApiError);
      expect((refused as TitanApiError).status).toBe(400);
      expect((refused as TitanApiError).message).toMatch(/no agent can ever run this job: it asks for 200000 MiB of GPU memory \(the largest GPU has 81559 MiB\)/);
      await expect(cp.client.getJob('too-big')).rejects.toThrow(/no job/);
      await expect(cp.client.submitJob({ id: 'too-many', file: 'g.py', payloadB64: b64(JOB), gpus: 5 })).rejects.toThrow(/5 GPU\(s\) \(an agent has at most 4\)/);

      // A burst: 1, 2 and 4 GPUs, some needing 40 GiB devices (only 0, 1, 2 qualify).
      const asks = [4, 1, 2, 1, 1, 2, 4, 1, 2, 1, 4, 1, 1, 2, 1, 1];
      const jobs = asks.map((gpus, i) => ({ id: `g${i}`, gpus, gpuMemoryMb: i % 5 === 0 && gpus < 4 ? 40_000 : 0 }));
      await cp.client.submitDag({ jobs: jobs.map((j) => ({ id: j.id, file: `${j.id}.py`, payloadB64: b64(JOB), gpus: j.gpus, gpuMemoryMb: j.gpuMemoryMb })) });
      // While they run, the agent view says which job holds which device.
      const busy = await waitFor(async () => {
        const me = (await cp.client.listAgents()).agents.find((x) => x.name === 'fake-gpu-box')!;
        return me.used.gpus.length > 0 && me;
      });
      expect(busy.used.gpus.every((g) => /^g\d+$/.test(g.jobId))).toBe(true);
      await waitFor(async () => (await cp.client.listJobs({ limit: 100 })).jobs.filter((j) => /^g\d+$/.test(j.id)).every((j) => j.status === 'COMPLETED'), 90_000, 200);

      const spans: { id: string; gpus: number[]; start: number; end: number }[] = [];
      for (const j of jobs) {
        const view = (await cp.client.getJob(j.id)).job;
        const held = view.assigned!.gpus.map((g) => g.index);
        expect(held, `${j.id} holds as many GPUs as it asked`).toHaveLength(j.gpus);
        if (j.gpuMemoryMb) expect(held.every((i) => i <= 2), `${j.id} got only 40 GiB devices`).toBe(true);
        const text = (await cp.client.getLogs(j.id)).lines.map((l) => l.text).join('\n');
        expect(text, `${j.id} sees exactly its devices`).toContain(`CVD=${held.join(',')} TITAN_GPUS=${held.join(',')}`);
        const [start, end] = /SPAN=([\d.]+),([\d.]+)/.exec(text)!.slice(1).map(Number);
        spans.push({ id: j.id, gpus: held, start: start!, end: end! });
      }
      // No device ever held by two jobs at once.
      for (const x of spans) {
        for (const y of spans) {
          if (x.id >= y.id || !x.gpus.some((g) => y.gpus.includes(g))) continue;
          expect(x.end <= y.start || y.end <= x.start, `${x.id} and ${y.id} overlapped on GPU ${x.gpus.filter((g) => y.gpus.includes(g))}`).toBe(true);
        }
      }
      // Everything is free again once they ended.
      expect((await cp.client.listAgents()).agents.find((x) => x.name === 'fake-gpu-box')!.used.gpus).toEqual([]);

      // nvidia-smi starts failing: the agent's next reading says so, and no GPU job is placed there meanwhile
      // (it is still accepted: the agent can hold it once its devices are back).
      writeFileSync(failFlag, '');
      const failing = await waitFor(async () => {
        const me = (await cp.client.listAgents()).agents.find((x) => x.name === 'fake-gpu-box')!;
        return me.resources.gpuError ? me : undefined;
      }, 10_000);
      expect(failing.resources.gpuError).toMatch(/nvidia-smi failed: NVIDIA-SMI has failed/);
      expect(failing.resources.gpus).toHaveLength(4); // the devices last seen stay listed
      await cp.client.submitJob({ id: 'while-failing', file: 'w.py', payloadB64: b64(JOB), gpus: 1 });
      await new Promise((r) => setTimeout(r, 1000));
      expect((await cp.client.getJob('while-failing')).job.state).toBe('QUEUED');
      rmSync(failFlag);
      await waitFor(async () => (await cp.client.getJob('while-failing')).job.status === 'COMPLETED', 20_000);
    } finally {
      a.proc.kill('SIGKILL');
      if (existsSync(failFlag)) rmSync(failFlag);
      rmSync(workdir, { recursive: true, force: true });
    }
  });
});
