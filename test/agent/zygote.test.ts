import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolvePython, spawnTree, type Exit, type Proc } from '../../worker-agent/src/process';
import { forkTree } from '../../worker-agent/src/zygote/forkTree';
import { buildRequest, childSysPath, envDelta, exitOf, forksToAsk, isPythonFile, startupMismatch } from '../../worker-agent/src/zygote/protocol';
import { PythonZygote, ZYGOTE_PY } from '../../worker-agent/src/zygote/pythonZygote';
import { pidAlive, sleep, tmpdir, waitFor } from './helpers';

describe('zygote protocol (pure)', () => {
  it('builds sys.path like `python3 -u file.py`: real script dir, PYTHONPATH made absolute and deduped, then site', () => {
    // What CPython 3.11 printed for: cd /tmp; PYTHONPATH=rel::/abs:/abs:/tmp/zt python3 -u /tmp/zt/p.py
    const base = ['/py/lib/python311.zip', '/py/lib/python3.11', '/py/lib/python3.11/site-packages'];
    expect(childSysPath('/tmp/zt/p.py', '/tmp', 'rel::/abs:/abs/:/tmp/zt', base)).toEqual(['/tmp/zt', '/tmp/rel', '/tmp', '/abs', '/tmp/zt', ...base]);
    expect(childSysPath('/w/a.py', '/w', undefined, base)).toEqual(['/w', ...base]);
    expect(childSysPath('/w/a.py', '/w', '', base)).toEqual(['/w', ...base]);
    // A PYTHONPATH entry that is also a site path moves ahead, once.
    expect(childSysPath('/w/a.py', '/w', base[2], base)).toEqual(['/w', base[2], base[0], base[1]]);
  });

  it('builds a request: the env as it differs from the zygote\'s, sys.path from the job env, args as given', () => {
    const req = buildRequest({
      file: '/ws/link/job.py',
      realFile: '/ws/real/job.py',
      args: ['--n', '1'],
      cwd: '/ws',
      env: { A: '1', SAME: 's', GONE: undefined, PYTHONPATH: '/sdk' },
      baseEnv: { A: '0', SAME: 's', GONE: 'g', AGENT_ONLY: 'x', UNSET: undefined },
      basePath: ['/site'],
    });
    expect(req).toEqual({ file: '/ws/link/job.py', argv: ['--n', '1'], cwd: '/ws', envSet: { A: '1', PYTHONPATH: '/sdk' }, envUnset: ['GONE', 'AGENT_ONLY'], sysPath: ['/ws/real', '/sdk', '/site'] });
  });

  it('an env delta turns the base into the env, whatever the two hold', () => {
    const apply = (base: NodeJS.ProcessEnv, d: ReturnType<typeof envDelta>) => {
      const out: Record<string, string | undefined> = { ...base };
      for (const k of d.envUnset) delete out[k];
      Object.assign(out, d.envSet);
      return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined));
    };
    const cases: [NodeJS.ProcessEnv, NodeJS.ProcessEnv][] = [
      [{}, {}],
      [{ A: '1' }, {}],
      [{}, { A: '1' }],
      [{ A: '', B: 'b' }, { A: 'a', C: undefined }],
      [{ A: undefined }, { A: 'a' }],
      [{ ...process.env, TITAN_JOB_ID: 'j' }, process.env],
    ];
    for (const [env, base] of cases) {
      const d = envDelta(env, base);
      expect(apply(base, d)).toEqual(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)));
    }
    expect(envDelta({ ...process.env, TITAN_JOB_ID: 'j' }, process.env)).toEqual({ envSet: { TITAN_JOB_ID: 'j' }, envUnset: [] });
  });

  it('reads exit statuses the way Node reports a spawned child', () => {
    expect(exitOf({ exit: 0, signal: null })).toEqual({ code: 0, signal: null });
    expect(exitOf({ exit: 3, signal: null })).toEqual({ code: 3, signal: null });
    expect(exitOf({ exit: null, signal: 9 })).toEqual({ code: null, signal: 'SIGKILL' });
    expect(exitOf({ exit: null, signal: 15 })).toEqual({ code: null, signal: 'SIGTERM' });
  });

  it('refuses jobs whose interpreter start-up variables differ from the zygote', () => {
    const z = { PATH: '/bin', HOME: '/root', LANG: 'C.UTF-8', PYTHONDONTWRITEBYTECODE: '1' };
    expect(startupMismatch({ ...z, FOO: 'x', PYTHONPATH: '/sdk', PYTHONUNBUFFERED: '1', PATH: '/other' }, z)).toBeNull();
    expect(startupMismatch({ ...z, PYTHONHASHSEED: '0' }, z)).toBe('PYTHONHASHSEED');
    expect(startupMismatch({ ...z, LD_LIBRARY_PATH: '/cuda' }, z)).toBe('LD_LIBRARY_PATH');
    expect(startupMismatch({ ...z, LC_ALL: 'C' }, z)).toBe('LC_ALL');
    expect(startupMismatch({ ...z, HOME: '/home/u' }, z)).toBe('HOME');
    expect(startupMismatch({ PATH: '/bin', HOME: '/root', LANG: 'C.UTF-8' }, z)).toBe('PYTHONDONTWRITEBYTECODE');
  });

  it('asks for warm children when jobs are done with the CPU, and at once only when none is left', () => {
    const target = 4;
    // A chain: one job at a time takes one of four; the fork waits until that job ended.
    expect(forksToAsk('took', { pool: 3, pending: 0, waiting: 0, target })).toBe(0);
    expect(forksToAsk('ended', { pool: 3, pending: 0, waiting: 0, target })).toBe(1);
    expect(forksToAsk('ended', { pool: 3, pending: 1, waiting: 0, target })).toBe(0);
    // A burst: the last one taken asks for the next; every job left waiting gets one of its own.
    expect(forksToAsk('took', { pool: 0, pending: 0, waiting: 0, target })).toBe(1);
    expect(forksToAsk('took', { pool: 0, pending: 1, waiting: 1, target })).toBe(1);
    expect(forksToAsk('took', { pool: 0, pending: 2, waiting: 1, target })).toBe(0);
    expect(forksToAsk('took', { pool: 0, pending: 1, waiting: 3, target })).toBe(3);
    // Never past the target once jobs end.
    expect(forksToAsk('ended', { pool: 2, pending: 2, waiting: 0, target })).toBe(0);
  });

  it('only takes .py files', () => {
    expect(isPythonFile('/w/a.py')).toBe(true);
    expect(isPythonFile('/w/A.PY')).toBe(true);
    expect(isPythonFile('/w/a.sh')).toBe(false);
    expect(isPythonFile('/w/py')).toBe(false);
  });

});

