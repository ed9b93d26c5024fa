import base64
import http.server
import json
import threading
import time
import uuid
from pathlib import Path

import pytest

import titan_sdk
from titan_sdk import (
    Op, TitanClient, TitanError, TitanFileNotFound, TitanJob, TitanJobFailed, TitanTimeout,
)
from titan_sdk.job import GATE_SCRIPT


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


def test_store_roundtrip_unicode_and_long(client, strict):
    value = "héllo 世界 😀 | pipes\nnewline " + "x" * 4000
    assert client.store_put("k", value) == "OK"
    assert client.store_get("k") == value
    assert client.store_put("empty", "") == "OK" and client.store_get("empty") == ""
    # Missing key: the raw reply "NULL" like the original; strict mode says None.
    assert client.store_get("absent") == "NULL"
    assert strict.store_get("absent") is None
    assert strict.store_get("k") == value


def test_store_key_with_pipe_refused(client):
    with pytest.raises(TitanError, match="must not contain"):
        client.store_put("a|b", "v")


def test_sets(client):
    assert client.store_smembers("s") == []
    assert client.store_sadd("s", "a") == 1
    assert client.store_sadd("s", "a") == 0
    assert client.store_sadd("s", "b") == 1
    assert client.store_smembers("s") == ["a", "b"]


def test_fetch_artifact_writes_file_and_returns_bool(client, strict, mini, tmp_path, monkeypatch, capsys):
    mini.assets["blob.bin"] = b"\x00\xffdata"
    dest = tmp_path / "out" / "copy.bin"
    dest.parent.mkdir()
    assert client.fetch_artifact("blob.bin", dest) is True
    assert dest.read_bytes() == b"\x00\xffdata"
    assert strict.fetch_artifact("blob.bin", save_path=str(dest)) is True
    # No save_path: written to the file's name in the current directory.
    monkeypatch.chdir(tmp_path)
    assert client.fetch_artifact("blob.bin") is True
    assert (tmp_path / "blob.bin").read_bytes() == b"\x00\xffdata"
    # Missing, error or empty reply: False and a short message (strict: typed errors).
    assert client.fetch_artifact("missing") is False
    assert "missing" in capsys.readouterr().out
    assert not (tmp_path / "missing").exists()
    with pytest.raises(TitanFileNotFound, match="missing") as err:
        strict.fetch_artifact("missing")
    assert err.value.reply == "ERROR_NOT_FOUND"
    mini.assets["empty"] = b""  # the bridge answers an empty payload
    assert client.fetch_artifact("empty") is False
    with pytest.raises(TitanError, match="empty reply"):
        strict.fetch_artifact("empty")


def test_fetch_artifact_other_error_reply(fake_bridge, tmp_path):
    server = fake_bridge(lambda op, payload: "ERROR: Invalid asset name (path traversal rejected)")
    assert TitanClient("127.0.0.1", server.port).fetch_artifact("x", tmp_path / "x") is False
    with pytest.raises(TitanError, match="path traversal") as err:
        TitanClient("127.0.0.1", server.port, strict=True).fetch_artifact("x", tmp_path / "x")
    assert not isinstance(err.value, TitanFileNotFound)
    assert not (tmp_path / "x").exists()


def test_publish_and_get_artifact_by_key(client, strict, mini, tmp_path, capsys):
    src = tmp_path / f"model-{uuid.uuid4().hex[:8]}.bin"
    src.write_bytes(b"weights\x00")
    assert client.publish_artifact("models:latest", str(src)) is True
    assert mini.assets[src.name] == b"weights\x00"
    assert mini.kv["models:latest"] == src.name  # the basename, under the key
    dest = tmp_path / "got.bin"
    assert client.get_artifact("models:latest", dest) is True
    assert dest.read_bytes() == b"weights\x00"
    # Default destination: /tmp/<basename>.
    in_tmp = Path("/tmp") / src.name
    try:
        assert client.get_artifact("models:latest") is True
        assert in_tmp.read_bytes() == b"weights\x00"
    finally:
        in_tmp.unlink(missing_ok=True)
    # Nothing published under the key (absent, NULL or CLEARED): False.
    assert client.get_artifact("nothing-here") is False
    mini.kv["cleared"] = "CLEARED"
    assert client.get_artifact("cleared", dest) is False
    with pytest.raises(TitanFileNotFound):
        strict.get_artifact("nothing-here")
    # Published name whose asset is gone: fetch_artifact's False.
    mini.kv["dangling"] = "gone.bin"
    assert client.get_artifact("dangling", dest) is False
    # Upload failure: False, nothing stored (strict: raises).
    assert client.publish_artifact("k2", tmp_path / "nope.bin") is False
    assert "k2" not in mini.kv
    with pytest.raises(TitanFileNotFound):
        strict.publish_artifact("k2", tmp_path / "nope.bin")
    capsys.readouterr()


