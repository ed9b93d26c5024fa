import { describe, expect, it } from 'vitest';
import { heldAway, type AffinityAgent } from '../../../control-plane/src/core/affinity';

const agent = (id: string, host: string | null, capabilities: string[], alive = true): AffinityAgent => ({ id, host, alive, capabilities });
const cpuBox = agent('cpu', 'box-1', ['GENERAL']);
const gpuSameBox = agent('gpu', 'box-1', ['GENERAL', 'GPU']);
const gpuOtherBox = agent('gpu2', 'box-2', ['GENERAL', 'GPU']);

describe('heldAway (affinity)', () => {
  it('waits for its own agent while that agent is alive and offers the capability', () => {
    expect(heldAway('cpu', 'GENERAL', gpuOtherBox, [cpuBox, gpuOtherBox])).toBe(true);
    expect(heldAway('cpu', 'GENERAL', cpuBox, [cpuBox, gpuOtherBox])).toBe(false);
  });
  it('goes to an agent of the same host when its own agent lacks the capability (a GPU step after a CPU step)', () => {
    const all = [cpuBox, gpuSameBox, gpuOtherBox];
    expect(heldAway('cpu', 'GPU', gpuSameBox, all)).toBe(false);
    expect(heldAway('cpu', 'GPU', gpuOtherBox, all)).toBe(true); // the same host can: it waits for it
  });
  it('goes anywhere when no live agent of that host can run it, so it is never stranded', () => {
    expect(heldAway('cpu', 'GPU', gpuOtherBox, [cpuBox, gpuOtherBox])).toBe(false);
    expect(heldAway('cpu', 'GPU', gpuOtherBox, [cpuBox, { ...gpuSameBox, alive: false }, gpuOtherBox])).toBe(false);
    expect(heldAway('cpu', 'GENERAL', gpuOtherBox, [{ ...cpuBox, alive: false }, gpuOtherBox])).toBe(false);
  });
  it('a dead agent passes its job to a live one of its host first', () => {
    const all = [{ ...cpuBox, alive: false }, gpuSameBox, gpuOtherBox];
    expect(heldAway('cpu', 'GENERAL', gpuOtherBox, all)).toBe(true);
    expect(heldAway('cpu', 'GENERAL', gpuSameBox, all)).toBe(false);
  });
  it('an unknown agent or one that named no host holds nothing back', () => {
    expect(heldAway('nobody', 'GENERAL', cpuBox, [cpuBox])).toBe(false);
    expect(heldAway('x', 'GPU', gpuOtherBox, [agent('x', null, ['GENERAL']), gpuOtherBox])).toBe(false);
  });
});
