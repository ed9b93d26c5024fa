"""``TitanResource``: a Dagster resource whose steps run as Titan jobs on our agents, with their
log lines in the Dagster event log as they come, metadata on the materialization, failures as
``dg.Failure`` and a terminated Dagster run cancelling its job."""

from __future__ import annotations

import base64
import os
import signal
import threading
from collections import deque
from contextlib import contextmanager
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Optional, Union

import dagster as dg

from titan_sdk.errors import TitanError
from titan_sdk.http_api import TitanApiError, TitanHttp

from .naming import JOB_ID_KEY, TAIL_LINES, dagster_env, failure_text, job_id_for, run_metadata
from .remote import RemoteJob

StepContext = Union[dg.AssetExecutionContext, dg.OpExecutionContext]

# Jobs started per step of the most recent runs, so a step that starts two gets two ids; runs older
# than the last RECENT_RUNS are forgotten, so a long-lived code server does not grow with them.
RECENT_RUNS = 64
_calls: dict[str, dict[tuple, int]] = {}
_calls_lock = threading.Lock()


@dataclass
class TitanRunResult:
    """How a Titan job ended (always COMPLETED: a failure raises ``dg.Failure``)."""

    job_id: str
    status: str
    agent: Optional[str]
    exit_code: Optional[int]
    attempts: int
    duration_s: Optional[float]
    metadata: dict = field(default_factory=dict)
    log_tail: list = field(default_factory=list)


