"""``PipesTitanClient``: Dagster Pipes over Titan. The context rides in the job's environment
and the messages come back in its stderr through the log stream, so the only connection the
agent needs is the one it already has to the control plane (NAT, another cloud: no shared
filesystem, no inbound port)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, Optional

import dagster as dg
from dagster._core.definitions.resource_annotation import TreatAsResourceParam
from dagster._core.pipes.utils import PipesEnvContextInjector, open_pipes_session
from dagster_pipes import PipesExtras, PipesParams

from .naming import PipesLineJoiner, pipes_message
from .resource import StepContext, TitanResource, log_line


class PipesTitanLogMessageReader(dg.PipesMessageReader):
    """Pipes messages from the job's stderr, read in order from its log stream.

    The remote writer is told to write one JSON message per line on stderr (``{"stdio":
    "stderr"}``); the client feeds every line of the job's log here: messages go to Dagster's
    handler, other lines to the event log as they are.
    """

    def __init__(self) -> None:
        self._handler: Any = None
        self._joiner = PipesLineJoiner()

    @contextmanager
    def read_messages(self, handler: Any) -> Iterator[PipesParams]:
        self._handler, self._joiner = handler, PipesLineJoiner()
        try:
            yield {"stdio": "stderr"}
        finally:
            for text in self._joiner.flush():
                self._dispatch(text)
            self._handler = None

    def feed(self, line: Mapping) -> Optional[str]:
        """Handle one log line; returns the text when it was no Pipes message."""
        if line.get("stream") != "stderr":
            return line["text"]
        plain = [t for t in self._joiner.push(line["text"]) if not self._dispatch(t)]
        return "\n".join(plain) if plain else None

    def _dispatch(self, text: str) -> bool:
        msg = pipes_message(text)
        if msg is None or self._handler is None:
            return False
        self._handler.handle_message(msg)
        return True

    def no_messages_debug_text(self) -> str:
        return (
            "Messages are read from the Titan job's stderr: the remote script must call "
            "dagster_pipes.open_dagster_pipes() (default loader and writer) and have dagster-pipes installed on the agent."
        )


class PipesTitanClient(dg.PipesClient, TreatAsResourceParam):
    """Runs an external script as a Titan job inside a Pipes session.

        titan_pipes = PipesTitanClient(TitanResource())

        @dg.asset(check_specs=[dg.AssetCheckSpec("positive", asset="scores")])
        def scores(context: dg.AssetExecutionContext):
            return titan_pipes.run(context=context, script_path="score.py", requirement="GPU").get_materialize_result()
    """

    def __init__(self, titan: Optional[TitanResource] = None, forward_logs: bool = True) -> None:
        self.titan = titan or TitanResource()
        self.forward_logs = forward_logs

    @classmethod
    def _is_dagster_maintained(cls) -> bool:
        return False

    def run(  # type: ignore[override]
        self,
        *,
        context: StepContext,
        extras: Optional[PipesExtras] = None,
        script_path: Optional[str] = None,
        artifact: Optional[str] = None,
        entry: Optional[str] = None,
        requirement: str = "GENERAL",
        args: Optional[Sequence[str]] = None,
        env: Optional[Mapping[str, str]] = None,
        affinity: bool = False,
        timeout: Optional[float] = None,
        max_retries: Optional[int] = None,
        **asks: Any,
    ) -> dg.PipesClientCompletedInvocation:
        """Run the script (``script_path``, or ``artifact``: an uploaded ``.zip`` with ``entry``
        inside, or a deployed script's name) on an agent offering ``requirement``; what it reports
        through ``open_dagster_pipes()`` comes back as the invocation's results. ``asks``:
        ``gpus``, ``gpu_memory_mb``, ``memory_mb``, ``cpus``, ``priority``, ``job_id``."""
        reader = PipesTitanLogMessageReader()
        api = self.titan.api()
        with open_pipes_session(context=context, context_injector=PipesEnvContextInjector(), message_reader=reader, extras=extras) as session:
            spec = self.titan.job_spec(
                context, script_path=script_path, artifact=artifact, entry=entry, requirement=requirement, affinity=affinity,
                args=args, timeout=timeout, max_retries=max_retries, env={**dict(env or {}), **session.get_bootstrap_env_vars()},
                api=api, **asks,
            )

            def on_line(line: dict) -> Optional[str]:
                text = reader.feed(line)  # None: a Pipes message, handled
                if text is not None and self.forward_logs:
                    log_line(context, spec["id"], {**line, "text": text})
                return text

            result = self.titan.execute(context, spec, on_line=on_line, attach_metadata=False)
        return dg.PipesClientCompletedInvocation(session, metadata=result.metadata)
