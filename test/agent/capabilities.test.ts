import { describe, expect, it } from 'vitest';
import { decideCapabilities, gpuReading, parseNvidiaSmi, parseTags } from '../../worker-agent/src/capabilities';

describe('nvidia-smi parsing', () => {
  it('reads one device per line: index, uuid, model, total and free memory', () => {
    expect(parseNvidiaSmi('0, GPU-6e2f, NVIDIA H100 80GB HBM3, 81559, 80100\n')).toEqual([
      { index: 0, uuid: 'GPU-6e2f', model: 'NVIDIA H100 80GB HBM3', memoryMb: 81559, freeMemoryMb: 80100 },
    ]);
    expect(parseNvidiaSmi('0, GPU-a, Tesla T4, 15360, 15000\n1, GPU-b, Tesla T4, 15360, 2\n').map((g) => g.index)).toEqual([0, 1]);
  });
  it('keeps commas inside a model name and tolerates [N/A] memory', () => {
    expect(parseNvidiaSmi('3, GPU-x, Weird, Model X, [N/A], [N/A]')).toEqual([{ index: 3, uuid: 'GPU-x', model: 'Weird, Model X', memoryMb: 0, freeMemoryMb: null }]);
  });
  it('finds nothing in empty output or driver errors', () => {
    expect(parseNvidiaSmi('')).toEqual([]);
    expect(parseNvidiaSmi('No devices were found\n')).toEqual([]);
    expect(parseNvidiaSmi("NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.\n")).toEqual([]);
  });
});

describe('what an nvidia-smi run means', () => {
  it('no nvidia-smi: no GPU and nothing to report; a failing or hanging one: no GPU and why', () => {
    expect(gpuReading(Object.assign(new Error('spawn nvidia-smi ENOENT'), { code: 'ENOENT' }), '', '')).toEqual({ gpus: [], error: null, present: false });
    const failed = gpuReading(Object.assign(new Error('Command failed'), { code: 9 }), '', "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.\nmore");
    expect(failed).toEqual({ gpus: [], error: "nvidia-smi failed: NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.", present: true });
    expect(gpuReading(Object.assign(new Error('killed'), { killed: true }), '', '').error).toBe('nvidia-smi failed: timed out');
    expect(gpuReading(null, '0, GPU-a, T4, 15360, 100\n', '')).toMatchObject({ error: null, present: true, gpus: [{ index: 0 }] });
  });
});

describe('capability decision', () => {
  const GiB = 1024 ** 3;
  it('GENERAL always, GPU with a device, HIGH_MEM from the threshold, extras upper-cased once', () => {
    expect(decideCapabilities({ gpus: [], memoryBytes: 8 * GiB })).toEqual(['GENERAL']);
    expect(decideCapabilities({ gpus: [{}], memoryBytes: 64 * GiB })).toEqual(['GENERAL', 'GPU', 'HIGH_MEM']);
    expect(decideCapabilities({ gpus: [], memoryBytes: 16 * GiB, highMemGiB: 16, extra: ['gpu', 'GENERAL'] })).toEqual(['GENERAL', 'HIGH_MEM', 'GPU']);
  });
  it('parses --capabilities and refuses tags the control plane would', () => {
    expect(parseTags('gpu, high_mem,,x.y')).toEqual(['GPU', 'HIGH_MEM', 'X.Y']);
    expect(parseTags(undefined)).toEqual([]);
    expect(() => parseTags('bad tag')).toThrow(/invalid capability/);
  });
});
