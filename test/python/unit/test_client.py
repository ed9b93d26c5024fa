import base64
import http.server
import json
import threading

import pytest

from titan_sdk import (
    Op, TitanClient, TitanError, TitanJob, TitanJobFailed, TitanTimeout,
)


class MiniBridge:
    """Scripted replies for the client tests (a dict store, canned statuses)."""

    def __init__(self):
        self.kv: dict[str, str] = {}
        self.sets: dict[str, list[str]] = {}
        self.assets: dict[str, bytes] = {}
        self.statuses: dict[str, list[str]] = {}
        self.logs: dict[str, list[str]] = {}

    def __call__(self, op: int, payload: str) -> str:
        if op == Op.KV_SET:
            key, _, value = payload.partition("|")
            self.kv[key] = value
            return "OK"
        if op == Op.KV_GET:
            return self.kv.get(payload, "NULL")
        if op == Op.KV_SADD:
            key, _, member = payload.partition("|")
            members = self.sets.setdefault(key, [])
            if member in members:
                return "0"
            members.append(member)
            return "1"
        if op == Op.KV_SMEMBERS:
            return ",".join(self.sets.get(payload, []))
        if op == Op.UPLOAD_ASSET:
            name, _, b64 = payload.partition("|")
            self.assets[name] = base64.b64decode(b64)
            return "UPLOAD_SUCCESS"
        if op == Op.FETCH_ASSET:
            data = self.assets.get(payload)
            return "ERROR_NOT_FOUND" if data is None else base64.b64encode(data).decode()
        if op == Op.GET_JOB_STATUS:
            seq = self.statuses.get(payload.removeprefix("DAG-"), ["NULL"])
            return seq.pop(0) if len(seq) > 1 else seq[0]
        if op == Op.GET_LOGS:
            seq = self.logs.get(payload.removeprefix("DAG-"), [""])
            return seq.pop(0) if len(seq) > 1 else seq[0]
        if op == Op.STOP:
            return f"STOPPED: {payload}" if payload == "DAG-svc" else f"ERROR: Service {payload} not found"
        if op == Op.CANCEL_JOB:
            return "CANCELLED" if payload == "live" else "NOT_FOUND"
        if op == Op.SUBMIT_DAG:
            return "ERROR: job 1: bad" if "bad" in payload else "DAG_ACCEPTED"
        if op == Op.STATS_JSON:
            return json.dumps({"active_workers": 1, "queue_size": 0, "workers": []})
        if op == Op.RUN:
            return f"JOB_QUEUED 42 on {payload.split('|')[1]}"
        if op == Op.DEPLOY:
            return "DEPLOY_QUEUED"
        if op == Op.DEPLOY_SCRIPT:
            return "DEPLOY_SUCCESS"
        return f"UNKNOWN_OPCODE: {op}"


@pytest.fixture
def mini(fake_bridge):
    state = MiniBridge()
    bridge = fake_bridge(state)
    state.server = bridge
    return state


@pytest.fixture
def client(mini):
    return TitanClient("127.0.0.1", mini.server.port)


@pytest.fixture
def strict(mini):
    return TitanClient("127.0.0.1", mini.server.port, strict=True)


def test_store_roundtrip_unicode_and_long(client):
    value = "héllo 世界 😀 | pipes\nnewline " + "x" * 4000
    assert client.store_put("k", value) == "OK"
    assert client.store_get("k") == value
    assert client.store_get("absent") is None
    assert client.store_put("empty", "") == "OK" and client.store_get("empty") == ""


def test_store_key_with_pipe_refused(client):
    with pytest.raises(TitanError, match="must not contain"):
        client.store_put("a|b", "v")


def test_sets(client):
    assert client.store_smembers("s") == []
    assert client.store_sadd("s", "a") == 1
    assert client.store_sadd("s", "a") == 0
    assert client.store_sadd("s", "b") == 1
    assert client.store_smembers("s") == ["a", "b"]


def test_artifacts(client, strict, tmp_path):
    assert client.publish_artifact("blob", b"\x00\xffdata") is True
    assert client.get_artifact("blob") == b"\x00\xffdata"
    assert client.publish_artifact("text", "héllo") is True
    assert client.fetch_artifact("text") == "héllo".encode()
    dest = tmp_path / "out.bin"
    assert client.fetch_artifact("blob", dest) == b"\x00\xffdata" and dest.read_bytes() == b"\x00\xffdata"
    src = tmp_path / "file.txt"
    src.write_text("from a file")
    assert client.publish_artifact("f", src) and client.get_artifact("f") == b"from a file"
    assert client.fetch_artifact("missing") is None
    assert client.get_artifact("missing") is None
    with pytest.raises(TitanError, match="ERROR_NOT_FOUND"):
        strict.fetch_artifact("missing")