const python = resolvePython(process.cwd());

describe('zygote.py helpers', () => {
  it('maps SystemExit codes as the interpreter does', () => {
    const code = [
      'import sys; sys.argv = ["x"]',
      `sys.path.insert(0, ${JSON.stringify(path.dirname(ZYGOTE_PY))})`,
      'import zygote as z',
      'print([z.exit_status(c) for c in (None, 0, 3, 256, -1, True, "bye")])',
    ].join('\n');
    const r = spawnSync(python, ['-c', code], { encoding: 'utf8' });
    expect(r.stdout.trim()).toBe('[0, 0, 3, 0, 255, 1, 1]');
    expect(r.stderr).toBe('bye\n');
  });
});

// ---- the real zygote, without a control plane ----

let zygote: PythonZygote;
let dir: string;
const zlog: string[] = [];
beforeAll(async () => {
  dir = tmpdir('zygote');
  zygote = new PythonZygote(python, (l) => zlog.push(l));
  expect(await zygote.firstReady).toBe(true);
});
afterAll(() => zygote.close());

interface Ran {
  exit: Exit;
  stdout: string;
  stderr: string;
  proc: Proc;
}

let n = 0;
/** Run `code` as job.py in a fresh dir, through the zygote or a plain spawn, with the same env. */
async function runPy(code: string, how: 'zygote' | 'spawn', opts: { args?: string[]; env?: NodeJS.ProcessEnv; onStart?: (p: Proc, out: () => string) => void } = {}): Promise<Ran> {
  const ws = path.join(dir, `ws${++n}`);
  fs.mkdirSync(ws, { recursive: true });
  const file = path.join(ws, 'job.py');
  fs.writeFileSync(file, code);
  const env = { ...process.env, PYTHONPATH: `lib:${path.join(dir, 'sdk')}`, PYTHONUNBUFFERED: '1', JOB_VAR: 'v', ...opts.env };
  const out = { stdout: '', stderr: '' };
  const onOutput = (s: 'stdout' | 'stderr', c: string) => void (out[s] += c);
  const common = { cwd: ws, env, onOutput, pidDir: path.join(dir, 'pids') };
  const proc =
    how === 'zygote'
      ? await forkTree(zygote, { ...common, file, args: opts.args ?? [], note: () => {} })
      : spawnTree({ ...common, cmd: python, argv: ['-u', file, ...(opts.args ?? [])] });
  opts.onStart?.(proc, () => out.stdout);
  const exit = await proc.exited;
  // The job dir differs per run: make outputs comparable.
  const norm = (s: string) => s.split(ws).join('<ws>');
  return { exit, stdout: norm(out.stdout), stderr: norm(out.stderr), proc };
}

