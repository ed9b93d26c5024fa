import { describe, expect, it } from 'vitest';
import { readLimited } from '../../../control-plane/src/api/body';

function chunked(chunks: number, size: number): { req: Request; pulled: () => number } {
  let pulled = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(ctrl) {
      if (pulled === chunks) return ctrl.close();
      pulled++;
      ctrl.enqueue(new Uint8Array(size).fill(65));
    },
  });
  return { req: new Request('http://x/', { method: 'PUT', body, duplex: 'half' } as RequestInit), pulled: () => pulled };
}

describe('bodies read under a limit', () => {
  it('reads a body within the limit whole', async () => {
    const { req } = chunked(3, 10);
    const out = await readLimited(req, 30);
    expect(out).toBeInstanceOf(Uint8Array);
    expect((out as Uint8Array).length).toBe(30);
  });
  it('stops reading a chunked body as soon as it passes the limit', async () => {
    const { req, pulled } = chunked(1000, 1024);
    expect(await readLimited(req, 4096)).toBe('too_large');
    expect(pulled()).toBeLessThan(10);
  });
  it('refuses a declared length over the limit without reading', async () => {
    const req = new Request('http://x/', { method: 'PUT', body: 'x'.repeat(100), headers: { 'content-length': '100' } });
    expect(await readLimited(req, 10)).toBe('too_large');
  });
});