def test_publish_artifact_upload_refused(fake_bridge, tmp_path):
    frames = []

    def handler(op, payload):
        frames.append(op)
        return "UPLOAD_FAILED: disk full"

    server = fake_bridge(handler)
    src = tmp_path / "a.txt"
    src.write_text("x")
    assert TitanClient("127.0.0.1", server.port).publish_artifact("k", src) is False
    assert frames == [Op.UPLOAD_ASSET]  # no KV_SET after a failed upload
    with pytest.raises(TitanError, match="disk full"):
        TitanClient("127.0.0.1", server.port, strict=True).publish_artifact("k", src)


def test_bytes_artifacts(client, strict):
    assert client.publish_bytes("blob", b"\x00\xffdata") is True
    assert client.fetch_bytes("blob") == b"\x00\xffdata"
    assert client.publish_bytes("text", "héllo") is True
    assert strict.fetch_bytes("text") == "héllo".encode()
    assert client.publish_bytes("empty", b"") is True
    assert client.fetch_bytes("empty") == b""
    for c in (client, strict):  # bytes API: always raises when missing
        with pytest.raises(TitanFileNotFound, match="missing"):
            c.fetch_bytes("missing")


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
    assert client.upload_project_folder(str(proj), project_name="renamed") == "UPLOAD_SUCCESS"
    assert sorted(zipfile.ZipFile(io.BytesIO(mini.assets["renamed.zip"])).namelist()) == [
        "main.py", "pkg/helper.py"]
    # Missing paths: the original's error string in compat mode, TitanFileNotFound in strict mode.
    nope = str(tmp_path / "nope")
    assert client.upload_file(nope) == f"ERROR: File not found at: {nope}"
    assert client.upload_project_folder(nope) == f"ERROR: Folder not found at: {nope}"
    for call in (strict.upload_file, strict.upload_project_folder, strict.deploy_script):
        with pytest.raises(TitanFileNotFound, match="not found at"):
            call(nope)


def test_deploy_script_run_and_deploy(client, mini, tmp_path):
    script = tmp_path / "tool.py"
    script.write_text("print(1)")
    assert client.deploy_script(script) == "DEPLOY_SUCCESS"
    assert client.deploy_script("missing.py") == "ERROR: File not found at: missing.py"
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
    for c in (client, strict):
        with pytest.raises(ValueError):
            c.stop_service("")


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
    assert client.submit_dag("d", [a], agent_run_id="run-7") == "DAG_ACCEPTED"
    assert mini.server.frames[-1][2] == a.to_string()  # agent_run_id is not on the wire


def test_hitl_gate_inserted_and_children_rewired(client, mini, tmp_path):
    (tmp_path / "a.py").write_text("")
    a = TitanJob("A", tmp_path / "a.py", priority=4, hitl_message="Ship | it?", max_wait_seconds=60)
    b = TitanJob("B", tmp_path / "a.py", parents=["A"])
    c = TitanJob("C", tmp_path / "a.py", parents=["DAG-A", "X"])
    x = TitanJob("X", tmp_path / "a.py")
    assert client.submit_dag("gated", [a, b, c, x]) == "DAG_ACCEPTED"
    frames = mini.server.frames
    # The gate's key is reset to CLEARED before the submission.
    assert [(op, p) for _, op, p in frames] == [
        (Op.KV_SET, "titan:hitl:status:hitl-gate-A|CLEARED"),
        (Op.SUBMIT_DAG, frames[-1][2])]
    sent = frames[-1][2].split(" ; ")
    gate_b64 = base64.b64encode(GATE_SCRIPT.read_bytes()).decode()
    assert sent == [
        a.to_string(),
        f"hitl-gate-A|RUN_PAYLOAD|hitl_gate.py|hitl-gate-A 60 Ship   it?|{gate_b64}|GENERAL|4|0|[A]",
        b.to_string().replace("[A]", "[hitl-gate-A]"),
        c.to_string().replace("[DAG-A,X]", "[hitl-gate-A,X]"),
        x.to_string(),
    ]
    assert b.parents == ["A"] and c.parents == ["DAG-A", "X"]  # caller's jobs untouched
    assert mini.kv["titan:hitl:status:hitl-gate-A"] == "CLEARED"


def test_gate_script_ships_inside_the_package():
    assert GATE_SCRIPT.parent == Path(titan_sdk.__file__).parent
    assert GATE_SCRIPT.name == "hitl_gate.py" and GATE_SCRIPT.is_file()


