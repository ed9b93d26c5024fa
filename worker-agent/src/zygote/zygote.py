"""Pre-warmed Python that forks Titan Edge jobs (stdlib only, Linux).

A fresh `python3` spends most of its ~75 ms start-up in `site` (packages imported by .pth
files). The agent starts this once per agent with `python3 -u zygote.py WARM`; each `.py` job
then runs in an os.fork() of an interpreter that has already paid for that. The fork is off the
job's path too: the zygote keeps WARM children forked ahead, each in its own session, its fds 0, 1
and 2 fresh pipes, waiting for a job on fd 0. The agent opens the other ends through /proc/<pid>/fd
(and a status pipe's), writes the job to the child itself and reads its output and its exit status:
a job's start and end pass nothing through the zygote.

Protocol: newline-delimited JSON (stdin: plain lines).
  zygote stdin   fork                               fork one more warm child (WARM are forked at
                                                    start; the agent asks for the rest, when it
                                                    suits it: see pythonZygote.ts). EOF: the agent
                                                    is gone
  zygote stdout  {"ready": true, "pid", "sysPath"}  once, at start (sysPath: what `site` built)
                 {"warm": pid, "status": fd}        a warm child ready for a job; its fd `status` is
                                                    a pipe where it writes `exit N` once its job
                                                    returned and its output is closed
                 {"end": pid, "exit", "signal"}     a child announced warm is gone (reaped): its
                                                    exit status or the signal that killed it
                 {"starved": reason}                no warm child could be forked (tried again later)
  child fd 0     {"file", "argv", "cwd", "envSet",   the job, one line, from the agent; its environment
                  "envUnset", "sysPath"}            as it differs from the zygote's (set, remove)
A job reports its exit status to the agent itself, so the agent hears it without waiting for the
kernel to tear the process down, or for the zygote; one killed by a signal is known from the reap.
The zygote lives exactly as long as the agent: it exits when its stdin closes, or when the agent
dies (a parent-death signal, on Linux), and then SIGKILLs the process groups of all its children.
A job outliving its agent would run twice once the control plane re-queues it. A warm child whose
zygote is gone exits by itself (EOF on its socket).
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
import socket
import sys
import time

# Fork-safe stdlib modules many jobs (and titan_sdk) import, and pkgutil, which runpy imports
# lazily for every job it runs. Kept few on purpose: every module held here makes each fork dearer
# (more page tables to copy and tear down, more pages written copy-on-write); urllib.request (ssl,
# http.client, email) alone added 0.4 ms to every trivial job, and a module that imports threading
# (subprocess, zipfile) makes every fork run threading's at-fork hook (0.3 ms). Not titan_sdk, not
# third-party code: that could be upgraded on disk while the zygote runs.
PRELOAD = ('pkgutil', 'argparse', 'base64', 'dataclasses', 'enum', 'pathlib', 'socket', 'struct', 'traceback', 'typing')
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


def apply_environ(env_set, env_unset):
    """Make os.environ (and the C environment under it) the job's. The agent sends only how it
    differs from the environment it started the zygote with: most of a job's is the agent's."""
    environ = os.environ
    for key in env_unset:
        environ.pop(key, None)
    for key, value in env_set.items():
        environ[key] = value


def read_request(sock):
    """The job's line from fd 0, written by the agent; None when the zygote is gone."""
    data = b''
    while not data.endswith(b'\n'):
        readable, _, _ = select.select([0, sock], [], [])
        if sock in readable:
            return None  # a warm child hears nothing from the zygote: this is its end
        chunk = os.read(0, 1 << 16)
        if not chunk:
            return None
        data += chunk
    return data


def report_exit(fd, ident, status):
    """Tell the agent our exit status on `fd`, with our output already closed (so it has read it
    all). Skipped when the job closed that fd, or reused its number."""
    try:
        for out in (1, 2):
            os.close(out)
        st = os.fstat(fd)
        if (st.st_dev, st.st_ino) == ident:
            os.write(fd, f'exit {status}\n'.encode())
    except OSError:
        pass  # the agent learns it from the zygote's reap