class TitanResource(dg.ConfigurableResource):
    """Runs a step's heavy work as a Titan job, over the control plane's HTTP API.

    The control plane is found as the rest of the SDK finds it: ``url`` and ``token`` (both may be
    ``dg.EnvVar``), else ``TITAN_URL``/``TITAN_TOKEN``, else the ``cluster.json`` that ``titan up``
    wrote in ``state`` (else ``TITAN_STATE``, else ``.titan``). Relative script paths are taken
    from ``base_dir`` (default: the working directory).
    """

    url: Optional[str] = None
    token: Optional[str] = None
    state: Optional[str] = None
    base_dir: Optional[str] = None
    #: Longest pause between two looks at a quiet job (seconds); polls are quicker while lines flow.
    poll_max_s: float = 1.0
    #: How long the control plane may stay unreachable while a job is followed before the step fails.
    outage_s: float = 120.0

    # -- the API most users call --------------------------------------------------------------

    def run_task(
        self,
        context: StepContext,
        script_path: str,
        requirement: str = "GENERAL",
        affinity: bool = False,
        args: Optional[Sequence[str]] = None,
        timeout: Optional[float] = None,
        max_retries: Optional[int] = None,
        *,
        env: Optional[Mapping[str, str]] = None,
        priority: Optional[int] = None,
        gpus: int = 0,
        gpu_memory_mb: int = 0,
        memory_mb: int = 0,
        cpus: float = 0,
        job_id: Optional[str] = None,
        attach_metadata: bool = True,
    ) -> TitanRunResult:
        """Run ``script_path`` on an agent offering ``requirement`` and wait for it.

        ``affinity=True``: on the node the upstream asset's job ran on (the agent itself when it
        offers ``requirement``, else an agent of the same host). ``timeout`` in seconds per attempt,
        ``max_retries`` attempts after the first. The partition key and run config reach the script
        as ``TITAN_DAGSTER_*`` env vars. Raises ``dg.Failure`` (exit code and log tail in its
        description) when the job fails for good or is cancelled.
        """
        spec = self.job_spec(
            context, script_path=script_path, requirement=requirement, affinity=affinity, args=args, timeout=timeout,
            max_retries=max_retries, env=env, priority=priority, gpus=gpus, gpu_memory_mb=gpu_memory_mb,
            memory_mb=memory_mb, cpus=cpus, job_id=job_id,
        )
        return self.execute(context, spec, attach_metadata=attach_metadata)

    # -- building blocks (PipesTitanClient uses them too) ---------------------------------------

    def api(self) -> TitanHttp:
        return TitanHttp(self.url, self.token, state=self.state)

    def job_spec(
        self,
        context: StepContext,
        *,
        script_path: Optional[str] = None,
        artifact: Optional[str] = None,
        entry: Optional[str] = None,
        requirement: str = "GENERAL",
        affinity: bool = False,
        args: Optional[Sequence[str]] = None,
        timeout: Optional[float] = None,
        max_retries: Optional[int] = None,
        env: Optional[Mapping[str, str]] = None,
        priority: Optional[int] = None,
        gpus: int = 0,
        gpu_memory_mb: int = 0,
        memory_mb: int = 0,
        cpus: float = 0,
        job_id: Optional[str] = None,
        api: Optional[TitanHttp] = None,
    ) -> dict:
        """The API's job JSON for this step: a fresh id, the code, the step's env, the asks."""
        facts = _step_facts(context)
        spec: dict[str, Any] = {
            "id": job_id or _next_job_id(facts),
            "requirement": requirement,
            "args": [str(a) for a in (args or [])],
            "env": {**dagster_env(**facts["env"]), **dict(env or {})},
        }
        spec.update(self._code(script_path, artifact, entry))
        if timeout is not None:
            spec["timeoutMs"] = max(1, round(timeout * 1000))
        if max_retries is not None:
            spec["maxRetries"] = int(max_retries)
        if priority is not None:
            spec["priority"] = int(priority)
        for key, value in (("gpus", gpus), ("gpuMemoryMb", gpu_memory_mb), ("memoryMb", memory_mb), ("cpus", cpus)):
            if value:
                spec[key] = value
        if affinity:
            upstream = self._upstream_job(context, api or self.api())
            if upstream:
                spec["affinityTo"] = upstream
                context.log.info(f"Titan: {spec['id']} runs beside {upstream} (the upstream asset's job)")
            else:
                context.log.warning("Titan: affinity asked, but no upstream asset of this step ran as a Titan job that is still known; it runs wherever it fits")
        return spec

    def execute(
        self,
        context: StepContext,
        spec: Mapping,
        *,
        on_line: Optional[Callable[[dict], Optional[str]]] = None,
        attach_metadata: bool = True,
    ) -> TitanRunResult:
        """Submit ``spec``, follow it to its end, cancel it if the Dagster run is interrupted.
        ``on_line`` takes each log line instead of the event log, and returns the text to keep for
        the failure's log tail (None: nothing)."""
        api = self.api()
        tail: deque[str] = deque(maxlen=TAIL_LINES)

        def forward(line: dict) -> None:
            text = on_line(line) if on_line is not None else log_line(context, spec["id"], line)
            if text is not None:
                tail.append(text)

        context.log.info(f"Titan: submitting {spec['id']} (requirement {spec.get('requirement', 'GENERAL')})")
        try:
            remote = RemoteJob.submit(api, spec, poll_max=self.poll_max_s, outage_s=self.outage_s)
        except TitanError as exc:
            raise dg.Failure(description=f"Titan refused job {spec['id']}: {exc}") from None
        try:
            with _sigterm_interrupts():
                final = remote.follow(forward, on_outage=context.log.warning)
        except BaseException:
            # The Dagster run was terminated (or this process is going down): the job must not run on.
            context.log.warning(f"Titan: step interrupted, cancelling {remote.id}")
            try:
                view = remote.cancel()
                context.log.warning(f"Titan: {remote.id} is {view.get('status')}")
            except Exception as exc:  # noqa: BLE001 - the interruption is what must propagate
                context.log.error(f"Titan: could not cancel {remote.id}: {exc}")
            raise
        meta = run_metadata(final, api.url)
        dagster_meta = {k: (dg.MetadataValue.url(v) if k == "titan/dashboard" else v) for k, v in meta.items()}
        if final.get("status") != "COMPLETED":
            raise dg.Failure(description=failure_text(final, list(tail)), metadata=dagster_meta)
        if attach_metadata:
            context.add_output_metadata(dagster_meta)
        context.log.info(f"Titan: {remote.id} completed on {final.get('node')} in {meta.get('titan/duration_s')} s")
        return TitanRunResult(
            job_id=remote.id, status=final["status"], agent=final.get("node"), exit_code=final.get("exitCode"),
            attempts=int(final.get("attempts") or 0), duration_s=meta.get("titan/duration_s"),  # type: ignore[arg-type]
            metadata=dagster_meta, log_tail=list(tail),
        )

    # -- helpers ---------------------------------------------------------------------------------

    def _code(self, script_path: Optional[str], artifact: Optional[str], entry: Optional[str]) -> dict:
        """Where the job's code comes from: a local script (sent inline), an uploaded project zip
        (``artifact="proj.zip"``, ``entry`` inside it) or a script deployed by name."""
        if (script_path is None) == (artifact is None):
            raise dg.DagsterInvariantViolationError("give exactly one of script_path= and artifact=")
        if artifact is not None:
            if artifact.endswith(".zip"):
                return {"type": "RUN_ARCHIVE", "archive": artifact, "file": entry or "main.py"}
            return {"type": "RUN_PAYLOAD", "script": artifact, "file": artifact}
        path = Path(script_path)  # type: ignore[arg-type]
        if not path.is_absolute():
            path = Path(self.base_dir or os.getcwd()) / path
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise dg.Failure(description=f"cannot read script {path}: {exc.strerror or exc}") from None
        return {"type": "RUN_PAYLOAD", "file": path.name, "payloadB64": base64.b64encode(data).decode("ascii")}

    def _upstream_job(self, context: StepContext, api: TitanHttp) -> Optional[str]:
        """The Titan job of an upstream asset's latest materialization (this run's first), if
        the control plane still knows it."""
        if not context.has_assets_def:
            return None
        upstream = context.assets_def.asset_deps.get(_asset_key(context), set())
        found: list[tuple[bool, str]] = []
        for key in sorted(upstream, key=lambda k: k.to_user_string()):
            event = context.instance.get_latest_materialization_event(key)
            mat = event.asset_materialization if event else None
            value = mat.metadata.get(JOB_ID_KEY) if mat else None
            if value is not None:
                found.append((event.run_id != _op_context(context).run_id, str(value.value)))  # type: ignore[union-attr]
        for _, job in sorted(found):
            try:
                api.get_job(job)
                return job
            except TitanApiError:
                continue  # forgotten (retention) or another cluster's
        return None


