import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { backoffDelay } from '../backoff';
import { LineSplitter } from '../lines';
import { ForkError, type Exit } from '../process';
import { exitOf, startupMismatch, type ZygoteMessage, type ZygoteRequest } from './protocol';

export const ZYGOTE_PY = fileURLToPath(new URL('./zygote.py', import.meta.url));

export interface ZygoteHandle {
  pid: number;
  /** The job's exit status; `lost` when the zygote died first and the status is unknowable. */
  exited: Promise<Exit & { lost?: boolean }>;
}

/** Why `run` did not start the job. `maybeStarted`: the zygote died mid-request, the job may be running. */
export class ZygoteError extends ForkError {}

/** A request awaiting its answer(s); `lost` is called if the zygote dies first. */
interface Pending {
  answer: (m: ZygoteMessage & { id: string }) => void;
  lost: () => void;
}

/**
 * One long-lived `python3 -u zygote.py` that forks `.py` jobs (see zygote.py for why). It is
 * started at once and restarted with backoff if it dies; callers check `ready` and use plain
 * spawn while it is not.
 */
export class PythonZygote {
  /** sys.path that `site` built in the zygote; set once it says it is ready. */
  basePath: string[] = [];
  private proc: ChildProcess | undefined;
  private isReady = false;
  private closed = false;
  private restarts = 0;
  private nextId = 0;
  private pending = new Map<string, Pending>();
  /** The zygote's environment: the agent's, without PYTHONPATH (each job brings its own). */
  readonly env: NodeJS.ProcessEnv;
  /** Settles once the first zygote is ready (true) or failed to get there (false). */
  readonly firstReady: Promise<boolean>;
  private settleFirst: (ok: boolean) => void = () => {};

  constructor(
    private readonly python: string,
    private readonly log: (line: string) => void = () => {},
    baseEnv: NodeJS.ProcessEnv = process.env,
  ) {
    this.env = { ...baseEnv, PYTHONUNBUFFERED: '1' };
    delete this.env.PYTHONPATH;
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
    if (!this.isReady) return 'python zygote not ready';
    const k = startupMismatch(env, this.env);
    return k ? `job sets ${k}, read at interpreter start` : null;
  }

  /** Make FIFOs at `paths` (in the zygote: cheaper than running mkfifo for each job). */
  mkfifo(paths: string[]): Promise<void> {
    return new Promise((resolve, reject) => {
      const sent = this.send({ mkfifo: paths }, {
        answer: (m) => ('error' in m ? reject(new ZygoteError(m.error)) : resolve()),
        lost: () => reject(new ZygoteError('python zygote died')),
      });
      if (!sent) reject(new ZygoteError('python zygote not ready'));
    });
  }

  /** Fork a job. Resolves once it runs in its own process group. */
  run(req: Omit<ZygoteRequest, 'id'>): Promise<ZygoteHandle> {
    return new Promise((started, failed) => {
      let exited: ((e: Exit & { lost?: boolean }) => void) | undefined;
      const sent = this.send(req, {
        answer: (m) => {
          if ('error' in m) failed(new ZygoteError(m.error));
          // The exit message can only come after the pid (same pipe, written in order).
          else if ('pid' in m) started({ pid: m.pid, exited: new Promise((resolve) => (exited = resolve)) });
          else if ('exit' in m) exited?.(exitOf(m));
        },
        lost: () => (exited ? exited({ code: null, signal: null, lost: true }) : failed(new ZygoteError('python zygote died while starting the job', true))),
      });
      if (!sent) failed(new ZygoteError('python zygote not ready'));
    });
  }

  /** Write one request; false when the zygote cannot take it. */
  private send(msg: object, pending: Pending): boolean {
    const stdin = this.proc?.stdin;
    if (!this.isReady || !stdin?.writable) return false;
    const id = String(++this.nextId);
    this.pending.set(id, pending);
    stdin.write(`${JSON.stringify({ ...msg, id })}\n`);
    return true;
  }

  /** Stop it. It SIGKILLs the groups of jobs it forked that still run (after a drain there are none). */
  close(): void {
    this.settleFirst(false);
    this.closed = true;
    this.isReady = false;
    this.proc?.stdin?.end();
  }

  private start(): void {
    if (!existsSync(ZYGOTE_PY)) {
      this.log(`warning: ${ZYGOTE_PY} not found; Python jobs start with plain spawn`);
      this.settleFirst(false);
      return;
    }
    const startedAt = Date.now();
    const proc = spawn(this.python, ['-u', ZYGOTE_PY], { env: this.env, stdio: ['pipe', 'pipe', 'pipe'] });
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
      // Whatever it had not answered is lost with it.
      const lost = [...this.pending.values()];
      this.pending.clear();
      for (const p of lost) p.lost();
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
      return;
    }
    const p = this.pending.get(m.id);
    if (!('pid' in m)) this.pending.delete(m.id); // every other answer is a request's last
    p?.answer(m);
  }
}
