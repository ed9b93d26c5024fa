/** The resource parts of `titan workers`, `titan status JOB` and `titan stats`, as plain functions. */
import { describe, expect, it } from 'vitest';
import type { AgentView } from '../../control-plane/src/contract/agents';
import type { DemandGroup, DemandResponse } from '../../control-plane/src/contract/resources';
import { agentResourceLines, askText, demandLines, jobResourceLines, workersText } from '../../cli/commands/listViews';

const NONE = { gpus: 0, gpuMemoryMb: 0, memoryMb: 0, cpus: 0 };
const H100 = 'NVIDIA H100 80GB HBM3';

function agent(over: Partial<AgentView> = {}): AgentView {
  return {
    id: 'agent-1', name: 'box-1', capabilities: ['GENERAL', 'GPU'], slots: 4, running: 1, ephemeral: false, alive: true,
    lastSeen: 10_000, registeredAt: 0, info: { host: 'box-1' }, jobs: ['train-a'],
    resources: { cpus: 16, memoryMb: 65_536, gpuError: null, gpus: [
      { index: 0, uuid: 'GPU-aaa', model: H100, memoryMb: 81_559, freeMemoryMb: 1_024 },
      { index: 1, uuid: 'GPU-bbb', model: H100, memoryMb: 81_559, freeMemoryMb: null },
    ] },
    used: { cpus: 4, memoryMb: 8_192, gpus: [{ index: 0, jobId: 'train-a' }] },
    ...over,
  };
}

describe('askText', () => {
  it('names GPUs with their memory floor, CPUs and memory; nothing asked is empty', () => {
    expect(askText({ gpus: 2, gpuMemoryMb: 40_960, cpus: 4, memoryMb: 8_192 })).toBe('2 GPUs ≥40960 MiB, 4 CPUs, 8192 MiB memory');
    expect(askText(NONE)).toBe('');
  });
  it('GPU memory alone asks for one GPU; fractions of a CPU stay readable', () => {
    expect(askText({ ...NONE, gpuMemoryMb: 20_000 })).toBe('1 GPU ≥20000 MiB');
    expect(askText({ ...NONE, gpus: 1 })).toBe('1 GPU');
    expect(askText({ ...NONE, cpus: 0.5 })).toBe('0.5 CPUs');
    expect(askText({ ...NONE, cpus: 1 / 3 })).toBe('0.33 CPUs');
    expect(askText({ ...NONE, cpus: 1 })).toBe('1 CPU');
  });
});

describe('titan status JOB: resources', () => {
  it('shows the asks, and the GPUs a run held with their uuids', () => {
    const job = { gpus: 2, gpuMemoryMb: 40_960, cpus: 4, memoryMb: 8_192, assigned: { gpus: [{ index: 0, uuid: 'GPU-aaa' }, { index: 1, uuid: 'GPU-bbb' }], cpus: 4, memoryMb: 8_192 } };
    expect(jobResourceLines(job)).toEqual(['resources: 2 GPUs ≥40960 MiB, 4 CPUs, 8192 MiB memory', 'GPUs: 0,1 (GPU-aaa, GPU-bbb)']);
  });
  it('says nothing for a job that asks for and holds nothing', () => {
    expect(jobResourceLines({ ...NONE, assigned: null })).toEqual([]);
    expect(jobResourceLines({ ...NONE, cpus: 2, assigned: { gpus: [], cpus: 2, memoryMb: 0 } })).toEqual(['resources: 2 CPUs']);
  });
});