def test_approve_and_reject(client, strict, mini):
    assert client.approve("hitl-gate-A") == "OK"
    assert mini.kv["titan:hitl:status:hitl-gate-A"] == "APPROVED"
    assert strict.reject("DAG-hitl-gate-B") == "OK"  # the DAG- form works too
    assert mini.kv["titan:hitl:status:hitl-gate-B"] == "REJECTED"


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
    jobs = [TitanJob("a", tmp_path / "a.py", hitl_message="ok?"),
            TitanJob("b", tmp_path / "a.py", parents=["a"])]
    before = int(time.time() * 1000)
    try:
        assert client.submit_dag("etl", jobs) == "DAG_ACCEPTED"
    finally:
        server.shutdown()
    [(path, body)] = received
    assert path == "/api/manifest/sync"
    ts = body["DAG-a"]["run_ts"]
    assert isinstance(ts, int) and before <= ts <= int(time.time() * 1000)
    assert body == {
        "DAG-a": {"dag": "etl", "deps": [], "run_ts": ts},
        "DAG-hitl-gate-a": {"dag": "etl", "deps": ["DAG-a"], "run_ts": ts},
        "DAG-b": {"dag": "etl", "deps": ["DAG-hitl-gate-a"], "run_ts": ts},
    }


def test_manifest_failure_is_ignored(client, tmp_path, monkeypatch, closed_port):
    monkeypatch.setenv("TITAN_MANIFEST_SYNC", "1")
    monkeypatch.setenv("TITAN_DASHBOARD_PORT", str(closed_port))
    (tmp_path / "a.py").write_text("")
    assert client.submit_job(TitanJob("a", tmp_path / "a.py")) == "DAG_ACCEPTED"


def _pipeline(tmp_path):
    (tmp_path / "proj").mkdir()
    (tmp_path / "proj" / "main.py").write_text("print('x')")
    (tmp_path / "p.json").write_text(json.dumps({"name": "n", "project": "proj", "jobs": [
        {"id": "m", "file": "main.py"}, {"id": "k", "file": "main.py", "depends_on": ["m"]}]}))
    return tmp_path / "p.json"


def test_submit_yaml_returns_reply_and_names_dag(client, mini, tmp_path, monkeypatch):
    seen = []
    monkeypatch.setattr("titan_sdk.client.time.time", lambda: 1700000000.7)
    monkeypatch.setattr("titan_sdk.manifest.push_manifest", lambda host, name, jobs: seen.append(name))
    assert client.submit_yaml(_pipeline(tmp_path)) == "DAG_ACCEPTED"
    assert seen == ["n-1700000000"]
    assert "proj.zip" in mini.assets
    ops = [op for _, op, _ in mini.server.frames]
    assert ops == [Op.UPLOAD_ASSET, Op.SUBMIT_DAG]


def test_submit_yaml_wait(client, strict, mini, tmp_path):
    path = _pipeline(tmp_path)
    mini.statuses.update(m=["COMPLETED"], k=["RUNNING", "REJECTED"])
    assert client.submit_yaml(path, "run-1", True, 0.01, 5) == "DAG_ACCEPTED"
    polled = [p for _, op, p in mini.server.frames if op == Op.GET_JOB_STATUS]
    assert set(polled) == {"m", "k"}  # raw ids, like the original
    mini.statuses.update(m=["ERROR"], k=["FAILED"])
    assert client.submit_yaml(path, wait=True, poll_interval=0.01) == "DAG_ACCEPTED"
    mini.statuses.update(m=["COMPLETED"], k=["RUNNING"])
    assert client.submit_yaml(path, wait=True, poll_interval=0.01, timeout=0.1) is False
    with pytest.raises(TitanTimeout):
        strict.submit_yaml(path, wait=True, poll_interval=0.01, timeout=0.1)


def test_submit_yaml_wait_on_refused_dag_is_false(fake_bridge, tmp_path):
    server = fake_bridge(lambda op, p: "ERROR: job 1: bad" if op == Op.SUBMIT_DAG else "UPLOAD_SUCCESS")
    path = _pipeline(tmp_path)
    assert TitanClient("127.0.0.1", server.port).submit_yaml(path) == "ERROR: job 1: bad"
    assert TitanClient("127.0.0.1", server.port).submit_yaml(path, wait=True) is False
    with pytest.raises(TitanError, match="job 1: bad"):
        TitanClient("127.0.0.1", server.port, strict=True).submit_yaml(path, wait=True)


def test_submit_yaml_and_wait_returns_statuses(client, mini, tmp_path):
    mini.statuses.update(m=["COMPLETED"], k=["RUNNING", "COMPLETED"])
    assert client.submit_yaml_and_wait(_pipeline(tmp_path), timeout=5, poll=0.01) == {
        "m": "COMPLETED", "k": "COMPLETED"}
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
