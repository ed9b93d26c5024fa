"""titan_dagster's pure pieces: job ids, the env a script gets, metadata, failure text, and the
joining of Pipes messages the agent cut at its line limit."""

import json

import pytest

pytest.importorskip("dagster", reason="the [dagster] extra is not installed")

from titan_dagster.naming import (  # noqa: E402
    PipesLineJoiner, dagster_env, failure_text, job_id_for, pipes_message, run_metadata,
)


def test_job_ids_are_fresh_per_run_retry_and_call_and_always_valid():
    run = "2f9e6a77-1234-5678-9abc-def012345678"
    assert job_id_for(["raw_data"], run) == "raw_data-2f9e6a77"
    assert job_id_for(["raw_data"], run, retry=2) == "raw_data-2f9e6a77-r2"
    assert job_id_for(["raw_data"], run, call=3) == "raw_data-2f9e6a77-3"
    assert job_id_for(["raw_data"], "00000000-x") != job_id_for(["raw_data"], run)
    # Key paths join with '.', and what a job id may not hold (whitespace, / \ | ; , [ ]) becomes '_'.
    assert job_id_for(["warehouse", "my table|x"], run) == "warehouse.my_table_x-2f9e6a77"
    long = job_id_for(["a" * 500], run, retry=1, call=2)
    assert len(long) == 200 and long.endswith("-2f9e6a77-r1-2")


def test_the_env_a_plain_script_gets():
    env = dagster_env("run-1", "etl", ["a", "b"], "2026-12-01", None, {"threshold": 0.5})
    assert env == {
        "TITAN_DAGSTER_RUN_ID": "run-1", "TITAN_DAGSTER_JOB_NAME": "etl", "TITAN_DAGSTER_ASSET_KEY": "a/b",
        "TITAN_DAGSTER_PARTITION_KEY": "2026-12-01", "TITAN_DAGSTER_RUN_CONFIG": '{"threshold": 0.5}',
    }
    ranged = dagster_env("r", "j", None, None, ("2026-01-01", "2026-01-31"), None)
    assert ranged["TITAN_DAGSTER_PARTITION_KEY_RANGE_START"] == "2026-01-01"
    assert ranged["TITAN_DAGSTER_PARTITION_KEY_RANGE_END"] == "2026-01-31"
    assert "TITAN_DAGSTER_ASSET_KEY" not in ranged and "TITAN_DAGSTER_RUN_CONFIG" not in ranged


JOB = {"id": "train-1", "node": "gpu-1", "requirement": "GPU", "attempts": 2, "status": "COMPLETED", "startedAt": 1000, "finishedAt": 3500, "exitCode": 0, "error": None}


def test_metadata_of_a_run():
    meta = run_metadata(JOB, "http://127.0.0.1:8787/")
    assert meta == {
        "titan/job_id": "train-1", "titan/agent": "gpu-1", "titan/capability": "GPU", "titan/attempts": 2,
        "titan/status": "COMPLETED", "titan/duration_s": 2.5, "titan/dashboard": "http://127.0.0.1:8787/#/jobs/train-1",
    }
    assert "titan/duration_s" not in run_metadata({**JOB, "startedAt": None}, "http://x")


def test_failure_text_has_the_exit_code_reason_and_tail():
    text = failure_text({**JOB, "status": "FAILED", "exitCode": 3, "error": "exit code 3"}, ["a", "b"])
    assert text.splitlines() == ["Titan job train-1 failed on gpu-1 (exit code 3) after 2 attempts.", "Reason: exit code 3", "Last 2 log lines:", "a", "b"]
    assert failure_text({**JOB, "status": "CANCELLED", "exitCode": None, "attempts": 1, "error": None}, []) == "Titan job train-1 was cancelled on gpu-1 after 1 attempt."


def test_pipes_messages_are_told_from_log_lines():
    msg = {"__dagster_pipes_version": "0.1", "method": "log", "params": {"message": "hi", "level": "INFO"}}
    assert pipes_message(json.dumps(msg)) == msg
    assert pipes_message('{"not": "pipes"}') is None
    assert pipes_message("plain text") is None
    assert pipes_message('{"__dagster_pipes_version": broken') is None


def test_a_pipes_message_cut_into_pieces_is_joined_back():
    piece = 32  # longer than the message's opening marker, as the real 16 KiB is
    for pad in range(piece):  # every length of the last piece, a full one included
        big = json.dumps({"__dagster_pipes_version": "0.1", "method": "report_asset_materialization", "params": {"metadata": {"x": "y" * (40 + pad)}}})
        joiner = PipesLineJoiner(piece=piece)
        out = []
        for i in range(0, len(big), piece):
            out += joiner.push(big[i:i + piece])
        out += joiner.push("after")
        assert out == [big, "after"], pad
    # A full-length line that is not a cut message passes straight through.
    assert PipesLineJoiner(piece=5).push("hello") == ["hello"]
    assert joiner.flush() == []


def test_a_step_that_starts_two_jobs_gets_two_ids_and_old_runs_are_forgotten():
    from titan_dagster import resource

    facts = {"path": ["a"], "run_id": "run00001-x", "retry": 0}
    assert [resource._next_job_id(facts) for _ in range(2)] == ["a-run00001", "a-run00001-2"]
    for i in range(resource.RECENT_RUNS + 5):
        resource._next_job_id({**facts, "run_id": f"other{i:04d}"})
    assert len(resource._calls) == resource.RECENT_RUNS
    assert "run00001-x" not in resource._calls
