import base64

import pytest

from titan_sdk import TitanError, TitanJob, dag_id
from titan_sdk.job import archive_pointer, format_args

SCRIPT = b"print('hi')\n"
B64 = base64.b64encode(SCRIPT).decode()


@pytest.fixture
def script(tmp_path):
    path = tmp_path / "work" / "train.py"
    path.parent.mkdir()
    path.write_bytes(SCRIPT)
    return str(path)


def test_inline_task(script):
    job = TitanJob("a", script, args="--epochs 3", parents=["p1", "p2"], priority=5, delay=1500)
    assert job.to_string() == f"a|RUN_PAYLOAD|train.py|--epochs 3|{B64}|GENERAL|5|1500|[p1,p2]"


def test_inline_task_defaults(script):
    assert TitanJob("a", script).to_string() == f"a|RUN_PAYLOAD|train.py||{B64}|GENERAL|1|0|[]"


def test_inline_service(script):
    job = TitanJob("web", script, job_type="SERVICE", port=8080, requirement="GPU")
    assert job.to_string() == f"web|DEPLOY_PAYLOAD|train.py|{B64}|8080|GPU|1|0|[]"


def test_archive_task():
    job = TitanJob("t", "proj.zip/src/main.py", args=["x", 1], is_archive=True, parents=["a"])
    assert job.to_string() == "t|RUN_ARCHIVE|proj.zip/src/main.py|x 1|GENERAL|1|0|[a]"


def test_archive_service():
    job = TitanJob("s", "proj.zip/serve.py", job_type="SERVICE", args="--v", port=9000,
                   is_archive=True, priority=2, delay=10)
    assert job.to_string() == "s|START_ARCHIVE_SERVICE|proj.zip/serve.py|--v|9000|GENERAL|2|10|[]"


def test_affinity_suffix(script):
    job = TitanJob("b", script, parents=["a"], affinity=True)
    assert job.to_string() == f"b|RUN_PAYLOAD|train.py||{B64}|GENERAL|1|0|[a]|AFFINITY"


def test_archive_folder_path_becomes_zip_pointer():
    job = TitanJob("t", "proj/src/main.py", is_archive=True)
    assert job.to_string().split("|")[2] == "proj.zip/src/main.py"
    assert archive_pointer("proj\\a\\b.py") == "proj.zip/a/b.py"
    with pytest.raises(TitanError):
        archive_pointer("main.py")


def test_args_pipes_replaced_and_lists_joined():
    assert format_args("a|b c") == "a b c"
    assert format_args(["--x", 1, "y|z"]) == "--x 1 y z"
    assert format_args(None) == ""


def test_requirement_sanitised(script):
    assert "|GPUHIGH|" in TitanJob("a", script, requirement="GPU|HIGH").to_string()
    assert "|GENERAL|" in TitanJob("a", script, requirement=None).to_string()


def test_task_alias_and_unicode_args(script):
    job = TitanJob("a", script, job_type="TASK", args="héllo 世界")
    assert job.kind == "RUN_PAYLOAD"
    assert "|héllo 世界|" in job.to_string()


def test_missing_script_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError, match="job script not found: .*nope.py"):
        TitanJob("a", str(tmp_path / "nope.py"))
    with pytest.raises(TitanError):
        TitanJob("a", str(tmp_path / "nope.py"))


def test_archive_job_reads_nothing(tmp_path):
    job = TitanJob("t", "absent.zip/main.py", is_archive=True)  # no local file needed
    assert job.payload_b64 == ""


def test_script_read_at_construction(tmp_path):
    path = tmp_path / "s.py"
    path.write_bytes(SCRIPT)
    job = TitanJob("a", str(path))
    path.unlink()  # already embedded
    assert job.to_string() == f"a|RUN_PAYLOAD|s.py||{B64}|GENERAL|1|0|[]"


