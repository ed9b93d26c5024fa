import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { entryProblem, listZipEntries, safeUnzip } from '../../worker-agent/src/runners/archive';

const enc = (s: string) => new TextEncoder().encode(s);
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'unzip-'));

describe('zip entry validation', () => {
  it.each([
    ['../evil', /\.\./],
    ['/abs', /absolute/],
    ['a/../../b', /\.\./],
    ['a\\..\\b', /backslash/],
    ['C:/x', /absolute/],
    ['a//b', /empty/],
  ])('refuses %s', (name, why) => {
    expect(entryProblem(name)).toMatch(why);
  });
  it.each(['main.py', 'pkg/mod.py', 'pkg/', 'a/b/c.txt', '..hidden', 'x..y'])('accepts %s', (name) => {
    expect(entryProblem(name)).toBeNull();
  });
});

describe('safe unzip', () => {
  it('unpacks a normal project', () => {
    const dest = tmp();
    const n = safeUnzip(zipSync({ 'main.py': enc('print(1)'), 'pkg/__init__.py': enc(''), 'pkg/m.py': enc('x=1') }), dest);
    expect(n).toBe(11);
    expect(fs.readFileSync(path.join(dest, 'pkg/m.py'), 'utf8')).toBe('x=1');
  });
  it('refuses the whole archive when one entry escapes, writing nothing', () => {
    const dest = tmp();
    expect(() => safeUnzip(zipSync({ 'ok.py': enc('1'), '../evil': enc('x') }), dest)).toThrow(/archive refused.*\.\.\/evil/);
    expect(fs.readdirSync(dest)).toEqual([]);
    expect(fs.existsSync(path.join(dest, '..', 'evil'))).toBe(false);
  });
  it('refuses symbolic links', () => {
    const zip = zipSync({ link: [enc('/etc/passwd'), { os: 3, attrs: (0o120777 << 16) >>> 0 }] });
    expect(listZipEntries(zip)[0].isSymlink).toBe(true);
    expect(() => safeUnzip(zip, tmp())).toThrow(/symbolic link/);
  });
  it('refuses archives over the size or entry limits', () => {
    const zip = zipSync({ big: new Uint8Array(10_000) });
    expect(() => safeUnzip(zip, tmp(), { maxBytes: 1000, maxEntries: 10 })).toThrow(/more than 1000 bytes/);
    expect(() => safeUnzip(zipSync({ a: enc(''), b: enc('') }), tmp(), { maxBytes: 1000, maxEntries: 1 })).toThrow(/entries/);
  });
  it('refuses what is not a zip', () => {
    expect(() => safeUnzip(enc('hello'), tmp())).toThrow(/not a zip/);
  });
});
