"""Every TitanClient method against the real local cluster."""

import base64
import re
import time

import pytest

from clusterlib import free_port, port_open, wait_status, write_script
from titan_sdk import Op, TitanError, TitanFileNotFound, TitanJob

pytestmark = pytest.mark.integration
HELLO = "print('hello from titan')\n"


def test_submit_job_status_wait_logs(client, tmp_path, uid):
    job = TitanJob(f"hello-{uid}", write_script(tmp_path, "hello.py", HELLO))
    assert client.submit_job(job) == "DAG_ACCEPTED"
    assert client.get_job_status(job.id) in {"PENDING", "RUNNING", "COMPLETED"}
    assert client.wait(job.id, timeout=60) == "COMPLETED"
    assert "hello from titan" in client.fetch_logs(job.id)
    # The server accepts ids with or without the DAG- prefix.
    assert client.get_job_status(f"DAG-{job.id}") == "COMPLETED"
    assert "hello from titan" in client.fetch_logs(f"DAG-{job.id}")


def test_unknown_job(client, uid):
    assert client.get_job_status(f"nope-{uid}") == "NULL"
    assert client.fetch_logs(f"nope-{uid}") == ""
    assert client.cancel(f"nope-{uid}") == "NOT_FOUND"


def test_submit_dag_and_wait_dag(client, tmp_path, uid):
    script = write_script(tmp_path, "hello.py", HELLO)
    jobs = [TitanJob(f"a-{uid}", script), TitanJob(f"b-{uid}", script, parents=[f"a-{uid}"])]
    assert client.submit_dag(f"dag-{uid}", jobs) == "DAG_ACCEPTED"
    assert client.wait_dag(jobs, timeout=60) == {f"a-{uid}": "COMPLETED", f"b-{uid}": "COMPLETED"}


def test_invalid_dag_is_refused_visibly(client, strict_client, tmp_path, uid):
    script = write_script(tmp_path, "hello.py", HELLO)
    cyclic = [TitanJob(f"x-{uid}", script, parents=[f"y-{uid}"]),
              TitanJob(f"y-{uid}", script, parents=[f"x-{uid}"])]
    assert client.submit_dag("cyclic", cyclic).startswith("ERROR")
    with pytest.raises(TitanError):
        strict_client.submit_dag("cyclic", cyclic)
    assert client.get_job_status(f"x-{uid}") == "NULL"  # nothing stored


def test_resubmitting_an_active_id_is_refused(client, strict_client, tmp_path, uid):
    job = TitanJob(f"busy-{uid}", write_script(tmp_path, "s.py", "import time; time.sleep(20)\n"))
    assert client.submit_job(job) == "DAG_ACCEPTED"
    try:
        with pytest.raises(TitanError, match="still active"):
            strict_client.submit_job(job)
    finally:
        client.cancel(job.id)


def test_upload_and_fetch_artifact(client, strict_client, tmp_path, uid):
    data = bytes(range(256)) * 40
    src = tmp_path / f"blob-{uid}.bin"
    src.write_bytes(data)
    assert client.upload_file(src) == "UPLOAD_SUCCESS"
    dest = tmp_path / "out.bin"
    assert client.fetch_artifact(src.name, dest) is True
    assert dest.read_bytes() == data
    assert client.fetch_bytes(src.name) == data
    assert client.fetch_artifact(f"missing-{uid}", tmp_path / "m") is False
    assert not (tmp_path / "m").exists()
    with pytest.raises(TitanFileNotFound):
        strict_client.fetch_artifact(f"missing-{uid}")
    with pytest.raises(TitanFileNotFound):
        client.fetch_bytes(f"missing-{uid}")
    assert client.request(Op.FETCH_ASSET, f"missing-{uid}") == "ERROR_NOT_FOUND"


def test_path_traversal_upload_refused(client):
    reply = client.request(Op.UPLOAD_ASSET, "../evil.txt|" + base64.b64encode(b"x").decode())
    assert reply.startswith("ERROR")


def test_publish_and_get_artifact(client, tmp_path, uid):
    src = tmp_path / f"report-{uid}.txt"
    src.write_text("données ✓ 数据", encoding="utf-8")
    assert client.publish_artifact(f"art:{uid}", src) is True
    assert client.store_get(f"art:{uid}") == src.name
    dest = tmp_path / "copy.txt"
    assert client.get_artifact(f"art:{uid}", dest) is True
    assert dest.read_text(encoding="utf-8") == "données ✓ 数据"
    assert client.get_artifact(f"none:{uid}", dest) is False
    assert client.publish_artifact(f"art2:{uid}", tmp_path / "nope.txt") is False
    assert client.publish_bytes(f"bin-{uid}", b"\x00\x01\xfe\xff") is True
    assert client.fetch_bytes(f"bin-{uid}") == b"\x00\x01\xfe\xff"


def test_store_methods(client, uid):
    assert client.store_put(f"k-{uid}", "v") == "OK"
    assert client.store_get(f"k-{uid}") == "v"
    assert client.store_put(f"k-{uid}", "a|b|c") == "OK"  # value may contain '|'
    assert client.store_get(f"k-{uid}") == "a|b|c"
    assert client.store_put(f"e-{uid}", "") == "OK"
    assert client.store_get(f"e-{uid}") == ""
    assert client.store_get(f"absent-{uid}") == "NULL"
    assert client.store_smembers(f"s-{uid}") == []
    assert client.store_sadd(f"s-{uid}", "x") == 1
    assert client.store_sadd(f"s-{uid}", "x") == 0
    assert client.store_sadd(f"s-{uid}", "y") == 1
    assert sorted(client.store_smembers(f"s-{uid}")) == ["x", "y"]


