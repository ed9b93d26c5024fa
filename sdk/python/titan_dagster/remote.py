"""One Titan job seen from Dagster: submit it, follow its state and log lines as they come,
cancel it. Plain HTTP (titan_sdk.TitanHttp); no Dagster import here."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

from titan_sdk.errors import TitanConnectionError
from titan_sdk.http_api import TitanApiError, TitanHttp, _seg

from .naming import FINAL

LineSink = Callable[[dict], None]


class RemoteJob:
    """A submitted job. ``follow`` returns its final view; lines go to ``on_line`` in order."""

    def __init__(self, api: TitanHttp, job: Mapping, poll_min: float = 0.05, poll_max: float = 1.0, outage_s: float = 120.0) -> None:
        self.api = api
        self.id: str = job["id"]
        self.view: dict = dict(job)
        self.poll_min, self.poll_max, self.outage_s = poll_min, poll_max, outage_s
        self._cursor = 0

    @classmethod
    def submit(cls, api: TitanHttp, spec: Mapping, **kw) -> RemoteJob:
        return cls(api, api.request("POST", "/v1/jobs", dict(spec))["job"], **kw)

    def follow(self, on_line: LineSink, on_outage: Callable[[str], None] = lambda _m: None) -> dict:
        """Follow until the job ends (COMPLETED, FAILED for good, or CANCELLED). Each turn holds a
        ``/wait`` for up to the poll interval, which the control plane answers the moment the job
        ends, then reads the new lines: short turns while lines flow, backing off to ``poll_max``
        while it is quiet. The state is read before the lines: an agent ships a run's last lines
        before it reports the result, so once the state is final the read after it has them all."""
        interval = self.poll_min
        down_since: float | None = None
        while True:
            try:
                self.view = self.api.wait_job(self.id, interval)
                got = self._read_lines(on_line)
                down_since = None
            except TitanConnectionError as exc:
                # A cut between Dagster and the control plane is not the job's failure: keep trying.
                now = time.monotonic()
                if down_since is None:
                    down_since = now
                    on_outage(f"control plane unreachable, still following {self.id}: {exc}")
                if now - down_since > self.outage_s:
                    raise
                time.sleep(interval)
                continue
            if self.view.get("status") in FINAL:
                return self.view
            interval = self.poll_min if got else min(self.poll_max, interval * 1.5)

    def _read_lines(self, on_line: LineSink) -> int:
        """Every line after the cursor, in pages; the number of lines read."""
        n = 0
        while True:
            page = self.api.request("GET", f"/v1/jobs/{_seg(self.id)}/logs?after={self._cursor}&run={self.view['run']}")
            for line in page["lines"]:
                on_line(line)
            n += len(page["lines"])
            self._cursor = page["next"]
            if not page.get("truncated") or not page["lines"]:
                return n

    def cancel(self, wait_s: float = 10.0) -> dict:
        """Cancel it (the agent kills its process) and wait briefly until the control plane says it ended."""
        try:
            self.view = self.api.request("POST", f"/v1/jobs/{_seg(self.id)}/cancel")["job"]
        except TitanApiError as exc:
            if exc.status != 409:  # 409: it had already ended
                raise
        if self.view.get("status") not in FINAL:
            self.view = self.api.wait_job(self.id, wait_s)  # held until it ended, or wait_s
        return self.view
