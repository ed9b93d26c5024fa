"""Start and stop the local cluster CLI (node bin/titan.mjs) for integration tests."""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CLI = REPO / "bin" / "titan.mjs"
EXAMPLES = REPO / "sdk" / "python" / "examples"


@dataclass
class Cluster:
    url: str
    client_token: str
    agent_token: str
    bridge_host: str
    bridge_port: int
    state_dir: Path
    log_path: Path

    def client(self, **kwargs):
        from titan_sdk import TitanClient

        return TitanClient(self.bridge_host, self.bridge_port, **kwargs)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def wait_port(host: str, port: int, proc: subprocess.Popen, timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"process exited with {proc.returncode}:\n{log_tail(log)}")
        if port_open(host, port):
            return
        time.sleep(0.2)
    pytest.fail(f"{host}:{port} not accepting after {timeout:g} s:\n{log_tail(log)}")


def cli_command() -> list[str]:
    """``TITAN_TEST_CLI`` (a command line) overrides ``node bin/titan.mjs``."""
    override = os.environ.get("TITAN_TEST_CLI")
    return shlex.split(override) if override else ["node", str(CLI)]


def require_cli() -> None:
    if os.environ.get("TITAN_TEST_CLI"):
        return
    if not CLI.exists():
        pytest.skip("local cluster CLI not built")
    if shutil.which("node") is None:
        pytest.skip("node is not installed")


def spawn(args: list[str], log_path: Path) -> subprocess.Popen:
    """Run ``titan ARGS`` from the repo root in its own process group."""
    env = dict(os.environ)
    for var in ("TITAN_HOST", "TITAN_PORT", "TITAN_URL", "TITAN_TOKEN", "TITAN_AGENT_TOKEN"):
        env.pop(var, None)  # the test decides where everything points
    with open(log_path, "ab") as log:
        return subprocess.Popen(
            [*cli_command(), *args], cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, env=env, start_new_session=True,
        )


def stop(proc: subprocess.Popen) -> None:
    """SIGINT the process group, then SIGKILL it if it is still there after 10 s."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGINT)
            proc.wait(timeout=10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # also children that outlived the leader
    except (ProcessLookupError, PermissionError):
        pass
    if proc.poll() is None:
        proc.wait(timeout=10)


def log_tail(path: Path, n: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-n:])
    except OSError:
        return "(no log)"


def write_script(folder: Path, name: str, body: str) -> Path:
    """Write a job script (dedented) and return its path."""
    import textwrap

    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(body).lstrip(), encoding="utf-8")
    return path


def wait_status(client, job_id: str, wanted: set[str], timeout: float = 30.0) -> str:
    """Poll until the job's status is in ``wanted``; fail the test after ``timeout``."""
    deadline = time.monotonic() + timeout
    status = ""
    while time.monotonic() < deadline:
        status = client.get_job_status(job_id)
        if status in wanted:
            return status
        time.sleep(0.2)
    pytest.fail(f"{job_id} still {status!r} after {timeout:g} s (wanted {sorted(wanted)})")
