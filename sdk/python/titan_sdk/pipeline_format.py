"""The pipeline format's rules: a parsed document -> the normalised pipeline, or every problem.

Twin of ``sdk/ts/pipelineNormalize.ts``: both must produce what
``test/fixtures/pipelines`` expects (its README states the rules), so change the two
together. The id and tag patterns mirror the contract's ``JobId`` and ``Tag``
(``control-plane/src/contract/common.ts``); the fixtures check that they still agree.
"""

from __future__ import annotations

import math
import posixpath
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from .graph import find_cycle
from .job import dag_id
from .pipeline_source import Pair

TOP_KEYS = ("name", "project", "version", "jobs", "schedule")
JOB_KEYS = ("id", "type", "file", "args", "requirement", "priority", "delay", "affinity",
            "depends_on", "port", "hitl_message", "max_wait_seconds",
            "gpus", "gpu_memory_mb", "memory_mb", "cpus")
RESOURCE_KEYS = ("gpus", "gpu_memory_mb", "memory_mb", "cpus")
DEFAULT_MAX_WAIT_SECONDS = 172800
MAX_SAFE_INTEGER = 2**53 - 1
JOB_ID = re.compile(r"[^\s|;,\[\]/\\]{1,200}")
TAG = re.compile(r"[A-Za-z0-9_.:-]{1,64}")


@dataclass
class Files:
    """The file system seen from the pipeline file's folder (paths relative to it)."""

    is_file: Callable[[str], bool]
    is_dir: Callable[[str], bool]
    folder_name: Callable[[str], str]  # name of the folder a relative path resolves to


def issue(code: str, key: str | None, line: int | None, job: str | None, message: str) -> dict:
    return {"code": code, "key": key, "line": line, "job": job, "message": message}


def format_issue(i: Mapping) -> str:
    return i["message"] if i["line"] is None else f"{i['message']} (line {i['line']})"


def normal_path(p: str) -> str:
    """``a\\b/./c`` -> ``a/b/c``: one spelling of a path for both languages."""
    out = posixpath.normpath(p.replace("\\", "/"))
    return out[1:] if out.startswith("//") else out  # normpath keeps '//' (POSIX); Node does not


def is_safe_relative_path(p: str) -> bool:
    """The contract's ``isSafeRelativePath``."""
    if not p or len(p) > 1024 or p.startswith(("/", "\\")) or re.match(r"[A-Za-z]:", p):
        return False
    if re.search(r"[\x00-\x1f\x7f\\]", p):
        return False
    return all(seg not in ("..", "") for seg in p.split("/"))


def _is_null(n) -> bool:
    return n is None or (n.kind == "scalar" and n.value is None)


def _value(n):
    return n.value if n.kind == "scalar" else None


def _is_int(v) -> bool:
    if isinstance(v, bool):
        return False
    return isinstance(v, int) or (isinstance(v, float) and v.is_integer())


def _is_num(v) -> bool:
    return not isinstance(v, bool) and isinstance(v, (int, float)) and math.isfinite(v)


def _text(n, allow_bool: bool = False) -> str | None:
    """A string, or a number/boolean as written (``1.0`` stays ``1.0``); None otherwise."""
    if n.kind != "scalar":
        return None
    v = n.value
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return n.text if allow_bool else None
    return n.text if isinstance(v, (int, float)) else None


def _number(v):
    """Ints stay ints (``2.0`` reads 2, as in JavaScript)."""
    return int(v) if _is_int(v) else v


