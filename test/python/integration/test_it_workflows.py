"""End-to-end workflows on the real local cluster: DAG order, archives, YAML,
data bus, failures, GPU routing, unicode, and a bridge that goes down."""

import json
import shutil
import time

import pytest

from clusterlib import EXAMPLES, free_port, spawn, stop, wait_port, wait_status, write_script
from titan_sdk import TitanClient, TitanConnectionError, TitanJob, TitanJobFailed

pytestmark = pytest.mark.integration


def test_dag_runs_in_dependency_order(client, uid):
    step = EXAMPLES / "dag" / "step.py"
    run = f"dag-{uid}"
    ids = {n: f"{n}-{uid}" for n in "ABCD"}
    jobs = [
        TitanJob(ids["A"], step, args=["A", run]),
        TitanJob(ids["B"], step, args=["B", run], parents=[ids["A"]]),
        TitanJob(ids["C"], step, args=["C", run], parents=[ids["A"]]),
        TitanJob(ids["D"], step, args=["D", run], parents=[ids["B"], ids["C"]]),
    ]
    assert client.submit_dag(run, jobs) == "DAG_ACCEPTED"
    assert set(client.wait_dag(ids.values(), timeout=60).values()) == {"COMPLETED"}

    def t(name, edge):
        return float(client.store_get(f"{run}:{name}:{edge}"))

    assert t("A", "end") <= t("B", "start") and t("A", "end") <= t("C", "start")
    assert max(t("B", "end"), t("C", "end")) <= t("D", "start")
    assert sorted(client.store_smembers(f"{run}:done")) == ["A", "B", "C", "D"]
    assert "step D done" in client.fetch_logs(ids["D"])


def test_archive_project_imports_sibling_module(client, tmp_path, uid):
    project = tmp_path / f"app_{uid}"
    shutil.copytree(EXAMPLES / "archive_project" / "app", project)
    assert client.upload_project_folder(project) == "UPLOAD_SUCCESS"
    by_zip = TitanJob(f"arch-{uid}", f"app_{uid}.zip/main.py", args="titan", is_archive=True)
    by_folder = TitanJob(f"arch2-{uid}", f"app_{uid}/main.py", args=["folder", "form"],
                         is_archive=True, parents=[by_zip.id])
    assert client.submit_dag(f"archive-{uid}", [by_zip, by_folder]) == "DAG_ACCEPTED"
    assert client.wait_dag([by_zip, by_folder], timeout=60) == {
        by_zip.id: "COMPLETED", by_folder.id: "COMPLETED"}
    assert "hello from the archive, titan" in client.fetch_logs(by_zip.id)
    assert "hello from the archive, folder form" in client.fetch_logs(by_folder.id)


def _diamond_spec(uid: str) -> dict:
    run = f"diamond-{uid}"
    return {"name": run, "jobs": [
        {"id": f"fetch-{uid}", "type": "run", "file": "fetch.py", "args": run},
        {"id": f"left-{uid}", "file": "transform.py", "args": [run, "left"],
         "depends_on": [f"fetch-{uid}"]},
        {"id": f"right-{uid}", "file": "transform.py", "args": [run, "right"],
         "depends_on": [f"fetch-{uid}"]},
        {"id": f"join-{uid}", "file": "join.py", "args": run,
         "depends_on": [f"left-{uid}", f"right-{uid}"]},
    ]}


def test_yaml_diamond_submit_and_wait(client, tmp_path, uid):
    yaml = pytest.importorskip("yaml")
    folder = tmp_path / "diamond"
    shutil.copytree(EXAMPLES / "diamond", folder)
    (folder / "pipeline.yaml").write_text(yaml.safe_dump(_diamond_spec(uid)))
    result = client.submit_yaml_and_wait(folder / "pipeline.yaml", timeout=60)
    assert result == {f"{n}-{uid}": "COMPLETED" for n in ("fetch", "left", "right", "join")}
    assert client.store_get(f"diamond-{uid}:total") == "50"  # (2+4+6+8) + (1+4+9+16)


