// A job must never outlive its agent: once the agent is gone, the control plane re-queues the job
// and a survivor would run its side effects twice. Jobs are detached (own process groups, so a
// cancel can kill a whole tree), which also means nothing kills them when a SIGKILLed agent dies.
import { spawn, type ChildProcess } from 'node:child_process';

/**
 * One `/bin/sh` per agent (no per-job cost): it holds the read end of a pipe from the agent and
 * blocks on it. EOF means the agent has exited, however it died; the shell then SIGKILLs every job
 * process group recorded in the pid directory (see `pidFiles`), checking each one's start time so
 * a recycled pid is never hit. Builtins only: it works on any Linux with a POSIX shell.
 */
export const WATCHDOG_SH = `trap '' INT TERM HUP
while read -r _; do :; done
cd "$1" 2>/dev/null || exit 0
for pid in *; do
  [ -f "$pid" ] || continue
  want=; read -r want < "$pid"
  line=; read -r line < "/proc/$pid/stat" 2>/dev/null || continue
  set -- \${line##*") "}
  [ $# -ge 20 ] || continue
  shift 19
  [ "$1" = "$want" ] && kill -KILL -"$pid" 2>/dev/null
done
exit 0
`;

export interface Watchdog {
  /** The agent is stopping cleanly: kill what is still recorded now, then the watchdog exits. */
  close(): void;
}

/** Start the watchdog for the job process groups recorded under `pidDir`. */
export function startWatchdog(pidDir: string, log: (line: string) => void): Watchdog {
  let proc: ChildProcess;
  try {
    proc = spawn('/bin/sh', ['-c', WATCHDOG_SH, 'titan-watchdog', pidDir], { stdio: ['pipe', 'ignore', 'ignore'] });
  } catch (err) {
    log(`warning: job watchdog failed to start (${(err as Error).message}); jobs of a killed agent are reaped on its next start`);
    return { close() {} };
  }
  proc.on('error', (err) => log(`warning: job watchdog failed (${err.message}); jobs of a killed agent are reaped on its next start`));
  proc.stdin!.on('error', () => {});
  // It must not keep a finished agent's process alive: only the pipe's existence matters.
  proc.unref();
  (proc.stdin as unknown as { unref?: () => void }).unref?.();
  return { close: () => void proc.stdin!.end() };
}