def rehearse():
    """Walk a job's start path once with nothing to run, while warm. A forked child pays a
    copy-on-write fault for every page it first writes; this takes those faults off the job's path
    (it halves a trivial job's time) and leaves nothing behind."""
    argv = sys.argv
    try:
        importlib.invalidate_caches()
        time.tzset()
        runpy.run_path(os.devnull, run_name='__main__')
    except Exception:
        pass
    finally:
        sys.argv = argv
        sys.path_importer_cache.pop(os.devnull, None)


def child(sock, inp, out, err, status_fd):
    """In the forked child: get warm, wait for a job on fd 0, become it. Never returns.
    `inp`: the pipe for fd 0. Its write end stays open here until the job came, so fd 0 reads no
    EOF before the agent opened its own; what ends a warm child is its socket (the zygote's end).
    `status_fd`: where it tells the agent how its job ended."""
    status = 127
    req = {}
    try:
        os.setsid()  # own session and process group: the agent's kill(-pid) takes the whole tree
        signal.set_wakeup_fd(-1)
        for sig, handler in FRESH_HANDLERS.items():
            signal.signal(sig, handler)
        os.dup2(inp[0], 0)  # where the agent writes the job (this also drops the zygote's stdin)
        os.dup2(out, 1)  # sys.stdout/sys.stderr already wrap fds 1 and 2 the way `-u` does
        os.dup2(err, 2)
        for fd in (inp[0], out, err):
            os.close(fd)
        ident = os.fstat(status_fd)
        ident = (ident.st_dev, ident.st_ino)
        rehearse()
        sock.sendall(b'ready\n')
        line = read_request(sock)
        if line is None:
            os._exit(0)  # never had a job
        os.close(inp[1])
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)  # as spawn's stdio 'ignore'
        os.close(null)
        req = json.loads(line)
        os.chdir(req['cwd'])
        apply_environ(req['envSet'], req['envUnset'])
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
        else:
            report_exit(status_fd, ident, status)
    except BaseException as e:
        try:
            os.write(2, f'titan zygote: cannot start {req.get("file")}: {e!r}\n'.encode())
        except Exception:
            pass
    os._exit(status)


class Child:
    """One forked child, as the zygote tracks it."""
    __slots__ = ('pid', 'sock', 'buf', 'state', 'status_fd')

    def __init__(self, pid, sock, status_fd):
        self.pid, self.sock, self.buf, self.status_fd = pid, sock, b'', status_fd
        self.state = 'warming'  # then 'warm' (announced: idle or running a job), then 'ended'