def test_yaml_original_style_wait(client, tmp_path, uid):
    yaml = pytest.importorskip("yaml")
    folder = tmp_path / "diamond"
    shutil.copytree(EXAMPLES / "diamond", folder)
    (folder / "pipeline.yaml").write_text(yaml.safe_dump(_diamond_spec(uid)))
    # The original's signature and return: the submit reply once every job has ended.
    assert client.submit_yaml(str(folder / "pipeline.yaml"), None, True, 0.5, 60) == "DAG_ACCEPTED"
    assert client.get_job_status(f"join-{uid}") == "COMPLETED"


def test_json_pipeline_with_project_folder(client, tmp_path, uid):
    folder = tmp_path / "pipe"
    shutil.copytree(EXAMPLES / "diamond", folder / f"proj_{uid}")
    spec = _diamond_spec(uid)
    spec["project"] = f"proj_{uid}"  # archive mode: the folder is zipped and uploaded
    (folder / "pipeline.json").write_text(json.dumps(spec))
    result = client.submit_yaml_and_wait(folder / "pipeline.json", timeout=60)
    assert set(result.values()) == {"COMPLETED"}
    assert client.store_get(f"diamond-{uid}:total") == "50"


def test_producer_consumer_data_bus(client, uid):
    key = f"bus:{uid}"
    producer = TitanJob(f"producer-{uid}", EXAMPLES / "data_bus" / "producer.py", args=[key])
    consumer = TitanJob(f"consumer-{uid}", EXAMPLES / "data_bus" / "consumer.py", args=[key],
                        parents=[producer.id])
    assert client.submit_dag(f"bus-{uid}", [producer, consumer]) == "DAG_ACCEPTED"
    assert client.wait_dag([producer, consumer], timeout=60, raise_on_failure=True) == {
        producer.id: "COMPLETED", consumer.id: "COMPLETED"}
    value = "prêt ✓ 0,1,4,9,16"
    assert client.store_get(key) == value
    assert f"consumed {key}={value}" in client.fetch_logs(consumer.id)


def test_failing_job_ends_failed_and_cancels_children(client, tmp_path, uid):
    bad = write_script(tmp_path, "bad.py", """
        import sys
        print("about to fail", flush=True)
        sys.exit(3)
    """)
    ok = write_script(tmp_path, "ok.py", "print('never')\n")
    failing = TitanJob(f"fail-{uid}", bad)
    child = TitanJob(f"fail-child-{uid}", ok, parents=[failing.id])
    assert client.submit_dag(f"fail-{uid}", [failing, child]) == "DAG_ACCEPTED"
    # FAILED is final: retries (if any) are used up before the bridge says FAILED.
    assert client.wait(failing.id, timeout=60) == "FAILED"
    assert client.wait(child.id, timeout=30) == "CANCELLED"
    with pytest.raises(TitanJobFailed) as err:
        client.wait(failing.id, timeout=5, raise_on_failure=True)
    assert err.value.status == "FAILED"
    assert "about to fail" in client.fetch_logs(failing.id)
    time.sleep(1.0)
    assert client.get_job_status(failing.id) == "FAILED"  # stays final


def test_gpu_job_waits_for_a_gpu_agent(client, start_agent, tmp_path, uid):
    workers = client.stats_json().get("workers", [])
    if any("GPU" in str(w.get("capabilities", "")) for w in workers):
        pytest.skip("an agent with the GPU capability is already in the cluster")
    gpu = TitanJob(f"gpu-{uid}", EXAMPLES / "gpu" / "gpu_task.py", requirement="GPU", priority=9)
    assert client.submit_job(gpu) == "DAG_ACCEPTED"
    # A GENERAL job submitted after it is not blocked behind it.
    general = TitanJob(f"general-{uid}", write_script(tmp_path, "g.py", "print('general')\n"))
    client.submit_job(general)
    deadline = time.monotonic() + 2.5
    while time.monotonic() < deadline:
        assert client.get_job_status(gpu.id) == "PENDING"
        time.sleep(0.25)
    assert client.wait(general.id, timeout=60) == "COMPLETED"
    assert client.get_job_status(gpu.id) == "PENDING"

    start_agent("GPU", slots=2)
    assert client.wait(gpu.id, timeout=60) == "COMPLETED"
    assert "running on a GPU-capable agent" in client.fetch_logs(gpu.id)


