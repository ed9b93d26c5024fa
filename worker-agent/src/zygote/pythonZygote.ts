import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { backoffDelay } from '../backoff';
import { LineSplitter } from '../lines';
import { ForkError, pidFiles, type Exit } from '../process';
import { OutputPipe } from './outputPipe';
import { childFd, exitOf, forksToAsk, startupMismatch, statusOf, type ZygoteMessage, type ZygoteRequest } from './protocol';

export const ZYGOTE_PY = fileURLToPath(new URL('./zygote.py', import.meta.url));

export interface ZygoteHandle {
  pid: number;
  stdout: OutputPipe;
  stderr: OutputPipe;
  /** The job's exit status; `lost` when the zygote died first and the status is unknowable. */
  exited: Promise<Exit & { lost?: boolean }>;
}

/** A warm child: where its job is written, and its output and exit status, read from the moment it was announced. */
interface Warm {
  pid: number;
  stdin: number;
  stdout: OutputPipe;
  stderr: OutputPipe;
  status: OutputPipe;
}

/** Why `run` did not start the job (never after it wrote the job to a child: a job goes to one child only). */
export class ZygoteError extends ForkError {}

/** How long a job waits for a warm child before it is spawned instead (the zygote forks one in ~1 ms). */
const WARM_WAIT_MS = 5000;

const O_READ = fs.constants.O_RDONLY | fs.constants.O_NONBLOCK; // read through epoll

/**
 * One long-lived `python3 -u zygote.py` that forks `.py` jobs (see zygote.py for why). It is
 * started at once and restarted with backoff if it dies; callers check `ready` and use plain
 * spawn while it is not. It keeps `warm` children forked ahead; a job starts with one write to a
 * warm child's stdin, and its output is already being read.
 */
export class PythonZygote {
  /** sys.path that `site` built in the zygote; set once it says it is ready. */
  basePath: string[] = [];
  private proc: ChildProcess | undefined;
  private isReady = false;
  private closed = false;
  private restarts = 0;
  /** Warm children announced by the zygote, opened here, not yet given a job. */
  private warm: Warm[] = [];
  /** Warm children asked of the zygote (at its start, or with `fork`) and not yet announced. */
  private pending = 0;
  /** Jobs waiting for a warm child (more jobs at once than were warm). */
  private waiting: Array<{ take: (w: Warm) => void; fail: (err: ZygoteError) => void }> = [];
  /** Children running a job, by pid: how to tell the job it ended (the first word on it counts), and its status pipe. */
  private running = new Map<number, { end: (e: Exit & { lost?: boolean }) => void; status: OutputPipe }>();
  /** Why the zygote cannot be used at all on this machine (its children cannot be reached). */
  private unusable: string | undefined;
  /** Why it could not fork its last warm child, until it forks one again: jobs do not wait for it meanwhile. */
  private starved: string | undefined;
  private readonly warmCount: number;
  /** Where warm children are recorded as job process groups, if anywhere. */
  readonly pidDir: string | undefined;
  /** The zygote's environment: the agent's, without PYTHONPATH (each job brings its own). */
  readonly env: NodeJS.ProcessEnv;
  /** Settles once the first zygote is ready (true) or failed to get there (false). */
  readonly firstReady: Promise<boolean>;
  private settleFirst: (ok: boolean) => void = () => {};

  constructor(
    private readonly python: string,
    private readonly log: (line: string) => void = () => {},
    baseEnv: NodeJS.ProcessEnv = process.env,
    opts: {
      /** Children kept forked ahead. */
      warm?: number;
      /** Where warm children are recorded (see `pidFiles`): from the moment they exist, not when a job starts on one. */
      pidDir?: string;
    } = {},
  ) {
    this.env = { ...baseEnv, PYTHONUNBUFFERED: '1' };
    delete this.env.PYTHONPATH;
    this.warmCount = Math.max(1, opts.warm ?? 1);
    this.pidDir = opts.pidDir;
    this.firstReady = new Promise((resolve) => (this.settleFirst = resolve));
    this.start();
  }

  get ready(): boolean {
    return this.isReady;
  }

  /** The zygote process, while there is one. */
  get pid(): number | undefined {
    return this.proc?.pid;
  }

