"""Pure pieces of the Dagster integration: job ids, the env a remote job gets, the metadata
a materialization gets, the failure text. No Dagster import here, so they unit-test in plain
Python."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from urllib.parse import quote

# What the control plane accepts in a job id (contract/common JobId): no whitespace, / \ | ; , [ ].
_UNSAFE_ID = re.compile(r"[\s|;,\[\]/\\]+")
MAX_ID = 200
FINAL = ("COMPLETED", "FAILED", "CANCELLED")
TAIL_LINES = 40

# The metadata keys a materialization gets; `job_id` is also how a later step finds the node
# its upstream asset ran on (affinity).
JOB_ID_KEY = "titan/job_id"


def job_id_for(asset_path: Sequence[str], run_id: str, retry: int = 0, call: int = 1) -> str:
    """``<asset>-<run id, 8 chars>`` (+ ``-r<retry>`` for a step retry, ``-<n>`` for the n-th
    job of one step): fresh per Dagster run, so re-materializing never collides, and readable in
    ``titan jobs``."""
    name = _UNSAFE_ID.sub("_", ".".join(asset_path) or "op")
    suffix = f"-{run_id[:8]}" + (f"-r{retry}" if retry else "") + (f"-{call}" if call > 1 else "")
    return name[: MAX_ID - len(suffix)] + suffix


def dagster_env(
    run_id: str,
    job_name: str,
    asset_path: Sequence[str] | None,
    partition_key: str | None,
    partition_range: tuple[str, str] | None,
    op_config: object,
) -> dict[str, str]:
    """What a plain script learns of its Dagster step, as env vars (Pipes scripts get the same
    through their context, and these too)."""
    env = {"TITAN_DAGSTER_RUN_ID": run_id, "TITAN_DAGSTER_JOB_NAME": job_name}
    if asset_path:
        env["TITAN_DAGSTER_ASSET_KEY"] = "/".join(asset_path)
    if partition_key is not None:
        env["TITAN_DAGSTER_PARTITION_KEY"] = partition_key
    if partition_range is not None:
        env["TITAN_DAGSTER_PARTITION_KEY_RANGE_START"], env["TITAN_DAGSTER_PARTITION_KEY_RANGE_END"] = partition_range
    if op_config is not None:
        env["TITAN_DAGSTER_RUN_CONFIG"] = json.dumps(op_config, sort_keys=True, default=str)
    return env


def dashboard_link(base_url: str, job_id: str) -> str:
    """The job's page on the control plane's dashboard (the token is never put in a link)."""
    return f"{base_url.rstrip('/')}/#/jobs/{quote(job_id, safe='')}"


def duration_s(job: Mapping) -> float | None:
    """Seconds the last attempt ran, from the job view's timestamps (ms)."""
    start, end = job.get("startedAt"), job.get("finishedAt")
    return round((end - start) / 1000, 3) if start is not None and end is not None else None


def run_metadata(job: Mapping, base_url: str) -> dict[str, object]:
    """Plain values for the materialization's metadata (the resource wraps the link as a URL)."""
    meta: dict[str, object] = {
        JOB_ID_KEY: job["id"],
        "titan/agent": job.get("node") or "",
        "titan/capability": job.get("requirement") or "",
        "titan/attempts": int(job.get("attempts") or 0),
        "titan/status": job.get("status") or "",
    }
    seconds = duration_s(job)
    if seconds is not None:
        meta["titan/duration_s"] = seconds
    meta["titan/dashboard"] = dashboard_link(base_url, job["id"])
    return meta


def failure_text(job: Mapping, tail: Sequence[str]) -> str:
    """Why a step failed: the remote exit code, the control plane's reason, the log tail."""
    status = job.get("status")
    head = f"Titan job {job['id']} {'was cancelled' if status == 'CANCELLED' else 'failed'}"
    if job.get("node"):
        head += f" on {job['node']}"
    if job.get("exitCode") is not None:
        head += f" (exit code {job['exitCode']})"
    if job.get("attempts"):
        head += f" after {job['attempts']} attempt{'s' if job['attempts'] != 1 else ''}"
    lines = [head + "."]
    if job.get("error"):
        lines.append(f"Reason: {job['error']}")
    if tail:
        lines.append(f"Last {len(tail)} log lines:")
        lines.extend(tail)
    return "\n".join(lines)


class PipesLineJoiner:
    """A Pipes message longer than the agent's line limit (16 KiB) arrives cut into pieces on
    consecutive stderr lines: join them back. Other lines pass straight through."""

    def __init__(self, piece: int = 16 * 1024, marker: str = '{"__dagster_pipes_version"') -> None:
        self._piece, self._marker, self._held = piece, marker, ""

    def push(self, text: str) -> list[str]:
        """Complete lines, in order; a cut message is held until its last piece."""
        if self._held:
            self._held += text
            if len(text) == self._piece and not _is_json(self._held):
                return []  # a full piece, and the message is not whole yet
            done, self._held = self._held, ""
            return [done]
        if text.startswith(self._marker) and len(text) == self._piece and not _is_json(text):
            self._held = text
            return []
        return [text]

    def flush(self) -> list[str]:
        done, self._held = self._held, ""
        return [done] if done else []


def pipes_message(text: str) -> dict | None:
    """A Pipes protocol message, or None for an ordinary log line."""
    if not text.startswith("{"):
        return None
    try:
        msg = json.loads(text)
    except ValueError:
        return None
    return msg if isinstance(msg, dict) and "__dagster_pipes_version" in msg else None


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
        return True
    except ValueError:
        return False
