import fs from 'node:fs';
import path from 'node:path';
import type { JobResultStatus, Lease } from '../../../control-plane/src/contract/agents';
import { isArchive, isService } from '../../../control-plane/src/contract/jobs';
import type { LogShipper } from '../logShipper';
import { spawnTree, type ForkError, type Proc } from '../process';
import { prepareArchive } from './archive';
import { commandFor, jobEnv } from './command';
import type { RunContext } from './context';
import { prepareScript } from './script';
import { ServiceSupervisor, type ServiceStatus } from './service';

/** Why the agent ends a job itself; `lost` and `shutdown` are not reported as results. */
export type KillReason = 'cancel' | 'stop' | 'lost' | 'shutdown';

export interface Outcome {
  status: JobResultStatus;
  exitCode: number | null;
  error: string | null;
}

export interface JobHandle {
  done: Promise<Outcome>;
  kill(reason: KillReason): void;
  /** Set once `kill` was called. */
  killedFor: KillReason | undefined;
  /** Its process has ended (`done` settled): killing it now does nothing. */
  ended: boolean;
  service(): ServiceStatus | null;
}

const KILLED: Record<KillReason, JobResultStatus> = { cancel: 'CANCELLED', stop: 'STOPPED', lost: 'CANCELLED', shutdown: 'FAILED' };

