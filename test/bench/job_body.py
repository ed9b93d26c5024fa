"""The floor under one Python job on our agent: a fork of the warm zygote running the job's script.

    python job_body.py ZYGOTE_PY JOB_FILE  ->  {"startup_ms", "job_body_ms"} on stdout

Run with the interpreter the agent resolved for its jobs. `job_body_ms` is the median time, seen
from the zygote, of its own start path for one job (zygote.Zygote.start: fork, setsid, stdio, env,
then runpy of the script; the same preloads and gc.freeze() as a serving zygote) until the child
is reaped. No agent, no FIFOs, no control plane: what is left of a chain hop once this is taken out
is what orchestration adds. `startup_ms` is `python -c pass` of this interpreter, what a job costs
where nothing forks it from a warm one (Ray's subprocess form pays it on every task).
"""
import gc
import importlib.util
import json
import os
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
    req = {'file': job_file, 'argv': [], 'cwd': cwd, 'env': {'PATH': os.environ.get('PATH', '')},
           'stdout': os.devnull, 'stderr': os.devnull, 'sysPath': sys.path[1:]}
    bodies = []
    for i in range(REPS + 2):
        t0 = time.perf_counter()
        pid = z.start({**req, 'id': str(i)})
        _, status = os.waitpid(pid, 0)
        if status != 0:
            raise SystemExit(f'{job_file} exited with status {status} under the zygote')
        if i >= 2:  # the first forks fault in pages the later ones share
            bodies.append((time.perf_counter() - t0) * 1000)
    os.rmdir(cwd)
    print(json.dumps({'startup_ms': round(statistics.median(starts), 2), 'job_body_ms': round(statistics.median(bodies), 2)}))


if __name__ == '__main__':
    main()
