"""The gate script shipped in the package (titan_sdk/hitl_gate.py), run in-process."""

import subprocess
import sys
from pathlib import Path

import pytest

from titan_sdk import TitanClient, hitl_gate_id
from titan_sdk.hitl_gate import main
from titan_sdk.job import GATE_SCRIPT, hitl_status_key

from test_client import MiniBridge


@pytest.fixture
def bridge(fake_bridge):
    state = MiniBridge()
    state.server = fake_bridge(state)
    return state


def run_gate(bridge, values, max_wait="60", clock=None):
    """Run the gate against a KV whose value changes to each of ``values`` in turn."""
    key = hitl_status_key("hitl-gate-a")
    seq = list(values)
    bridge.kv[key] = seq.pop(0)

    def sleep(_):
        if seq:
            bridge.kv[key] = seq.pop(0)

    client = TitanClient("127.0.0.1", bridge.server.port)
    return main(["hitl-gate-a", max_wait, "Deploy", "to", "prod?"], client=client,
                poll=0, sleep=sleep, **({"clock": clock} if clock else {}))


def test_ids_and_key():
    assert hitl_gate_id("A") == "hitl-gate-A"
    assert hitl_status_key("hitl-gate-A") == "titan:hitl:status:hitl-gate-A"
    assert hitl_status_key("DAG-hitl-gate-A") == "titan:hitl:status:hitl-gate-A"


def test_approved_exits_0(bridge, capsys):
    assert run_gate(bridge, ["CLEARED", "NULL", "APPROVED"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "[HITL] hitl-gate-a: Deploy to prod?"
    assert "approved" in out


def test_rejected_exits_1(bridge, capsys):
    assert run_gate(bridge, ["CLEARED", "REJECTED"]) == 1
    assert "rejected" in capsys.readouterr().out


def test_timeout_exits_1(bridge, capsys):
    ticks = iter(range(1000))
    assert run_gate(bridge, ["CLEARED"], max_wait="5", clock=lambda: next(ticks)) == 1
    assert "giving up" in capsys.readouterr().out


def test_runs_as_a_plain_script(bridge, tmp_path):
    # How an agent runs it: `python hitl_gate.py …` with titan_sdk importable.
    bridge.kv[hitl_status_key("hitl-gate-a")] = "APPROVED"
    env = {"TITAN_HOST": "127.0.0.1", "TITAN_PORT": str(bridge.server.port),
           "PYTHONPATH": str(Path(GATE_SCRIPT).parents[1])}
    proc = subprocess.run([sys.executable, str(GATE_SCRIPT), "hitl-gate-a", "10", "ok?"],
                          env=env, capture_output=True, text=True, timeout=30, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "[HITL] hitl-gate-a: ok?" in proc.stdout
