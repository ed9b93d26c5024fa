import { describe, expect, it } from 'vitest';
import { descendants } from '../../../control-plane/src/core/descendants';

//   a → b → d
//   a → c → d → e
const edges: Record<string, string[]> = { a: ['b', 'c'], b: ['d'], c: ['d'], d: ['e'] };
const children = (id: string) => edges[id] ?? [];

describe('descendants', () => {
  it('lists every descendant once, parents before children, with the parent it was reached through', () => {
    expect(descendants('a', children, (id) => id)).toEqual([
      { item: 'b', via: 'a' },
      { item: 'c', via: 'a' },
      { item: 'd', via: 'b' },
      { item: 'e', via: 'd' },
    ]);
  });
  it('does not walk past a descendant the predicate refuses', () => {
    // A completed (refused) child keeps its own children out of a cascade unless reached another way.
    expect(descendants('a', children, (id) => (id === 'b' ? undefined : id)).map((r) => r.item)).toEqual(['c', 'd', 'e']);
    expect(descendants('a', children, (id) => (id === 'd' ? undefined : id)).map((r) => r.item)).toEqual(['b', 'c']);
  });
  it('returns what the predicate returned (a row, say)', () => {
    expect(descendants('c', children, (id) => ({ id, state: 'CANCELLED' }))).toEqual([
      { item: { id: 'd', state: 'CANCELLED' }, via: 'c' },
      { item: { id: 'e', state: 'CANCELLED' }, via: 'd' },
    ]);
  });
  it('never offers the root or a node twice, even around a diamond', () => {
    const offered: string[] = [];
    descendants('a', (id) => (id === 'e' ? ['a'] : children(id)), (id) => (offered.push(id), id));
    expect(offered).toEqual(['b', 'c', 'd', 'e']);
  });
});
