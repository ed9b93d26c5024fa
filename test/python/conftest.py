"""Shared test setup: import paths and the local-cluster fixtures.

``cluster`` starts ``node bin/titan.mjs up`` once per session on free ports;
``start_agent`` adds an agent (e.g. GPU-tagged) for one test. Both skip with
"local cluster CLI not built" until bin/titan.mjs exists.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "sdk" / "python"))  # titan_sdk, flat layout
sys.path.insert(0, str(HERE))  # clusterlib
sys.path.insert(0, str(HERE / "unit"))  # fakebridge

from clusterlib import (  # noqa: E402
    Cluster, free_port, log_tail, port_open, require_cli, spawn, stop,
)

START_TIMEOUT = 60.0


@pytest.fixture(scope="session")
def cluster():
    """A real local cluster: 2 GENERAL agents with 4 slots each, on free ports."""
    require_cli()
    state = Path(tempfile.mkdtemp(prefix="titan-pytest-"))
    http_port, bridge_port = free_port(), free_port()
    log_path = Path(f"{state}.log")
    proc = spawn(
        ["up", "--state", str(state), "--http-port", str(http_port),
         "--bridge-port", str(bridge_port), "--agents", "2",
         "--capabilities", "GENERAL", "--slots", "4"],
        log_path,
    )
    info_path = state / "cluster.json"
    info: dict | None = None
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if proc.poll() is not None:
                pytest.fail(f"titan up exited with {proc.returncode}:\n{log_tail(log_path)}")
            if info is None and info_path.exists():
                try:
                    info = json.loads(info_path.read_text())
                except ValueError:
                    info = None  # being written
            if info and port_open(info["bridge"]["host"], int(info["bridge"]["port"])):
                break
            if time.monotonic() > deadline:
                pytest.fail(f"local cluster not ready after {START_TIMEOUT:g} s:\n{log_tail(log_path)}")
            time.sleep(0.2)
        yield Cluster(
            url=info["url"], client_token=info.get("clientToken", ""),
            agent_token=info.get("agentToken", ""), bridge_host=info["bridge"]["host"],
            bridge_port=int(info["bridge"]["port"]), state_dir=state, log_path=log_path,
        )
    finally:
        stop(proc)
        shutil.rmtree(state, ignore_errors=True)


@pytest.fixture
def start_agent(cluster, tmp_path):
    """``start_agent(capabilities="GPU", slots=2) -> name``: an extra agent, stopped after the test."""
    procs = []

    def start(capabilities: str = "GPU", slots: int = 2, name: str | None = None) -> str:
        name = name or f"pytest-{capabilities.lower()}-{uuid.uuid4().hex[:6]}"
        procs.append(spawn(
            ["agent", "--url", cluster.url, "--token", cluster.agent_token,
             "--capabilities", capabilities, "--name", name, "--slots", str(slots)],
            tmp_path / f"{name}.log",
        ))
        return name

    yield start
    for proc in procs:
        stop(proc)


@pytest.fixture
def client(cluster):
    """A compat-mode (strict=False) client of the session cluster's bridge."""
    return cluster.client()


@pytest.fixture
def strict_client(cluster):
    return cluster.client(strict=True)


@pytest.fixture
def uid() -> str:
    """A short unique suffix: the cluster is shared by the whole session."""
    return uuid.uuid4().hex[:8]
