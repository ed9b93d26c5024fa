"""YAML (or JSON) pipelines in the original SDK's format, validated before sending.

    name: diamond                 # DAG name (default: the file name without its suffix)
    project: ./src                # optional: folder zipped and uploaded; `file`s are entries in it
    schedule: "*/5 * * * *"       # optional: read by `titan schedule add`; submitting runs it once
    jobs:
      - id: a
        type: run                 # run | service
        file: a.py                # relative to the pipeline file's folder (or to `project`)
        args: "--n 3"             # string (split on whitespace) or list
        requirement: GENERAL
        priority: 1
        delay: 0                  # seconds (sent as milliseconds, as the original did)
        affinity: false
        depends_on: []
        port: 8080                # services only
        hitl_message: "ok?"       # an approval gate after this job (max_wait_seconds: 172800)
        gpus: 1                   # resource asks: gpus, gpu_memory_mb, memory_mb, cpus (default 0)

``project: true`` (the original's flag) zips the pipeline file's own folder as
``<name>.zip``. Every problem is reported at once, each with a code, the key and the
line (``PipelineError.issues``): unknown or duplicate keys, wrong value types,
duplicate ids, unknown parents, cycles, missing files, services without a port.
Resource asks are sent in the job string's REQ field (docs/titan-proto-extensions.md).
The rules are shared with the TypeScript SDK: ``test/fixtures/pipelines`` holds the
cases both must agree on, and its README states them.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from .errors import PipelineError
from .job import TitanJob
from .pipeline_format import Files, find_cycle, format_issue, normalize_source
from .pipeline_source import YAML_MISSING, SourceSyntaxError, read_source

__all__ = ["Pipeline", "YAML_MISSING", "find_cycle", "load_pipeline", "normalize_file", "normalize_text"]


@dataclass
class Pipeline:
    """A validated pipeline: its jobs, ready to submit."""

    name: str
    path: Path
    jobs: list[TitanJob] = field(default_factory=list)
    project_dir: Path | None = None  # folder to zip and upload first, if any
    zip_name: str | None = None  # asset name of that zip
    normalized: dict = field(default_factory=dict)  # the shared normalised form

    def dag_name(self) -> str:
        """A per-submission DAG name, ``<name>-<unix seconds>`` like the original."""
        return f"{self.name}-{int(time.time())}"


def files_beside(path: Path) -> Files:
    """The file system seen from the pipeline file's folder."""
    base = path.resolve().parent
    return Files(
        is_file=lambda p: (base / p).is_file(),
        is_dir=lambda p: (base / p).is_dir(),
        folder_name=lambda p: (base / p).resolve().name,
    )


def normalize_text(text: str, file_name: str, files: Files | None = None) -> tuple[dict | None, list[dict]]:
    """(normalised pipeline, []) or (None, issues); JSON by ``.json`` suffix, YAML otherwise."""
    fmt = "json" if file_name.lower().endswith(".json") else "yaml"
    try:
        root = read_source(text, fmt)
    except SourceSyntaxError as exc:
        return None, [{"code": "syntax", "key": None, "line": exc.line, "job": None, "message": str(exc)}]
    return normalize_source(root, file_name, files)


def _raise(where: str, issues: list[dict]) -> None:
    lines = [format_issue(i) for i in issues]
    raise PipelineError(f"{where}: invalid pipeline:\n  - " + "\n  - ".join(lines), issues=issues)


def normalize_file(path: str | os.PathLike[str]) -> dict:
    """Read a pipeline file and apply every rule: the normalised form, or PipelineError.

    YAML needs PyYAML (``TitanError(YAML_MISSING)`` without it); JSON never does.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        issue = {"code": "file_not_found", "key": None, "line": None, "job": None,
                 "message": f"pipeline file not found: {path}"}
        raise PipelineError(issue["message"], issues=[issue]) from None
    normalized, issues = normalize_text(text, p.name, files_beside(p))
    if normalized is None:
        _raise(p.name, issues)
    return normalized


def unsupported_over_bridge(normalized: dict) -> list[dict]:
    """What TITAN_PROTO's job strings cannot carry, refused rather than dropped: args of an
    inline service (DEPLOY_PAYLOAD has no args field). Resource asks travel in REQ."""
    return [{"code": "unsupported", "key": "args", "line": None, "job": job["id"],
             "message": f"job '{job['id']}': an inline service takes no 'args' over TITAN_PROTO (use a project)"}
            for job in normalized["jobs"]
            if job["type"] == "service" and job["args"] and not normalized["project"]]


def delay_ms(seconds: float) -> int:
    """Seconds -> whole milliseconds, half up (the TypeScript SDK rounds the same way)."""
    return math.floor(seconds * 1000 + 0.5)


def load_pipeline(path: str | os.PathLike[str]) -> Pipeline:
    """Read and validate a pipeline file; raises PipelineError listing every problem."""
    p = Path(path).resolve()
    normalized = normalize_file(p)
    unsupported = unsupported_over_bridge(normalized)
    if unsupported:
        _raise(p.name, unsupported)
    base = p.parent
    project_dir = (base / normalized["project"]).resolve() if normalized["project"] else None
    zip_name = normalized["archive"]
    jobs = [
        TitanJob(
            job["id"],
            f"{zip_name}/{job['file']}" if project_dir else str((base / job["file"]).resolve()),
            job_type="SERVICE" if job["type"] == "service" else "RUN_PAYLOAD",
            args=job["args"],
            parents=job["parents"],
            port=job["port"],
            is_archive=project_dir is not None,
            priority=job["priority"],
            delay=delay_ms(job["delay"]),
            affinity=job["affinity"],
            requirement=job["requirement"],
            hitl_message=job["hitl"]["message"] if job["hitl"] else None,
            max_wait_seconds=job["hitl"]["max_wait_seconds"] if job["hitl"] else 172800,
            **job["resources"],  # gpus, gpu_memory_mb, memory_mb, cpus: TitanJob's keyword names
        )
        for job in normalized["jobs"]
    ]
    return Pipeline(normalized["name"], p, jobs, project_dir, zip_name, normalized)