const PROBE = `
import json, os, signal, sys
print(json.dumps({
  "name": __name__, "file": __file__, "argv": sys.argv, "path": sys.path, "cwd": os.getcwd(),
  "env": {k: os.environ.get(k) for k in ("JOB_VAR", "PYTHONPATH", "PYTHONUNBUFFERED")},
  "stdin": sys.stdin.read(), "own_group": os.getpgrp() == os.getpid(), "own_session": os.getsid(0) == os.getpid(),
  "signals": {s: str(signal.getsignal(getattr(signal, s))) for s in ("SIGINT", "SIGPIPE", "SIGCHLD", "SIGTERM", "SIGHUP", "SIGXFSZ")},
  "stdout": [sys.stdout.encoding, sys.stdout.errors, sys.stdout.write_through, sys.stdout.line_buffering],
  "stderr": [sys.stderr.encoding, sys.stderr.errors], "flags": str(sys.flags), "main_mod": sys.modules["__main__"].__file__,
}))
sys.stdout.write("partial")
`;

describe('a job forked by the zygote', { timeout: 30_000 }, () => {
  it('sees what `python3 -u job.py` sees: path, argv, cwd, env, stdio, signals, own session', async () => {
    const [real, forked] = [await runPy(PROBE, 'spawn', { args: ['a', 'b c'] }), await runPy(PROBE, 'zygote', { args: ['a', 'b c'] })];
    expect(real.exit).toEqual({ code: 0, signal: null });
    expect(forked.exit).toEqual(real.exit);
    expect(forked.stdout).toBe(real.stdout); // byte for byte, partial last line included
    expect(JSON.parse(forked.stdout.split('\n')[0])).toMatchObject({ name: '__main__', stdin: '', own_group: true, own_session: true, env: { JOB_VAR: 'v' } });
    expect(forked.stderr).toBe('');
  });

  it('has exactly the environment a spawned job has: one of the agent\'s variables removed, one changed, one added', async () => {
    const code = 'import json, os\nprint(json.dumps(dict(sorted(os.environ.items()))))\n';
    const gone = Object.keys(process.env).find((k) => !/^(PYTHON|LC_|LD_)|^(LANG|LANGUAGE|HOME|PATH)$/.test(k))!;
    const env = { [gone]: undefined, PATH: `/nowhere:${process.env.PATH}`, ADDED: 'a b' };
    const [real, forked] = [await runPy(code, 'spawn', { env }), await runPy(code, 'zygote', { env })];
    expect(forked.exit).toEqual({ code: 0, signal: null });
    const seen = JSON.parse(forked.stdout) as Record<string, string>;
    expect(seen).toEqual(JSON.parse(real.stdout));
    expect(seen).toMatchObject({ PATH: env.PATH, ADDED: 'a b' });
    expect(seen).not.toHaveProperty(gone);
  });

  it('ends like the interpreter: exit codes, messages, tracebacks, signals', async () => {
    const cases = [
      'import sys\nprint("failing")\nsys.exit(3)\n',
      'import sys\nsys.exit("bye")\n',
      'def f():\n    raise ValueError("boom")\nf()\n',
      'x = (\n',
      'import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n',
      'raise KeyboardInterrupt\n',
      'import atexit, threading, time\natexit.register(lambda: print("atexit ran"))\nthreading.Thread(target=lambda: (time.sleep(0.2), print("thread joined"))).start()\n',
    ];
    for (const script of cases) {
      const [real, forked] = [await runPy(script, 'spawn'), await runPy(script, 'zygote')];
      expect({ script, ...forked.exit, stdout: forked.stdout, stderr: forked.stderr }).toEqual({ script, ...real.exit, stdout: real.stdout, stderr: real.stderr });
    }
  });

  it('streams large output with back-pressure and imports from PYTHONPATH relative to its cwd', async () => {
    const ws = path.join(dir, `ws${n + 1}`);
    fs.mkdirSync(path.join(ws, 'lib'), { recursive: true });
    fs.writeFileSync(path.join(ws, 'lib', 'helper.py'), 'X = 42\n');
    const r = await runPy('import sys, helper\nfor i in range(20000):\n    print("line", i, "x" * 100)\nprint("helper", helper.X, file=sys.stderr)\n', 'zygote');
    expect(r.exit.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines).toHaveLength(20001);
    expect(lines[19999]).toBe(`line 19999 ${'x'.repeat(100)}`);
    expect(r.stderr).toBe('helper 42\n');
  });

  it('killTree takes the whole process group, children included', async () => {
    let child = 0;
    const r = await runPy('import subprocess, time\np = subprocess.Popen(["sleep", "1000"])\nprint("child", p.pid, flush=True)\ntime.sleep(1000)\n', 'zygote', {
      onStart: (p, out) =>
        void waitFor('the child pid', async () => Number(/child (\d+)/.exec(out())?.[1]) || undefined).then((pid) => {
          child = pid;
          void p.killTree(1000);
        }),
    });
    expect(r.exit).toEqual({ code: null, signal: 'SIGTERM' });
    await waitFor('the sleep child to be gone', async () => !pidAlive(child), 5000);
    expect(fs.readdirSync(path.join(dir, 'pids'))).toEqual([]); // pid files removed
  });

  it('gets fresh randomness, not a copy of the zygote\'s', async () => {
    const code = 'import random, uuid\nprint(random.random(), uuid.uuid4())\n';
    const outs = await Promise.all([1, 2, 3].map(() => runPy(code, 'zygote')));
    expect(new Set(outs.map((r) => r.stdout)).size).toBe(3);
  });

  it('starts lean: importing titan_sdk pulls in no http.client, ssl, zipfile or threading (each would cost every fork)', async () => {
    const sdk = path.join(process.cwd(), 'sdk', 'python');
    const code = 'import sys\nheavy = ("threading", "ssl", "http.client", "urllib.request", "zipfile", "subprocess")\nprint([m for m in heavy if m in sys.modules])\nimport titan_sdk\nprint([m for m in heavy if m in sys.modules])\n';
    // What `site` imports (.pth files of the venv) is there either way; the zygote adds none of them.
    const [real, forked] = [await runPy(code, 'spawn', { env: { PYTHONPATH: sdk } }), await runPy(code, 'zygote', { env: { PYTHONPATH: sdk } })];
    expect(forked.stderr).toBe('');
    const [atStart, afterSdk] = forked.stdout.trim().split('\n');
    expect(atStart).toBe(real.stdout.split('\n')[0]);
    expect(afterSdk).toBe(atStart);
  });

  it('runs many jobs at once without mixing their output, and keeps no pipe of theirs open', async () => {
    const openFds = () => fs.readdirSync('/proc/self/fd').length;
    const before = openFds();
    const rs = await Promise.all(Array.from({ length: 24 }, (_, i) => runPy(`import sys, time\ntime.sleep(${(i % 4) * 0.05})\nprint("job", ${i})\nsys.exit(${i % 5})\n`, 'zygote')));
    rs.forEach((r, i) => expect([r.stdout, r.exit.code]).toEqual([`job ${i}\n`, i % 5]));
    // Only a warm child's four pipes may be open here, the one waiting now or the one before.
    await waitFor('the jobs\' pipes to be closed', async () => openFds() <= before + 4, 5000, 20);
  });

  it('without a usable interpreter it reports not ready at once, so jobs are spawned', async () => {
    const broken = new PythonZygote('/nonexistent/python3');
    try {
      expect(await broken.firstReady).toBe(false);
      expect(broken.refusal(process.env)).toMatch(/not ready/);
    } finally {
      broken.close();
    }
  });

  it('a job that closes every inherited fd, or reuses their numbers, still ends with its own exit code', async () => {
    const code = [
      'import os, sys',
      'os.closerange(3, 256)',
      'files = [os.open(f"f{i}", os.O_WRONLY | os.O_CREAT) for i in range(6)]',
      'print("closed")',
      'sys.exit(3)',
    ].join('\n');
    const r = await runPy(code, 'zygote');
    expect([r.exit, r.stdout]).toEqual([{ code: 3, signal: null }, 'closed\n']);
    const ws = path.join(dir, `ws${n}`);
    for (let i = 0; i < 6; i++) expect(fs.readFileSync(path.join(ws, `f${i}`), 'utf8')).toBe(''); // nothing of ours went into its files
  });

  it('is refused for a job that changes interpreter start-up variables', () => {
    expect(zygote.refusal({ ...zygote.env, PYTHONPATH: '/x' })).toBeNull();
    expect(zygote.refusal({ ...zygote.env, PYTHONHASHSEED: '1' })).toMatch(/PYTHONHASHSEED/);
  });

  it('if the zygote dies: its running job is waited for, it comes back, and meanwhile it refuses work', async () => {
    let jobPid = 0;
    const running = runPy('import os, time\nprint("pid", os.getpid(), flush=True)\ntime.sleep(0.8)\n', 'zygote', { onStart: (p) => (jobPid = p.pid) });
    await sleep(200);
    const first = zygote.pid!;
    process.kill(first, 'SIGKILL');
    await waitFor('the zygote to be seen dead', async () => !zygote.ready, 5000);
    expect(zygote.refusal(zygote.env)).toMatch(/not ready/);
    await expect(zygote.run({ file: '/x.py', argv: [], cwd: '/', envSet: {}, envUnset: [], sysPath: [] })).rejects.toThrow(/not ready/);
    const r = await running;
    expect(r.exit).toEqual({ code: null, signal: null }); // status unknowable, but not before the job ended
    expect(pidAlive(jobPid)).toBe(false);
    await waitFor('the zygote to restart', async () => zygote.ready, 10_000);
    expect(zygote.pid).not.toBe(first);
    expect(zlog.join('\n')).toMatch(/python zygote exited \(SIGKILL\); Python jobs use plain spawn, restarting/);
    expect((await runPy('print("back")', 'zygote')).stdout).toBe('back\n');
  });
});

