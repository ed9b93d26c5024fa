"""titan_sdk.http_api: finding the control plane, TitanJobs as the API's JSON, and each call
against a fake HTTP server (stdlib http.server) that records what it was sent."""

from __future__ import annotations

import base64
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

import titan_sdk
from titan_sdk import TitanApiError, TitanConnectionError, TitanError, TitanHttp, TitanJob
from titan_sdk.http_api import dag_request, job_spec, jobs_request, resolve_control_plane


class FakeApi:
    """Answers each request with ``reply(method, path, body) -> (status, json)`` and records it."""

    def __init__(self, reply):
        self.seen: list[tuple[str, str, object, str]] = []
        api = self

        class Handler(BaseHTTPRequestHandler):
            def _any(self):
                n = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(n) if n else b""
                is_json = self.headers.get("content-type") == "application/json"
                body = json.loads(raw) if is_json else raw or None
                api.seen.append((self.command, self.path, body, self.headers.get("authorization")))
                status, out = reply(self.command, self.path, body)
                data = json.dumps(out).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_PUT = do_POST = do_DELETE = _any

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake_api():
    servers = []

    def start(reply):
        servers.append(FakeApi(reply))
        return servers[-1]

    yield start
    for s in servers:
        s.close()


VIEW = {"name": "n", "cron": "@every 2s", "paused": False, "runs": 0, "nextAt": 1}


def script(tmp_path: Path, name: str = "job.py", text: str = "print(1)\n") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


# -- finding the control plane --

def test_explicit_then_environment_then_cluster_file(tmp_path, monkeypatch):
    state = tmp_path / "st"
    state.mkdir()
    (state / "cluster.json").write_text(json.dumps({"url": "http://file:1/", "clientToken": "ftok", "bridge": {}}))
    monkeypatch.setenv("TITAN_STATE", str(state))
    assert resolve_control_plane() == ("http://file:1", "ftok")
    monkeypatch.setenv("TITAN_URL", "http://env:2")
    assert resolve_control_plane() == ("http://env:2", "ftok")  # each value from the first source with it
    monkeypatch.setenv("TITAN_TOKEN", "etok")
    assert resolve_control_plane() == ("http://env:2", "etok")
    assert resolve_control_plane("http://arg:3", "atok") == ("http://arg:3", "atok")


def test_default_state_dir_and_none_found(tmp_path):
    with pytest.raises(TitanError, match="no control plane given"):
        resolve_control_plane()
    (tmp_path / ".titan").mkdir()
    (tmp_path / ".titan" / "cluster.json").write_text(json.dumps({"url": "http://here:4", "clientToken": "t"}))
    assert resolve_control_plane() == ("http://here:4", "t")  # the test runs in tmp_path


# -- TitanJob -> JobSpec --

def test_job_spec_inline_task(tmp_path):
    job = TitanJob("a", script(tmp_path, "a.py", "print('a')\n"), args="--n  3 x", parents=["p"], priority=5,
                   delay=1500, affinity=True, requirement="GPU", gpus=2, gpu_memory_mb=1024, cpus=0.5,
                   timeout=2.5, max_retries=0)
    assert job_spec(job) == {
        "id": "a", "type": "RUN_PAYLOAD", "file": "a.py", "args": ["--n", "3", "x"],
        "payloadB64": base64.b64encode(b"print('a')\n").decode(), "requirement": "GPU", "priority": 5,
        "delayMs": 1500, "affinity": True, "parents": ["p"], "gpus": 2, "gpuMemoryMb": 1024, "cpus": 0.5,
        "timeoutMs": 2500, "maxRetries": 0,
    }


def test_job_spec_service_and_archive(tmp_path):
    svc = job_spec(TitanJob("s", script(tmp_path), job_type="SERVICE", port=8080))
    assert (svc["type"], svc["port"], svc["file"]) == ("SERVICE", 8080, "job.py")
    arc = job_spec(TitanJob("r", "proj/src/main.py", is_archive=True, args=["a", "b"]))
    assert (arc["type"], arc["archive"], arc["file"], arc["args"]) == ("RUN_ARCHIVE", "proj.zip", "src/main.py", ["a", "b"])
    assert "payloadB64" not in arc
    asvc = job_spec(TitanJob("q", "p.zip/app.py", is_archive=True, job_type="SERVICE", port=9000))
    assert (asvc["type"], asvc["archive"], asvc["port"]) == ("ARCHIVE_SERVICE", "p.zip", 9000)


def test_hitl_message_becomes_a_native_gate(tmp_path):
    s = script(tmp_path)
    jobs = [TitanJob("build", s, hitl_message="Ship it?", max_wait_seconds=60), TitanJob("deploy", s, parents=["build"])]
    dag = jobs_request(jobs, "rel")
    assert dag["name"] == "rel"
    assert [j["id"] for j in dag["jobs"]] == ["build", "hitl-gate-build", "deploy"]
    gate = dag["jobs"][1]
    assert gate == {"id": "hitl-gate-build", "type": "GATE", "file": "gate", "parents": ["build"], "priority": 1,
                    "approval": {"message": "Ship it?", "timeoutMs": 60_000}}
    assert dag["jobs"][2]["parents"] == ["hitl-gate-build"]
    assert jobs[1].parents == ["build"]  # the caller's objects are left alone


