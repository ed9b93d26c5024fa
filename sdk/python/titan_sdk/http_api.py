"""The control plane's HTTP API, for what TITAN_PROTO has no opcode for: cron schedules and
native approval gates (stdlib ``urllib`` only). Not named ``http.py``: the gate script runs
from this folder as a plain script, and a module named ``http`` here would hide the stdlib's.

    from titan_sdk import TitanHttp, TitanJob

    api = TitanHttp()      # url/token > TITAN_URL/TITAN_TOKEN > <state>/cluster.json
    api.schedule("nightly", "0 3 * * *", [TitanJob("etl", "etl.py")], timezone="Europe/Paris")
    api.schedule("report", None, "report.yaml")    # a pipeline file; cron from its `schedule:`
    api.pause_schedule("nightly"); api.run_schedule("nightly"); api.delete_schedule("nightly")
    api.approve_job("deploy-gate", reason="looks good", by="alice")

The control plane is found the way the ``titan`` CLI finds it: explicit arguments, then
``TITAN_URL``/``TITAN_TOKEN``, then the ``url``/``clientToken`` of the state dir's
``cluster.json`` (``state`` argument, else ``TITAN_STATE``, else ``.titan``). Errors the API
answers raise ``TitanApiError`` (a ``TitanError``) with its message; an unreachable control
plane raises ``TitanConnectionError``.
"""

from __future__ import annotations

import json
import os
import urllib.parse
from collections.abc import Mapping, Sequence
from pathlib import Path

from .archive import zip_folder
from .config import PathLike, read_cluster_file
from .errors import TitanConnectionError, TitanError
from .job import TitanJob, archive_pointer, with_hitl_gates

__all__ = ["TitanApiError", "TitanHttp", "dag_request", "job_spec", "resolve_control_plane"]

MAX_GATE_WAIT_S = 30 * 24 * 3600  # the contract's longest approval time limit
DagSource = str | os.PathLike[str] | Mapping | Sequence


