import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { killGroup, pidFiles, treeKiller, type Exit, type ForkRequest, type Forker, type Proc } from '../process';
import { buildRequest, isPythonFile } from './protocol';
import type { PythonZygote } from './pythonZygote';

let seq = 0;

/** A FIFO's read end as a stream. */
function readFifo(file: string, onData: (chunk: string) => void): { sock: net.Socket; closed: Promise<void> } {
  // O_NONBLOCK: a plain open would block (a libuv pool thread) until the writer opens. A pipe
  // socket reads through epoll, and sees EOF only after a writer has come and gone.
  const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  const sock = new net.Socket({ fd, readable: true, writable: false });
  sock.setEncoding('utf8').on('data', onData);
  sock.on('error', () => {}); // ends as 'close' either way
  return { sock, closed: new Promise((resolve) => sock.once('close', () => resolve())) };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8')); // a zombie is gone for us
  } catch {
    return false;
  }
}

/**
 * `spawnTree` for a `.py` job, forked by the zygote: same `Proc` contract (own process group,
 * output through `onOutput`, leftovers killed when the leader exits, pid file while it runs).
 * Rejects with a `ZygoteError` when the job was not started.
 */
export async function forkTree(
  zygote: PythonZygote,
  opts: ForkRequest & {
    /** Where the FIFOs are made (not the job's cwd, where the job would see them). */
    fifoDir: string;
  },
): Promise<Proc> {
  fs.mkdirSync(opts.fifoDir, { recursive: true });
  const base = path.join(opts.fifoDir, `${process.pid}-${++seq}`);
  const fifos = { stdout: `${base}.out`, stderr: `${base}.err` };
  const streams: Array<ReturnType<typeof readFifo>> = [];
  let handle;
  try {
    await zygote.mkfifo([fifos.stdout, fifos.stderr]);
    // Read ends open before asking: the zygote's writer opens then cannot block.
    streams.push(readFifo(fifos.stdout, (c) => opts.onOutput('stdout', c)), readFifo(fifos.stderr, (c) => opts.onOutput('stderr', c)));
    handle = await zygote.run(buildRequest({ ...opts, realFile: fs.realpathSync(opts.file), fifos, basePath: zygote.basePath }));
  } catch (err) {
    for (const s of streams) s.sock.destroy();
    throw err;
  } finally {
    // Both ends are open (or never will be): the names are no longer needed.
    for (const f of Object.values(fifos)) fs.rmSync(f, { force: true });
  }
  const { pid } = handle;
  if (opts.pidDir) pidFiles.add(opts.pidDir, pid);
  const exited = handle.exited.then(async (exit): Promise<Exit> => {
    if (exit.lost) {
      // Its parent died: the status is gone. Wait for the job itself so a slot is not reused early.
      opts.note(`python zygote died; waiting for pid ${pid} without its exit status`);
      while (alive(pid)) await new Promise((r) => setTimeout(r, 200));
    }
    killGroup(pid, 'SIGKILL');
    if (opts.pidDir) pidFiles.remove(opts.pidDir, pid);
    // A grandchild that escaped the group could hold the FIFOs open: don't wait forever.
    await Promise.race([Promise.all(streams.map((s) => s.closed)), new Promise((r) => setTimeout(r, 2000).unref())]);
    for (const s of streams) s.sock.destroy();
    return { code: exit.code, signal: exit.signal };
  });
  return { pid, exited, killTree: treeKiller(pid, exited) };
}

/** The zygote as the runners see it: `.py` files only, and only while it is ready and faithful. */
export function zygoteForker(zygote: PythonZygote, fifoDir: string): Forker {
  return {
    name: 'python zygote',
    refusal(file, env) {
      if (!isPythonFile(file)) return { reason: 'not a .py file', tell: false };
      const reason = zygote.refusal(env);
      // Not being ready is routine; a job setting start-up variables is worth knowing (it is slower).
      return reason ? { reason, tell: zygote.ready } : null;
    },
    fork: (req) => forkTree(zygote, { ...req, fifoDir }),
  };
}
