"""titan_dagster against the real local cluster and real Dagster (``dg.materialize``): the
three-asset example (train on the GPU agent, beside extract), live logs, metadata, failures,
Pipes (metadata and an asset check), partitions and config, and cancellation."""



import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

dg = pytest.importorskip("dagster", reason="the [dagster] extra is not installed")

from clusterlib import write_script  # noqa: E402
from titan_dagster import JOB_ID_KEY, PipesTitanClient, TitanResource  # noqa: E402
from titan_sdk import TitanHttp  # noqa: E402

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "sdk" / "python" / "examples" / "dagster"


@pytest.fixture
def titan(cluster) -> TitanResource:
    return TitanResource(url=cluster.url, token=cluster.client_token, base_dir=str(EXAMPLE))


@pytest.fixture
def api(cluster) -> TitanHttp:
    return TitanHttp(cluster.url, cluster.client_token)


@pytest.fixture(scope="module")
def example():
    spec = importlib.util.spec_from_file_location("titan_dagster_example", EXAMPLE / "definitions.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def materializations(result) -> dict[str, dict]:
    """asset name -> its materialization metadata (raw values)."""
    out = {}
    for ev in result.get_asset_materialization_events():
        mat = ev.event_specific_data.materialization
        out[mat.asset_key.path[-1]] = {k: v.value for k, v in mat.metadata.items()}
    return out


def step_logs(instance, result, step: str) -> list[tuple[float, str]]:
    """(timestamp, message) of the user log lines of one step, from the run's event log."""
    return [
        (e.timestamp, e.user_message)
        for e in instance.all_logs(result.run_id)
        if e.step_key == step and e.dagster_event is None
    ]


def step_end(instance, result, step: str) -> float:
    return next(
        e.timestamp for e in instance.all_logs(result.run_id)
        if e.step_key == step and e.dagster_event is not None and e.dagster_event.event_type_value == "STEP_SUCCESS"
    )


def agent_by_name(api: TitanHttp, name: str) -> dict:
    return next(a for a in api.request("GET", "/v1/agents")["agents"] if a["name"] == name)


def test_three_asset_example_train_beside_extract_on_the_gpu_agent(cluster, start_agent, api, example, titan, capsys):
    gpu_name = start_agent("GPU", slots=2)
    deadline = time.monotonic() + 30
    while not any(a["name"] == gpu_name and a["alive"] for a in api.request("GET", "/v1/agents")["agents"]):
        assert time.monotonic() < deadline, "the GPU agent never registered"
        time.sleep(0.2)
    gpu = agent_by_name(api, gpu_name)
    assets = [example.raw_data, example.trained_model, example.evaluation_metrics]

    runs = []
    instance = dg.DagsterInstance.ephemeral()
    for _ in range(2):  # materializing twice works: fresh job ids each time
        result = dg.materialize(assets, resources={"titan": titan}, instance=instance)
        assert result.success
        runs.append(result)
    first, second = (materializations(r) for r in runs)
    assert set(first) == {"raw_data", "trained_model", "evaluation_metrics"}
    assert {m[JOB_ID_KEY] for m in first.values()}.isdisjoint({m[JOB_ID_KEY] for m in second.values()})

    for meta in (first, second):
        extract = api.get_job(meta["raw_data"][JOB_ID_KEY])
        train = api.get_job(meta["trained_model"][JOB_ID_KEY])
        # The GPU step ran on the GPU agent, on the node that ran extract (its data is on that disk).
        assert train["node"] == gpu_name
        assert train["affinityTo"] == extract["id"]
        extract_agent = agent_by_name(api, extract["node"])
        assert extract_agent["info"]["host"] == gpu["info"]["host"]
        if "GPU" in extract_agent["capabilities"]:
            assert extract["node"] == train["node"]
        m = meta["trained_model"]
        assert m["titan/agent"] == gpu_name and m["titan/capability"] == "GPU" and m["titan/attempts"] == 1
        assert m["titan/status"] == "COMPLETED" and m["titan/duration_s"] > 0
        assert m["titan/dashboard"] == f"{cluster.url}/#/jobs/{train['id']}"
        assert 0.9 < meta["evaluation_metrics"]["r2"] <= 1.0

    # Live logs: each epoch line reached the event log while train.py was still running.
    result = runs[0]
    train = api.get_job(first["trained_model"][JOB_ID_KEY])
    epochs = [(ts, msg) for ts, msg in step_logs(instance, result, "trained_model") if "] epoch " in msg]
    assert len(epochs) == 5
    ended = train["finishedAt"] / 1000
    with capsys.disabled():
        print(f"\n  train.py ended {time.strftime('%H:%M:%S', time.localtime(ended))}.{int(ended * 1000) % 1000:03d}; "
              f"step ended +{step_end(instance, result, 'trained_model') - ended:.3f} s")
        for ts, msg in epochs:
            print(f"  {ts - ended:+.3f} s  {msg}")
    assert epochs[0][0] < ended - 0.5  # five epochs, 0.2 s apart: the first came ~1 s before the end
    assert [msg.split("epoch ")[1][:3] for _, msg in epochs] == ["1/5", "2/5", "3/5", "4/5", "5/5"]


def test_a_failing_script_fails_the_asset_with_its_exit_code_and_log_tail(tmp_path, cluster):
    write_script(tmp_path, "bad.py", """
        import sys
        for i in range(60):
            print(f"line {i}")
        print("something broke", file=sys.stderr)
        sys.exit(3)
    """)

    @dg.asset
    def broken(context: dg.AssetExecutionContext, titan: TitanResource):
        titan.run_task(context, "bad.py", max_retries=0)

    result = dg.materialize([broken], resources={"titan": TitanResource(url=cluster.url, token=cluster.client_token, base_dir=str(tmp_path))}, raise_on_error=False)
    assert not result.success
    failure = result.get_step_failure_events()[0].step_failure_data.user_failure_data
    assert "(exit code 3)" in failure.description
    assert "something broke" in failure.description and "line 59" in failure.description
    assert "line 5\n" not in failure.description  # only the tail
    assert failure.metadata["titan/status"].value == "FAILED"


def test_pipes_metadata_asset_check_and_logs_reach_dagster(cluster, titan):
    pipes = PipesTitanClient(titan)

    @dg.asset(check_specs=[dg.AssetCheckSpec("scores_in_range", asset="report")])
    def report(context: dg.AssetExecutionContext):
        return pipes.run(context=context, script_path="score_pipes.py", extras={"model": {"a": 3.0, "b": 2.0}, "rows": 250}).get_materialize_result()

    instance = dg.DagsterInstance.ephemeral()
    result = dg.materialize([report], instance=instance)
    assert result.success
    meta = materializations(result)["report"]
    assert meta["rows"] == 250 and 2.0 <= meta["mean_score"] <= 32.0  # what the remote script reported
    assert meta[JOB_ID_KEY].startswith("report-")  # and what the client knows of the job
    checks = [e.event_specific_data for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"]
    assert [(c.check_name, c.passed) for c in checks] == [("scores_in_range", True)]
    assert checks[0].metadata["max"].value <= 32.0
    messages = [m for _, m in step_logs(instance, result, "report")]
    assert any("scoring 250 rows with a=3.0 b=2.0" in m for m in messages)  # pipes.log
    assert any(m.endswith("scored 250 rows") for m in messages)  # a plain print
    assert not any("__dagster_pipes_version" in m for m in messages)  # messages are not echoed as logs


def test_partition_key_and_run_config_reach_plain_and_pipes_scripts(tmp_path, cluster):
    write_script(tmp_path, "show_env.py", """
        import os
        for k in sorted(os.environ):
            if k.startswith("TITAN_DAGSTER_"):
                print(f"{k}={os.environ[k]}")
    """)
    write_script(tmp_path, "pipes_part.py", """
        from dagster_pipes import open_dagster_pipes
        with open_dagster_pipes() as pipes:
            pipes.report_asset_materialization(metadata={"partition": pipes.partition_key, "region_extra": pipes.get_extra("region")})
    """)
    titan = TitanResource(url=cluster.url, token=cluster.client_token, base_dir=str(tmp_path))
    parts = dg.StaticPartitionsDefinition(["eu", "us"])

    class Knobs(dg.Config):
        threshold: float = 0.5

    @dg.asset(partitions_def=parts)
    def plain(context: dg.AssetExecutionContext, config: Knobs, titan: TitanResource):
        titan.run_task(context, "show_env.py")

    @dg.asset(partitions_def=parts)
    def piped(context: dg.AssetExecutionContext):
        return PipesTitanClient(titan).run(context=context, script_path="pipes_part.py", extras={"region": context.partition_key}).get_materialize_result()

    run_config = dg.RunConfig({"plain": Knobs(threshold=0.75)})
    instance = dg.DagsterInstance.ephemeral()
    result = dg.materialize([plain, piped], partition_key="us", resources={"titan": titan}, run_config=run_config, instance=instance)
    assert result.success
    lines = {m.split("] ", 1)[1] for _, m in step_logs(instance, result, "plain") if m.startswith("[plain-")}
    assert "TITAN_DAGSTER_PARTITION_KEY=us" in lines
    assert "TITAN_DAGSTER_ASSET_KEY=plain" in lines
    assert f"TITAN_DAGSTER_RUN_ID={result.run_id}" in lines
    assert 'TITAN_DAGSTER_RUN_CONFIG={"threshold": 0.75}' in lines
    meta = materializations(result)["piped"]
    assert meta["partition"] == "us" and meta["region_extra"] == "us"


RUN_SLOW = """
import sys
sys.path.insert(0, {sdk!r})
import dagster as dg
from titan_dagster import TitanResource

@dg.asset
def slow(context: dg.AssetExecutionContext, titan: TitanResource):
    titan.run_task(context, "slow.py")

dg.materialize([slow], resources={{"titan": TitanResource(url={url!r}, token={token!r}, base_dir={base!r})}}, raise_on_error=False)
"""


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["dagster-terminate", "sigterm"])
def test_cancelling_the_dagster_run_cancels_the_job_and_its_process(tmp_path, cluster, api, sig):
    """Dagster terminates a run by interrupting its worker (SIGINT); container runtimes send SIGTERM."""
    pid_file = tmp_path / "pid"
    write_script(tmp_path, "slow.py", f"""
        import os, time
        open({str(pid_file)!r}, "w").write(str(os.getpid()))
        for i in range(600):
            print("tick", i, flush=True)
            time.sleep(0.1)
    """)
    driver = tmp_path / "driver.py"
    driver.write_text(RUN_SLOW.format(sdk=str(ROOT / "sdk" / "python"), url=cluster.url, token=cluster.client_token, base=str(tmp_path)))
    proc = subprocess.Popen([sys.executable, str(driver)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while not pid_file.exists() or not pid_file.read_text():
            assert proc.poll() is None, proc.stdout.read()
            assert time.monotonic() < deadline, "the job never started"
            time.sleep(0.1)
        job_pid = int(pid_file.read_text())
        os.kill(job_pid, 0)  # running
        proc.send_signal(sig)
        out, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    job_id = next(line.split("cancelling ")[1].strip() for line in out.splitlines() if "Titan: step interrupted, cancelling " in line)
    assert api.get_job(job_id)["status"] == "CANCELLED"
    deadline = time.monotonic() + 10
    while True:  # the agent killed it within the cancel latency
        try:
            os.kill(job_pid, 0)
        except ProcessLookupError:
            break
        assert time.monotonic() < deadline, f"job process {job_pid} still alive"
        time.sleep(0.1)


def test_the_dagster_extra_installs_titan_dagster(tmp_path):
    """`pip install './sdk/python[dagster]'` knows the extra and ships the package (deps not fetched here)."""
    r = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--target", str(tmp_path), f"{ROOT / 'sdk' / 'python'}[dagster]"],
        capture_output=True, text=True, timeout=300,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert "does not provide the extra" not in r.stdout + r.stderr
    assert (tmp_path / "titan_dagster" / "resource.py").exists() and (tmp_path / "titan_sdk" / "client.py").exists()
    meta = next(tmp_path.glob("titan_sdk-*.dist-info")) / "METADATA"
    text = meta.read_text()
    assert "Provides-Extra: dagster" in text and "dagster-pipes" in text


def test_the_example_definitions_load_and_run_whole_with_the_cluster_found_in_cluster_json(cluster, start_agent, example, monkeypatch):
    """As `dagster dev -f definitions.py` would: `dagster definitions validate`, then the whole
    job (the Pipes asset and its check included) with the resources the example binds, which find
    the control plane through TITAN_STATE's cluster.json."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "sdk" / "python")}
    r = subprocess.run([str(Path(sys.executable).parent / "dagster"), "definitions", "validate", "-f", str(EXAMPLE / "definitions.py")],
                       capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert r.returncode == 0 and "All code locations passed validation" in r.stdout + r.stderr, r.stdout + r.stderr
    start_agent("GPU", slots=2)
    monkeypatch.delenv("TITAN_URL", raising=False)
    monkeypatch.delenv("TITAN_TOKEN", raising=False)
    monkeypatch.setenv("TITAN_STATE", str(cluster.state_dir))
    result = example.defs.resolve_implicit_global_asset_job_def().execute_in_process(instance=dg.DagsterInstance.ephemeral())
    assert result.success
    assert set(materializations(result)) == {"raw_data", "trained_model", "evaluation_metrics", "model_report"}
    checks = [e.event_specific_data for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"]
    assert [(c.check_name, c.passed) for c in checks] == [("scores_in_range", True)]


def test_pipes_runs_an_uploaded_project_zip(tmp_path, cluster, api, titan):
    """`artifact=` names an uploaded project: the entry imports a module beside it in the zip."""
    from titan_sdk.archive import zip_folder

    project = tmp_path / "proj"
    write_script(project, "helper.py", """
        def answer():
            return 42
    """)
    write_script(project, "main.py", """
        from dagster_pipes import open_dagster_pipes
        from helper import answer
        with open_dagster_pipes() as pipes:
            pipes.report_asset_materialization(metadata={"answer": answer()})
    """)
    name = f"proj-{uuid.uuid4().hex[:8]}.zip"
    api.request("PUT", f"/v1/artifacts/{name}", raw=zip_folder(project))

    @dg.asset
    def zipped(context: dg.AssetExecutionContext):
        return PipesTitanClient(titan).run(context=context, artifact=name, entry="main.py").get_materialize_result()

    result = dg.materialize([zipped])
    assert result.success
    assert materializations(result)["zipped"]["answer"] == 42


def test_the_resource_takes_its_connection_from_dagster_env_vars(tmp_path, cluster, monkeypatch):
    monkeypatch.setenv("MY_TITAN_URL", cluster.url)
    monkeypatch.setenv("MY_TITAN_TOKEN", cluster.client_token)
    monkeypatch.setenv("TITAN_STATE", str(tmp_path / "no-cluster-here"))  # nothing to fall back on
    write_script(tmp_path, "hello.py", 'print("hello from", __import__("os").environ["TITAN_JOB_ID"])')

    @dg.asset
    def hello(context: dg.AssetExecutionContext, titan: TitanResource):
        return titan.run_task(context, "hello.py").job_id

    titan = TitanResource(url=dg.EnvVar("MY_TITAN_URL"), token=dg.EnvVar("MY_TITAN_TOKEN"), base_dir=str(tmp_path))
    result = dg.materialize([hello], resources={"titan": titan})
    assert result.success
    assert result.output_for_node("hello").startswith("hello-")