  /** Null when the zygote can run this job as faithfully as `python3 -u file` would, else why not. */
  refusal(env: NodeJS.ProcessEnv): string | null {
    if (this.unusable) return this.unusable;
    if (!this.isReady) return 'python zygote not ready';
    const k = startupMismatch(env, this.env);
    return k ? `job sets ${k}, read at interpreter start` : null;
  }

  /**
   * Run a job on a warm child. Resolves once it has its job, running in its own process group;
   * its output pipes are the caller's from then on.
   */
  async run(req: ZygoteRequest): Promise<ZygoteHandle> {
    const line = Buffer.from(`${JSON.stringify(req)}\n`);
    for (;;) {
      const w = await this.takeWarm();
      try {
        for (let at = 0; at < line.length; ) at += fs.writeSync(w.stdin, line, at); // a blocking pipe: it reads it all
      } catch {
        this.release(w); // EPIPE: it died before its job (its end is on its way); another one will do
        continue;
      }
      fs.closeSync(w.stdin);
      const exited = new Promise<Exit & { lost?: boolean }>((resolve) => {
        let said = false;
        const end = (e: Exit & { lost?: boolean }) => !said && ((said = true), resolve(e));
        this.running.set(w.pid, { end, status: w.status });
        // From the job itself, as it returns: no need to wait for its teardown, or for the zygote.
        let text = '';
        w.status.attach((c) => {
          const code = statusOf((text += c));
          if (code !== null) end({ code, signal: null });
        });
      });
      return { pid: w.pid, stdout: w.stdout, stderr: w.stderr, exited };
    }
  }

  /** A warm child, at once or as soon as the zygote has one. */
  private takeWarm(): Promise<Warm> {
    const w = this.warm.shift();
    if (w) {
      this.askForks('took');
      return Promise.resolve(w);
    }
    if (!this.isReady) return Promise.reject(new ZygoteError('python zygote not ready'));
    if (this.starved) return Promise.reject(new ZygoteError(this.starved));
    return new Promise((take, fail) => {
      const timer = setTimeout(() => {
        this.waiting = this.waiting.filter((x) => x !== waiter);
        fail(new ZygoteError(`no warm python child within ${WARM_WAIT_MS} ms`));
      }, WARM_WAIT_MS);
      const waiter = {
        take: (w: Warm) => (clearTimeout(timer), take(w)),
        fail: (err: ZygoteError) => (clearTimeout(timer), fail(err)),
      };
      this.waiting.push(waiter);
      this.askForks('took');
    });
  }

  /** Ask the zygote for the warm children `forksToAsk` says are due. */
  private askForks(event: 'took' | 'ended'): void {
    const n = forksToAsk(event, { pool: this.warm.length, pending: this.pending, waiting: this.waiting.length, target: this.warmCount });
    const stdin = this.proc?.stdin;
    if (!n || !this.isReady || !stdin?.writable) return;
    this.pending += n;
    stdin.write('fork\n'.repeat(n));
  }

  /** Let go of every warm child and every job waiting for one (the zygote died, or cannot be used). */
  private dropWarm(why: string): void {
    for (const w of this.warm.splice(0)) this.release(w);
    for (const x of this.waiting.splice(0)) x.fail(new ZygoteError(why));
  }

  /** A warm child that will run no job: let go of its pipes and its record (it exits, or the zygote ends it). */
  private release(w: Warm): void {
    fs.close(w.stdin, () => {});
    w.stdout.destroy();
    w.stderr.destroy();
    w.status.destroy();
    if (this.pidDir) pidFiles.remove(this.pidDir, w.pid);
  }

  /** A warm child was announced: open its pipes (see zygote.py), and record it. */
  private addWarm(pid: number, status: number): void {
    const fds: number[] = [];
    try {
      fds.push(fs.openSync(childFd(pid, 0), fs.constants.O_WRONLY)); // blocking: a job is written whole
      for (const fd of [1, 2, status]) fds.push(fs.openSync(childFd(pid, fd), O_READ));
    } catch (err) {
      for (const fd of fds) fs.closeSync(fd);
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return; // it died meanwhile (its end follows)
      this.unusable = `cannot reach a forked child's stdio (${(err as Error).message})`;
      this.log(`python zygote: ${this.unusable}; Python jobs use plain spawn`);
      this.close();
      return;
    }
    const w = { pid, stdin: fds[0], stdout: new OutputPipe(fds[1]), stderr: new OutputPipe(fds[2]), status: new OutputPipe(fds[3]) };
    // Recorded while idle, off any job's path: the watchdog takes it with the agent all the same.
    if (this.pidDir) pidFiles.add(this.pidDir, pid);
    const x = this.waiting.shift();
    if (x) x.take(w);
    else this.warm.push(w);
  }

