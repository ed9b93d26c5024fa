"""Exception hierarchy of the SDK.

Every error the SDK raises is a ``TitanError`` so callers can catch one type.
``TitanConnectionError`` is also a ``ConnectionError`` so generic network
handling (retry loops, ``except OSError``) keeps working.
"""

from __future__ import annotations


class TitanError(Exception):
    """A reply from the bridge that signals failure, or a local misuse.

    ``reply`` holds the bridge's reply text when the error came from one.
    """

    def __init__(self, message: str, reply: str | None = None) -> None:
        super().__init__(message)
        self.reply = reply


class TitanConnectionError(TitanError, ConnectionError):
    """The bridge could not be reached, or it stopped answering."""


class TitanProtocolError(TitanError):
    """The peer sent something that is not a TITAN_PROTO frame."""


class TitanTimeout(TitanError, TimeoutError):
    """A wait ran out of time. ``statuses`` holds the last status seen per job."""

    def __init__(self, message: str, statuses: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.statuses: dict[str, str] = dict(statuses or {})


class TitanJobFailed(TitanError):
    """A job ended FAILED or CANCELLED while the caller asked to raise on failure."""

    def __init__(self, job_id: str, status: str) -> None:
        super().__init__(f"job {job_id} ended {status}")
        self.job_id = job_id
        self.status = status


class PipelineError(TitanError):
    """A YAML/JSON pipeline is invalid; raised before anything is sent.

    ``issues`` lists every problem as ``{code, key, line, job, message}``
    (codes are shared with the TypeScript SDK; see test/fixtures/pipelines).
    """

    def __init__(self, message: str, issues: list[dict] | None = None) -> None:
        super().__init__(message)
        self.issues: list[dict] = list(issues or [])


class TitanFileNotFound(TitanError, FileNotFoundError):
    """A local file (job script, upload) or an asset/artifact on the cluster does not exist."""