def test_dag_request_forms(tmp_path):
    (tmp_path / "a.py").write_text("print('a')\n")
    (tmp_path / "p.json").write_text(json.dumps({"name": "etl", "schedule": "@hourly", "jobs": [
        {"id": "a", "file": "a.py", "args": "x y"}, {"id": "b", "file": "a.py", "depends_on": ["a"]}]}))
    dag, upload, cron = dag_request(str(tmp_path / "p.json"))
    assert (dag["name"], upload, cron) == ("etl", None, "@hourly")
    assert [(j["id"], j["file"], j["args"], j["parents"]) for j in dag["jobs"]] == [("a", "a.py", ["x", "y"], []), ("b", "a.py", [], ["a"])]
    assert base64.b64decode(dag["jobs"][0]["payloadB64"]) == b"print('a')\n"
    assert dag_request({"jobs": [{"id": "x"}]}, "n")[0] == {"jobs": [{"id": "x"}], "name": "n"}
    assert dag_request([{"id": "x"}])[0] == {"jobs": [{"id": "x"}]}
    with pytest.raises(TitanError, match="at least one job"):
        dag_request([])
    with pytest.raises(TitanError, match="all be TitanJob"):
        dag_request([{"id": "x"}, TitanJob("y", script(tmp_path))])


def test_no_module_hides_a_stdlib_one():
    # hitl_gate.py runs as a plain script from the package folder: a sibling `http.py` would
    # be imported in place of the stdlib's `http` (and break urllib).
    names = {p.stem for p in Path(titan_sdk.__file__).parent.glob("*.py")}
    assert not names & set(sys.stdlib_module_names)


# -- calls --

def test_schedule_calls(fake_api, tmp_path):
    def reply(method, path, body):
        if path == "/v1/schedules":
            return 200, {"schedules": [VIEW]}
        if path.endswith("/run"):
            return 200, {"schedule": VIEW, "dag": "D1"}
        if method == "DELETE":
            return 200, {"ok": True}
        return 200, {"schedule": VIEW}

    api = fake_api(reply)
    http = TitanHttp(api.url, "tok")
    job = TitanJob("tick", script(tmp_path, "t.py", "print(2)\n"), args="a b")
    assert http.schedule("my sched", "@every 2s", [job], timezone="Europe/Paris", overlap="allow") == VIEW
    assert http.schedules() == [VIEW]
    assert http.get_schedule("n") == VIEW
    assert http.pause_schedule("n") == VIEW
    assert http.resume_schedule("n") == VIEW
    assert http.run_schedule("n") == "D1"
    assert http.delete_schedule("n") is None
    assert [(m, p) for m, p, _, _ in api.seen] == [
        ("PUT", "/v1/schedules/my%20sched"), ("GET", "/v1/schedules"), ("GET", "/v1/schedules/n"),
        ("POST", "/v1/schedules/n/pause"), ("POST", "/v1/schedules/n/resume"), ("POST", "/v1/schedules/n/run"),
        ("DELETE", "/v1/schedules/n"),
    ]
    put = api.seen[0][2]
    assert {k: put[k] for k in ("cron", "timezone", "missed", "overlap", "paused")} == {
        "cron": "@every 2s", "timezone": "Europe/Paris", "missed": "skip", "overlap": "allow", "paused": False}
    assert put["dag"]["jobs"][0]["args"] == ["a", "b"]
    assert all(auth == "Bearer tok" for *_, auth in api.seen)


def test_schedule_of_a_pipeline_uploads_its_project_and_takes_its_cron(fake_api, tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "main.py").write_text("print(3)\n")
    (tmp_path / "p.json").write_text(json.dumps({"name": "proj", "project": "./src", "schedule": "0 3 * * *",
                                                 "jobs": [{"id": "m", "file": "main.py"}]}))
    api = fake_api(lambda m, p, b: (200, {"schedule": VIEW} if m == "PUT" and "schedules" in p else {"name": "x"}))
    TitanHttp(api.url, "tok").schedule("proj", None, tmp_path / "p.json")
    (m1, p1, zipped, _), (m2, p2, body, _) = api.seen
    assert (m1, p1[:14]) == ("PUT", "/v1/artifacts/") and zipped[:2] == b"PK"
    assert (m2, p2, body["cron"]) == ("PUT", "/v1/schedules/proj", "0 3 * * *")
    assert body["dag"]["jobs"][0] == {**body["dag"]["jobs"][0], "type": "RUN_ARCHIVE", "file": "main.py"}
    assert p1 == f"/v1/artifacts/{body['dag']['jobs'][0]['archive']}"


def test_schedule_without_cron_is_refused_before_sending(fake_api, tmp_path):
    api = fake_api(lambda *a: (200, {}))
    with pytest.raises(TitanError, match="no cron expression"):
        TitanHttp(api.url, "tok").schedule("n", None, [TitanJob("a", script(tmp_path))])
    assert api.seen == []


def test_approve_and_reject(fake_api):
    api = fake_api(lambda m, p, b: (200, {"job": {"id": "g", "state": "QUEUED"}}))
    http = TitanHttp(api.url, "tok")
    assert http.approve_job("g", reason="ok", by="alice") == {"id": "g", "state": "QUEUED"}
    http.reject_job("g/2")
    assert [(m, p, b) for m, p, b, _ in api.seen] == [
        ("POST", "/v1/jobs/g/approve", {"reason": "ok", "by": "alice"}), ("POST", "/v1/jobs/g%2F2/reject", {})]


def test_api_errors_carry_the_api_message(fake_api):
    api = fake_api(lambda *a: (404, {"error": {"code": "not_found", "message": "no schedule zz"}}))
    with pytest.raises(TitanApiError, match="^no schedule zz$") as exc:
        TitanHttp(api.url, "tok").pause_schedule("zz")
    assert (exc.value.status, exc.value.code) == (404, "not_found")
    assert isinstance(exc.value, TitanError)


def test_unreachable(closed_port):
    with pytest.raises(TitanConnectionError, match="control plane unreachable"):
        TitanHttp(f"http://127.0.0.1:{closed_port}", "tok", timeout=2).schedules()
