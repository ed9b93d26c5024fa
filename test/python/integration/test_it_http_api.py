"""titan_sdk.http_api against the real local cluster: a cron schedule that runs (its job told
its tick in TITAN_SCHEDULED_AT), pauses and is deleted; native approval gates decided over HTTP."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from clusterlib import write_script
from titan_sdk import TitanApiError, TitanHttp, TitanJob

pytestmark = pytest.mark.integration
SDK_DIR = Path(__file__).resolve().parents[3] / "sdk" / "python"
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")

# The job records its tick in a TitanStore set through its agent's bridge (TITAN_HOST/TITAN_PORT).
STAMP = """
import os, sys
sys.path.insert(0, {sdk!r})
from titan_sdk import TitanClient
TitanClient(strict=True).store_sadd({key!r}, os.environ["TITAN_SCHEDULED_AT"])
print("tick", os.environ["TITAN_SCHEDULED_AT"], flush=True)
"""


def poll(fn, timeout: float = 60.0, step: float = 0.3):
    """fn()'s first truthy value; fails the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = fn()
        if value:
            return value
        time.sleep(step)
    pytest.fail(f"not true after {timeout:g} s: {fn}")


def test_schedule_runs_pauses_and_is_deleted(cluster, client, tmp_path, uid, monkeypatch):
    monkeypatch.setenv("TITAN_STATE", str(cluster.state_dir))  # found through cluster.json
    api = TitanHttp()
    assert api.url == cluster.url.rstrip("/")
    name, key = f"py-every-{uid}", f"sched-{uid}"
    job = TitanJob("stamp", write_script(tmp_path, "stamp.py", STAMP.format(sdk=str(SDK_DIR), key=key)))
    view = api.schedule(name, "@every 2s", [job])
    assert (view["name"], view["cron"], view["timezone"], view["paused"], view["jobs"]) == (name, "@every 2s", "UTC", False, 1)
    assert view["nextAt"] > time.time() * 1000 - 1000
    assert name in [s["name"] for s in api.schedules()]

    # A tick runs: its DAG is named "<name> @ <tick>" and its job saw that tick.
    done = poll(lambda: (s := api.get_schedule(name))["lastState"] == "COMPLETED" and s)
    dag = api.request("GET", f"/v1/dags/{done['lastDag']}")
    tick = dag["name"].removeprefix(f"{name} @ ")
    assert dag["name"].startswith(f"{name} @ ") and ISO.match(tick)
    assert [j["id"] for j in dag["jobs"]] == [f"{name}-{tick.replace('-', '').replace(':', '')[:15]}-stamp"]
    stamps = poll(lambda: (m := client.store_smembers(key)) and tick in m and m)
    assert all(ISO.match(s) for s in stamps)

    paused = api.pause_schedule(name)
    assert paused["paused"] is True and paused["nextAt"] is None
    time.sleep(1)  # a run started just before the pause may still be counted
    runs = api.get_schedule(name)["runs"]
    time.sleep(4.5)
    assert api.get_schedule(name)["runs"] == runs

    api.delete_schedule(name)
    with pytest.raises(TitanApiError, match=f"no schedule {name}") as exc:
        api.get_schedule(name)
    assert exc.value.status == 404


def test_run_now_and_resume(cluster, tmp_path, uid):
    api = TitanHttp(cluster.url, cluster.client_token)
    name = f"py-held-{uid}"
    api.schedule(name, "0 3 * * *", [TitanJob("hello", write_script(tmp_path, "h.py", "print('hi')\n"))],
                 timezone="Europe/Paris", paused=True)
    dag = api.run_schedule(name)
    assert api.get_schedule(name)["lastDag"] == dag
    resumed = api.resume_schedule(name)
    assert resumed["paused"] is False and resumed["nextAt"] is not None
    api.delete_schedule(name)


def test_approve_and_reject_gates_over_http(cluster, tmp_path, uid):
    api = TitanHttp(cluster.url, cluster.client_token)
    s = write_script(tmp_path, "s.py", "print('step')\n")
    ok = [TitanJob(f"build-{uid}", s, hitl_message="Ship it?"), TitanJob(f"ship-{uid}", s, parents=[f"build-{uid}"])]
    no = [TitanJob(f"drop-{uid}", s, hitl_message="Drop the table?", max_wait_seconds=3600),
          TitanJob(f"after-{uid}", s, parents=[f"drop-{uid}"])]
    api.submit_dag(ok, f"gated-ok-{uid}")
    api.submit_dag(no, f"gated-no-{uid}")
    gate_ok, gate_no = f"hitl-gate-build-{uid}", f"hitl-gate-drop-{uid}"
    for gate in (gate_ok, gate_no):
        poll(lambda gate=gate: api.get_job(gate)["state"] == "WAITING_APPROVAL")
    assert api.get_job(gate_ok)["approval"]["message"] == "Ship it?"
    assert api.get_job(f"ship-{uid}")["state"] == "PENDING"

    api.approve_job(gate_ok, reason="green build", by="alice")
    poll(lambda: api.get_job(f"ship-{uid}")["state"] == "COMPLETED")
    gate = api.get_job(gate_ok)
    assert gate["state"] == "COMPLETED"
    assert any("approved by alice" in (h["note"] or "") and "green build" in h["note"] for h in gate["history"])

    rejected = api.reject_job(gate_no, reason="not today")
    assert rejected["state"] == "DEAD"
    assert "not today" in rejected["error"]
    poll(lambda: api.get_job(f"after-{uid}")["state"] == "CANCELLED")
    with pytest.raises(TitanApiError):
        api.approve_job(gate_no)  # decided for good


def test_wait_job_answers_when_the_job_ends(cluster, tmp_path, uid):
    api = TitanHttp(cluster.url, cluster.client_token)
    write_script(tmp_path, "nap.py", "import time; time.sleep(0.6); print('woke')")
    job = TitanJob(f"nap-{uid}", str(tmp_path / "nap.py"))
    api.submit_dag([job])
    assert api.wait_job(job.id, wait_s=0.05)["status"] in ("PENDING", "RUNNING")  # the wait ran out
    t0 = time.monotonic()
    ended = api.wait_job(job.id, wait_s=25)  # longer than the client's 15 s request timeout
    assert ended["status"] == "COMPLETED" and time.monotonic() - t0 < 10
    with pytest.raises(TitanApiError) as err:
        api.wait_job(f"nosuch-{uid}")
    assert err.value.status == 404


def test_wait_dag_answers_when_every_job_has_ended(cluster, tmp_path, uid):
    api = TitanHttp(cluster.url, cluster.client_token)
    write_script(tmp_path, "nap.py", "import time; time.sleep(0.4)")
    first = TitanJob(f"first-{uid}", str(tmp_path / "nap.py"))
    second = TitanJob(f"second-{uid}", str(tmp_path / "nap.py"), parents=[first.id])
    dag = api.submit_dag([first, second])["dag"]
    assert api.wait_dag(dag, wait_s=0.05)["ended"] is False
    done = api.wait_dag(dag, wait_s=25)
    assert done["ended"] is True and done["counts"].get("COMPLETED") == 2
