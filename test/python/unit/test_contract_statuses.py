"""The Python SDK's status constants equal the contract's (control-plane/src/contract/jobs.ts).

Read through node, so a change on either side fails here rather than as a wait loop
that never ends.
"""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from titan_sdk import FINAL_STATUSES
from titan_sdk.client import FAILED_STATUSES, YAML_ENDED_STATUSES

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = """
import('./control-plane/src/contract/jobs.ts').then((m) => console.log(JSON.stringify({
  final: m.FINAL_STATUSES ?? null,
  terminalAsSeen: m.TERMINAL_STATES.map(m.userStatus),
  userStatuses: m.UserStatus.options,
})));
"""


@pytest.fixture(scope="module")
def contract():
    if shutil.which("node") is None or not (ROOT / "node_modules" / "tsx").is_dir():
        pytest.skip("node with tsx is needed to read the contract")
    out = subprocess.run(["node", "--import", "tsx", "-e", SCRIPT], cwd=ROOT, capture_output=True,
                         text=True, timeout=60, check=True)
    return json.loads(out.stdout)


def test_final_statuses_match_the_contract(contract):
    assert set(contract["terminalAsSeen"]) == FINAL_STATUSES
    if contract["final"] is not None:
        assert set(contract["final"]) == FINAL_STATUSES


def test_python_status_sets_use_the_contract_vocabulary(contract):
    seen = set(contract["userStatuses"])
    assert FINAL_STATUSES <= seen and FAILED_STATUSES <= FINAL_STATUSES
    assert FINAL_STATUSES <= YAML_ENDED_STATUSES  # the original's submit_yaml(wait=True) set, plus ours