def normalize_source(root, file_name: str, files: Files | None = None) -> tuple[dict | None, list[dict]]:
    """Apply the rules; ``files`` None means scripts and folders are not checked."""
    issues: list[dict] = []

    def add(*args) -> None:
        issues.append(issue(*args))

    if root is None or root.kind != "map":
        add("not_mapping", None, root.line if root is not None else None, None,
            "the top level must be a mapping with a 'jobs' list")
        return None, issues
    top: dict[str, Pair] = {}
    for p in root.pairs:
        if p.key in top:
            add("duplicate_key", p.key, p.line, None, f"key '{p.key}' appears twice at the top level")
        elif p.key not in TOP_KEYS:
            add("unknown_key", p.key, p.line, None, f"unknown key '{p.key}' at the top level")
        else:
            top[p.key] = p

    def given(fields: dict, key: str) -> Pair | None:
        p = fields.get(key)
        return p if p is not None and not _is_null(p.value) else None

    name = re.sub(r"\.[^.]*$", "", re.sub(r"^.*[\\/]", "", file_name)) or "pipeline"
    if (p := given(top, "name")) is not None:
        s = _text(p.value)
        if not s:
            add("bad_type", "name", p.line, None, "'name' must be a non-empty string")
        else:
            name = s
    version = None
    if (p := given(top, "version")) is not None:
        version = _text(p.value)
        if version is None:
            add("bad_type", "version", p.line, None, "'version' must be a string or a number")
    schedule = None
    if (p := given(top, "schedule")) is not None:
        s = _value(p.value)
        if not isinstance(s, str) or not s.strip():
            add("bad_type", "schedule", p.line, None, "'schedule' must be a non-empty string")
        else:
            schedule = s

    project = archive = None
    project_ok, project_text = True, ""
    project_p = given(top, "project")
    if project_p is not None:
        v = _value(project_p.value)
        project_text = "." if v is True else str(v)
        if v is True:
            project, archive = ".", f"{name}.zip"
        elif isinstance(v, str) and v.strip():
            project = normal_path(v)
        elif v is not False:
            add("bad_type", "project", project_p.line, None, "'project' must be a folder path or true/false")
            project_ok = False
        if project is not None and files is not None and not files.is_dir(project):
            add("project_not_found", "project", project_p.line, None, f"project folder '{project_text}' not found")
            project_ok = False
        if project is not None and archive is None:
            folder = files.folder_name(project) if files else posixpath.basename(posixpath.normpath("/" + project))
            archive = f"{folder or 'project'}.zip"

    jobs_p = top.get("jobs")
    jobs_node = jobs_p.value if jobs_p else None
    if _is_null(jobs_node) or jobs_node.kind != "seq" or not jobs_node.items:
        code = "missing" if _is_null(jobs_node) else "bad_type" if jobs_node.kind != "seq" else "bad_value"
        add(code, "jobs", jobs_p.line if jobs_p else None, None, "'jobs' must be a non-empty list")
        return None, issues

    jobs: list[dict] = []
    graph: list[dict] = []  # {id, parents, line} of each job with a valid, unique id
    by_dag_id: dict[str, str] = {}  # dag_id(id) -> declared id, for every valid id seen
    for n, node in enumerate(jobs_node.items, 1):
        if node.kind != "map":
            add("not_mapping", None, node.line, f"#{n}", f"job #{n} must be a mapping")
            continue
        id_pair = next((p for p in node.pairs if p.key == "id"), None)
        id_text = _text(id_pair.value) if id_pair else None
        valid_id = id_text if id_text is not None and JOB_ID.fullmatch(id_text) else None
        ref = valid_id if valid_id else f"#{n}"
        label = f"job '{valid_id}'" if valid_id else f"job #{n}"

        def bad(code, key, line, message, ref=ref):
            add(code, key, line, ref, message)

        fields: dict[str, Pair] = {}
        for p in node.pairs:
            if p.key in fields:
                bad("duplicate_key", p.key, p.line, f"{label}: key '{p.key}' appears twice")
            elif p.key not in JOB_KEYS:
                bad("unknown_key", p.key, p.line, f"{label}: unknown key '{p.key}'")
            else:
                fields[p.key] = p
        before = len(issues)
        job = {"id": valid_id or "", "type": "run", "file": "", "args": [], "requirement": "GENERAL",
               "priority": 1, "delay": 0, "parents": [], "affinity": False, "port": 0, "hitl": None,
               "resources": {"gpus": 0, "gpu_memory_mb": 0, "memory_mb": 0, "cpus": 0}}

        # Fields in a fixed order (the order of JOB_KEYS), so both languages list problems alike.
        if given(fields, "id") is None:
            bad("missing", "id", node.line, f"job #{n} has no 'id'")
        elif not id_text:
            bad("bad_type", "id", id_pair.line, f"job #{n}: 'id' must be a string")
        elif not valid_id:
            bad("bad_value", "id", id_pair.line,
                f"job #{n}: invalid id '{id_text}' (no whitespace, / \\ | ; , [ ], at most 200 characters)")

        type_p = given(fields, "type")
        type_ok = True
        if type_p is not None:
            v = _value(type_p.value)
            type_ok = isinstance(v, str) and v.lower() in ("run", "service")
            if not isinstance(v, str):
                bad("bad_type", "type", type_p.line, f"{label}: 'type' must be 'run' or 'service'")
            elif not type_ok:
                bad("bad_value", "type", type_p.line, f"{label}: type must be 'run' or 'service', not '{v}'")
            else:
                job["type"] = v.lower()

        file_p = given(fields, "file")
        file_v = _value(file_p.value) if file_p else None
        if file_p is None or file_v == "":
            bad("missing", "file", file_p.line if file_p else node.line, f"{label} has no 'file'")
        elif not isinstance(file_v, str):
            bad("bad_type", "file", file_p.line, f"{label}: 'file' must be a path")
        elif project is not None:
            entry = normal_path(file_v)
            if not is_safe_relative_path(entry) or entry == ".":
                bad("bad_value", "file", file_p.line,
                    f"{label}: file '{file_v}' must be a path inside the project folder")
            elif project_ok and files is not None and not files.is_file(posixpath.join(project, entry)):
                bad("file_not_found", "file", file_p.line,
                    f"{label}: file '{file_v}' not found in project folder '{project_text}'")
            else:
                job["file"] = entry
        elif project_ok:
            path = normal_path(file_v)
            if files is not None and not files.is_file(path):
                bad("file_not_found", "file", file_p.line, f"{label}: file '{file_v}' not found")
            else:
                job["file"] = path

        if (p := given(fields, "args")) is not None:
            v = p.value
            if v.kind == "seq":
                items = [_text(x, allow_bool=True) for x in v.items]
            elif v.kind == "scalar" and isinstance(v.value, str):
                items = v.value.split()
            else:
                items = None
            if items is None or any(x is None for x in items):
                bad("bad_type", "args", p.line, f"{label}: 'args' must be a string or a list of strings")
            elif any(re.search(r"[|;\s]", x) or x == "" for x in items):
                # TITAN_PROTO joins args with spaces and splits them again: an item with a space would arrive as two.
                bad("bad_value", "args", p.line,
                    f"{label}: an argument may not be empty or contain whitespace, '|' or ';'")
            else:
                job["args"] = items

        if (p := given(fields, "requirement")) is not None:
            v = _value(p.value)
            if not isinstance(v, str):
                bad("bad_type", "requirement", p.line, f"{label}: 'requirement' must be a string")
            elif not TAG.fullmatch(v):
                bad("bad_value", "requirement", p.line,
                    f"{label}: requirement '{v}' must be letters, digits, _ . : - (at most 64)")
            else:
                job["requirement"] = v.upper()

        def integer(key, low, high=MAX_SAFE_INTEGER):
            p = given(fields, key)
            if p is None:
                return None
            v = _value(p.value)
            if not _is_int(v):
                bad("bad_type", key, p.line, f"{label}: '{key}' must be an integer")
            elif not low <= v <= high:
                span = f"{low} or more" if high == MAX_SAFE_INTEGER else f"{low}..{high}"
                bad("bad_value", key, p.line, f"{label}: '{key}' must be {span}")
            else:
                return int(v)
            return None

        def number(key):
            p = given(fields, key)
            if p is None:
                return None
            v = _value(p.value)
            if not _is_num(v):
                bad("bad_type", key, p.line, f"{label}: '{key}' must be a number")
            elif v < 0:
                bad("bad_value", key, p.line, f"{label}: '{key}' must be 0 or more")
            else:
                return _number(v)
            return None

        job["priority"] = _or(integer("priority", -1_000_000, 1_000_000), 1)
        job["delay"] = _or(number("delay"), 0)

        if (p := given(fields, "affinity")) is not None:
            v = _value(p.value)
            if not isinstance(v, bool):
                bad("bad_type", "affinity", p.line, f"{label}: 'affinity' must be true or false")
            else:
                job["affinity"] = v

        dep_p = given(fields, "depends_on")
        if dep_p is not None:
            v = dep_p.value
            items = [_text(x) for x in v.items] if v.kind == "seq" else [_text(v)]
            if any(not x for x in items):
                bad("bad_type", "depends_on", dep_p.line,
                    f"{label}: 'depends_on' must be a job id or a list of job ids")
            else:
                job["parents"] = list(dict.fromkeys(items))

        port = integer("port", 1, 65535)
        job["port"] = _or(port, 0)

        hitl_p = given(fields, "hitl_message")
        hitl_message = None
        if hitl_p is not None:
            v = _value(hitl_p.value)
            if not isinstance(v, str) or not v.strip():
                bad("bad_type", "hitl_message", hitl_p.line, f"{label}: 'hitl_message' must be a non-empty string")
            else:
                hitl_message = v
        max_wait = integer("max_wait_seconds", 1)
        if hitl_message is not None:
            job["hitl"] = {"message": hitl_message, "max_wait_seconds": _or(max_wait, DEFAULT_MAX_WAIT_SECONDS)}

        job["resources"] = {
            "gpus": _or(integer("gpus", 0), 0),
            "gpu_memory_mb": _or(integer("gpu_memory_mb", 0), 0),
            "memory_mb": _or(integer("memory_mb", 0), 0),
            "cpus": _or(number("cpus"), 0),
        }

        # Rules between fields.
        if job["type"] == "service" and type_ok and given(fields, "port") is None:
            bad("missing", "port", type_p.line, f"{label}: a service needs a 'port'")
        if job["type"] == "run" and type_ok and port is not None:
            bad("bad_value", "port", fields["port"].line, f"{label}: 'port' is only for services")
        if given(fields, "max_wait_seconds") is not None and hitl_p is None:
            bad("bad_value", "max_wait_seconds", fields["max_wait_seconds"].line,
                f"{label}: 'max_wait_seconds' needs 'hitl_message'")

        duplicate = False
        if valid_id:
            duplicate = dag_id(valid_id) in by_dag_id
            if duplicate:
                bad("duplicate_id", "id", id_pair.line, f"duplicate job id '{valid_id}'")
            else:
                by_dag_id[dag_id(valid_id)] = valid_id
        # Parents are checked for every job with an id, valid or not, so one run reports them all.
        deps_ok = not any(x["key"] == "depends_on" for x in issues[before:])
        if valid_id and not duplicate and deps_ok:
            graph.append({"id": valid_id, "parents": job["parents"], "line": dep_p.line if dep_p else None})
        if len(issues) == before:
            jobs.append(job)

    for node in graph:
        parents = node["parents"]  # the job holds the same list: fixed in place
        for k, parent in enumerate(parents):
            declared = by_dag_id.get(dag_id(parent))
            if declared is None:
                add("unknown_parent", "depends_on", node["line"], node["id"],
                    f"job '{node['id']}' depends on unknown job '{parent}'")
            else:
                parents[k] = declared
    if not issues:
        cycle = find_cycle({g["id"]: g["parents"] for g in graph})
        if cycle:
            child = next(g for g in graph if g["id"] == cycle[1])
            add("cycle", "depends_on", child["line"], child["id"], "cycle: " + " -> ".join(cycle))
    if issues:
        return None, issues
    return {"name": name, "version": version, "project": project, "archive": archive,
            "schedule": schedule, "jobs": jobs}, []


def _or(value, default):
    return default if value is None else value
