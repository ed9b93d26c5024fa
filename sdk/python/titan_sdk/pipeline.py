"""YAML (or JSON) pipelines in the original SDK's format, validated before sending.

    name: diamond                 # DAG name (default "titan_agent")
    project: ./src                # optional: folder zipped and uploaded; `file`s are entries in it
    jobs:
      - id: a
        type: run                 # run | service
        file: a.py                # relative to the pipeline file's folder (or to `project`)
        args: "--n 3"             # string or list
        requirement: GENERAL
        priority: 1
        delay: 0                  # seconds (sent as milliseconds, as the original did)
        affinity: false
        depends_on: []
        port: 8080                # services only

``project: true`` (the original's flag) zips the pipeline file's own folder as
``<name>.zip``. Everything is checked first and all problems are reported at
once: duplicate ids, unknown parents, cycles, missing files, services without
a port.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from .errors import PipelineError, TitanError
from .job import TitanJob

YAML_MISSING = "PyYAML is required to read YAML pipelines: pip install pyyaml"
JOB_TYPES = {"run": "RUN_PAYLOAD", "task": "RUN_PAYLOAD", "service": "SERVICE"}


@dataclass
class Pipeline:
    """A validated pipeline: its jobs, ready to submit."""

    name: str
    path: Path
    jobs: list[TitanJob] = field(default_factory=list)
    project_dir: Path | None = None  # folder to zip and upload first, if any
    zip_name: str | None = None  # asset name of that zip

    def dag_name(self) -> str:
        """A per-submission DAG name, ``<name>-<unix seconds>`` like the original."""
        return f"{self.name}-{int(time.time())}"


def read_pipeline_file(path: str | os.PathLike[str]) -> object:
    """Parse the file: JSON by ``.json`` suffix, YAML otherwise (needs PyYAML)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PipelineError(f"pipeline file not found: {path}") from None
    if p.suffix.lower() == ".json":
        try:
            return json.loads(text)
        except ValueError as exc:
            raise PipelineError(f"{p.name}: invalid JSON: {exc}") from None
    try:
        import yaml
    except ImportError:
        raise TitanError(YAML_MISSING) from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise PipelineError(f"{p.name}: invalid YAML: {exc}") from None


def load_pipeline(path: str | os.PathLike[str]) -> Pipeline:
    """Read and validate a pipeline file; raises PipelineError listing every problem."""
    p = Path(path).resolve()
    return parse_pipeline(read_pipeline_file(p), p)


def parse_pipeline(data: object, path: Path) -> Pipeline:
    """Validate already-parsed pipeline data; relative paths resolve against ``path``'s folder."""
    where = path.name
    if not isinstance(data, Mapping):
        raise PipelineError(f"{where}: the top level must be a mapping with a 'jobs' list")
    base = path.parent
    name = str(data.get("name") or "titan_agent")
    project_dir, zip_name = _project(data.get("project"), base, name, where)
    raw_jobs = data.get("jobs")
    if not isinstance(raw_jobs, list) or not raw_jobs:
        raise PipelineError(f"{where}: 'jobs' must be a non-empty list")

    errors: list[str] = []
    specs: list[dict] = []
    seen: set[str] = set()
    for n, raw in enumerate(raw_jobs, 1):
        raw_id = raw.get("id") if isinstance(raw, Mapping) else None
        if raw_id is not None and str(raw_id) in seen:
            errors.append(f"duplicate job id '{raw_id}'")
            continue
        spec = _job_spec(raw, n, base, project_dir, zip_name, errors)
        if raw_id is not None:
            seen.add(str(raw_id))  # known even when invalid: no "unknown parent" noise
        if spec is not None:
            specs.append(spec)

    graph = {s["job_id"]: s["parents"] for s in specs}
    for job_id, parents in graph.items():
        for parent in parents:
            if parent not in seen:
                errors.append(f"job '{job_id}' depends on unknown job '{parent}'")
    if not errors:
        cycle = find_cycle(graph)
        if cycle:
            errors.append("dependency cycle: " + " -> ".join(cycle))
    if errors:
        raise PipelineError(f"{where}: invalid pipeline:\n  - " + "\n  - ".join(errors))

    jobs = [TitanJob(**s) for s in specs]
    return Pipeline(name, path, jobs, project_dir, zip_name)


