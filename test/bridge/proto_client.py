#!/usr/bin/env python3
"""Stdlib-only TITAN_PROTO client, written from the spec, for driving a bridge from real Python.

    python3 proto_client.py HOST PORT OPCODE_HEX PAYLOAD_FILE   # one request, prints the reply text
    python3 proto_client.py HOST PORT --scenario NAME            # runs a scenario, prints JSON
    python3 proto_client.py HOST PORT --bench N                  # N KV_SET then N KV_GET, prints JSON

Every request uses its own connection, like the original SDK: connect, send one frame,
read the 8-byte header and `length` bytes, close. A scenario prints
{"scenario": NAME, "checks": [{"name", "ok", "got", "want"}...]}.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import struct
import sys
import time

OPS = dict(
    SUBMIT_JOB=0x03, SUBMIT_DAG=0x04, DEPLOY=0x05, RUN=0x06, STOP=0x07, STATS=0x08, STATS_JSON=0x09,
    GET_LOGS=0x16, UPLOAD_ASSET=0x53, FETCH_ASSET=0x54, GET_JOB_STATUS=0x55, CANCEL_JOB=0x56,
    DEPLOY_SCRIPT=0x57, KV_SET=0x60, KV_GET=0x61, KV_SADD=0x62, KV_SMEMBERS=0x63,
)
ACK, ERROR = 0x50, 0x51


def frame(opcode: int, payload: bytes) -> bytes:
    return struct.pack(">BBBBI", 1, opcode, 0, 0, len(payload)) + payload


def recv_exact(sock: socket.socket, n: int) -> bytes:
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError(f"closed after {len(buf)} of {n} bytes")
        buf += chunk
    return bytes(buf)


def request(host: str, port: int, opcode: int, payload: str | bytes = b"", timeout: float = 10.0) -> tuple[int, str]:
    """One connection, one frame, one reply: (reply opcode, reply text)."""
    body = payload.encode("utf-8") if isinstance(payload, str) else payload
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.sendall(frame(opcode, body))
        version, op, _flags, _spare, length = struct.unpack(">BBBBI", recv_exact(sock, 8))
        if version != 1:
            raise ValueError(f"reply version {version}")
        return op, recv_exact(sock, length).decode("utf-8")


class Scenario:
    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.checks: list[dict] = []
        self.info: dict = {}  # ids etc. for the caller to inspect over HTTP
        self.tag = f"{os.getpid()}x{int(time.time() * 1000) % 100000}"

    def ask(self, op: str, payload: str | bytes = "") -> str:
        return request(self.host, self.port, OPS[op], payload)[1]

    def ask_op(self, op: str, payload: str | bytes = "") -> tuple[int, str]:
        return request(self.host, self.port, OPS[op], payload)

    def check(self, name: str, got: object, want: object) -> bool:
        ok = got == want
        self.checks.append({"name": name, "ok": ok, "got": _short(got), "want": _short(want)})
        return ok

    def check_true(self, name: str, cond: bool, got: object = None) -> bool:
        self.checks.append({"name": name, "ok": bool(cond), "got": _short(got), "want": "condition"})
        return bool(cond)

    def wait_status(self, job: str, final: set[str], timeout: float, poll: float = 0.2) -> tuple[str, list[str]]:
        """Poll until a status in `final`; returns it and every distinct status seen on the way."""
        seen: list[str] = []
        deadline = time.monotonic() + timeout
        status = ""
        while time.monotonic() < deadline:
            status = self.ask("GET_JOB_STATUS", job)
            if not seen or seen[-1] != status:
                seen.append(status)
            if status in final:
                break
            time.sleep(poll)
        return status, seen


def _short(v: object) -> object:
    if isinstance(v, bytes):
        return f"<{len(v)} bytes: {v[:16].hex()}...>"
    if isinstance(v, tuple):
        return [_short(x) for x in v]
    if isinstance(v, str) and len(v) > 300:
        return v[:300] + f"...({len(v)} chars)"
    return v


def b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def task(job_id: str, script: str, parents: list[str] = (), req: str = "GENERAL", args: str = "", pri: int = 1, delay: int = 0) -> str:
    return f"{job_id}|RUN_PAYLOAD|{job_id.lower()}.py|{args}|{b64(script)}|{req}|{pri}|{delay}|[{','.join(parents)}]"


# A job script that talks to the agent's embedded bridge with raw frames (no SDK needed).
JOB_PRELUDE = '''
import os, socket, struct, sys, time
def titan(op, payload):
    s = socket.create_connection((os.environ["TITAN_HOST"], int(os.environ["TITAN_PORT"])), timeout=10)
    body = payload.encode()
    s.sendall(struct.pack(">BBBBI", 1, op, 0, 0, len(body)) + body)
    h = b""
    while len(h) < 8: h += s.recv(8 - len(h))
    n = struct.unpack(">I", h[4:])[0]
    data = b""
    while len(data) < n: data += s.recv(n - len(data))
    s.close()
    return data.decode()
'''


# ---------------------------------------------------------------- scenarios

def scenario_store(t: Scenario) -> None:
    k = f"it:{t.tag}"
    uni = "héllo wörld — 漢字 — 🚀🚀 | pipes | and\nnewlines"
    t.check("KV_SET unicode", t.ask("KV_SET", f"{k}:u|{uni}"), "OK")
    t.check("KV_GET unicode byte-exact", t.ask("KV_GET", f"{k}:u"), uni)
    long = ("0123456789abcdé漢🚀" * 300)[:4000]
    t.check("KV_SET 4000 chars", t.ask("KV_SET", f"{k}:long|{long}"), "OK")
    t.check("KV_GET 4000 chars", t.ask("KV_GET", f"{k}:long"), long)
    t.check("KV_SET empty value", t.ask("KV_SET", f"{k}:empty|"), "OK")
    t.check("KV_GET empty value", t.ask("KV_GET", f"{k}:empty"), "")
    t.check("KV_GET missing is NULL", t.ask("KV_GET", f"{k}:missing"), "NULL")
    t.check("KV_SET without | refused", t.ask_op("KV_SET", "noseparator"), (ERROR, "ERROR: Invalid Format"))
    t.check("KV_SET overwrite", t.ask("KV_SET", f"{k}:u|second"), "OK")
    t.check("KV_GET after overwrite", t.ask("KV_GET", f"{k}:u"), "second")
    t.check("KV_SADD new", t.ask("KV_SADD", f"{k}:set|alpha"), "1")
    t.check("KV_SADD again", t.ask("KV_SADD", f"{k}:set|alpha"), "0")
    t.check("KV_SADD second member", t.ask("KV_SADD", f"{k}:set|béta"), "1")
    t.check("KV_SMEMBERS", sorted(t.ask("KV_SMEMBERS", f"{k}:set").split(",")), ["alpha", "béta"])
    t.check("KV_SMEMBERS empty", t.ask("KV_SMEMBERS", f"{k}:noset"), "")


def scenario_assets(t: Scenario) -> None:
    data = bytes(range(256)) * 40 + "é漢🚀".encode()
    name = f"it-{t.tag}.bin"
    t.check("UPLOAD_ASSET", t.ask_op("UPLOAD_ASSET", f"{name}|{base64.b64encode(data).decode()}"), (ACK, "UPLOAD_SUCCESS"))
    got = t.ask("FETCH_ASSET", name)
    t.check("FETCH_ASSET same bytes", base64.b64decode(got) if not got.startswith("ERROR") else got, data)
    t.check("FETCH_ASSET missing", t.ask_op("FETCH_ASSET", f"nope-{t.tag}.bin"), (ERROR, "ERROR_NOT_FOUND"))
    t.check("UPLOAD_ASSET traversal", t.ask_op("UPLOAD_ASSET", "../../etc/passwd|AAAA"), (ERROR, "ERROR: Invalid asset name (path traversal rejected)"))
    t.check("FETCH_ASSET traversal", t.ask("FETCH_ASSET", "../../etc/passwd"), "ERROR_NOT_FOUND")
    t.check("UPLOAD_ASSET no separator", t.ask("UPLOAD_ASSET", "justaname"), "ERROR: Invalid Upload Payload")
    t.check("UPLOAD_ASSET bad base64", t.ask("UPLOAD_ASSET", "x.bin|@@@"), "ERROR: Invalid Upload Payload")
    script = f"calc-{t.tag}.py"
    calc = 'print("calc says", 6 * 7)\n'
    t.check("DEPLOY_SCRIPT", t.ask("DEPLOY_SCRIPT", f"{script}|{b64(calc)}"), "DEPLOY_SUCCESS")
    t.check("DEPLOY_SCRIPT traversal", t.ask_op("DEPLOY_SCRIPT", "../evil.py|AAAA"), (ERROR, "ERROR: Invalid script name (path traversal rejected)"))
    t.check("RUN missing script", t.ask_op("RUN", f"absent-{t.tag}.py|GENERAL"), (ERROR, "ERROR: File not found in perm_files"))
    t.check("DEPLOY missing script", t.ask("DEPLOY", f"absent-{t.tag}.py|8080|GENERAL"), "ERROR: File not found in perm_files")
    reply = t.ask("RUN", f"{script}|GENERAL")
    if t.check_true("RUN deployed script", reply.startswith("JOB_QUEUED ") and reply.endswith(" on GENERAL"), reply):
        job = reply.split(" ")[1]
        status, _ = t.wait_status(job, {"COMPLETED", "FAILED", "CANCELLED"}, 60)
        t.check("RUN job completes", status, "COMPLETED")
        logs = t.ask("GET_LOGS", job)
        t.check("RUN job logs (job output only)", logs, "calc says 42")


def scenario_dag(t: Scenario) -> None:
    p = f"D{t.tag}"
    ids = {n: f"{p}{n}" for n in "ABCD"}
    body = JOB_PRELUDE + '''
name = sys.argv[1]
print("START", name, repr(time.time()))
if name == "A":
    print("A put", titan(0x60, "it:%s:handoff|from A é🚀" % sys.argv[2]))
time.sleep(0.3)
if name == "D":
    print("D got", titan(0x61, "it:%s:handoff" % sys.argv[2]))
print("END", name, repr(time.time()))
'''
    jobs = [
        task(ids["A"], body, [], args=f"A {p}"),
        task(ids["B"], body, [ids["A"]], args=f"B {p}"),
        task(ids["C"], body, [ids["A"]], args=f"C {p}"),
        task(ids["D"], body, [ids["B"], ids["C"]], args=f"D {p}") + "|AFFINITY",
    ]
    t.check("SUBMIT_DAG", t.ask_op("SUBMIT_DAG", " ; ".join(jobs)), (ACK, "DAG_ACCEPTED"))
    t.check("re-submit while active refused", t.ask("SUBMIT_DAG", jobs[0]), f"ERROR: job DAG-{ids['A']} is still active")
    status, seen = t.wait_status(f"DAG-{ids['D']}", {"COMPLETED", "FAILED", "CANCELLED"}, 90)
    t.check("D completed", status, "COMPLETED")
    times = {}
    for n, jid in ids.items():
        t.check(f"{n} status (DAG- id)", t.ask("GET_JOB_STATUS", f"DAG-{jid}"), "COMPLETED")
        t.check(f"{n} status (raw id)", t.ask("GET_JOB_STATUS", jid), "COMPLETED")
        logs = t.ask("GET_LOGS", f"DAG-{jid}")
        t.check(f"{n} logs by raw id", t.ask("GET_LOGS", jid), logs)
        lines = {ln.split(" ")[0]: ln for ln in logs.split("\n")}
        try:
            times[n] = (float(lines["START"].split(" ")[2]), float(lines["END"].split(" ")[2]))
        except (KeyError, IndexError, ValueError):
            t.check_true(f"{n} logs have START/END", False, logs)
    if len(times) == 4:
        t.check_true("B and C start after A ends", times["B"][0] >= times["A"][1] and times["C"][0] >= times["A"][1], times)
        t.check_true("D starts after B and C end", times["D"][0] >= max(times["B"][1], times["C"][1]), times)
    logs_a = t.ask("GET_LOGS", ids["A"])
    t.check_true("A stored through the embedded bridge", "A put OK" in logs_a, logs_a)
    logs_d = t.ask("GET_LOGS", ids["D"])
    t.check_true("D read A's value through the embedded bridge", "D got from A é🚀" in logs_d, logs_d)
    t.check("KV value visible from outside", t.ask("KV_GET", f"it:{p}:handoff"), "from A é🚀")
    t.check("CANCEL ended job is not CANCELLED", t.ask("CANCEL_JOB", ids["A"]) != "CANCELLED", True)


def scenario_failing(t: Scenario) -> None:
    p = f"F{t.tag}"
    boom = "import sys\nprint('about to fail', flush=True)\nraise RuntimeError('boom')\n"
    ok = "print('never')\n"
    reply = t.ask("SUBMIT_DAG", " ; ".join([task(f"{p}bad", boom), task(f"{p}child", ok, [f"{p}bad"])]))
    t.check("SUBMIT_DAG", reply, "DAG_ACCEPTED")
    status, seen = t.wait_status(f"DAG-{p}bad", {"FAILED", "COMPLETED", "CANCELLED"}, 90)
    t.check("raising job ends FAILED", status, "FAILED")
    t.info["failed_job"] = f"DAG-{p}bad"
    t.check_true("only PENDING/RUNNING before FAILED", all(s in ("PENDING", "RUNNING") for s in seen[:-1]), seen)
    t.check("child of failed job CANCELLED", t.wait_status(f"{p}child", {"CANCELLED", "COMPLETED", "FAILED"}, 10)[0], "CANCELLED")
    logs = t.ask("GET_LOGS", f"{p}bad")
    t.check_true("failed job logs returned", "about to fail" in logs and "RuntimeError" in logs, logs)


def scenario_gpu(t: Scenario) -> None:
    job = f"G{t.tag}"
    t.check("SUBMIT_DAG GPU job", t.ask("SUBMIT_DAG", task(job, "print('gpu')\n", req="GPU")), "DAG_ACCEPTED")
    _, seen = t.wait_status(job, {"RUNNING", "COMPLETED", "FAILED"}, 3.0, poll=0.3)
    t.check("GPU job stays PENDING with GENERAL agents only", seen, ["PENDING"])
    gen = f"N{t.tag}"
    t.check("SUBMIT_DAG GENERAL job", t.ask("SUBMIT_DAG", task(gen, "print('general')\n")), "DAG_ACCEPTED")
    t.check("GENERAL job is not blocked by the GPU one", t.wait_status(gen, {"COMPLETED", "FAILED", "CANCELLED"}, 60)[0], "COMPLETED")
    t.check("CANCEL_JOB", t.ask("CANCEL_JOB", f"DAG-{job}"), "CANCELLED")
    t.check("status after cancel", t.ask("GET_JOB_STATUS", job), "CANCELLED")
    t.check("CANCEL_JOB unknown", t.ask("CANCEL_JOB", f"nope{t.tag}"), "NOT_FOUND")


def scenario_cycle(t: Scenario) -> None:
    p = f"C{t.tag}"
    op, reply = t.ask_op("SUBMIT_DAG", " ; ".join([task(f"{p}x", "print(1)\n", [f"{p}z"]), task(f"{p}y", "print(1)\n", [f"{p}x"]), task(f"{p}z", "print(1)\n", [f"{p}y"])]))
    t.check_true("cyclic DAG refused with ERROR", reply.startswith("ERROR: ") and op == ERROR, reply)
    for n in "xyz":
        t.check(f"nothing stored ({n})", t.ask("GET_JOB_STATUS", f"DAG-{p}{n}"), "NULL")
    t.check("unknown parent refused", t.ask("SUBMIT_DAG", task(f"{p}orphan", "print(1)\n", [f"{p}ghost"])).startswith("ERROR: "), True)
    t.check("orphan not stored", t.ask("GET_JOB_STATUS", f"{p}orphan"), "NULL")
    bad = t.ask("SUBMIT_DAG", task(f"{p}ok", "print(1)\n") + f" ; {p}bad|RUN_PAYLOAD|b.py||AAAA|GENERAL|high|0|[]")
    t.check("grammar error names the job", bad, "ERROR: job 2: priority must be an integer, got 'high'")
    t.check("first job of a refused DAG not stored", t.ask("GET_JOB_STATUS", f"{p}ok"), "NULL")


def scenario_misc(t: Scenario) -> None:
    t.check("unknown opcode", request(t.host, t.port, 0x42, "")[1:], ("UNKNOWN_OPCODE: 66",))
    t.check("unknown opcode is ERROR", request(t.host, t.port, 0x42, "")[0], ERROR)
    worker = request(t.host, t.port, 0x01, "hb")
    t.check_true("worker opcode explained", worker[0] == ERROR and "titan agent" in worker[1], worker)
    t.check("GET_JOB_STATUS unknown", t.ask("GET_JOB_STATUS", f"none{t.tag}"), "NULL")
    t.check("GET_LOGS unknown", t.ask("GET_LOGS", f"none{t.tag}"), "")
    t.check("STOP unknown service", t.ask("STOP", f"DAG-none{t.tag}"), f"ERROR: Service DAG-none{t.tag} not found")
    stats = json.loads(t.ask("STATS_JSON"))
    t.check("STATS_JSON keys", sorted(stats), ["active_workers", "queue_size", "workers"])
    t.check_true("STATS_JSON has a worker", stats["active_workers"] >= 1 and len(stats["workers"]) >= 1, stats)
    if stats["workers"]:
        t.check("STATS_JSON worker keys", sorted(stats["workers"][0]), ["active_job", "capabilities", "load", "port", "services"])
    text = t.ask("STATS")
    t.check_true("STATS text", text.startswith("Active workers: "), text)
    # a service: deploy, see it run, stop it
    svc = f"S{t.tag}"
    server = (
        "import http.server, os\n"
        "print('serving', flush=True)\n"
        "http.server.HTTPServer(('127.0.0.1', int(os.environ['PORT'])), http.server.SimpleHTTPRequestHandler).serve_forever()\n"
    )
    with socket.socket() as probe:  # a free port for the service
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    t.check("SUBMIT_DAG service", t.ask("SUBMIT_DAG", f"{svc}|DEPLOY_PAYLOAD|svc.py|{b64(server)}|{port}|GENERAL|1|0|[]"), "DAG_ACCEPTED")
    t.check("service running", t.wait_status(svc, {"RUNNING", "FAILED", "CANCELLED"}, 60)[0], "RUNNING")
    t.check("STOP service (SDK form)", t.ask("STOP", f"DAG-{svc}"), f"STOPPED: DAG-{svc}")
    final, seen = t.wait_status(svc, {"COMPLETED", "CANCELLED", "FAILED"}, 30)
    t.check_true("service ended after STOP", final in ("COMPLETED", "CANCELLED"), seen)


def bench_store(host: str, port: int, n: int) -> dict:
    """The original SDK's store_put/store_get pattern, timed: a new connection per call.

    Also the floor under it: a bare connect + close to the same port, nothing sent.
    Figures in ms: p50 and p99 of each call, as the calling program sees it.
    """
    tag = f"pybench-{os.getpid()}-{int(time.time() * 1000)}"
    value = "v" * 100

    def timed(call) -> list[float]:
        out = []
        for i in range(n):
            t0 = time.perf_counter()
            call(i)
            out.append((time.perf_counter() - t0) * 1000)
        return sorted(out)

    def connect_close(_i: int) -> None:
        socket.create_connection((host, port), timeout=10.0).close()

    def put(i: int) -> None:
        got = request(host, port, OPS["KV_SET"], f"{tag}:{i}|{value}")
        if got != (ACK, "OK"):
            raise RuntimeError(f"KV_SET answered {got!r}")

    def get(i: int) -> None:
        got = request(host, port, OPS["KV_GET"], f"{tag}:{i}")
        if got != (ACK, value):
            raise RuntimeError(f"KV_GET answered {_short(got)!r}")

    for i in range(min(50, n)):  # warm-up: the bridge's pool to the control plane, the shards
        request(host, port, OPS["KV_SET"], f"{tag}:warm{i}|x")
    figures = {}
    for name, call in (("connect_close", connect_close), ("kv_set", put), ("kv_get", get)):
        ms = timed(call)
        figures[f"{name}_p50_ms"] = round(ms[len(ms) // 2], 3)
        figures[f"{name}_p99_ms"] = round(ms[min(len(ms) - 1, len(ms) * 99 // 100)], 3)
    return figures


SCENARIOS = {n[len("scenario_"):]: f for n, f in globals().items() if n.startswith("scenario_")}


def main(argv: list[str]) -> int:
    if len(argv) == 4 and argv[2] == "--bench":
        print(json.dumps(bench_store(argv[0], int(argv[1]), int(argv[3]))))
        return 0
    if len(argv) == 4 and argv[2] == "--scenario":
        t = Scenario(argv[0], int(argv[1]))
        try:
            SCENARIOS[argv[3]](t)
        except Exception as e:  # report, don't hide: the test shows this as a failed check
            t.checks.append({"name": "scenario raised", "ok": False, "got": f"{type(e).__name__}: {e}", "want": "no exception"})
        print(json.dumps({"scenario": argv[3], "checks": t.checks, "info": t.info}, ensure_ascii=False))
        return 0
    if len(argv) == 4:
        host, port, op_hex, path = argv
        payload = sys.stdin.buffer.read() if path == "-" else open(path, "rb").read()
        op, text = request(host, int(port), int(op_hex, 16), payload)
        sys.stdout.write(text)
        return 0 if op == ACK else 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