def log_line(context: StepContext, job_id: str, line: Mapping) -> str:
    """One remote line into the Dagster event log, as it arrives; returns its text."""
    stream = line.get("stream")
    prefix = f"[{job_id}]" if stream == "stdout" else f"[{job_id} {stream}]"
    context.log.info(f"{prefix} {line['text']}")
    return line["text"]


@contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    """While a job is followed, SIGTERM interrupts like Ctrl-C (Dagster's own termination), so a
    run worker stopped by a container runtime cancels its job too. Only where nobody else
    handles SIGTERM, and only from the main thread (the one signals reach)."""
    if threading.current_thread() is not threading.main_thread() or signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        yield
        return

    def interrupt(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt("SIGTERM")

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _asset_key(context: StepContext) -> dg.AssetKey:
    keys = list(context.selected_asset_keys) if context.has_assets_def else []
    return keys[0] if len(keys) == 1 else context.asset_key


def _op_context(context: StepContext) -> dg.OpExecutionContext:
    """The op context under an asset context (whose own run facts are deprecated)."""
    return context.op_execution_context if isinstance(context, dg.AssetExecutionContext) else context


def _step_facts(context: StepContext) -> dict:
    """What identifies this step and what its script learns of it."""
    op = _op_context(context)
    path = list(_asset_key(context).path) if op.has_assets_def else [op.op.name]
    partition_key = op.partition_key if op.has_partition_key else None
    partition_range = None
    if partition_key is None and op.has_partition_key_range:
        r = op.partition_key_range
        partition_range = (r.start, r.end)
    return {
        "path": path,
        "run_id": op.run_id,
        "retry": op.retry_number,
        "env": {
            "run_id": op.run_id, "job_name": op.job_name, "asset_path": path if op.has_assets_def else None,
            "partition_key": partition_key, "partition_range": partition_range, "op_config": op.op_config,
        },
    }


def _next_job_id(facts: Mapping) -> str:
    step = (tuple(facts["path"]), facts["retry"])
    with _calls_lock:
        run = _calls.pop(facts["run_id"], {})
        _calls[facts["run_id"]] = run  # most recent last
        while len(_calls) > RECENT_RUNS:
            del _calls[next(iter(_calls))]
        run[step] = n = run.get(step, 0) + 1
    return job_id_for(facts["path"], facts["run_id"], facts["retry"], n)
