/** The dashboard's resource renderers: asks, held GPUs, an agent's GPUs, the demand panel (markup checked as text). */
import { describe, expect, it } from 'vitest';
import type { AgentView } from '../../control-plane/src/contract/agents';
import type { DemandGroup, DemandResponse } from '../../control-plane/src/contract/resources';
import { agentGpusHtml, agentReservationsHtml, askText, assignedHtml, demandHtml, formatMiB } from '../../control-plane/src/dashboard/app/resources';

const NONE = { gpus: 0, gpuMemoryMb: 0, memoryMb: 0, cpus: 0 };
const XSS = '<img src=x onerror=alert(1)>';
/** Markup with the tags taken out and spaces collapsed: what a reader sees. */
const textOf = (markup: { text: string }) => markup.text.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim();

type Res = Pick<AgentView, 'resources' | 'used'>;
const gpuBox: Res = {
  resources: { cpus: 16, memoryMb: 65_536, gpuError: null, gpus: [
    { index: 0, uuid: 'GPU-aaa', model: 'NVIDIA A100', memoryMb: 40_960, freeMemoryMb: 1_024 },
    { index: 1, uuid: 'GPU-bbb', model: 'NVIDIA A100', memoryMb: 40_960, freeMemoryMb: null },
  ] },
  used: { cpus: 4, memoryMb: 8_192, gpus: [{ index: 0, jobId: 'train a/1' }] },
};

describe('formatMiB and askText', () => {
  it('writes MiB under a GiB and GiB (one decimal) above', () => {
    expect([0, 512, 1024, 40_960, 81_559].map(formatMiB)).toEqual(['0 MiB', '512 MiB', '1 GiB', '40 GiB', '79.6 GiB']);
  });
  it('describes a job\'s asks; GPU memory alone asks for one GPU; nothing asked is empty', () => {
    expect(askText({ gpus: 2, gpuMemoryMb: 40_960, cpus: 4, memoryMb: 8_192 })).toBe('2 GPUs ≥40 GiB, 4 CPUs, 8 GiB memory');
    expect(askText({ ...NONE, gpuMemoryMb: 20_480 })).toBe('1 GPU ≥20 GiB');
    expect(askText({ ...NONE, cpus: 0.5 })).toBe('0.5 CPUs');
    expect(askText(NONE)).toBe('');
  });
});

describe('assignedHtml', () => {
  it('lists the GPUs a run held with their uuids, then CPUs and memory', () => {
    const m = assignedHtml({ gpus: [{ index: 0, uuid: 'GPU-aaa' }, { index: 3, uuid: 'GPU-ddd' }], cpus: 2, memoryMb: 2_048 })!;
    expect(textOf(m)).toBe('GPU 0 GPU-aaa · GPU 3 GPU-ddd · 2 CPUs · 2 GiB memory');
  });
  it('is null when the run held nothing, or never ran', () => {
    expect(assignedHtml(null)).toBeNull();
    expect(assignedHtml({ gpus: [], cpus: 0, memoryMb: 0 })).toBeNull();
  });
  it('escapes a uuid', () => {
    expect(assignedHtml({ gpus: [{ index: 0, uuid: XSS }], cpus: 0, memoryMb: 0 })!.text).not.toContain('<img');
  });
});

