"""TitanJob and its wire job string (spec: "Job strings inside SUBMIT_DAG").

    inline task      ID|RUN_PAYLOAD|<basename>|<args>|<b64 script>|<REQ>|<PRI>|<DELAY>|[parents]
    inline service   ID|DEPLOY_PAYLOAD|<basename>|<b64 script>|<port>|<REQ>|<PRI>|<DELAY>|[parents]
    archive task     ID|RUN_ARCHIVE|<zip>.zip/<entry>|<args>|<REQ>|<PRI>|<DELAY>|[parents]
    archive service  ID|START_ARCHIVE_SERVICE|<zip>.zip/<entry>|<args>|<port>|<REQ>|<PRI>|<DELAY>|[parents]

each optionally followed by ``|AFFINITY``. Fields are not escaped, so the SDK
keeps ``|`` out of args and requirement. REQ may carry resource asks after the tag
(``GPU gpus=2 gpu_memory_mb=40960 memory_mb=8192 cpus=0.5``; see
docs/titan-proto-extensions.md); a job that asks for none writes the bare tag, as the
original SDK did.
"""

from __future__ import annotations

import base64
import copy
import math
import os
from decimal import Decimal
from collections.abc import Iterable, Sequence
from pathlib import Path

from .errors import TitanError, TitanFileNotFound

SERVICE_TYPES = frozenset({"SERVICE", "DEPLOY_PAYLOAD", "START_ARCHIVE_SERVICE", "ARCHIVE_SERVICE"})
HITL_GATE_PREFIX = "hitl-gate-"
HITL_KEY_PREFIX = "titan:hitl:status:"
GATE_SCRIPT = Path(__file__).with_name("hitl_gate.py")  # shipped with the package


def dag_id(job_id: str) -> str:
    """The id the cluster stores for a submitted job: ``DAG-<id>``."""
    job_id = str(job_id)
    return job_id if job_id.startswith("DAG-") else f"DAG-{job_id}"


def format_args(args: str | Sequence[object] | None) -> str:
    """Join args with spaces; ``|`` would split the job string, so it becomes a space."""
    if args is None:
        return ""
    text = args if isinstance(args, str) else " ".join(str(a) for a in args)
    return text.replace("|", " ")


def archive_pointer(filename: str) -> str:
    """Normalise an archive reference to ``<zip>.zip/<entry>``.

    Accepts ``proj.zip/src/main.py`` as is, and ``proj/src/main.py`` (the
    folder given to ``upload_project_folder``) as ``proj.zip/src/main.py``.
    """
    path = str(filename).replace("\\", "/").lstrip("/")
    if ".zip/" in path:
        return path
    folder, sep, entry = path.partition("/")
    if not sep or not entry:
        raise TitanError(
            f"archive job file {filename!r} must look like '<project>.zip/<entry path>'"
        )
    return f"{folder}.zip/{entry}"


