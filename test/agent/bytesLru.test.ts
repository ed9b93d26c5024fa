import { describe, expect, it } from 'vitest';
import { BytesLru } from '../../worker-agent/src/runners/script';

const bytes = (n: number, fill = 1) => new Uint8Array(n).fill(fill);

describe('BytesLru (payloads kept in memory)', () => {
  it('keeps the most recently used within its byte budget, and nothing over the entry limit', () => {
    const lru = new BytesLru(10, 6);
    const a = lru.set('a', bytes(4, 1));
    lru.set('b', bytes(4, 2));
    expect(lru.get('a')).toBe(a); // a is now the most recent
    lru.set('c', bytes(4, 3)); // 12 bytes: the least recent (b) goes
    expect(lru.get('b')).toBeUndefined();
    expect([lru.get('a')?.[0], lru.get('c')?.[0]]).toEqual([1, 3]);
    const big = bytes(7);
    expect(lru.set('big', big)).toBe(big); // handed back, not kept
    expect(lru.get('big')).toBeUndefined();
    expect(lru.get('a')?.[0]).toBe(1);
  });
});
