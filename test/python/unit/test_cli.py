import json

import pytest

from titan_sdk.__main__ import main
from titan_sdk.config import resolve_bridge

from test_client import MiniBridge


def test_resolve_bridge_order(tmp_path, monkeypatch):
    assert resolve_bridge() == ("127.0.0.1", 9090)
    (tmp_path / ".titan").mkdir()
    (tmp_path / ".titan" / "cluster.json").write_text(
        json.dumps({"bridge": {"host": "10.0.0.5", "port": 9191}}))
    assert resolve_bridge() == ("10.0.0.5", 9191)
    monkeypatch.setenv("TITAN_PORT", "7000")
    assert resolve_bridge() == ("10.0.0.5", 7000)
    monkeypatch.setenv("TITAN_HOST", "h")
    assert resolve_bridge() == ("h", 7000)
    assert resolve_bridge("x", 1) == ("x", 1)


@pytest.fixture
def bridge(fake_bridge):
    state = MiniBridge()
    server = fake_bridge(state)
    state.port = server.port
    return state


def run_cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_store_and_status(bridge, capsys):
    p = ["--port", str(bridge.port)]
    assert run_cli(capsys, *p, "store", "put", "k", "héllo wörld") == (0, "OK\n", "")
    assert run_cli(capsys, *p, "store", "get", "k") == (0, "héllo wörld\n", "")
    assert run_cli(capsys, *p, "store", "sadd", "s", "m")[:2] == (0, "1\n")
    assert run_cli(capsys, *p, "store", "smembers", "s")[:2] == (0, "m\n")
    bridge.statuses["j"] = ["RUNNING"]
    assert run_cli(capsys, *p, "status", "j")[:2] == (0, "RUNNING\n")
    assert run_cli(capsys, *p, "stats", "--json")[0] == 0
    assert run_cli(capsys, *p, "approve", "hitl-gate-a")[:2] == (0, "OK\n")
    assert bridge.kv["titan:hitl:status:hitl-gate-a"] == "APPROVED"
    assert run_cli(capsys, *p, "reject", "hitl-gate-a")[:2] == (0, "OK\n")
    assert bridge.kv["titan:hitl:status:hitl-gate-a"] == "REJECTED"


def test_cli_uses_cluster_json(bridge, capsys, tmp_path):
    (tmp_path / ".titan").mkdir()
    (tmp_path / ".titan" / "cluster.json").write_text(
        json.dumps({"bridge": {"host": "127.0.0.1", "port": bridge.port}}))
    assert run_cli(capsys, "store", "put", "a", "b")[:2] == (0, "OK\n")


def test_cli_reads_titan_state_and_state_flag(bridge, capsys, tmp_path, monkeypatch):
    (tmp_path / "st").mkdir()
    (tmp_path / "st" / "cluster.json").write_text(
        json.dumps({"bridge": {"host": "127.0.0.1", "port": bridge.port}}))
    monkeypatch.setenv("TITAN_STATE", str(tmp_path / "st"))
    assert run_cli(capsys, "store", "put", "a", "b")[:2] == (0, "OK\n")
    monkeypatch.delenv("TITAN_STATE")
    assert run_cli(capsys, "--state", "st", "store", "get", "a")[:2] == (0, "b\n")


def test_cli_status_of_an_unknown_job_exits_1(bridge, capsys):
    from titan_sdk import TitanClient

    code, out, err = run_cli(capsys, "--port", str(bridge.port), "status", "nosuch")
    assert (code, out) == (1, "")
    assert err == "error: no job 'nosuch' (status NULL)\n"
    # The library call still answers the original's string.
    assert TitanClient("127.0.0.1", bridge.port).get_job_status("nosuch") == "NULL"


def test_cli_errors_are_one_line_exit_1(bridge, capsys, closed_port, tmp_path):
    code, out, err = run_cli(capsys, "--port", str(closed_port), "status", "x")
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and f"127.0.0.1:{closed_port}" in err
    code, _, err = run_cli(capsys, "--port", str(bridge.port), "store", "get", "missing")
    assert code == 1 and "not found" in err
    code, _, err = run_cli(capsys, "--port", str(bridge.port), "cancel", "gone")
    assert code == 1 and err.startswith("error: NOT_FOUND")
    code, _, err = run_cli(capsys, "--port", str(bridge.port), "upload", str(tmp_path / "nope"))
    assert code == 1 and "File not found" in err
    code, _, err = run_cli(capsys, "--port", str(bridge.port), "store", "put", "k")
    assert code == 1 and "VALUE" in err
