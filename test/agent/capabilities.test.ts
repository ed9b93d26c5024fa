import { describe, expect, it } from 'vitest';
import { decideCapabilities, parseNvidiaSmi, parseTags } from '../../worker-agent/src/capabilities';

describe('nvidia-smi parsing', () => {
  it('reads one device per line', () => {
    expect(parseNvidiaSmi('NVIDIA H100 80GB HBM3, 81559\n')).toEqual([{ model: 'NVIDIA H100 80GB HBM3', memoryMb: 81559 }]);
    expect(parseNvidiaSmi('Tesla T4, 15360\nTesla T4, 15360\n')).toHaveLength(2);
  });
  it('keeps commas inside a model name and tolerates [N/A] memory', () => {
    expect(parseNvidiaSmi('Weird, Model X, [N/A]')).toEqual([{ model: 'Weird, Model X', memoryMb: 0 }]);
  });
  it('finds nothing in empty output or driver errors', () => {
    expect(parseNvidiaSmi('')).toEqual([]);
    expect(parseNvidiaSmi('No devices were found\n')).toEqual([]);
    expect(parseNvidiaSmi('NVIDIA-SMI has failed because it couldn\'t communicate with the NVIDIA driver.\n')).toEqual([]);
  });
});

describe('capability decision', () => {
  const GiB = 1024 ** 3;
  it('GENERAL always, GPU with a device, HIGH_MEM from the threshold, extras upper-cased once', () => {
    expect(decideCapabilities({ gpus: [], memoryBytes: 8 * GiB })).toEqual(['GENERAL']);
    expect(decideCapabilities({ gpus: [{ model: 'x', memoryMb: 1 }], memoryBytes: 64 * GiB })).toEqual(['GENERAL', 'GPU', 'HIGH_MEM']);
    expect(decideCapabilities({ gpus: [], memoryBytes: 16 * GiB, highMemGiB: 16, extra: ['gpu', 'GENERAL'] })).toEqual(['GENERAL', 'HIGH_MEM', 'GPU']);
  });
  it('parses --capabilities and refuses tags the control plane would', () => {
    expect(parseTags('gpu, high_mem,,x.y')).toEqual(['GPU', 'HIGH_MEM', 'X.Y']);
    expect(parseTags(undefined)).toEqual([]);
    expect(() => parseTags('bad tag')).toThrow(/invalid capability/);
  });
});
