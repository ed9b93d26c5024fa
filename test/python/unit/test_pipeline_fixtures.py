"""The shared pipeline corpus (test/fixtures/pipelines, rules in its README).

Every case must give exactly the expected normalised pipeline or the expected errors;
the TypeScript SDK runs the same corpus in test/cli/pipelineFixtures.test.ts.
"""

import json
import sys
from pathlib import Path

import pytest

from titan_sdk import PipelineError
from titan_sdk.pipeline import normalize_file

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "pipelines"
EXPECTATION = (".expected.json", ".error.json")
CASES = sorted(p for p in FIXTURES.iterdir()
               if p.suffix in (".yaml", ".yml", ".json") and not p.name.endswith(EXPECTATION))


def stem(path: Path) -> str:
    return path.name.rsplit(".", 1)[0]


def outcome(path: Path) -> dict:
    try:
        return {"pipeline": normalize_file(path)}
    except PipelineError as err:
        return {"errors": err.issues}


def check(path: Path) -> None:
    got = outcome(path)
    expected = FIXTURES / f"{stem(path)}.expected.json"
    if expected.exists():
        assert got == {"pipeline": json.loads(expected.read_text())}
        return
    want = json.loads((FIXTURES / f"{stem(path)}.error.json").read_text())["errors"]
    assert "errors" in got, got
    # Only the fields an expectation names are compared (a syntax error's wording is the parser's).
    assert [{k: e.get(k) for k in (want[i] if i < len(want) else {})}
            for i, e in enumerate(got["errors"])] == want


def test_one_expectation_per_case():
    assert len(CASES) >= 20
    for case in CASES:
        found = [s for s in EXPECTATION if (FIXTURES / f"{stem(case)}{s}").exists()]
        assert len(found) == 1, case.name
    stems = {stem(c) for c in CASES}
    for p in FIXTURES.iterdir():
        if p.name.endswith(EXPECTATION):
            assert p.name.split(".")[0] in stems, p.name


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.name)
def test_case(path):
    if path.suffix != ".json":
        pytest.importorskip("yaml")
    check(path)


@pytest.mark.parametrize("path", [c for c in CASES if c.suffix == ".json"], ids=lambda p: p.name)
def test_json_case_without_pyyaml(path, monkeypatch):
    monkeypatch.setitem(sys.modules, "yaml", None)  # core titan_sdk is stdlib-only
    check(path)