/** The outcome of a finished process. */
export function outcomeOf(exit: { code: number | null; signal: string | null }, timedOut: boolean, killedFor?: KillReason): Outcome {
  if (killedFor) return { status: KILLED[killedFor], exitCode: exit.code, error: `${killedFor === 'stop' ? 'stopped' : killedFor === 'cancel' ? 'cancelled' : killedFor}` };
  if (timedOut) return { status: 'TIMEOUT', exitCode: exit.code, error: 'timed out' };
  if (exit.code === 0) return { status: 'COMPLETED', exitCode: 0, error: null };
  return { status: 'FAILED', exitCode: exit.code, error: exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code}` };
}

export const workspaceOf = (workdir: string, l: Lease) => path.join(workdir, 'jobs', `${l.job.id}-${l.job.run}-${l.job.attempt}`);

/**
 * Remove a finished job's workspace, off the job's path: its result need not wait for the disk,
 * where a busy journal can hold a rmdir for milliseconds (the next run of the same attempt clears
 * it first anyway). Most often only the script is left: two calls, not a recursive walk.
 */
function removeWorkspace(ws: string, script: string | undefined): void {
  const all = () => fs.rm(ws, { recursive: true, force: true }, () => {});
  if (!script) return all();
  fs.unlink(script, (err) => (err ? all() : fs.rmdir(ws, (err2) => err2 && all())));
}

/**
 * Make `ws` an empty directory. Most often there is none yet: one mkdir. A workspace left by an
 * earlier try of the same attempt (the agent died mid-job) is cleared first; clearing before every
 * job cost each one a failed lstat and its thrown error.
 */
export function freshWorkspace(ws: string): void {
  if (fs.mkdirSync(ws, { recursive: true }) !== undefined) return; // undefined: it was there already
  fs.rmSync(ws, { recursive: true, force: true });
  fs.mkdirSync(ws, { recursive: true });
}

/** Prepare the workspace, then run the job once (with its timeout) or supervise it as a service. */
export function runJob(lease: Lease, ctx: RunContext, logs: LogShipper, graceMs = 3000): JobHandle {
  const job = lease.job;
  let proc: Proc | undefined;
  let supervisor: ServiceSupervisor | undefined;
  const handle: JobHandle = {
    killedFor: undefined,
    ended: false,
    done: undefined as unknown as Promise<Outcome>, // set just below: the body reads `handle`
    kill(reason) {
      if (handle.killedFor || handle.ended) return;
      handle.killedFor = reason;
      logs.system(`${reason === 'stop' ? 'stopping' : 'killing'} (${reason})`);
      void proc?.killTree(graceMs);
      void supervisor?.stop(graceMs);
    },
    service: () => supervisor?.status() ?? null,
  };
  handle.done = (async (): Promise<Outcome> => {
    const ws = workspaceOf(ctx.workdir, lease);
    let script: string | undefined;
    try {
      freshWorkspace(ws);
      let prepared: { cwd: string; file: string };
      try {
        prepared = isArchive(job.type) ? await prepareArchive(job, ws, ctx) : await prepareScript(job, ws, ctx);
        if (!isArchive(job.type)) script = prepared.file;
      } catch (err) {
        const msg = (err as Error).message;
        logs.system(`cannot start: ${msg}`);
        return { status: 'FAILED', exitCode: null, error: msg.slice(0, 4000) };
      }
      if (handle.killedFor) return outcomeOf({ code: null, signal: null }, false, handle.killedFor);
      const { cmd, argv } = commandFor(prepared.file, job.args, ctx.python);
      const env = jobEnv({ base: ctx.baseEnv, job, url: ctx.url, bridgePort: ctx.bridgePort, pythonPath: isArchive(job.type) ? [prepared.cwd] : [] });
      const pidDir = path.join(ctx.workdir, 'pids');
      const onOutput = (s: 'stdout' | 'stderr', c: string) => logs.write(s, c);
      const start = () => {
        const p = spawnTree({ cmd, argv, cwd: prepared.cwd, env, onOutput, pidDir });
        logs.system(`started ${path.basename(cmd)} ${job.file} (pid ${p.pid}, attempt ${job.attempt})`);
        return p;
      };
      // A batch job goes to the forker (the warm Python zygote) when it takes it, else is spawned as above.
      const launch = async (): Promise<Proc> => {
        const forker = ctx.forker;
        const refused = forker?.refusal(prepared.file, env);
        if (forker && !refused) {
          try {
            const p = await forker.fork({ file: prepared.file, args: job.args, cwd: prepared.cwd, env, onOutput, note: (t) => logs.system(t), pidDir });
            logs.system(`started ${job.file} from the ${forker.name} (pid ${p.pid}, attempt ${job.attempt})`);
            return p;
          } catch (err) {
            if ((err as ForkError).maybeStarted) throw err; // spawning again could run it twice
            logs.system(`${forker.name} could not start it (${(err as Error).message}); spawning instead`);
          }
        } else if (refused?.tell) {
          logs.system(`spawning a fresh interpreter: ${refused.reason}`); // worth knowing why it is slower
        }
        return start();
      };

      if (isService(job.type)) {
        supervisor = new ServiceSupervisor(start, { port: job.port, health: job.health, graceMs, note: (t) => logs.system(t), onChange: ctx.onServiceChange });
        if (handle.killedFor) void supervisor.stop(graceMs);
        await supervisor.done;
        logs.system('service stopped');
        return outcomeOf({ code: null, signal: null }, false, handle.killedFor ?? 'stop');
      }

      try {
        proc = await launch();
      } catch (err) {
        const msg = (err as Error).message;
        logs.system(`cannot start: ${msg}`);
        return { status: 'FAILED', exitCode: null, error: msg.slice(0, 4000) };
      }
      if (handle.killedFor) void proc.killTree(graceMs); // killed while it was being started
      let timedOut = false;
      const timer = job.timeoutMs
        ? setTimeout(() => {
            timedOut = true;
            logs.system(`timeout after ${job.timeoutMs} ms: killing the process tree`);
            void proc!.killTree(graceMs);
          }, job.timeoutMs)
        : undefined;
      const exit = await proc.exited;
      clearTimeout(timer);
      logs.endStreams();
      logs.system(`exited with ${exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`}`);
      return outcomeOf(exit, timedOut, handle.killedFor);
    } finally {
      handle.ended = true;
      removeWorkspace(ws, script);
    }
  })();
  return handle;
}
