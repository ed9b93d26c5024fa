from __future__ import annotations

import socket

import pytest

from fakebridge import FakeBridge


@pytest.fixture
def fake_bridge():
    """Start FakeBridge instances; all are closed after the test."""
    servers: list[FakeBridge] = []

    def start(handler=None, close_after=None) -> FakeBridge:
        server = FakeBridge(handler, close_after)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


@pytest.fixture
def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch, tmp_path):
    # Unit tests must not see a developer's TITAN_* settings or .titan/ folder,
    # nor push manifests anywhere.
    for var in ("TITAN_HOST", "TITAN_PORT", "TITAN_STATE", "TITAN_DASHBOARD_PORT", "TITAN_BRIDGE_TOKEN", "TITAN_URL", "TITAN_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("TITAN_MANIFEST_SYNC", "0")
    monkeypatch.chdir(tmp_path)
