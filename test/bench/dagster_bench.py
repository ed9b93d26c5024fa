"""The Dagster figures of `npm run bench`: the three-asset example (raw_data -> trained_model ->
evaluation_metrics) through titan_dagster, next to the pattern users wrote before it (submit over
TITAN_PROTO, poll the status every 2 s, fetch the logs at the end). Per asset, the orchestration
overhead is the Dagster step's duration minus the Titan job's own run time. Prints one JSON line.

    python test/bench/dagster_bench.py URL TOKEN BRIDGE_HOST BRIDGE_PORT [REPS]
"""

import json
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "sdk" / "python"))
EXAMPLE = ROOT / "sdk" / "python" / "examples" / "dagster"

import dagster as dg  # noqa: E402

from titan_dagster import JOB_ID_KEY, TitanResource  # noqa: E402
from titan_sdk import TitanClient, TitanHttp, TitanJob  # noqa: E402

url, token, bridge_host, bridge_port = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
reps = int(sys.argv[5]) if len(sys.argv) > 5 else 3
api = TitanHttp(url, token)


class PollingTitan(dg.ConfigurableResource):
    """The pre-integration pattern: one job per asset over the bridge, status polled every 2 s."""

    suffix: str
    scripts: str

    def run_task(self, context, script_path: str, requirement: str = "GENERAL", affinity: bool = False):
        client = TitanClient(bridge_host, bridge_port)
        name = f"{context.asset_key.path[-1]}-{self.suffix}"
        script = str(Path(self.scripts) / script_path)
        client.submit_job(TitanJob(job_id=name, filename=script, requirement=requirement, affinity=affinity))
        while True:
            status = client.get_job_status(f"DAG-{name}")
            if status in ("COMPLETED", "FAILED"):
                context.log.info(client.fetch_logs(f"DAG-{name}"))
                if status == "FAILED":
                    raise dg.Failure(f"{name} failed")
                context.add_output_metadata({JOB_ID_KEY: f"DAG-{name}"})
                return True
            time.sleep(2)


def polling_assets():
    @dg.asset
    def raw_data(context, titan: PollingTitan):
        titan.run_task(context, "extract.py")

    @dg.asset(deps=[raw_data])
    def trained_model(context, titan: PollingTitan):
        titan.run_task(context, "train.py", requirement="GPU", affinity=True)

    @dg.asset(deps=[trained_model])
    def evaluation_metrics(context, titan: PollingTitan):
        titan.run_task(context, "eval.py")

    return [raw_data, trained_model, evaluation_metrics]


def measure(assets, resources) -> tuple[float, float]:
    """(wall s, mean overhead per asset ms) of one materialization."""
    instance = dg.DagsterInstance.ephemeral()
    t0 = time.perf_counter()
    result = dg.materialize(assets, resources=resources, instance=instance)
    wall = time.perf_counter() - t0
    assert result.success
    starts, ends = {}, {}
    for e in instance.all_logs(result.run_id):
        if e.dagster_event is None:
            continue
        kind = e.dagster_event.event_type_value
        if kind == "STEP_START":
            starts[e.step_key] = e.timestamp
        elif kind == "STEP_SUCCESS":
            ends[e.step_key] = e.timestamp
    overheads = []
    for ev in result.get_asset_materialization_events():
        mat = ev.event_specific_data.materialization
        step = mat.asset_key.path[-1]
        job = api.get_job(mat.metadata[JOB_ID_KEY].value)
        run_s = (job["finishedAt"] - job["startedAt"]) / 1000
        overheads.append((ends[step] - starts[step] - run_s) * 1000)
    return wall, statistics.mean(overheads)


def main() -> None:
    import importlib.util
    import shutil
    import tempfile

    spec = importlib.util.spec_from_file_location("example", EXAMPLE / "definitions.py")
    ex = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ex)
    # The polling pattern cannot hand the model from train to eval through Dagster: its eval.py
    # scores a fixed model (same work). extract.py and train.py are the example's own.
    scripts = Path(tempfile.mkdtemp(prefix="titan-bench-dagster-"))
    for name in ("extract.py", "train.py"):
        shutil.copy(EXAMPLE / name, scripts / name)
    (scripts / "eval.py").write_text('import os\nos.environ.setdefault("MODEL_JSON", \'{"a": 3.0, "b": 2.0}\')\n' + (EXAMPLE / "eval.py").read_text())
    ours_titan = TitanResource(url=url, token=token, base_dir=str(EXAMPLE))
    ours, polling = [], []
    try:
        for _ in range(reps):
            ours.append(measure([ex.raw_data, ex.trained_model, ex.evaluation_metrics], {"titan": ours_titan}))
            polling.append(measure(polling_assets(), {"titan": PollingTitan(suffix=uuid.uuid4().hex[:8], scripts=str(scripts))}))
    finally:
        shutil.rmtree(scripts, ignore_errors=True)
    med = lambda xs, i: statistics.median(x[i] for x in xs)  # noqa: E731
    print(json.dumps({
        "dagster_example_wall_s": round(med(ours, 0), 2),
        "dagster_overhead_per_asset_ms": round(med(ours, 1)),
        "dagster_polling2s_wall_s": round(med(polling, 0), 2),
        "dagster_polling2s_overhead_per_asset_ms": round(med(polling, 1)),
    }))


main()