/** Live children of `pid` (from /proc). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(ppid) === pid && state !== 'Z') out.push(Number(d));
    } catch {
      /* gone */
    }
  }
  return out;
}

describe('warm children', { timeout: 30_000 }, () => {
  it('are kept ready, recorded as job groups, and replaced when one dies idle', async () => {
    const pids = path.join(tmpdir('warm'), 'pids');
    const z = new PythonZygote(python, () => {}, process.env, { warm: 2, pidDir: pids });
    try {
      expect(await z.firstReady).toBe(true);
      const warm = await waitFor('two warm children', async () => {
        const kids = childrenOf(z.pid!);
        return kids.length === 2 && fs.existsSync(pids) && fs.readdirSync(pids).length === 2 ? kids : undefined;
      }, 5000, 20);
      expect(fs.readdirSync(pids).map(Number).sort()).toEqual([...warm].sort());
      for (const pid of warm) expect(fs.readlinkSync(`/proc/${pid}/cwd`)).toBe(process.cwd()); // not a job yet
      for (const pid of warm) process.kill(pid, 'SIGKILL');
      await waitFor('new warm children', async () => childrenOf(z.pid!).filter((k) => !warm.includes(k)).length === 2, 5000, 20);
      const ws = tmpdir('warm-job');
      fs.writeFileSync(path.join(ws, 'job.py'), 'print("ran")\n');
      let out = '';
      const proc = await forkTree(z, { file: path.join(ws, 'job.py'), args: [], cwd: ws, env: process.env, onOutput: (_s, c) => void (out += c), note: () => {}, pidDir: pids });
      expect(warm).not.toContain(proc.pid);
      expect(await proc.exited).toEqual({ code: 0, signal: null });
      expect(out).toBe('ran\n');
      await waitFor('two new warm children, only they recorded', async () => {
        const kids = childrenOf(z.pid!);
        return kids.length === 2 && kids.every((k) => !warm.includes(k)) && fs.readdirSync(pids).map(Number).sort().join() === [...kids].sort().join();
      }, 5000, 20);
    } finally {
      z.close();
    }
  });

  it('end with the zygote: when it is closed, and when it is killed', async () => {
    const pids = path.join(tmpdir('warm'), 'pids');
    for (const how of ['close', 'SIGKILL'] as const) {
      const z = new PythonZygote(python, () => {}, process.env, { warm: 3, pidDir: pids });
      expect(await z.firstReady).toBe(true);
      const zpid = z.pid!;
      const warm = await waitFor('three warm children', async () => {
        const kids = childrenOf(zpid);
        return kids.length === 3 ? kids : undefined;
      }, 5000, 20);
      if (how === 'close') z.close();
      else process.kill(zpid, 'SIGKILL');
      await waitFor(`the warm children to be gone (${how})`, async () => warm.every((pid) => !pidAlive(pid)), 5000, 20);
      if (how === 'SIGKILL') z.close();
      // None left (the dir itself appears with the first record, which a quick close may come before).
      await waitFor('their records to be gone', async () => !fs.existsSync(pids) || fs.readdirSync(pids).length === 0, 5000, 20);
    }
  });
});