class TitanApiError(TitanError):
    """The control plane refused a request: ``status`` (HTTP), ``code`` (e.g. ``not_found``)."""

    def __init__(self, message: str, status: int, code: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


def resolve_control_plane(
    url: str | None = None,
    token: str | None = None,
    cwd: PathLike | None = None,
    state: PathLike | None = None,
) -> tuple[str, str]:
    """(url, client token): each from the argument, the environment, then ``cluster.json``."""
    url = url or os.environ.get("TITAN_URL") or None
    token = token or os.environ.get("TITAN_TOKEN") or None
    if url is None or token is None:
        info = read_cluster_file(cwd, state) or {}
        url = url or info.get("url") or None
        token = token or info.get("clientToken") or None
    if not url or not token:
        raise TitanError(
            "no control plane given: pass url= and token=, set TITAN_URL and TITAN_TOKEN, "
            "or run `titan up` here first (or point TITAN_STATE at its state dir)"
        )
    return str(url).rstrip("/"), str(token)


# -- TitanJob -> the API's job JSON (pure) ------------------------------------------------

def job_spec(job: TitanJob) -> dict:
    """A TitanJob as the API's JobSpec, field for field as the bridge turns its job string."""
    spec: dict = {
        "id": job.id,
        "args": [a for a in job.args.split(" ") if a],  # the bridge splits on single spaces
        "requirement": job.requirement,
        "priority": job.priority,
        "delayMs": job.delay,
        "affinity": job.affinity,
        "parents": list(job.parents),
    }
    if job.is_archive:
        pointer = archive_pointer(job.filename)
        at = pointer.index(".zip/")
        spec.update(type="ARCHIVE_SERVICE" if job.is_service else "RUN_ARCHIVE", archive=pointer[: at + 4], file=pointer[at + 5:])
    else:
        spec.update(type="SERVICE" if job.is_service else "RUN_PAYLOAD", file=Path(job.filename).name, payloadB64=job.payload_b64)
    if job.is_service:
        spec["port"] = job.port
    for ask, field in (("gpus", "gpus"), ("gpu_memory_mb", "gpuMemoryMb"), ("memory_mb", "memoryMb"), ("cpus", "cpus")):
        if getattr(job, ask):
            spec[field] = getattr(job, ask)
    # The job string has no field for these; the HTTP API does.
    if job.timeout is not None:
        spec["timeoutMs"] = max(1, round(job.timeout * 1000))
    if job.max_retries is not None:
        spec["maxRetries"] = int(job.max_retries)
    return spec


def _gate_spec(gate_id: str, gated: TitanJob) -> dict:
    """The native GATE that ``hitl_message`` puts after ``gated`` (the bridge does the same)."""
    wait = min(gated.max_wait_seconds, MAX_GATE_WAIT_S)
    return {
        "id": gate_id, "type": "GATE", "file": "gate", "parents": [gated.id], "priority": gated.priority,
        "approval": {"message": gated.hitl_message[:2000], "timeoutMs": wait * 1000 if wait > 0 else None},
    }


def jobs_request(jobs: Sequence[TitanJob], name: str | None = None) -> dict:
    """A DAG request of TitanJobs, scripts inline, a native gate after each ``hitl_message`` job."""
    expanded, gates = with_hitl_gates(list(jobs))
    by_id = {j.id: j for j in jobs}
    specs = [_gate_spec(j.id, by_id[j.parents[0]]) if j.id in gates else job_spec(j) for j in expanded]
    return {**({"name": name} if name else {}), "jobs": specs}


def dag_request(source: DagSource, name: str | None = None) -> tuple[dict, tuple[str, Path] | None, str | None]:
    """(DAG request, project zip to upload first as (name, folder) or None, the pipeline's cron or None).

    ``source`` is a pipeline file path (YAML/JSON, checked by ``load_pipeline``), a DAG request
    dict (``{"name"?, "jobs": [...]}``, the API's JSON), or a list of TitanJobs or job dicts.
    """
    if isinstance(source, (str, os.PathLike)):
        from .pipeline import load_pipeline  # PyYAML is optional; import lazily

        pipe = load_pipeline(source)
        upload = (pipe.zip_name, pipe.project_dir) if pipe.project_dir is not None else None
        return jobs_request(pipe.jobs, name or pipe.name), upload, pipe.normalized.get("schedule")
    if isinstance(source, Mapping):
        dag = dict(source)
        if name:
            dag["name"] = name
        return dag, None, None
    items = list(source)
    if not items:
        raise TitanError("a DAG needs at least one job")
    if all(isinstance(j, TitanJob) for j in items):
        return jobs_request(items, name), None, None
    if all(isinstance(j, Mapping) for j in items):
        return {**({"name": name} if name else {}), "jobs": [dict(j) for j in items]}, None, None
    raise TitanError("jobs must all be TitanJob objects or all job dicts (the API's JSON)")


# -- the client (I/O) ---------------------------------------------------------------------

class TitanHttp:
    """A small client of the control plane's HTTP API (``/v1``), with the client token."""

    def __init__(
        self,
        url: str | None = None,
        token: str | None = None,
        timeout: float = 15.0,
        state: PathLike | None = None,
    ) -> None:
        self.url, self._token = resolve_control_plane(url, token, state=state)
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"TitanHttp({self.url!r})"

    def request(self, method: str, path: str, body: object = None, raw: bytes | None = None, timeout: float | None = None) -> dict:
        """One call: JSON in (or raw bytes), JSON out; API errors raise TitanApiError."""
        headers = {"authorization": f"Bearer {self._token}", "accept": "application/json"}
        data = raw
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            headers["content-type"] = "application/json"
        elif raw is not None:
            headers["content-type"] = "application/octet-stream"
        import urllib.error  # here, not at the top: a job that imports titan_sdk and never calls
        import urllib.request  # the HTTP API does not pay for http.client and ssl (~10 ms)

        req = urllib.request.Request(self.url + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=timeout or self.timeout) as res:
                text = res.read().decode("utf-8")
        except urllib.error.HTTPError as exc:
            raise _api_error(exc.code, exc.read().decode("utf-8", "replace")) from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise TitanConnectionError(f"control plane unreachable: {reason} ({self.url})") from None
        return json.loads(text) if text else {}

    # -- schedules --

    def schedule(
        self,
        name: str,
        cron: str | None,
        dag_or_jobs: DagSource,
        timezone: str = "UTC",
        missed: str = "skip",
        overlap: str = "skip",
        paused: bool = False,
    ) -> dict:
        """Create or replace schedule ``name``: each tick of ``cron`` runs the DAG. Returns its view.

        ``cron``: 5 fields, a macro (``@daily``) or ``@every 30s``; None takes a pipeline file's
        ``schedule:``. ``missed``: ``skip`` | ``run_once``; ``overlap``: ``skip`` | ``allow`` |
        ``cancel_previous``. A pipeline's project folder is zipped and uploaded first.
        """
        dag, upload, pipeline_cron = dag_request(dag_or_jobs)
        cron = cron or pipeline_cron
        if not cron:
            raise TitanError(f"schedule {name}: no cron expression (and no 'schedule:' in the pipeline)")
        if upload is not None:
            self.request("PUT", f"/v1/artifacts/{_seg(upload[0])}", raw=zip_folder(upload[1]))
        body = {"cron": cron, "timezone": timezone, "missed": missed, "overlap": overlap, "paused": bool(paused), "dag": dag}
        return self.request("PUT", f"/v1/schedules/{_seg(name)}", body)["schedule"]

    def schedules(self) -> list[dict]:
        """Every schedule, with ``nextAt`` (ms), ``runs``, ``lastDag``, ``lastState``, ``lastNote``."""
        return self.request("GET", "/v1/schedules")["schedules"]

    def get_schedule(self, name: str) -> dict:
        return self.request("GET", f"/v1/schedules/{_seg(name)}")["schedule"]

    def pause_schedule(self, name: str) -> dict:
        return self.request("POST", f"/v1/schedules/{_seg(name)}/pause")["schedule"]

    def resume_schedule(self, name: str) -> dict:
        """Resume from the next tick (ticks while paused are not made up)."""
        return self.request("POST", f"/v1/schedules/{_seg(name)}/resume")["schedule"]

    def run_schedule(self, name: str) -> str:
        """Run the schedule's DAG now, outside its timetable: the new DAG's id."""
        return self.request("POST", f"/v1/schedules/{_seg(name)}/run")["dag"]

    def delete_schedule(self, name: str) -> None:
        """Delete the schedule; the runs it made stay."""
        self.request("DELETE", f"/v1/schedules/{_seg(name)}")

    # -- jobs and approval gates --

    def submit_dag(self, dag_or_jobs: DagSource, name: str | None = None) -> dict:
        """Submit a DAG over HTTP (TitanJobs, job dicts, a DAG dict or a pipeline file): ``{"dag", "jobs"}``."""
        dag, upload, _ = dag_request(dag_or_jobs, name)
        if upload is not None:
            self.request("PUT", f"/v1/artifacts/{_seg(upload[0])}", raw=zip_folder(upload[1]))
        return self.request("POST", "/v1/dags", dag)

    def get_job(self, job_id: str) -> dict:
        """The job as the API shows it (``state``, ``status``, ``approval``, ``history``, …)."""
        return self.request("GET", f"/v1/jobs/{_seg(job_id)}")["job"]

    def wait_job(self, job_id: str, wait_s: float = 20.0) -> dict:
        """The job once it has ended (COMPLETED, FAILED for good, CANCELLED), or as it is after
        ``wait_s`` (at most 30): the control plane holds the request, so nothing polls."""
        ms = max(0, min(30_000, round(wait_s * 1000)))
        return self.request("GET", f"/v1/jobs/{_seg(job_id)}/wait?waitMs={ms}", timeout=self.timeout + ms / 1000)["job"]

    def wait_dag(self, dag_id: str, wait_s: float = 20.0) -> dict:
        """``{"id", "name", "createdAt", "counts", "ended"}`` once every job of the DAG has ended, or
        as it is after ``wait_s`` (at most 30)."""
        ms = max(0, min(30_000, round(wait_s * 1000)))
        return self.request("GET", f"/v1/dags/{_seg(dag_id)}/wait?waitMs={ms}", timeout=self.timeout + ms / 1000)

    def approve_job(self, job_id: str, reason: str | None = None, by: str | None = None) -> dict:
        """Approve a job waiting in WAITING_APPROVAL: it runs (a GATE completes). Returns the job."""
        return self._decide(job_id, "approve", reason, by)

    def reject_job(self, job_id: str, reason: str | None = None, by: str | None = None) -> dict:
        """Reject a waiting job: final (no retry), its descendants cancelled. Returns the job."""
        return self._decide(job_id, "reject", reason, by)

    def _decide(self, job_id: str, verb: str, reason: str | None, by: str | None) -> dict:
        body = {k: v for k, v in (("reason", reason), ("by", by)) if v}
        return self.request("POST", f"/v1/jobs/{_seg(job_id)}/{verb}", body)["job"]


def _seg(value: str) -> str:
    """One path segment, percent-encoded (``/`` included)."""
    return urllib.parse.quote(str(value), safe="")


def _api_error(status: int, text: str) -> TitanApiError:
    """The API's ``{"error": {"code", "message"}}`` as TitanApiError; other bodies as text."""
    code, message = f"http_{status}", text[:500] or f"HTTP {status}"
    try:
        err = json.loads(text).get("error")
        if isinstance(err, Mapping):
            code, message = err.get("code") or code, err.get("message") or message
    except (ValueError, AttributeError):
        pass
    return TitanApiError(message, status, code)