describe('an agent\'s resources', () => {
  it('shows CPUs and memory reserved of total, or the totals while nothing is reserved', () => {
    expect(textOf(agentReservationsHtml(gpuBox))).toBe('4 / 16 CPUs 8 GiB / 64 GiB memory');
    expect(textOf(agentReservationsHtml({ ...gpuBox, used: { cpus: 0, memoryMb: 0, gpus: [] } }))).toBe('16 CPUs 64 GiB memory');
  });

  it('lists each GPU with its memory, free memory when known, and the job holding it as a link, or idle', () => {
    const m = agentGpusHtml(gpuBox);
    expect(textOf(m)).toBe('GPU 0 NVIDIA A100 40 GiB, 1 GiB free — train a/1 GPU 1 NVIDIA A100 40 GiB — idle');
    expect(m.text).toContain('<a href="#/jobs/train%20a%2F1">');
    expect(m.text.match(/<li class="gpu"/g)).toHaveLength(2);
  });

  it('shows the GPU error, a device gone while still held, and a dash with no GPUs at all', () => {
    const broken: Res = { resources: { ...gpuBox.resources, gpus: [], gpuError: 'nvidia-smi failed: timed out' }, used: { ...gpuBox.used, gpus: [{ index: 2, jobId: 'j' }] } };
    expect(textOf(agentGpusHtml(broken))).toBe('GPU 2 no longer reported — j GPUs: nvidia-smi failed: timed out');
    expect(agentGpusHtml(broken).text).toContain('class="err"');
    expect(textOf(agentGpusHtml({ resources: { ...gpuBox.resources, gpus: [] }, used: { cpus: 0, memoryMb: 0, gpus: [] } }))).toBe('–');
  });

  it('escapes what the agent reports', () => {
    const evil: Res = {
      resources: { cpus: 1, memoryMb: 1, gpuError: XSS, gpus: [{ index: 0, uuid: 'u', model: XSS, memoryMb: 1, freeMemoryMb: 1 }] },
      used: { cpus: 0, memoryMb: 0, gpus: [{ index: 0, jobId: `"${XSS}` }] },
    };
    const m = agentGpusHtml(evil).text;
    expect(m).not.toContain('<img');
    expect(m).toContain('&#60;img');
  });
});

describe('demandHtml', () => {
  const group = (over: Partial<DemandGroup>): DemandGroup => ({ ...NONE, requirement: 'GPU', queued: 0, running: 0, oldestWaitMs: 0, placeable: true, backlogged: false, ...over });
  const demand = (over: Partial<DemandResponse>): DemandResponse => ({ at: 0, groups: [], supply: [], backlogged: false, thresholds: { queued: 5, waitMs: 60_000 }, ...over });

  it('rows per capability and shape, backlogged and unplaceable flagged, and free capacity per capability', () => {
    const m = demandHtml(demand({
      backlogged: true,
      groups: [
        group({ gpus: 2, gpuMemoryMb: 40_960, queued: 7, running: 1, oldestWaitMs: 187_000, backlogged: true }),
        group({ requirement: 'GENERAL', running: 2 }),
        group({ requirement: 'BIG', cpus: 512, queued: 1, oldestWaitMs: 4_200, placeable: false }),
      ],
      supply: [
        { capability: 'GPU', agents: 2, slots: 8, freeSlots: 3, gpus: 4, freeGpus: 1 },
        { capability: 'GENERAL', agents: 1, slots: 4, freeSlots: 2, gpus: 0, freeGpus: 0 },
      ],
    }));
    const rows = [...m.text.matchAll(/<tr[^>]*>.*?<\/tr>/gs)].map(([row]) => textOf({ text: row }));
    expect(rows).toEqual([
      'Capability Shape Queued Running Oldest wait',
      'GPU 2 GPUs ≥40 GiB 7 1 3m 07s backlogged',
      'GENERAL no reservations 0 2 –',
      'BIG 512 CPUs 1 0 4.2s unplaceable',
      'Capability Agents Free slots Free GPUs',
      'GPU 2 3 / 8 1 / 4',
      'GENERAL 1 2 / 4 –',
    ]);
    expect(m.text).toContain('<tr class="backlogged">');
    expect(textOf(m)).toMatch(/^backlogged At least one group has 5 or more jobs queued, the oldest waiting 1m 00s or more\./);
  });

  it('says so when nothing is queued or running and no agent is live', () => {
    const t = textOf(demandHtml(demand({})));
    expect(t).toContain('No backlog');
    expect(t).toContain('No job is queued or running.');
    expect(t).toContain('No live agent.');
  });

  it('escapes capability names', () => {
    const m = demandHtml(demand({ groups: [group({ requirement: XSS, queued: 1 })], supply: [{ capability: XSS, agents: 1, slots: 1, freeSlots: 1, gpus: 0, freeGpus: 0 }] }));
    expect(m.text).not.toContain('<img');
  });
});
