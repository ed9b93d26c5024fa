import fs from 'node:fs';
import { killGroup, pidFiles, treeKiller, type Exit, type ForkRequest, type Forker, type Proc } from '../process';
import { buildRequest, isPythonFile } from './protocol';
import type { PythonZygote } from './pythonZygote';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8')); // a zombie is gone for us
  } catch {
    return false;
  }
}

/**
 * `spawnTree` for a `.py` job, run by a warm child of the zygote: same `Proc` contract (own process
 * group, output through `onOutput`, leftovers killed when the leader exits, pid file while it runs).
 * Rejects with a `ZygoteError` when the job was not started.
 */
export async function forkTree(zygote: PythonZygote, opts: ForkRequest): Promise<Proc> {
  const handle = await zygote.run(buildRequest({ ...opts, realFile: fs.realpathSync.native(opts.file), basePath: zygote.basePath, baseEnv: zygote.env }));
  handle.stdout.attach((c) => opts.onOutput('stdout', c));
  handle.stderr.attach((c) => opts.onOutput('stderr', c));
  const streams = [handle.stdout, handle.stderr];
  const { pid } = handle;
  // Recorded already if the zygote records its warm children there.
  if (opts.pidDir && opts.pidDir !== zygote.pidDir) pidFiles.add(opts.pidDir, pid);
  const exited = handle.exited.then(async (exit): Promise<Exit> => {
    if (exit.lost) {
      // Its parent died: the status is gone. Wait for the job itself so a slot is not reused early.
      opts.note(`python zygote died; waiting for pid ${pid} without its exit status`);
      while (alive(pid)) await new Promise((r) => setTimeout(r, 200));
    }
    killGroup(pid, 'SIGKILL');
    if (opts.pidDir) pidFiles.remove(opts.pidDir, pid);
    // A grandchild that escaped the group could hold the pipes open: don't wait forever.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(streams.map((s) => s.closed)), new Promise((r) => (timer = setTimeout(r, 2000)))]);
    clearTimeout(timer);
    for (const s of streams) s.destroy();
    return { code: exit.code, signal: exit.signal };
  });
  return { pid, exited, killTree: treeKiller(pid, exited) };
}

/** The zygote as the runners see it: `.py` files only, and only while it is ready and faithful. */
export function zygoteForker(zygote: PythonZygote): Forker {
  return {
    name: 'python zygote',
    refusal(file, env) {
      if (!isPythonFile(file)) return { reason: 'not a .py file', tell: false };
      const reason = zygote.refusal(env);
      // Not being ready is routine; a job setting start-up variables is worth knowing (it is slower).
      return reason ? { reason, tell: zygote.ready } : null;
    },
    fork: (req) => forkTree(zygote, req),
  };
}