def test_upload_file_and_project_folder(client, strict, mini, tmp_path):
    import io
    import zipfile

    f = tmp_path / "data.csv"
    f.write_text("a,b\n")
    assert client.upload_file(f) == "UPLOAD_SUCCESS"
    assert mini.assets["data.csv"] == b"a,b\n"
    proj = tmp_path / "proj"
    (proj / "pkg" / "__pycache__").mkdir(parents=True)
    (proj / "main.py").write_text("import pkg.helper\n")
    (proj / "pkg" / "helper.py").write_text("X = 1\n")
    (proj / "pkg" / "__pycache__" / "helper.cpython-311.pyc").write_bytes(b"junk")
    assert client.upload_project_folder(proj) == "UPLOAD_SUCCESS"
    names = zipfile.ZipFile(io.BytesIO(mini.assets["proj.zip"])).namelist()
    assert sorted(names) == ["main.py", "pkg/helper.py"]
    # Missing paths: the original's error string in compat mode, TitanError in strict mode.
    assert client.upload_file(tmp_path / "nope").startswith("ERROR: File not found at:")
    assert client.upload_project_folder(tmp_path / "nope").startswith("ERROR: Folder not found")
    with pytest.raises(TitanError):
        strict.upload_file(tmp_path / "nope")


def test_deploy_script_run_and_deploy(client, mini, tmp_path):
    script = tmp_path / "tool.py"
    script.write_text("print(1)")
    assert client.deploy_script(script) == "DEPLOY_SUCCESS"
    assert client.run_script("tool.py", "GPU") == "JOB_QUEUED 42 on GPU"
    assert client.deploy("tool.py", 8000) == "DEPLOY_QUEUED"
    assert [p for _, op, p in mini.server.frames if op in (Op.RUN, Op.DEPLOY)] == [
        "tool.py|GPU", "tool.py|8000|GENERAL"]


def test_stop_service_adds_prefix_and_errors(client, strict):
    assert client.stop_service("svc") == "STOPPED: DAG-svc"
    assert client.stop_service("DAG-svc") == "STOPPED: DAG-svc"
    assert client.stop_service("other") == "ERROR: Service DAG-other not found"
    with pytest.raises(TitanError, match="Service DAG-other not found") as err:
        strict.stop_service("other")
    assert err.value.reply == "ERROR: Service DAG-other not found"


def test_cancel(client, strict):
    assert client.cancel("live") == "CANCELLED"
    assert client.cancel("gone") == "NOT_FOUND"
    with pytest.raises(TitanError, match="NOT_FOUND"):
        strict.cancel("gone")


def test_submit_dag_payload_and_errors(client, strict, mini, tmp_path):
    (tmp_path / "a.py").write_text("")
    a = TitanJob("a", tmp_path / "a.py")
    b = TitanJob("b", tmp_path / "a.py", parents=["a"])
    assert client.submit_dag("d", [a, b]) == "DAG_ACCEPTED"
    sent = mini.server.frames[-1]
    assert sent[1] == Op.SUBMIT_DAG
    assert sent[2] == f"{a.to_string()} ; {b.to_string()}"
    assert client.submit_job(a) == "DAG_ACCEPTED"
    assert mini.server.frames[-1][2] == a.to_string()
    bad = TitanJob("bad", tmp_path / "a.py")
    assert client.submit_job(bad) == "ERROR: job 1: bad"
    with pytest.raises(TitanError, match="job 1: bad"):
        strict.submit_job(bad)


def test_unknown_opcode_reply(client, strict):
    assert client.request(0x42) == "UNKNOWN_OPCODE: 66"
    with pytest.raises(TitanError):
        strict._checked(0x42)


