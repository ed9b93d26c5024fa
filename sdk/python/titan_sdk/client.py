"""TitanClient: the original SDK's API over TITAN_PROTO, plus waits and streams.

Long on purpose (~480 lines): one class is the original SDK's whole public surface, each
method a thin call over the connection; splitting it would only scatter that surface.

Compatibility: with ``strict=False`` (default) every method the original SDK
had returns what the original returned (reply strings, ``"NULL"``, True/False,
``"ERROR: …"`` strings), so programs written for it run unchanged.
``strict=True`` raises typed errors (``TitanError`` and subclasses) instead.
Methods that are new here (wait, wait_dag, stream_logs, stats_json,
submit_yaml_and_wait, fetch_bytes) always raise. Connection failures always
raise ``TitanConnectionError``.
"""

from __future__ import annotations

import base64
import binascii
import copy
import json
import os
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from . import manifest
from .archive import zip_folder
from .config import resolve_bridge
from .connection import DEFAULT_TIMEOUT, BridgeTokenRefused, Connection
from .errors import (
    TitanError,
    TitanFileNotFound,
    TitanJobFailed,
    TitanProtocolError,
    TitanTimeout,
)
from .job import TitanJob, dag_id, hitl_status_key, with_hitl_gates
from .protocol import Op

FINAL_STATUSES = frozenset({"COMPLETED", "FAILED", "CANCELLED"})
FAILED_STATUSES = frozenset({"FAILED", "CANCELLED"})
# What the original's submit_yaml(wait=True) counted as ended (CANCELLED is ours).
YAML_ENDED_STATUSES = frozenset({"COMPLETED", "FAILED", "CANCELLED", "REJECTED", "ERROR"})
UNKNOWN_GRACE = 5.0  # seconds a waited-for id may read NULL before it is an error
_ERROR_PREFIXES = ("ERROR", "UPLOAD_FAILED", "DEPLOY_FAILED", "UNKNOWN_OPCODE")

JobRef = str | TitanJob


def _ref(job: JobRef) -> str:
    return job.id if isinstance(job, TitanJob) else str(job)


def is_error_reply(reply: str) -> bool:
    """Whether a reply text is one of the bridge's failure replies."""
    return reply.startswith(_ERROR_PREFIXES)


def _asset_bytes(name: str, reply: str) -> bytes:
    """The content carried by a FETCH_ASSET reply; typed errors for failure replies."""
    if reply.startswith("ERROR_NOT_FOUND"):
        raise TitanFileNotFound(f"asset not found: {name}", reply=reply)
    if is_error_reply(reply):
        raise TitanError(f"fetching {name}: {reply}", reply=reply)
    try:
        return base64.b64decode(reply, validate=True)
    except (binascii.Error, ValueError):
        raise TitanProtocolError(f"asset {name!r}: reply is not Base64") from None


