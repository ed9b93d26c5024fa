"""Pre-warmed Python that forks Titan Edge jobs (stdlib only).

A fresh `python3` spends most of its ~75 ms start-up in `site` (packages imported by .pth
files). The agent starts this once per agent with `python3 -u zygote.py`; each `.py` job is
then an os.fork() of an interpreter that has already paid for that.

Protocol: newline-delimited JSON.
  stdin   {"id", "mkfifo": [paths]}          make FIFOs (Node cannot, short of running mkfifo)
          {"id", "file", "argv", "cwd", "env", "stdout", "stderr", "sysPath"}
          stdout/stderr: FIFOs the agent already holds open for reading.
  stdout  {"ready": true, "pid", "sysPath"}  once, at start (sysPath: what `site` built)
          {"id", "made": true}               the FIFOs exist
          {"id", "pid"}                      the job runs, leading its own session
          {"id", "error"}                    nothing was made or started
          {"id", "exit", "signal"}           the job was reaped (raw exit status / signal number)
The zygote lives exactly as long as the agent: it exits when its stdin closes, or when the
agent dies (a parent-death signal, on Linux), and then SIGKILLs the process groups of the jobs
it forked. A job outliving its agent would run twice once the control plane re-queues it.
"""
import atexit
import ctypes
import gc
import importlib
import json
import os
import runpy
import select
import signal
import sys
import time

# Cheap, fork-safe stdlib modules most jobs (and titan_sdk) import anyway, and pkgutil, which
# runpy imports lazily for every job it runs. Not titan_sdk, not third-party code: that could be
# upgraded on disk while the zygote runs.
PRELOAD = ('pkgutil', 'argparse', 'base64', 'dataclasses', 'enum', 'pathlib', 'socket', 'struct', 'subprocess', 'threading', 'traceback', 'typing', 'urllib.request', 'zipfile')
for _name in PRELOAD:
    try:
        importlib.import_module(_name)
    except Exception:  # a trimmed-down Python: the job imports what it needs itself
        pass

# Handlers a fresh interpreter has; the zygote changes these and children put them back.
FRESH_HANDLERS = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGCHLD, signal.SIGUSR1)}

# Sent to the zygote by the kernel when the agent dies (see watch_parent).
PARENT_DIED = signal.SIGUSR1


class AgentGone(BaseException):  # not an Exception: no request handler may swallow it
    pass


def watch_parent():
    """Linux: have the kernel signal us when the agent dies, even if it is SIGKILLed while we are
    busy. Best effort: the EOF on stdin says the same, a moment later at most."""
    def gone(*_):
        raise AgentGone()
    signal.signal(PARENT_DIED, gone)
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(PARENT_DIED), 0, 0, 0)  # PR_SET_PDEATHSIG
    except Exception:
        pass
    if os.getppid() == 1:  # the agent died before prctl took effect
        raise AgentGone()