def test_original_positional_signature(script):
    # (job_id, filename, job_type, args, parents, port, is_archive, priority, delay,
    #  affinity, requirement, hitl_message, max_wait_seconds)
    job = TitanJob("a", script, "RUN_PAYLOAD", "--x 1", ["p"], 0, False, 3, 5, True, "GPU",
                   "check it", 600)
    assert job.to_string() == f"a|RUN_PAYLOAD|train.py|--x 1|{B64}|GPU|3|5|[p]|AFFINITY"
    assert (job.hitl_message, job.max_wait_seconds) == ("check it", 600)
    default = TitanJob("b", script)
    assert (default.args, default.hitl_message, default.max_wait_seconds) == ("", None, 172800)


@pytest.mark.parametrize("job_type", ["SERVICE", "DEPLOY_PAYLOAD", "service"])
def test_service_type_aliases(script, job_type):
    job = TitanJob("web", script, job_type=job_type, port=8080)
    assert job.is_service and job.kind == "DEPLOY_PAYLOAD"


def test_service_needs_port(script):
    with pytest.raises(TitanError, match="port"):
        TitanJob("s", script, job_type="SERVICE")


@pytest.mark.parametrize("bad", ["", "a|b", "a;b", "a,b", "a[0]"])
def test_invalid_ids(script, bad):
    with pytest.raises(TitanError):
        TitanJob(bad, script)


def test_timeout_and_retries_kept_but_not_on_wire(script):
    job = TitanJob("a", script, timeout=30, max_retries=2)
    assert (job.timeout, job.max_retries) == (30, 2)
    assert job.to_string() == TitanJob("a", script).to_string()


def test_dag_id():
    assert dag_id("x") == "DAG-x"
    assert dag_id("DAG-x") == "DAG-x"


def test_resource_asks_follow_the_tag_in_a_fixed_order(script):
    job = TitanJob("a", script, requirement="GPU", cpus=4, memory_mb=8192, gpu_memory_mb=40960, gpus=2)
    assert job.to_string() == (
        f"a|RUN_PAYLOAD|train.py||{B64}|GPU gpus=2 gpu_memory_mb=40960 memory_mb=8192 cpus=4|1|0|[]")


def test_only_non_zero_asks_are_written(script):
    job = TitanJob("web", script, job_type="SERVICE", port=8080, memory_mb=256)
    assert job.to_string() == f"web|DEPLOY_PAYLOAD|train.py|{B64}|8080|GENERAL memory_mb=256|1|0|[]"
    archive = TitanJob("t", "proj.zip/m.py", is_archive=True, gpus=1, cpus=0)
    assert archive.to_string() == "t|RUN_ARCHIVE|proj.zip/m.py||GENERAL gpus=1|1|0|[]"


def test_zero_asks_leave_the_original_string(script):
    asked_nothing = TitanJob("a", script, gpus=0, gpu_memory_mb=0, memory_mb=0, cpus=0.0)
    assert asked_nothing.to_string() == TitanJob("a", script).to_string()
    assert TitanJob("a", script).to_string() == f"a|RUN_PAYLOAD|train.py||{B64}|GENERAL|1|0|[]"


@pytest.mark.parametrize("cpus, text", [(0.5, "0.5"), (4.0, "4"), (2, "2"), (1e-07, "0.0000001"), (0.1, "0.1")])
def test_cpus_written_as_plain_decimals(script, cpus, text):
    assert f"|GENERAL cpus={text}|" in TitanJob("a", script, cpus=cpus).to_string()


@pytest.mark.parametrize("kwargs", [
    {"gpus": -1}, {"gpus": 0.5}, {"gpus": True}, {"gpus": "2"},
    {"gpu_memory_mb": 1.5}, {"memory_mb": -5}, {"memory_mb": None},
    {"cpus": -0.5}, {"cpus": False}, {"cpus": "1"}, {"cpus": float("nan")}, {"cpus": float("inf")},
])
def test_bad_resource_asks_refused_at_construction(script, kwargs):
    key = next(iter(kwargs))
    with pytest.raises(TitanError, match=f"job 'a': {key} must be"):
        TitanJob("a", script, **kwargs)