class TitanClient:
    """Client of a Titan bridge (TITAN_PROTO over TCP).

    ``host``/``port`` default to ``TITAN_HOST``/``TITAN_PORT``, then to the
    bridge in ``./.titan/cluster.json``, then to 127.0.0.1:9090.
    ``reuse_connection=True`` keeps one socket open for all requests.
    ``bridge_token`` (default: ``TITAN_BRIDGE_TOKEN``) is sent with AUTH on each
    new socket, for a bridge started with a token; a bridge without one accepts it.
    """

    def __init__(
        self,
        host: str | None = None,
        port: int | None = None,
        *,
        strict: bool = False,
        reuse_connection: bool = False,
        timeout: float = DEFAULT_TIMEOUT,
        sync_manifest: bool = True,
        bridge_token: str | None = None,
    ) -> None:
        self.host, self.port = resolve_bridge(host, port)
        self.strict = strict
        self.sync_manifest = sync_manifest
        token = bridge_token or os.environ.get("TITAN_BRIDGE_TOKEN", "").strip() or None
        self._conn = Connection(
            self.host, self.port, timeout=timeout, reuse=reuse_connection, token=token
        )

    # -- plumbing --------------------------------------------------------------

    def request(self, opcode: int, payload: str | bytes = "") -> str:
        """Send one raw frame and return the reply text (no error checking).

        A refused bridge token is the bridge's ERROR reply like any other: returned
        in compat mode, raised (as ``TitanConnectionError``) in strict mode.
        """
        try:
            return self._conn.request(opcode, payload)[1]
        except BridgeTokenRefused as exc:
            if self.strict:
                raise
            return exc.reply or str(exc)

    def close(self) -> None:
        """Close the persistent connection (no-op without ``reuse_connection``)."""
        self._conn.close()

    def __enter__(self) -> TitanClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"TitanClient({self.host!r}, {self.port}, strict={self.strict})"

    def _checked(self, opcode: int, payload: str | bytes = "") -> str:
        """Request; in strict mode an error reply raises TitanError."""
        reply = self.request(opcode, payload)
        if self.strict and is_error_reply(reply):
            raise TitanError(reply, reply=reply)
        return reply

    def _local_error(self, message: str) -> str:
        """A missing local file/folder, which the original reported as an ``ERROR: …`` string."""
        if self.strict:
            raise TitanFileNotFound(message, reply=message)
        return message

    # -- jobs and DAGs -----------------------------------------------------------

    def submit_dag(
        self, name: str, jobs: Iterable[TitanJob], agent_run_id: str | None = None
    ) -> str:
        """Submit jobs as one DAG (SUBMIT_DAG). Returns ``DAG_ACCEPTED`` or the error reply.

        A job with ``hitl_message`` gets an approval gate ``hitl-gate-<id>`` right
        after it (its children wait for the gate); each gate's KV key is reset to
        ``CLEARED`` first. Afterwards the manifest (DAG name and edges) is POSTed
        best-effort to ``http://HOST:5000/api/manifest/sync``, like the original SDK.
        ``agent_run_id`` is accepted for compatibility and not sent.
        """
        jobs, gates = with_hitl_gates(list(jobs))
        if not jobs:
            raise TitanError("submit_dag needs at least one job")
        for gate in gates:
            self.store_put(hitl_status_key(gate), "CLEARED")
        reply = self._checked(Op.SUBMIT_DAG, " ; ".join(j.to_string() for j in jobs))
        if self.sync_manifest:
            manifest.push_manifest(self.host, name, jobs)
        return reply

    def spawn(self, jobs: Iterable[TitanJob], job_id: str | None = None) -> str:
        """Grow the DAG of a running job (by default this one: ``TITAN_JOB_ID``): ``jobs`` join it,
        those naming no parent hang under the job, and the DAG ends only when they have. Raises
        TitanError when the job is not running; the cluster refuses past its depth and size limits.
        """
        spawner = job_id or os.environ.get("TITAN_JOB_ID")
        if not spawner:
            raise TitanError("spawn runs inside a Titan job (TITAN_JOB_ID is not set); pass job_id= otherwise")
        status = self.get_job_status(spawner)
        if status != "RUNNING":
            raise TitanError(f"job {spawner} is not running (it is {status}): only a running job can spawn")
        grown = []
        for job in jobs:
            if not job.parents:
                job = copy.copy(job)
                job.parents = [spawner]
            grown.append(job)
        return self.submit_dag(f"spawn-{spawner}", grown)

    def submit_job(self, job: TitanJob) -> str:
        """Submit one job (as a one-job DAG named after it, like the original)."""
        return self.submit_dag(job.id, [job])

    def get_job_status(self, job_id: JobRef) -> str:
        """Status string: PENDING, RUNNING, COMPLETED, FAILED, CANCELLED, WAITING_APPROVAL or NULL."""
        return self._checked(Op.GET_JOB_STATUS, _ref(job_id))

    def fetch_logs(self, job_id: JobRef) -> str:
        """The job's log lines joined by ``\\n`` (empty string when none).

        Log text is returned as is, even if it starts with ``ERROR``.
        """
        return self.request(Op.GET_LOGS, _ref(job_id))

    def cancel(self, job_id: JobRef) -> str:
        """Cancel a job: ``CANCELLED`` or ``NOT_FOUND`` (strict: NOT_FOUND raises)."""
        job = _ref(job_id)
        reply = self._checked(Op.CANCEL_JOB, job)
        if self.strict and reply == "NOT_FOUND":
            raise TitanError(f"NOT_FOUND: no job {job}", reply=reply)
        return reply

    def approve(self, gate_id: str) -> str:
        """Approve the human-approval gate ``gate_id`` (``hitl-gate-<job id>``): ``OK``."""
        return self.store_put(hitl_status_key(gate_id), "APPROVED")

    def reject(self, gate_id: str) -> str:
        """Reject the gate: it exits 1, so it ends FAILED and the jobs after it CANCELLED."""
        return self.store_put(hitl_status_key(gate_id), "REJECTED")

    def stop_service(self, service_id: JobRef) -> str:
        """Stop a service job (``DAG-`` is prefixed when missing): ``STOPPED: <id>``.

        An empty id raises ValueError, as in the original.
        """
        sid = _ref(service_id)
        if not sid:
            raise ValueError("stop_service requires a non-empty service_id")
        return self._checked(Op.STOP, dag_id(sid))

    def run_script(self, filename: str, requirement: str = "GENERAL") -> str:
        """Run a script deployed with ``deploy_script``: ``JOB_QUEUED <id> on <req>``."""
        return self._checked(Op.RUN, f"{filename}|{requirement or 'GENERAL'}")

    def deploy(self, filename: str, port: int, requirement: str = "GENERAL") -> str:
        """Start a deployed script as a service on ``port``: ``DEPLOY_QUEUED``."""
        return self._checked(Op.DEPLOY, f"{filename}|{int(port)}|{requirement or 'GENERAL'}")

    # -- waiting and streaming (new API: always raises on errors) ---------------

    def _status(self, job_id: str) -> str:
        reply = self.request(Op.GET_JOB_STATUS, job_id)
        if is_error_reply(reply):
            raise TitanError(reply, reply=reply)
        return reply.strip()

    def wait(
        self,
        job_id: JobRef,
        timeout: float | None = None,
        poll: float = 0.2,
        raise_on_failure: bool = False,
    ) -> str:
        """Block until the job is COMPLETED, FAILED or CANCELLED and return that status.

        Raises ``TitanTimeout`` after ``timeout`` seconds (None: no limit) and,
        with ``raise_on_failure``, ``TitanJobFailed`` for FAILED/CANCELLED.
        """
        return self.wait_dag([job_id], timeout, poll, raise_on_failure)[_ref(job_id)]

    def wait_dag(
        self,
        job_ids: Iterable[JobRef],
        timeout: float | None = None,
        poll: float = 0.2,
        raise_on_failure: bool = False,
    ) -> dict[str, str]:
        """Wait for every job to end; returns ``{id: final status}`` in the given order."""
        ids = [_ref(j) for j in job_ids]
        statuses: dict[str, str] = {}
        pending = list(dict.fromkeys(ids))
        start = time.monotonic()
        deadline = None if timeout is None else start + timeout
        while True:
            for job in list(pending):
                status = self._status(job)
                statuses[job] = status
                if status == "NULL" and time.monotonic() - start >= UNKNOWN_GRACE:
                    # A submitted job is known at once; a lasting NULL is a wrong id,
                    # which must not turn into an endless wait.
                    raise TitanError(f"unknown job {job} (status NULL)", reply=status)
                if status in FINAL_STATUSES:
                    pending.remove(job)
                    if raise_on_failure and status in FAILED_STATUSES:
                        raise TitanJobFailed(job, status)
            if not pending:
                return {j: statuses[j] for j in ids}
            if deadline is not None and time.monotonic() >= deadline:
                waiting = ", ".join(f"{j}={statuses[j]}" for j in pending)
                raise TitanTimeout(f"timed out after {timeout:g} s waiting for {waiting}", statuses)
            time.sleep(poll)

    def stream_logs(
        self, job_id: JobRef, poll: float = 0.5, timeout: float | None = None
    ) -> Iterator[str]:
        """Yield the job's log lines as they appear, until the job has ended.

        Polls GET_LOGS and yields the lines not seen yet. If the log shrinks or
        changes (a new run of the same id), it starts over from the new text.
        """
        job = _ref(job_id)
        seen: list[str] = []
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            status = self._status(job)  # read before the logs: a final status means the log is complete
            text = self.request(Op.GET_LOGS, job)
            lines = text.split("\n") if text else []
            if lines[: len(seen)] != seen:
                seen = []
            yield from lines[len(seen):]
            seen = lines
            if status in FINAL_STATUSES:
                return
            if deadline is not None and time.monotonic() >= deadline:
                raise TitanTimeout(f"timed out streaming logs of {job} (status {status})", {job: status})
            time.sleep(poll)

    # -- YAML / JSON pipelines ---------------------------------------------------

    def submit_yaml(
        self,
        yaml_path: str | os.PathLike[str],
        agent_run_id: str | None = None,
        wait: bool = False,
        poll_interval: float = 2,
        timeout: float = 300,
    ) -> str | bool:
        """Validate and submit a pipeline file (YAML, or JSON with the same structure).

        The DAG is named ``<name>-<unix seconds>``; a ``project`` folder is zipped
        and uploaded first. Returns the submit reply. With ``wait=True`` it then
        polls every job until each is COMPLETED, FAILED, CANCELLED, REJECTED or
        ERROR and returns False if that did not happen within ``timeout`` seconds
        (strict: raises TitanTimeout), like the original.
        """
        jobs, reply = self._submit_pipeline(yaml_path, agent_run_id)
        if not wait:
            return reply
        if is_error_reply(reply):
            return False  # nothing was stored: those jobs will never end
        statuses: dict[str, str] = {}
        deadline = time.monotonic() + timeout
        while True:
            statuses = {j.id: self.get_job_status(j.id) for j in jobs}
            if all(s in YAML_ENDED_STATUSES or s.startswith("ERROR") for s in statuses.values()):
                return reply
            if time.monotonic() >= deadline:
                if self.strict:
                    raise TitanTimeout(f"pipeline {yaml_path} not finished after {timeout:g} s", statuses)
                return False
            time.sleep(poll_interval)

    def submit_yaml_and_wait(
        self,
        path: str | os.PathLike[str],
        timeout: float | None = 300,
        poll: float = 1.0,
        agent_run_id: str | None = None,
    ) -> dict[str, str]:
        """Submit a pipeline file and wait: ``{job id: final status}`` (always raises on errors)."""
        jobs, reply = self._submit_pipeline(path, agent_run_id)
        if is_error_reply(reply):
            raise TitanError(reply, reply=reply)
        return self.wait_dag(jobs, timeout=timeout, poll=poll)

    def _submit_pipeline(
        self, path: str | os.PathLike[str], agent_run_id: str | None
    ) -> tuple[list[TitanJob], str]:
        from .pipeline import load_pipeline  # PyYAML is optional; import lazily

        pipe = load_pipeline(path)
        if pipe.project_dir is not None:
            reply = self.upload_bytes(pipe.zip_name, zip_folder(pipe.project_dir))
            if reply != "UPLOAD_SUCCESS":
                raise TitanError(f"uploading project {pipe.zip_name} failed: {reply}", reply=reply)
        return pipe.jobs, self.submit_dag(pipe.dag_name(), pipe.jobs, agent_run_id)

    # -- files and artifacts -----------------------------------------------------

    def upload_bytes(self, name: str, data: bytes | str) -> str:
        """Upload bytes (or UTF-8 text) as asset ``name``: ``UPLOAD_SUCCESS``."""
        raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
        return self._checked(Op.UPLOAD_ASSET, f"{name}|{base64.b64encode(raw).decode('ascii')}")

    def upload_file(self, filepath: str | os.PathLike[str]) -> str:
        """Upload a local file under its base name: ``UPLOAD_SUCCESS``.

        Missing file: ``"ERROR: File not found at: <path>"`` (strict: TitanFileNotFound).
        """
        p = Path(filepath)
        if not p.is_file():
            return self._local_error(f"ERROR: File not found at: {filepath}")
        return self.upload_bytes(p.name, p.read_bytes())

    def upload_project_folder(
        self, folder_path: str | os.PathLike[str], project_name: str | None = None
    ) -> str:
        """Zip ``folder_path`` (paths relative to it, no ``__pycache__``) and upload it
        as ``<project_name or folder name>.zip``; returns the upload reply.

        Archive jobs then point at ``<name>.zip/<entry path>``. Missing folder:
        ``"ERROR: Folder not found at: <path>"`` (strict: TitanFileNotFound).
        """
        p = Path(folder_path)
        if not p.is_dir():
            return self._local_error(f"ERROR: Folder not found at: {folder_path}")
        name = project_name or p.resolve().name
        return self.upload_bytes(f"{name}.zip", zip_folder(p))

    def deploy_script(self, filepath: str | os.PathLike[str]) -> str:
        """Deploy a script for ``run_script``/``deploy``: ``DEPLOY_SUCCESS``.

        Missing file: ``"ERROR: File not found at: <path>"`` (strict: TitanFileNotFound).
        """
        p = Path(filepath)
        if not p.is_file():
            return self._local_error(f"ERROR: File not found at: {filepath}")
        b64 = base64.b64encode(p.read_bytes()).decode("ascii")
        return self._checked(Op.DEPLOY_SCRIPT, f"{p.name}|{b64}")

    def fetch_bytes(self, name: str) -> bytes:
        """The content of asset ``name``; raises TitanFileNotFound when it does not exist."""
        return _asset_bytes(name, self.request(Op.FETCH_ASSET, name))

    def fetch_artifact(
        self, filename: str, save_path: str | os.PathLike[str] | None = None
    ) -> bool:
        """Download asset ``filename`` to ``save_path`` (default: ``filename`` in the
        current directory). Returns True, or False when the bridge answers an error or
        nothing (strict: TitanFileNotFound / TitanError).
        """
        reply = self.request(Op.FETCH_ASSET, filename)
        try:
            if not reply:
                raise TitanError(f"empty reply fetching {filename}", reply=reply)
            data = _asset_bytes(filename, reply)
        except TitanError as exc:
            if self.strict:
                raise
            print(f"fetch_artifact: {exc}")
            return False
        Path(save_path if save_path is not None else filename).write_bytes(data)
        return True

    def publish_artifact(self, key: str, filename: str | os.PathLike[str]) -> bool:
        """Upload local file ``filename`` and store its base name under ``key``.

        True on ``UPLOAD_SUCCESS``; False otherwise (strict: TitanError/TitanFileNotFound).
        Read it back with ``get_artifact(key)``.
        """
        if self.upload_file(filename) != "UPLOAD_SUCCESS":
            return False
        self.store_put(key, Path(filename).name)
        return True

    def get_artifact(self, key: str, save_path: str | os.PathLike[str] | None = None) -> bool:
        """Fetch the file published under ``key`` to ``save_path`` (default ``/tmp/<name>``).

        Returns ``fetch_artifact``'s result; False when nothing is published under
        ``key`` (strict: TitanFileNotFound).
        """
        name = self.store_get(key)
        if name in (None, "", "NULL", "CLEARED"):
            if self.strict:
                raise TitanFileNotFound(f"no artifact published under {key!r}")
            return False
        return self.fetch_artifact(name, save_path if save_path is not None else f"/tmp/{name}")

    def publish_bytes(self, name: str, data: bytes | str) -> bool:
        """Store bytes or text as asset ``name`` (read with ``fetch_bytes``): True on success,
        False otherwise (strict: TitanError)."""
        return self.upload_bytes(name, data) == "UPLOAD_SUCCESS"

    # -- TitanStore (KV and sets) ------------------------------------------------

    @staticmethod
    def _key(key: str) -> str:
        key = str(key)
        if "|" in key:
            # The payload is split on the first '|', so a key cannot hold one.
            raise TitanError(f"store key {key!r} must not contain '|'")
        return key

    def store_put(self, key: str, value: object) -> str:
        """Set ``key`` to ``str(value)`` (any UTF-8, ``|`` and newlines included): ``OK``."""
        return self._checked(Op.KV_SET, f"{self._key(key)}|{value}")

    def store_get(self, key: str) -> str | None:
        """The value of ``key``. Absent key: ``"NULL"`` (the reply text, like the
        original); strict mode returns None instead."""
        reply = self.request(Op.KV_GET, self._key(key))
        return None if self.strict and reply == "NULL" else reply

    def store_sadd(self, key: str, member: object) -> int:
        """Add ``member`` to set ``key``: 1 if it was new, 0 if already present."""
        reply = self._checked(Op.KV_SADD, f"{self._key(key)}|{member}")
        try:
            return int(reply)
        except ValueError:
            if self.strict:
                raise TitanProtocolError(f"unexpected KV_SADD reply {reply!r}") from None
            return 0

    def store_smembers(self, key: str) -> list[str]:
        """Members of set ``key`` (members containing ``,`` cannot be told apart)."""
        reply = self.request(Op.KV_SMEMBERS, self._key(key))
        return reply.split(",") if reply else []

    # -- cluster -------------------------------------------------------------------

    def stats(self) -> str:
        """Human-readable cluster summary."""
        return self._checked(Op.STATS)

    def stats_json(self) -> dict:
        """Cluster summary as a dict (``active_workers``, ``queue_size``, ``workers``)."""
        reply = self.request(Op.STATS_JSON)
        try:
            data = json.loads(reply)
        except ValueError:
            raise TitanError(f"STATS_JSON reply is not JSON: {reply[:200]}", reply=reply) from None
        if not isinstance(data, dict):
            raise TitanError(f"STATS_JSON reply is not an object: {reply[:200]}", reply=reply)
        return data
