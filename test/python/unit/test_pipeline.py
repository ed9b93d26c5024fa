import json
import sys
import textwrap

import pytest

from titan_sdk import PipelineError, TitanError
from titan_sdk.pipeline import YAML_MISSING, find_cycle, load_pipeline


def write(tmp_path, name, text):
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


@pytest.fixture
def scripts(tmp_path):
    for name in ("a.py", "b.py", "c.py", "d.py"):
        write(tmp_path, name, "print('x')\n")
    return tmp_path


DIAMOND = """
name: diamond
jobs:
  - {id: a, file: a.py, delay: 1.5, priority: 3}
  - {id: b, file: b.py, depends_on: [a], args: [--n, 2]}
  - {id: c, file: c.py, depends_on: [a], requirement: GPU, affinity: true}
  - {id: d, file: d.py, depends_on: [b, c]}
"""


def test_yaml_diamond(scripts):
    pytest.importorskip("yaml")
    pipe = load_pipeline(write(scripts, "p.yaml", DIAMOND))
    assert pipe.name == "diamond" and pipe.dag_name().startswith("diamond-")
    jobs = {j.id: j for j in pipe.jobs}
    assert list(jobs) == ["a", "b", "c", "d"]
    assert jobs["a"].delay == 1500 and jobs["a"].priority == 3  # YAML delay is in seconds
    assert jobs["b"].args == "--n 2"
    assert jobs["d"].parents == ["b", "c"]
    assert jobs["c"].to_string().endswith("|GPU|1|0|[a]|AFFINITY")
    assert pipe.project_dir is None


def test_json_without_pyyaml(scripts, monkeypatch):
    monkeypatch.setitem(sys.modules, "yaml", None)  # import yaml -> ImportError
    data = {"name": "j", "jobs": [{"id": "a", "file": "a.py"},
                                  {"id": "b", "file": "b.py", "depends_on": ["a"]}]}
    path = scripts / "p.json"
    path.write_text(json.dumps(data))
    pipe = load_pipeline(path)
    assert [j.id for j in pipe.jobs] == ["a", "b"]


def test_yaml_needs_pyyaml(scripts, monkeypatch):
    monkeypatch.setitem(sys.modules, "yaml", None)
    with pytest.raises(TitanError) as err:
        load_pipeline(write(scripts, "p.yaml", DIAMOND))
    assert str(err.value) == YAML_MISSING


def pipeline_error(tmp_path, jobs, **top):
    path = tmp_path / "p.json"
    path.write_text(json.dumps({"name": "x", "jobs": jobs, **top}))
    with pytest.raises(PipelineError) as err:
        load_pipeline(path)
    return str(err.value)


def test_cycle_is_named(scripts):
    msg = pipeline_error(scripts, [
        {"id": "a", "file": "a.py", "depends_on": ["c"]},
        {"id": "b", "file": "b.py", "depends_on": ["a"]},
        {"id": "c", "file": "c.py", "depends_on": ["b"]},
        {"id": "d", "file": "d.py"},
    ])
    assert "cycle: " in msg
    cycle = msg.split("cycle: ")[1].split(" (line")[0].split()[::2]
    assert set(cycle) == {"a", "b", "c"} and cycle[0] == cycle[-1] and len(cycle) == 4


def test_self_dependency_is_a_cycle(scripts):
    assert "cycle: a -> a" in pipeline_error(
        scripts, [{"id": "a", "file": "a.py", "depends_on": ["a"]}])


def test_unknown_parent(scripts):
    msg = pipeline_error(scripts, [{"id": "a", "file": "a.py", "depends_on": ["ghost"]}])
    assert "job 'a' depends on unknown job 'ghost'" in msg


def test_duplicate_id(scripts):
    msg = pipeline_error(scripts, [{"id": "a", "file": "a.py"}, {"id": "a", "file": "b.py"}])
    assert "duplicate job id 'a'" in msg


def test_missing_file_resolved_against_pipeline_folder(tmp_path, monkeypatch):
    sub = tmp_path / "pipes"
    write(sub, "a.py", "")
    monkeypatch.chdir(tmp_path)  # cwd differs from the pipeline's folder
    msg = pipeline_error(sub, [{"id": "a", "file": "a.py"}, {"id": "b", "file": "missing.py"}])
    assert "job 'b': file 'missing.py' not found" in msg
    assert "job 'a'" not in msg


def test_service_without_port(scripts):
    msg = pipeline_error(scripts, [{"id": "s", "type": "service", "file": "a.py"}])
    assert "job 's': a service needs a 'port'" in msg


def test_all_problems_reported_together(scripts):
    msg = pipeline_error(scripts, [
        {"id": "a", "file": "nope.py"},
        {"id": "s", "type": "service", "file": "a.py"},
        {"id": "a", "file": "a.py"},
        {"file": "a.py"},
        {"id": "t", "type": "batch", "file": "a.py"},
    ])
    for part in ("nope.py", "needs a 'port'", "duplicate job id 'a'", "job #4 has no 'id'",
                 "type must be 'run' or 'service'"):
        assert part in msg


def test_empty_or_malformed(tmp_path):
    assert "non-empty list" in pipeline_error(tmp_path, [])
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2]")
    with pytest.raises(PipelineError, match="mapping"):
        load_pipeline(bad)
    with pytest.raises(PipelineError, match="not found"):
        load_pipeline(tmp_path / "absent.json")