class Zygote:
    def __init__(self, warm=1):
        self.wanted = warm  # warm children still to fork
        self.retry_at = 0  # while starved: when to try forking again (time.monotonic())
        self.children = {}  # pid -> Child: every child not yet reaped
        self.by_fd = {}  # socket fd -> Child, for the children we still hear from
        self.wake = os.pipe()  # SIGCHLD wakes poll() through this (no threads before fork)
        for fd in self.wake:
            os.set_blocking(fd, False)
        self.poller = select.poll()

    def reply(self, msg):
        data = (json.dumps(msg) + '\n').encode()
        while data:
            data = data[os.write(1, data):]

    def fork_warm(self):
        """Fork one child that gets warm and waits for a job (announced once it says ready)."""
        ours, theirs = socket.socketpair()
        inp, out, err, st = os.pipe(), os.pipe(), os.pipe(), os.pipe()
        try:
            pid = os.fork()
        except BaseException:
            for fd in (*inp, *out, *err, *st):
                os.close(fd)
            ours.close()
            theirs.close()
            raise
        if pid == 0:
            # What the zygote holds is not the job's: the other children's sockets, the wake pipe.
            ours.close()
            for c in self.children.values():
                c.sock.close()
            for fd in (out[0], err[0], st[0], *self.wake):
                os.close(fd)
            child(theirs, inp, out[1], err[1], st[1])
        for fd in (*inp, *out, *err, *st):  # the agent opens the other ends through /proc/<pid>/fd
            os.close(fd)
        theirs.close()
        c = Child(pid, ours, st[1])
        self.children[pid] = c  # at once: from here on, our death must take it along
        self.by_fd[ours.fileno()] = c
        self.poller.register(ours, select.POLLIN)

    def top_up(self):
        """Fork one warm child if one is wanted; true if more are, now."""
        if not self.wanted or time.monotonic() < self.retry_at:
            return False
        try:
            self.fork_warm()
        except OSError as e:
            self.starve(f'cannot fork: {type(e).__name__}: {e}')
            return False
        self.wanted -= 1
        return self.wanted > 0

    def starve(self, why):
        """Forking warm children fails: say so once, and try again in a second, not at once."""
        if not self.retry_at:
            self.reply({'starved': why})
        self.retry_at = time.monotonic() + 1.0

    def forget(self, c):
        """Stop listening to a child (it said all it will, or it is gone)."""
        fd = c.sock.fileno()
        if self.by_fd.pop(fd, None) is not None:
            self.poller.unregister(fd)
            c.sock.close()

    def heard(self, c):
        """A child wrote (or closed) its socket: it is ready (or gone)."""
        try:
            chunk = c.sock.recv(256)
        except OSError:
            chunk = b''
        if not chunk:
            return self.forget(c)  # it exited: reap() tells what became of it
        c.buf += chunk
        *lines, c.buf = c.buf.split(b'\n')
        for line in lines:
            if line == b'ready' and c.state == 'warming':
                c.state = 'warm'
                self.retry_at = 0
                self.reply({'warm': c.pid, 'status': c.status_fd})

    def ended(self, c, code, sig):
        """Tell the agent, once, that a child it knows of is done; replace one that died warming."""
        if c.state == 'warm':
            self.reply({'end': c.pid, 'exit': code, 'signal': sig})
        elif c.state == 'warming':  # the agent still waits for it
            self.wanted += 1
            self.starve(f'a warm child died before it was ready ({"signal" if sig else "exit"} {sig or code})')
        c.state = 'ended'

    def reap(self):
        while self.children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            c = self.children.pop(pid, None)
            if c is None:
                continue
            self.forget(c)
            if c.state != 'ended':
                sig = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
                self.ended(c, None if sig else os.WEXITSTATUS(status), sig)

    def kill_all(self):
        """The agent is gone: so are the jobs (their whole process groups) and the warm children."""
        for pid in list(self.children):
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
        self.poller.register(0, select.POLLIN)
        self.poller.register(self.wake[0], select.POLLIN)
        self.reply({'ready': True, 'pid': os.getpid(), 'sysPath': sys.path[1:]})  # [0] is this file's dir
        buf = b''
        short = True
        while True:
            # Messages first; a missing warm child is forked when nothing else waits.
            timeout = 0 if short else 1000
            events = self.poller.poll(timeout)
            for fd, _ in events:
                if fd == 0:
                    chunk = os.read(0, 1 << 16)
                    if not chunk:
                        return  # the agent is gone
                    buf += chunk
                    *lines, buf = buf.split(b'\n')
                    self.wanted += lines.count(b'fork')
                elif fd == self.wake[0]:
                    try:
                        while os.read(fd, 512):
                            pass
                    except BlockingIOError:
                        pass
                elif fd in self.by_fd:
                    self.heard(self.by_fd[fd])
            self.reap()  # also on a timeout: a lost wake-up costs at most a second
            short = self.top_up()


if __name__ == '__main__':
    zygote = None
    try:
        watch_parent()
        zygote = Zygote(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
        zygote.serve()
    except (BrokenPipeError, AgentGone):  # the agent is gone
        pass
    finally:
        if zygote is not None:
            signal.signal(PARENT_DIED, signal.SIG_IGN)
            zygote.kill_all()
