"""The shipped examples stay valid: they compile and the YAML pipeline validates."""

import py_compile
from pathlib import Path

import pytest

from titan_sdk.pipeline import load_pipeline

EXAMPLES = Path(__file__).resolve().parents[3] / "sdk" / "python" / "examples"


@pytest.mark.parametrize("path", sorted(EXAMPLES.rglob("*.py")), ids=lambda p: p.name)
def test_example_compiles(path, tmp_path):
    py_compile.compile(str(path), cfile=str(tmp_path / "x.pyc"), doraise=True)


def test_example_diamond_yaml_is_valid():
    pytest.importorskip("yaml")
    pipe = load_pipeline(EXAMPLES / "diamond" / "diamond.yaml")
    assert [j.id for j in pipe.jobs] == ["fetch", "left", "right", "join"]
    assert pipe.jobs[3].parents == ["left", "right"]