def test_project_folder_makes_archive_jobs(tmp_path):
    write(tmp_path, "proj/src/main.py", "import helper\n")
    write(tmp_path, "proj/src/helper.py", "")
    path = tmp_path / "p.json"
    path.write_text(json.dumps({"name": "x", "project": "proj", "jobs": [
        {"id": "m", "file": "src/main.py", "args": "hi"},
        {"id": "s", "type": "service", "file": "src/main.py", "port": 7000, "depends_on": ["m"]},
    ]}))
    pipe = load_pipeline(path)
    assert pipe.zip_name == "proj.zip" and pipe.project_dir == (tmp_path / "proj").resolve()
    assert [j.to_string() for j in pipe.jobs] == [
        "m|RUN_ARCHIVE|proj.zip/src/main.py|hi|GENERAL|1|0|[]",
        "s|START_ARCHIVE_SERVICE|proj.zip/src/main.py||7000|GENERAL|1|0|[m]",
    ]


def test_project_true_zips_pipeline_folder(scripts):
    path = scripts / "p.json"
    path.write_text(json.dumps({"name": "agent", "project": True,
                                "jobs": [{"id": "a", "file": "a.py"}]}))
    pipe = load_pipeline(path)
    assert pipe.zip_name == "agent.zip" and pipe.project_dir == scripts.resolve()
    assert pipe.jobs[0].to_string() == "a|RUN_ARCHIVE|agent.zip/a.py||GENERAL|1|0|[]"


def test_project_entry_must_exist_and_stay_inside(tmp_path):
    write(tmp_path, "proj/main.py", "")
    msg = pipeline_error(tmp_path, [{"id": "a", "file": "other.py"},
                                    {"id": "b", "file": "../p.json"}], project="proj")
    assert "file 'other.py' not found in project folder" in msg
    assert "must be a path inside the project folder" in msg


def test_find_cycle():
    assert find_cycle({"a": [], "b": ["a"], "c": ["a", "b"]}) is None
    assert find_cycle({"a": ["b"], "b": ["a"]}) in (["a", "b", "a"], ["b", "a", "b"])


# -- from the shared corpus (test/fixtures/pipelines) to TITAN_PROTO job strings ----------

FIXTURES = __import__("pathlib").Path(__file__).resolve().parents[2] / "fixtures" / "pipelines"


def test_corpus_diamond_becomes_the_same_job_strings():
    pytest.importorskip("yaml")
    pipe = load_pipeline(FIXTURES / "delay_priority_affinity.yaml")
    assert pipe.name == "tuned" and pipe.normalized["jobs"][0]["delay"] == 1.5
    strings = [j.to_string().split("|") for j in pipe.jobs]
    assert [s[1] for s in strings] == ["RUN_PAYLOAD", "RUN_PAYLOAD"]
    assert strings[0][5:] == ["GENERAL", "-3", "1500", "[]"]
    assert strings[1][5:] == ["GPU", "10", "2000", "[warm]", "AFFINITY"]  # requirement upper-cased


def test_hitl_message_adds_a_gate():
    from titan_sdk.job import with_hitl_gates
    pytest.importorskip("yaml")
    pipe = load_pipeline(FIXTURES / "hitl.yaml")
    jobs, gates = with_hitl_gates(pipe.jobs)
    assert gates == ["hitl-gate-build", "hitl-gate-report"]
    by_id = {j.id: j for j in jobs}
    assert by_id["hitl-gate-build"].args.startswith("hitl-gate-build 600 Ship")
    assert by_id["hitl-gate-report"].args.startswith("hitl-gate-report 172800 Publish")
    assert by_id["deploy"].parents == ["hitl-gate-build", "hitl-gate-report"]


def test_resource_asks_go_through_in_the_req_field():
    pytest.importorskip("yaml")
    big, small = load_pipeline(FIXTURES / "resources.yaml").jobs
    assert (big.gpus, big.gpu_memory_mb, big.memory_mb, big.cpus) == (2, 40960, 65536, 0.5)
    assert big.to_string().split("|")[5] == "GENERAL gpus=2 gpu_memory_mb=40960 memory_mb=65536 cpus=0.5"
    assert small.to_string().split("|")[5] == "GENERAL cpus=4"


def test_what_the_wire_cannot_carry_is_refused_not_dropped():
    pytest.importorskip("yaml")
    with pytest.raises(PipelineError, match="inline service takes no 'args'") as err:
        load_pipeline(FIXTURES / "service_port.yaml")
    assert {(i["code"], i["key"]) for i in err.value.issues} == {("unsupported", "args")}


def test_unknown_key_is_an_error_with_its_line():
    pytest.importorskip("yaml")
    with pytest.raises(PipelineError) as err:
        load_pipeline(FIXTURES / "unknown_job_key_requires.yaml")
    assert "job 'train': unknown key 'requires' (line 6)" in str(err.value)


def test_delay_rounds_half_up():
    from titan_sdk.pipeline import delay_ms
    assert [delay_ms(x) for x in (0, 0.0005, 0.0015, 1.5, 2)] == [0, 1, 2, 1500, 2000]