class TitanJob:
    """One job of a DAG.

    ``job_type`` is ``"RUN_PAYLOAD"`` (a task; ``"TASK"`` is accepted too) or
    ``"SERVICE"`` (a long-running process on ``port``). With ``is_archive``
    the file is an entry of a previously uploaded project zip; otherwise the
    script is read from disk now and embedded (Base64) in the job string.
    ``delay`` is in milliseconds, as on the wire. ``priority``: higher first.

    ``args`` is a string (the original's type) or a list joined by spaces.

    ``hitl_message`` puts a human-approval gate after this job: ``submit_dag``
    adds a job ``hitl-gate-<id>`` that waits up to ``max_wait_seconds`` for
    ``TitanClient.approve``/``reject``, and this job's children wait for the gate.

    ``gpus`` (whole devices), ``gpu_memory_mb`` (MiB each of its GPUs must have;
    alone it means one GPU of that size), ``memory_mb`` (host memory, MiB) and
    ``cpus`` (cores, fractions allowed) are what the job reserves on its agent;
    0 asks for nothing. They travel in the REQ field (``GPU gpus=2 cpus=4``);
    the cluster refuses asks out of its ranges (e.g. more than 64 GPUs).

    ``timeout`` and ``max_retries`` are kept on the object for clients of the
    HTTP API; the TITAN_PROTO job-string grammar has no field for them, so
    they are NOT sent by ``TitanClient`` (the cluster's defaults apply).
    """

    def __init__(
        self,
        job_id: str,
        filename: str | os.PathLike[str],
        job_type: str = "RUN_PAYLOAD",
        args: str | Sequence[object] | None = None,
        parents: Iterable[str] | None = None,
        port: int = 0,
        is_archive: bool = False,
        priority: int = 1,
        delay: int = 0,
        affinity: bool = False,
        requirement: str | None = "GENERAL",
        hitl_message: str | None = None,
        max_wait_seconds: int = 172800,
        timeout: float | None = None,
        max_retries: int | None = None,
        gpus: int = 0,
        gpu_memory_mb: int = 0,
        memory_mb: int = 0,
        cpus: float = 0,
    ) -> None:
        job_id = str(job_id)
        if not job_id or any(c in job_id for c in "|;[],") or job_id != job_id.strip():
            raise TitanError(
                f"invalid job id {job_id!r}: it must be non-empty, without spaces "
                "around it and without | ; [ ] ,"
            )
        self.id = job_id
        self.filename = os.fspath(filename)
        self.job_type = (job_type or "RUN_PAYLOAD").upper()
        self.args = format_args(args)
        self.parents = [str(p) for p in (parents or [])]
        self.port = int(port or 0)
        self.is_archive = bool(is_archive)
        self.priority = int(priority)
        self.delay = int(delay)
        self.affinity = bool(affinity)
        self.requirement = (requirement or "GENERAL").replace("|", "").strip() or "GENERAL"
        self.hitl_message = hitl_message or None
        self.max_wait_seconds = int(max_wait_seconds)
        self.timeout = timeout
        self.max_retries = max_retries
        self.gpus = _count(job_id, "gpus", gpus)
        self.gpu_memory_mb = _count(job_id, "gpu_memory_mb", gpu_memory_mb)
        self.memory_mb = _count(job_id, "memory_mb", memory_mb)
        self.cpus = _cores(job_id, cpus)
        if self.is_service and self.port <= 0:
            raise TitanError(f"service job {job_id!r} needs a port")
        # Read the script now, like the original: a missing file fails at
        # construction, not halfway through a submission.
        self.payload_b64 = "" if self.is_archive else _load_b64(self.filename)

    @property
    def is_service(self) -> bool:
        return self.job_type in SERVICE_TYPES

    @property
    def kind(self) -> str:
        """The wire kind: RUN_PAYLOAD, DEPLOY_PAYLOAD, RUN_ARCHIVE or START_ARCHIVE_SERVICE."""
        if self.is_archive:
            return "START_ARCHIVE_SERVICE" if self.is_service else "RUN_ARCHIVE"
        return "DEPLOY_PAYLOAD" if self.is_service else "RUN_PAYLOAD"

    def to_string(self) -> str:
        """The job string carried inside SUBMIT_DAG."""
        kind = self.kind
        if kind == "RUN_PAYLOAD":
            body = [Path(self.filename).name, self.args, self.payload_b64]
        elif kind == "DEPLOY_PAYLOAD":
            body = [Path(self.filename).name, self.payload_b64, str(self.port)]
        elif kind == "RUN_ARCHIVE":
            body = [archive_pointer(self.filename), self.args]
        else:
            body = [archive_pointer(self.filename), self.args, str(self.port)]
        fields = [self.id, kind, *body, self.req_field(), str(self.priority), str(self.delay)]
        tail = "[" + ",".join(self.parents) + "]"
        return "|".join(fields) + "|" + tail + ("|AFFINITY" if self.affinity else "")

    def req_field(self) -> str:
        """The REQ field: the tag, then the non-zero resource asks in a fixed order."""
        asks = [(k, getattr(self, k)) for k in RESOURCE_ASKS]
        return " ".join([self.requirement, *(f"{k}={_decimal(v)}" for k, v in asks if v)])

    def __repr__(self) -> str:
        return (
            f"TitanJob({self.id!r}, {self.filename!r}, kind={self.kind}, "
            f"parents={self.parents}, requirement={self.requirement!r})"
        )


def with_hitl_gates(jobs: Sequence[TitanJob]) -> tuple[list[TitanJob], list[str]]:
    """The jobs to send, with a gate job right after each job that has ``hitl_message``.

    Gate ``hitl-gate-<id>`` depends on the job; every job of the same submission
    that listed the job as a parent depends on the gate instead. Jobs that change
    are copies: the caller's objects are left as they were. Returns (jobs, gate ids).
    """
    gates = {dag_id(j.id): hitl_gate_id(j.id) for j in jobs if j.hitl_message}
    if not gates:
        return list(jobs), []
    out: list[TitanJob] = []
    for job in jobs:
        parents = [gates.get(dag_id(p), p) for p in job.parents]
        if parents != job.parents:
            job = copy.copy(job)
            job.parents = parents
        out.append(job)
        if job.hitl_message:
            gate = hitl_gate_id(job.id)
            message = job.hitl_message.replace(";", " ")  # ';' separates job strings
            out.append(TitanJob(
                gate, GATE_SCRIPT, args=f"{gate} {job.max_wait_seconds} {message}",
                parents=[job.id], priority=job.priority,
            ))
    return out, list(gates.values())


def hitl_gate_id(job_id: str) -> str:
    """Id of the approval gate that ``submit_dag`` puts after a job with ``hitl_message``."""
    return f"{HITL_GATE_PREFIX}{job_id}"


def hitl_status_key(gate_id: str) -> str:
    """KV key the gate polls; ``APPROVED``/``REJECTED`` decide it (raw id, no ``DAG-``)."""
    gate_id = str(gate_id)
    return HITL_KEY_PREFIX + (gate_id[4:] if gate_id.startswith("DAG-") else gate_id)


RESOURCE_ASKS = ("gpus", "gpu_memory_mb", "memory_mb", "cpus")  # the REQ order


def _count(job_id: str, key: str, value: object) -> int:
    """A whole, non-negative resource amount (bool is not a number)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise TitanError(f"job {job_id!r}: {key} must be a whole number >= 0, got {value!r}")
    return value


def _cores(job_id: str, value: object) -> int | float:
    """CPU cores: a finite number >= 0, fractions allowed (bool is not a number)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise TitanError(f"job {job_id!r}: cpus must be a number >= 0, got {value!r}")
    return value


def _decimal(value: int | float) -> str:
    """Plain decimal text the bridge reads: ``4`` not ``4.0``, ``0.0000001`` not ``1e-07``."""
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return format(Decimal(repr(value)), "f")
    return str(value)


def _load_b64(filename: str) -> str:
    try:
        data = Path(filename).read_bytes()
    except FileNotFoundError:
        raise TitanFileNotFound(f"job script not found: {filename}") from None
    return base64.b64encode(data).decode("ascii")