def find_cycle(graph: Mapping[str, list[str]]) -> list[str] | None:
    """Return one cycle as ``[a, b, …, a]`` (edges child -> parent), or None."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in graph.get(node, []):
            if state.get(nxt) == 1:
                cycle = stack[stack.index(nxt):] + [nxt]
                return list(reversed(cycle))  # read in execution order: parent -> child
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in graph:
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def _project(value: object, base: Path, name: str, where: str) -> tuple[Path | None, str | None]:
    if value is None or value is False:
        return None, None
    if value is True:
        folder, zip_name = base, f"{name}.zip"
    elif isinstance(value, str) and value.strip():
        folder = (base / value).resolve()
        zip_name = f"{folder.name}.zip"
    else:
        raise PipelineError(f"{where}: 'project' must be a folder path or true/false")
    if not folder.is_dir():
        raise PipelineError(f"{where}: project folder not found: {folder}")
    return folder, zip_name


def _job_spec(
    raw: object,
    n: int,
    base: Path,
    project_dir: Path | None,
    zip_name: str | None,
    errors: list[str],
) -> dict | None:
    """TitanJob keyword arguments for one job entry, or None (errors appended)."""
    if not isinstance(raw, Mapping):
        errors.append(f"job #{n} must be a mapping")
        return None
    job_id = raw.get("id")
    if job_id is None or str(job_id).strip() == "":
        errors.append(f"job #{n} has no 'id'")
        return None
    job_id = str(job_id)
    label = f"job '{job_id}'"
    bad = len(errors)
    if any(c in job_id for c in "|;[], "):
        errors.append(f"{label}: an id must not contain spaces or any of | ; [ ] ,")

    kind = str(raw.get("type") or "run").lower()
    if kind not in JOB_TYPES:
        errors.append(f"{label}: type must be 'run' or 'service', not '{kind}'")
    port = raw.get("port") or 0
    if kind == "service" and not port:
        errors.append(f"{label}: a service needs a 'port'")
    parents = raw.get("depends_on") or []
    if isinstance(parents, str):
        parents = [parents]
    if not isinstance(parents, list):
        errors.append(f"{label}: 'depends_on' must be a list of job ids")
        parents = []
    parents = [str(p) for p in parents]
    if job_id in parents:
        errors.append(f"dependency cycle: {job_id} -> {job_id}")
        parents = [p for p in parents if p != job_id]

    file = raw.get("file")
    filename = ""
    if not file:
        errors.append(f"{label}: no 'file'")
    elif project_dir is not None:
        entry = PurePosixPath(str(file).replace("\\", "/"))
        if entry.is_absolute() or ".." in entry.parts:
            errors.append(f"{label}: file '{file}' must be a path inside the project folder")
        elif not (project_dir / entry).is_file():
            errors.append(f"{label}: file '{file}' not found in project folder {project_dir}")
        else:
            filename = f"{zip_name}/{entry.as_posix()}"
    else:
        local = (base / str(file)).resolve()
        if not local.is_file():
            errors.append(f"{label}: file '{file}' not found (looked at {local})")
        else:
            filename = str(local)

    try:
        priority = int(raw.get("priority", 1))
        delay_ms = int(round(float(raw.get("delay") or 0) * 1000))
        port = int(port)
    except (TypeError, ValueError):
        errors.append(f"{label}: priority, delay and port must be numbers")
    if len(errors) > bad:
        return None
    return {
        "job_id": job_id,
        "filename": filename,
        "job_type": JOB_TYPES[kind],
        "args": raw.get("args"),
        "parents": parents,
        "port": port,
        "is_archive": project_dir is not None,
        "priority": priority,
        "delay": delay_ms,
        "affinity": bool(raw.get("affinity", False)),
        "requirement": raw.get("requirement") or "GENERAL",
        "timeout": raw.get("timeout"),
        "max_retries": raw.get("max_retries"),
    }