def test_deploy_script_and_run_script(client, tmp_path, uid):
    script = write_script(tmp_path, f"tool_{uid}.py", "print('deployed tool ran')\n")
    assert client.deploy_script(script) == "DEPLOY_SUCCESS"
    reply = client.run_script(script.name)
    match = re.fullmatch(r"JOB_QUEUED (\S+) on GENERAL", reply)
    assert match, reply
    assert client.wait(match.group(1), timeout=60) == "COMPLETED"
    assert "deployed tool ran" in client.fetch_logs(match.group(1))
    assert client.run_script(f"missing_{uid}.py").startswith("ERROR")


def test_deploy_missing_script(client, uid):
    assert client.deploy(f"missing_{uid}.py", free_port()) == "ERROR: File not found in perm_files"


SERVICE = """
import http.server, sys
port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200); self.end_headers(); self.wfile.write(b"up")
print("service listening", flush=True)
http.server.HTTPServer(("127.0.0.1", PORT), H).serve_forever()
"""


def test_service_job_and_stop_service(client, tmp_path, uid):
    port = free_port()
    script = write_script(tmp_path, "svc.py", SERVICE.replace("PORT", str(port)))
    job = TitanJob(f"svc-{uid}", script, job_type="SERVICE", port=port)
    assert client.submit_job(job) == "DAG_ACCEPTED"
    wait_status(client, job.id, {"RUNNING"}, timeout=60)
    deadline = time.monotonic() + 30
    while not port_open("127.0.0.1", port) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert port_open("127.0.0.1", port), "service never listened on its port"
    assert client.stop_service(job.id) == f"STOPPED: DAG-{job.id}"
    assert client.stop_service(f"nosvc-{uid}") == f"ERROR: Service DAG-nosvc-{uid} not found"


def test_deploy_opcode(client, tmp_path, uid):
    port = free_port()
    script = write_script(tmp_path, f"dsvc_{uid}.py", SERVICE.replace("PORT", str(port)))
    assert client.deploy_script(script) == "DEPLOY_SUCCESS"
    assert client.deploy(script.name, port) == "DEPLOY_QUEUED"


def test_cancel_running_job_and_descendants(client, tmp_path, uid):
    slow = write_script(tmp_path, "slow.py", """
        import time
        for i in range(120):
            print("tick", i, flush=True)
            time.sleep(0.5)
    """)
    parent = TitanJob(f"slow-{uid}", slow)
    child = TitanJob(f"after-slow-{uid}", slow, parents=[parent.id])
    assert client.submit_dag(f"cancel-{uid}", [parent, child]) == "DAG_ACCEPTED"
    wait_status(client, parent.id, {"RUNNING"}, timeout=60)
    assert client.cancel(parent.id) == "CANCELLED"
    assert client.wait_dag([parent, child], timeout=30) == {
        parent.id: "CANCELLED", child.id: "CANCELLED"}


def test_stream_logs(client, tmp_path, uid):
    script = write_script(tmp_path, "lines.py", """
        import time
        for i in range(1, 6):
            print(f"line {i} ✓", flush=True)
            time.sleep(0.4)
    """)
    job = TitanJob(f"stream-{uid}", script)
    client.submit_job(job)
    lines = list(client.stream_logs(job.id, poll=0.2, timeout=60))
    found = [i for i in range(1, 6) for line in lines if f"line {i} ✓" in line]
    assert found == [1, 2, 3, 4, 5]
    assert client.get_job_status(job.id) == "COMPLETED"


def test_stats(client):
    text = client.stats()
    assert isinstance(text, str) and text
    data = client.stats_json()
    assert data["active_workers"] >= 1
    assert isinstance(data["queue_size"], int) and isinstance(data["workers"], list)


def test_reused_connection(cluster, uid):
    with cluster.client(reuse_connection=True) as client:
        for i in range(20):
            assert client.store_put(f"r-{uid}", i) == "OK"
        assert client.store_get(f"r-{uid}") == "19"
        assert client.get_job_status(f"nope-{uid}") == "NULL"


PINNED = """import os
print("TITAN_CPUS=" + os.environ.get("TITAN_CPUS", "-"), "TITAN_MEMORY_MB=" + os.environ.get("TITAN_MEMORY_MB", "-"))
"""


def test_resource_asks_travel_over_titan_proto(client, strict_client, tmp_path, uid):
    # CPUs and memory the local agents offer: reserved for the job, and said in its environment.
    job = TitanJob(f"res-{uid}", write_script(tmp_path, "pinned.py", PINNED), cpus=0.5, memory_mb=64)
    assert client.submit_job(job) == "DAG_ACCEPTED"
    assert client.wait(job.id, timeout=60) == "COMPLETED"
    assert "TITAN_CPUS=0.5 TITAN_MEMORY_MB=64" in client.fetch_logs(job.id)
    # A GPU no known agent has: refused at submit with the reason, nothing stored.
    gpu_job = TitanJob(f"gpu-{uid}", write_script(tmp_path, "pinned.py", PINNED), gpus=1)
    with pytest.raises(TitanError, match="no agent can ever run this job"):
        strict_client.submit_job(gpu_job)
    assert client.get_job_status(gpu_job.id) == "NULL"