describe('titan workers', () => {
  it('shows reserved of total CPUs and memory, one line per GPU with its job or idle', () => {
    expect(agentResourceLines(agent())).toEqual([
      'CPUs 4/16  memory 8192/65536 MiB',
      `GPU 0 ${H100} 81559 MiB (1024 free) — train-a`,
      `GPU 1 ${H100} 81559 MiB — idle`,
    ]);
  });
  it('shows totals alone while nothing is reserved, and the GPU error when set', () => {
    const a = agent({ resources: { cpus: 8, memoryMb: 4_096, gpus: [], gpuError: 'nvidia-smi failed: exit 9' }, used: { cpus: 0, memoryMb: 0, gpus: [] } });
    expect(agentResourceLines(a)).toEqual(['CPUs 8  memory 4096 MiB', 'GPUs: nvidia-smi failed: exit 9']);
  });
  it('keeps a GPU a job still holds after the device stopped being reported', () => {
    const a = agent({ resources: { cpus: 0, memoryMb: 0, gpus: [], gpuError: null }, used: { cpus: 0, memoryMb: 0, gpus: [{ index: 3, jobId: 'j' }] } });
    expect(agentResourceLines(a)).toEqual(['GPU 3 (no longer reported) — j']);
  });
  it('indents the resource lines under each agent line', () => {
    const lines = workersText([agent(), agent({ name: 'cpu-box', alive: false, resources: { cpus: 2, memoryMb: 0, gpus: [], gpuError: null }, used: { cpus: 0, memoryMb: 0, gpus: [] } })], 12_000).split('\n');
    expect(lines[0]).toMatch(/^● box-1\s+GENERAL,GPU\s+load 1\/4 {2}seen 2s ago$/);
    expect(lines.slice(1, 4)).toEqual(['    CPUs 4/16  memory 8192/65536 MiB', `    GPU 0 ${H100} 81559 MiB (1024 free) — train-a`, `    GPU 1 ${H100} 81559 MiB — idle`]);
    expect(lines[4]).toMatch(/^○ cpu-box/);
    expect(lines[5]).toBe('    CPUs 2  memory 0 MiB');
    expect(workersText([], 0)).toBe('no agents registered');
  });
});

describe('titan stats: demand', () => {
  const group = (over: Partial<DemandGroup>): DemandGroup => ({ ...NONE, requirement: 'GPU', queued: 0, running: 0, oldestWaitMs: 0, placeable: true, backlogged: false, ...over });
  const demand = (over: Partial<DemandResponse>): DemandResponse => ({ at: 0, groups: [], supply: [], backlogged: false, thresholds: { queued: 5, waitMs: 60_000 }, ...over });

  it('lists only backlogged and unplaceable groups, then free slots and GPUs per capability', () => {
    const d = demand({
      backlogged: true,
      groups: [
        group({ gpus: 2, gpuMemoryMb: 40_960, queued: 7, running: 1, oldestWaitMs: 303_000, backlogged: true }),
        group({ requirement: 'GENERAL', queued: 1, running: 3, oldestWaitMs: 2_000 }),
        group({ requirement: 'GENERAL', cpus: 512, queued: 1, oldestWaitMs: 9_000, placeable: false }),
      ],
      supply: [
        { capability: 'GPU', agents: 2, slots: 8, freeSlots: 3, gpus: 4, freeGpus: 1 },
        { capability: 'GENERAL', agents: 3, slots: 12, freeSlots: 4, gpus: 0, freeGpus: 0 },
      ],
    });
    expect(demandLines(d)).toEqual([
      'demand  BACKLOGGED  (backlogged: ≥5 queued, oldest waiting ≥1m00s)',
      '  backlogged  GPU 2 GPUs ≥40960 MiB  queued 7  running 1  oldest 5m03s',
      '  unplaceable  GENERAL 512 CPUs  queued 1  running 0  oldest 9s',
      'free    GPU 3/8 slots, 1/4 GPUs  ·  GENERAL 4/12 slots',
    ]);
  });

  it('is two lines on a quiet cluster', () => {
    expect(demandLines(demand({ groups: [group({ queued: 1 })] }))).toEqual(['demand  ok  (backlogged: ≥5 queued, oldest waiting ≥1m00s)', 'free    no live agents']);
  });
});