def test_status_and_wait(client, mini):
    mini.statuses["j"] = ["PENDING", "RUNNING", "COMPLETED"]
    assert client.wait("j", timeout=5, poll=0.01) == "COMPLETED"
    assert client.get_job_status("j") == "COMPLETED"
    mini.statuses["f"] = ["RUNNING", "FAILED"]
    assert client.wait("f", timeout=5, poll=0.01) == "FAILED"
    mini.statuses["g"] = ["FAILED"]
    with pytest.raises(TitanJobFailed) as err:
        client.wait("g", timeout=5, poll=0.01, raise_on_failure=True)
    assert (err.value.job_id, err.value.status) == ("g", "FAILED")


def test_wait_timeout(client, mini):
    mini.statuses["slow"] = ["RUNNING"]
    with pytest.raises(TitanTimeout) as err:
        client.wait("slow", timeout=0.2, poll=0.05)
    assert err.value.statuses == {"slow": "RUNNING"}
    assert isinstance(err.value, TimeoutError)


def test_wait_dag(client, mini):
    mini.statuses.update(a=["COMPLETED"], b=["RUNNING", "COMPLETED"], c=["PENDING", "CANCELLED"])
    assert client.wait_dag(["a", "b", "c"], timeout=5, poll=0.01) == {
        "a": "COMPLETED", "b": "COMPLETED", "c": "CANCELLED"}


def test_stream_logs_yields_new_lines_until_end(client, mini):
    mini.statuses["j"] = ["RUNNING", "RUNNING", "RUNNING", "COMPLETED"]
    mini.logs["j"] = ["", "one", "one\ntwo\nthree", "one\ntwo\nthree\nfour"]
    assert list(client.stream_logs("j", poll=0.01)) == ["one", "two", "three", "four"]


def test_stats_json(client):
    assert client.stats_json()["active_workers"] == 1


def test_manifest_is_posted_best_effort(client, tmp_path, monkeypatch):
    received = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((self.path, json.loads(body)))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("TITAN_MANIFEST_SYNC", "1")
    monkeypatch.setenv("TITAN_DASHBOARD_PORT", str(server.server_address[1]))
    (tmp_path / "a.py").write_text("")
    jobs = [TitanJob("a", tmp_path / "a.py"), TitanJob("b", tmp_path / "a.py", parents=["a"])]
    try:
        assert client.submit_dag("etl", jobs) == "DAG_ACCEPTED"
    finally:
        server.shutdown()
    assert received == [("/api/manifest/sync", {
        "dag_name": "etl", "jobs": [{"id": "a", "parents": []}, {"id": "b", "parents": ["a"]}]})]


def test_manifest_failure_is_ignored(client, tmp_path, monkeypatch, closed_port):
    monkeypatch.setenv("TITAN_MANIFEST_SYNC", "1")
    monkeypatch.setenv("TITAN_DASHBOARD_PORT", str(closed_port))
    (tmp_path / "a.py").write_text("")
    assert client.submit_job(TitanJob("a", tmp_path / "a.py")) == "DAG_ACCEPTED"


def test_submit_yaml_uploads_project_then_submits_and_waits(client, mini, tmp_path):
    (tmp_path / "proj").mkdir()
    (tmp_path / "proj" / "main.py").write_text("print('x')")
    (tmp_path / "p.json").write_text(json.dumps({"name": "n", "project": "proj", "jobs": [
        {"id": "m", "file": "main.py"}, {"id": "k", "file": "main.py", "depends_on": ["m"]}]}))
    mini.statuses.update(m=["COMPLETED"], k=["RUNNING", "COMPLETED"])
    assert client.submit_yaml(tmp_path / "p.json", wait=True, timeout=5, poll=0.01) == {
        "m": "COMPLETED", "k": "COMPLETED"}
    assert "proj.zip" in mini.assets
    ops = [op for _, op, _ in mini.server.frames]
    assert ops.index(Op.UPLOAD_ASSET) < ops.index(Op.SUBMIT_DAG)


def test_env_defaults(monkeypatch, fake_bridge):
    bridge = fake_bridge()
    monkeypatch.setenv("TITAN_HOST", "127.0.0.1")
    monkeypatch.setenv("TITAN_PORT", str(bridge.port))
    client = TitanClient()
    assert (client.host, client.port) == ("127.0.0.1", bridge.port)
    assert client.store_put("k", "v") == "OK"


def test_wait_on_unknown_id_fails_instead_of_hanging(client, monkeypatch):
    monkeypatch.setattr("titan_sdk.client.UNKNOWN_GRACE", 0.1)
    with pytest.raises(TitanError, match="unknown job typo"):
        client.wait("typo", poll=0.02)