  /** Stop it. It SIGKILLs the groups of jobs it forked that still run (after a drain there are none). */
  close(): void {
    this.settleFirst(false);
    this.closed = true;
    this.isReady = false;
    this.dropWarm('python zygote closed');
    this.proc?.stdin?.end();
  }

  private start(): void {
    if (!fs.existsSync(ZYGOTE_PY)) {
      this.log(`warning: ${ZYGOTE_PY} not found; Python jobs start with plain spawn`);
      this.settleFirst(false);
      return;
    }
    if (!fs.existsSync('/proc/self/fd')) {
      this.log("python zygote needs /proc (Linux) to reach its children's stdio; Python jobs start with plain spawn");
      this.settleFirst(false);
      return;
    }
    const startedAt = Date.now();
    this.pending = this.warmCount; // forked at its start
    const proc = spawn(this.python, ['-u', ZYGOTE_PY, String(this.warmCount)], { env: this.env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.proc = proc;
    const lines = new LineSplitter(Infinity);
    proc.stdout!.setEncoding('utf8').on('data', (c: string) => {
      for (const l of lines.push(c)) {
        try {
          this.onMessage(JSON.parse(l) as ZygoteMessage);
        } catch {
          this.log(`python zygote: ${l}`); // not protocol: something printed at import
        }
      }
    });
    const errLines = new LineSplitter();
    proc.stderr!.setEncoding('utf8').on('data', (c: string) => errLines.push(c).forEach((l) => this.log(`python zygote: ${l}`)));
    proc.stdin!.on('error', () => {}); // EPIPE when it died: handled by 'exit'
    proc.on('error', (err) => this.log(`python zygote failed to start: ${err.message}`));
    proc.on('close', (code, signal) => {
      const wasReady = this.isReady;
      this.settleFirst(false);
      this.isReady = false;
      this.proc = undefined;
      this.starved = undefined;
      this.pending = 0;
      this.dropWarm('python zygote died');
      // The exit statuses of its running jobs are lost with it, unless they told them already.
      const lost = [...this.running.values()];
      this.running.clear();
      for (const r of lost) {
        r.status.destroy();
        r.end({ code: null, signal: null, lost: true });
      }
      if (this.closed) return;
      if (wasReady && Date.now() - startedAt > 60_000) this.restarts = 0; // it ran fine for a while: not a crash loop
      if (!wasReady && this.restarts >= 5) {
        this.log('python zygote never got ready after 5 tries; Python jobs use plain spawn');
        return;
      }
      const delay = backoffDelay(this.restarts++, { baseMs: 500, capMs: 30_000 });
      this.log(`python zygote exited (${signal ?? `code ${code}`}); Python jobs use plain spawn, restarting in ${delay} ms`);
      setTimeout(() => !this.closed && this.start(), delay).unref();
    });
  }

  private onMessage(m: ZygoteMessage): void {
    if ('ready' in m) {
      this.basePath = m.sysPath;
      this.isReady = true;
      this.settleFirst(true);
    } else if ('warm' in m) {
      this.starved = undefined;
      this.pending = Math.max(0, this.pending - 1);
      if (!this.unusable && !this.closed) this.addWarm(m.warm, m.status);
    } else if ('end' in m) {
      const job = this.running.get(m.end);
      if (job) {
        this.running.delete(m.end);
        job.status.destroy();
        job.end(exitOf(m)); // if it did not tell its status itself (a signal, or it closed that pipe)
      } else {
        const at = this.warm.findIndex((w) => w.pid === m.end); // died before its job
        if (at >= 0) this.release(this.warm.splice(at, 1)[0]);
      }
      this.askForks('ended');
    } else if ('starved' in m) {
      this.starved = `python zygote: ${m.starved}`;
      this.log(this.starved);
      for (const x of this.waiting.splice(0)) x.fail(new ZygoteError(this.starved));
    }
  }
}