UNICODE = "Grüße, 世界! 😀 — naïve café\nsecond line | with pipe"


def test_unicode_and_long_values_round_trip(client, tmp_path, uid):
    long_value = (UNICODE + " ") * 60 + "x" * 4000
    assert len(long_value) > 4000
    assert client.store_put(f"u-{uid}", long_value) == "OK"
    assert client.store_get(f"u-{uid}") == long_value
    assert client.store_sadd(f"us-{uid}", "日本語 ✓") == 1
    assert client.store_sadd(f"us-{uid}", "日本語 ✓") == 0
    assert client.store_smembers(f"us-{uid}") == ["日本語 ✓"]
    job = TitanJob(f"uni-{uid}", write_script(tmp_path, "uni.py", f"print({UNICODE!r})\n"),
                   args="ünï cödé")
    client.submit_job(job)
    assert client.wait(job.id, timeout=60) == "COMPLETED"
    logs = client.fetch_logs(job.id)
    assert "Grüße, 世界! 😀 — naïve café" in logs and "second line | with pipe" in logs


def test_errors_are_clear_when_the_bridge_is_down(cluster, tmp_path, uid):
    port = free_port()
    log = tmp_path / "bridge.log"
    bridge = spawn(["bridge", "--url", cluster.url, "--token", cluster.client_token,
                    "--host", "127.0.0.1", "--port", str(port)], log)
    try:
        wait_port("127.0.0.1", port, bridge, 30, log)
        reused = TitanClient("127.0.0.1", port, reuse_connection=True)
        assert TitanClient("127.0.0.1", port).store_put(f"down-{uid}", "v") == "OK"
        assert reused.store_get(f"down-{uid}") == "v"
    finally:
        stop(bridge)
    for client in (TitanClient("127.0.0.1", port), reused):
        with pytest.raises(TitanConnectionError) as err:
            client.store_get(f"down-{uid}")
        assert f"127.0.0.1:{port}" in str(err.value)
        assert "titan up" in str(err.value)


def _gated_dag(tmp_path, uid):
    script = write_script(tmp_path, "hello.py", "print('step ran')\n")
    a = TitanJob(f"A{uid}", script, hitl_message="Promote the model?", max_wait_seconds=120)
    b = TitanJob(f"B{uid}", script, parents=[a.id])
    return a, b, f"hitl-gate-{a.id}"


def test_hitl_gate_approved(client, tmp_path, uid):
    a, b, gate = _gated_dag(tmp_path, uid)
    assert client.submit_dag(f"hitl-{uid}", [a, b]) == "DAG_ACCEPTED"
    assert client.store_get(f"titan:hitl:status:{gate}") == "CLEARED"
    assert client.wait(a.id, timeout=60) == "COMPLETED"
    wait_status(client, f"DAG-{gate}", {"RUNNING"}, timeout=60)
    time.sleep(2.5)  # the gate polls a few times and keeps waiting
    assert client.get_job_status(f"DAG-{gate}") == "RUNNING"
    assert client.get_job_status(b.id) == "PENDING"
    assert client.approve(gate) == "OK"
    assert client.wait(b.id, timeout=60) == "COMPLETED"
    assert client.get_job_status(gate) == "COMPLETED"
    logs = client.fetch_logs(gate)
    assert "Promote the model?" in logs and "approved" in logs


def test_hitl_gate_rejected_cancels_children(client, tmp_path, uid):
    a, b, gate = _gated_dag(tmp_path, uid)
    assert client.submit_dag(f"hitl-{uid}", [a, b]) == "DAG_ACCEPTED"
    wait_status(client, f"DAG-{gate}", {"RUNNING"}, timeout=60)
    assert client.reject(gate) == "OK"
    assert client.wait_dag([gate, b], timeout=60) == {gate: "FAILED", b.id: "CANCELLED"}
    assert "rejected" in client.fetch_logs(gate)