def exit_status(code):
    """What `sys.exit(code)` makes the process exit with, as the interpreter decides it."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    try:
        sys.stderr.write(f'{code}\n')
    except Exception:
        pass
    return 1


def user_traceback(tb, file):
    """Skip the zygote's and runpy's frames: the traceback `python3 file.py` would print."""
    while tb is not None and tb.tb_frame.f_code.co_filename != file:
        tb = tb.tb_next
    return tb


def run_job(file):
    """Run `file` as __main__ and return the exit status; never raises."""
    try:
        runpy.run_path(file, run_name='__main__')
        status = 0
    except SystemExit as e:
        status = exit_status(e.code)
    except BaseException as e:  # noqa: B036 - the interpreter reports every uncaught exception
        tb = user_traceback(e.__traceback__, file)
        sys.excepthook(type(e), e.with_traceback(tb), tb)  # the hook prints e.__traceback__
        status = -signal.SIGINT if isinstance(e, KeyboardInterrupt) else 1
    # What the interpreter does on the way out: join non-daemon threads, run atexit, flush.
    try:
        if 'threading' in sys.modules:
            sys.modules['threading']._shutdown()
    except SystemExit as e:
        status = exit_status(e.code)
    except BaseException:
        pass
    atexit._run_exitfuncs()
    for f in (sys.stdout, sys.stderr):
        try:
            f.flush()
        except Exception:
            pass
    return status


def child(req, out, err, ready_w, wake):
    """In the forked child: become the job. Never returns."""
    status = 127
    try:
        os.setsid()  # own session and process group: the agent's kill(-pid) takes the whole tree
        os.close(ready_w)  # tells the zygote the group exists, so it may report our pid
        signal.set_wakeup_fd(-1)
        for fd in wake:
            os.close(fd)
        for sig, handler in FRESH_HANDLERS.items():
            signal.signal(sig, handler)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)  # as spawn's stdio 'ignore'; also drops the zygote's request pipe
        os.dup2(out, 1)  # sys.stdout/sys.stderr already wrap fds 1 and 2 the way `-u` does
        os.dup2(err, 2)
        for fd in (null, out, err):
            os.close(fd)
        os.chdir(req['cwd'])
        os.environ.clear()
        os.environ.update(req['env'])
        time.tzset()  # the job's TZ, as a fresh interpreter would read it
        file = req['file']
        sys.argv = [file, *req['argv']]
        sys.orig_argv = [sys.executable, '-u', file, *req['argv']]
        sys.path[:] = req['sysPath']
        importlib.invalidate_caches()  # packages installed since the zygote started
        status = run_job(file)
        if status == -signal.SIGINT:  # like CPython: die of the SIGINT that nobody handled
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGINT)
    except BaseException as e:
        try:
            os.write(2, f'titan zygote: cannot start {req.get("file")}: {e!r}\n'.encode())
        except Exception:
            pass
    os._exit(status)


class Zygote:
    def __init__(self):
        self.jobs = {}  # pid -> request id
        self.wake = os.pipe()  # SIGCHLD wakes select() through this (no threads before fork)
        for fd in self.wake:
            os.set_blocking(fd, False)

    def reply(self, msg):
        data = (json.dumps(msg) + '\n').encode()
        while data:
            data = data[os.write(1, data):]

    def start(self, req):
        """Fork one job; returns its pid."""
        # The agent opened the read ends before asking, so these opens cannot block; if it
        # did not, O_NONBLOCK turns a would-be hang into ENXIO.
        fds = []
        try:
            for key in ('stdout', 'stderr'):
                fds.append(os.open(req[key], os.O_WRONLY | os.O_NONBLOCK))
                os.set_blocking(fds[-1], True)  # the job's writes must block, not fail, on a full pipe
            ready_r, ready_w = os.pipe()
            fds += [ready_r, ready_w]
            pid = os.fork()
            if pid == 0:
                os.close(ready_r)
                child(req, fds[0], fds[1], ready_w, self.wake)
            self.jobs[pid] = req['id']  # at once: from here on, our death must take it along
            os.close(ready_w)
            fds.remove(ready_w)
            os.read(ready_r, 1)  # EOF once the child called setsid (or died)
            return pid
        finally:
            for fd in fds:  # ours are closed: EOF reaches the agent when the job's side closes
                os.close(fd)

    def request(self, line):
        req = {}
        try:
            req = json.loads(line)
            if 'mkfifo' in req:
                for path in req['mkfifo']:
                    os.mkfifo(path, 0o600)
                self.reply({'id': req['id'], 'made': True})
                return
            pid = self.start(req)
            self.reply({'id': req['id'], 'pid': pid})
        except Exception as e:
            self.reply({'id': req.get('id'), 'error': f'{type(e).__name__}: {e}'})

    def reap(self):
        while self.jobs:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            rid = self.jobs.pop(pid, None)
            if rid is not None:
                sig = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
                self.reply({'id': rid, 'exit': None if sig else os.WEXITSTATUS(status), 'signal': sig})

    def kill_jobs(self):
        """The agent is gone: so are the jobs (their whole process groups)."""
        for pid in list(self.jobs):
            for kill in (os.killpg, os.kill):  # killpg fails only before the child's setsid
                try:
                    kill(pid, signal.SIGKILL)
                    break
                except OSError:
                    pass

    def serve(self):
        # It lives exactly as long as the agent (until its stdin closes): signals for the agent's
        # terminal or service group (Ctrl-C, hang-up, a stop) are the agent's to handle.
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)
        signal.signal(signal.SIGCHLD, lambda *_: None)
        signal.set_wakeup_fd(self.wake[1])
        # Park everything imported so far outside the collector: a child's GC would otherwise
        # walk (and so copy-on-write) the whole warm heap. Halves the cost of a fork.
        gc.freeze()
        self.reply({'ready': True, 'pid': os.getpid(), 'sysPath': sys.path[1:]})  # [0] is this file's dir
        buf = b''
        while True:
            readable, _, _ = select.select([0, self.wake[0]], [], [], 1.0)
            if self.wake[0] in readable:
                try:
                    while os.read(self.wake[0], 512):
                        pass
                except BlockingIOError:
                    pass
            self.reap()  # also on the timeout: a lost wake-up costs at most a second
            if 0 in readable:
                chunk = os.read(0, 1 << 16)
                if not chunk:
                    return  # the agent is gone
                buf += chunk
                *lines, buf = buf.split(b'\n')
                for line in lines:
                    if line.strip():
                        self.request(line)


if __name__ == '__main__':
    zygote = None
    try:
        watch_parent()
        zygote = Zygote()
        zygote.serve()
    except (BrokenPipeError, AgentGone):  # the agent is gone
        pass
    finally:
        if zygote is not None:
            signal.signal(PARENT_DIED, signal.SIG_IGN)
            zygote.kill_jobs()
