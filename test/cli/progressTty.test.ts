/**
 * `titan submit --wait` as a real process against a real control plane and agent: under a
 * pseudo-terminal (util-linux `script`) it redraws a live region in place; through a pipe it
 * prints plain lines. Both end with the same summary line and exit status.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent, type RunningAgent } from '../../worker-agent/src/agent';
import { startTestPlane, type TestPlane } from '../helpers/controlPlane';

const TITAN = join(resolve(__dirname, '..', '..'), 'bin', 'titan.mjs');
const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;
const ESC = '\x1b';

let plane: TestPlane;
let agent: RunningAgent;
let dir: string;
let run = 0;

/** A pipeline of four jobs: one fails (exit 3), one runs long enough to be seen running. */
function pipeline(): string {
  const n = `p${++run}`;
  const file = join(dir, `${n}.yaml`);
  writeFileSync(
    file,
    [`name: progress-${n}`, 'jobs:', `  - {id: ${n}-slow, file: slow.py}`, `  - {id: ${n}-bad, file: bad.py}`, `  - {id: ${n}-after, file: ok.py, depends_on: [${n}-slow]}`, `  - {id: ${n}-ok, file: ok.py}`, ''].join('\n'),
  );
  return file;
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Asynchronously: the agent runs in this process and must keep leasing meanwhile. */
function exec(cmd: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((res) => {
    const p = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => p.kill('SIGKILL'), 60_000);
    p.on('close', (code) => {
      clearTimeout(timer);
      res({ code, out, err });
    });
  });
}

/** Run the command under a pseudo-terminal `cols` wide; its output as the terminal received it. */
function underPty(args: string[], env: Record<string, string>, cols = 80) {
  const cmd = [process.execPath, TITAN, ...args].map(shellQuote).join(' ');
  return exec('script', ['-qfec', `stty cols ${cols} rows 40; exec ${cmd}`, '/dev/null'], env);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'titan-progress-'));
  writeFileSync(join(dir, 'slow.py'), 'import time\ntime.sleep(1.5)\nprint("slow done")\n');
  writeFileSync(join(dir, 'bad.py'), 'raise SystemExit(3)\n');
  writeFileSync(join(dir, 'ok.py'), 'print("ok")\n');
  plane = await startTestPlane({ RETRY_BASE_MS: '20' });
  agent = await startAgent({ url: plane.url, token: plane.agentToken, name: 'tty-agent', slots: 4, workdir: dir, log: () => {} });
}, 90_000);
afterAll(async () => {
  await agent?.stop(500);
  await plane?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('titan submit --wait progress', () => {
  it.skipIf(!hasScript)('on a terminal: redraws a live region in place, in colour, then one summary line', async () => {
    const r = await underPty(['submit', pipeline(), '--wait', '--url', plane.url, '--token', plane.clientToken], { TERM: 'xterm-256color', NO_COLOR: '' });
    expect(r.code).toBe(1);
    expect(r.out).toContain(`${ESC}[0J`); // clear below the cursor…
    expect(r.out).toMatch(/\x1b\[\d+A/); // …after moving up over the previous frame
    expect(r.out).toMatch(/\x1b\[3\dm/); // coloured
    const text = r.out.replace(/\x1b\[[0-9;]*m/g, '');
    expect(text).toMatch(/█+░* [0-3]\/4 ended · \d+s/);
    expect(text).toMatch(/█{30} 4\/4 ended · \d+s/);
    expect(text).toMatch(/▶ \d running {2}· \d pending/);
    expect(text).toMatch(/ {2}▶ p\d+-slow {2}on tty-agent {2}\d+s/);
    expect(text).toMatch(/✘ p\d+-bad {2}FAILED {2}\(exit 3, on tty-agent\)/);
    expect(text).toMatch(/✘ 3 of 4 jobs completed in [\d.]+ s; failed: p\d+-bad\r?\n$/);
  });

  it.skipIf(!hasScript)('NO_COLOR keeps the redraw but drops colour; a narrow terminal gets lines that fit', async () => {
    const r = await underPty(['submit', pipeline(), '--wait', '--url', plane.url, '--token', plane.clientToken], { TERM: 'xterm', NO_COLOR: '1' }, 30);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`${ESC}[0J`);
    expect(r.out).not.toMatch(/\x1b\[[0-9;]*m/);
    // Every line of the live region fits 30 columns (the last line, the summary, may wrap).
    const frames = r.out.split(/\x1b\[\d*A|\x1b\[0J|\r/).join('\n').split('\n').filter((l) => l.includes('ended ·') || l.includes('▶'));
    expect(frames.length).toBeGreaterThan(0);
    for (const l of frames) expect([...l].length).toBeLessThan(30);
  });

  it('through a pipe: plain lines, no escape sequences, the same summary and exit status', async () => {
    const r = await exec(process.execPath, [TITAN, 'submit', pipeline(), '--wait', '--url', plane.url, '--token', plane.clientToken]);
    expect(r.code).toBe(1);
    expect(r.err).toBe('');
    expect(r.out).not.toContain(ESC);
    expect(r.out).toMatch(/^ {2}✔ p\d+-ok {2}COMPLETED \([\d.]+ s\)$/m);
    expect(r.out).toMatch(/^ {2}✘ p\d+-bad {2}FAILED/m);
    expect(r.out).toMatch(/✘ 3 of 4 jobs completed in [\d.]+ s; failed: p\d+-bad\n$/);
  });
});
