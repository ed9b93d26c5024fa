"""The floor under one Python job on our agent: a warm child of the zygote running the job's script.

    python job_body.py ZYGOTE_PY JOB_FILE  ->  {"startup_ms", "job_body_ms", "job_cpu_ms"} on stdout

Run with the interpreter the agent resolved for its jobs. `job_body_ms` is the median time from writing a job
to a warm child's stdin, as the agent does (zygote.Zygote.fork_warm: forked ahead, in its own
session, with its pipes; the same preloads and gc.freeze() as a serving zygote), until the child
writes its exit status on its status pipe, its output closed: what a job costs on the path of a
chain hop.
`job_cpu_ms` is the CPU the child used, warming up included (the fork is off the path, not free).
No agent, no control plane: what is left of a chain hop once the body is taken out is what
orchestration adds. `startup_ms` is `python -c pass` of this interpreter, what a job costs where
nothing forks it from a warm one (Ray's subprocess form pays it on every task).
"""
import gc
import importlib.util
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

REPS = 21


def load_zygote(path):
    spec = importlib.util.spec_from_file_location('titan_zygote', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # its PRELOAD imports run here, as at a zygote's start
    return module


def read_until(sock, last):
    """The child's socket messages up to and including one starting with `last`."""
    data = b''
    while not any(line.startswith(last) for line in data.split(b'\n')[:-1]):
        chunk = sock.recv(256)
        if not chunk:
            raise SystemExit('a warm child died')
        data += chunk
    return data


def main():
    zygote_py, job_file = sys.argv[1], os.path.abspath(sys.argv[2])
    starts = []
    for _ in range(REPS):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, '-c', 'pass'], check=True)
        starts.append((time.perf_counter() - t0) * 1000)

    z = load_zygote(zygote_py).Zygote()
    gc.freeze()
    cwd = tempfile.mkdtemp(prefix='titan-jobbody-')
    req = json.dumps({'file': job_file, 'argv': [], 'cwd': cwd, 'envSet': {}, 'envUnset': [], 'sysPath': sys.path[1:]}).encode() + b'\n'
    bodies, cpus = [], []
    for i in range(REPS + 2):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        z.fork_warm()
        (pid, child), = z.children.items()
        if read_until(child.sock, b'ready') != b'ready\n':
            raise SystemExit('a warm child did not get ready')
        # Its pipes as the agent opens them, through /proc; the output is not read (it fits the pipes).
        stdin = os.open(f'/proc/{pid}/fd/0', os.O_WRONLY)
        outs = [os.open(f'/proc/{pid}/fd/{fd}', os.O_RDONLY) for fd in (1, 2, child.status_fd)]
        t0 = time.perf_counter()
        os.write(stdin, req)
        os.close(stdin)
        status = os.read(outs[2], 64)  # blocks until the job says how it ended
        t1 = time.perf_counter()
        os.waitpid(pid, 0)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        z.forget(child)
        z.children.clear()
        for fd in outs:
            os.close(fd)
        if status != b'exit 0\n':
            raise SystemExit(f'{job_file} ended with {status!r} under the zygote')
        if i >= 2:  # the first forks fault in pages the later ones share
            bodies.append((t1 - t0) * 1000)
            cpus.append((after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) * 1000)
    os.rmdir(cwd)
    print(json.dumps({'startup_ms': round(statistics.median(starts), 2), 'job_body_ms': round(statistics.median(bodies), 2), 'job_cpu_ms': round(statistics.median(cpus), 2)}))


if __name__ == '__main__':
    main()
