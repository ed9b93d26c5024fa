"""Ray on the workloads of `npm run bench`, for comparison (run by test/bench/ray.ts in .venv-bench).

    python ray_bench.py JOB_FILE  ->  one JSON object on stdout

Two forms of every workload: `subprocess` (a Ray task runs JOB_FILE with this interpreter, the way
one of our agents runs a job's script) and `native` (the task body is the script's own code,
`print("ok")`, inside Ray's worker). Times are taken around the workload only: ray.init and the
warm-up (Ray starts its worker processes lazily) are outside them, as our side's cluster start and
warm-up job are. Ray gets 4 CPUs, one task per CPU: our side's one agent with 4 slots.
"""
import json
import os
import statistics
import subprocess
import sys
import time

SINGLE_REPS = 30
# Each multi-job workload runs this many times and reports its median, as test/agent/bench.ts does.
WORKLOAD_REPS = 3


def main():
    job_file = os.path.abspath(sys.argv[1])
    t0 = time.perf_counter()
    import ray  # noqa: E402 - timed with init: what a user pays once

    # log_to_driver=False: the tasks' output still goes to Ray's worker logs (as ours goes to the
    # log store), it is only not echoed into this process's stdout, which carries the JSON.
    ray.init(num_cpus=4, include_dashboard=False, log_to_driver=False, logging_level='ERROR')
    init_ms = (time.perf_counter() - t0) * 1000

    @ray.remote(num_cpus=1)
    def as_subprocess(*_parents):
        r = subprocess.run([sys.executable, job_file], capture_output=True, text=True)
        sys.stdout.write(r.stdout)
        sys.stderr.write(r.stderr)
        if r.returncode != 0:
            raise RuntimeError(f'{job_file} exited {r.returncode}')
        return 0

    @ray.remote(num_cpus=1)
    def native(*_parents):
        print('ok')
        return 0

    out = {'ray_version': ray.__version__, 'python': sys.executable, 'init_ms': round(init_ms)}
    for name, task in (('subprocess', as_subprocess), ('native', native)):
        ray.get([task.remote() for _ in range(8)])  # warm-up: every worker process started
        out[name] = workloads(ray, task)
    ray.shutdown()
    print(json.dumps(out))


def timed(fn):
    t0 = time.perf_counter()
    fn()
    return (time.perf_counter() - t0) * 1000


def workloads(ray, task):
    def chain():
        ref = task.remote()
        for _ in range(19):
            ref = task.remote(ref)  # a parent's result as argument: runs after it
        ray.get(ref)

    def median(fn):
        return round(statistics.median(timed(fn) for _ in range(WORKLOAD_REPS)), 1)

    independent = median(lambda: ray.get([task.remote() for _ in range(100)]))
    chained = median(chain)
    singles = [timed(lambda: ray.get(task.remote())) for _ in range(SINGLE_REPS)]
    return {
        'independent100_ms': independent,
        'chain20_ms': chained,
        'single_p50_ms': round(statistics.median(singles), 2),
        'fan50_join_ms': median(lambda: ray.get(task.remote(*[task.remote() for _ in range(50)]))),
    }


if __name__ == '__main__':
    main()
