"""Best-effort DAG manifest push, as the original SDK did after each submit.

DAG names are not on the wire; a dashboard (or the bridge) listening on
``http://TITAN_HOST:${TITAN_DASHBOARD_PORT:-5000}/api/manifest/sync`` learns
them from this POST. Every failure is ignored: it must never break a submission.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable

from .job import TitanJob, dag_id

MANIFEST_TIMEOUT = 1.0


def build_manifest(dag_name: str, jobs: Iterable[TitanJob], run_ts: int | None = None) -> dict:
    """The original's body: ``{"DAG-<id>": {"dag": name, "deps": ["DAG-<parent>"], "run_ts": ms}}``."""
    ts = int(time.time() * 1000) if run_ts is None else run_ts
    return {
        dag_id(j.id): {"dag": dag_name, "deps": [dag_id(p) for p in j.parents], "run_ts": ts}
        for j in jobs
    }


def push_manifest(host: str, dag_name: str, jobs: Iterable[TitanJob]) -> bool:
    """POST the manifest; returns whether it was accepted. Never raises."""
    if os.environ.get("TITAN_MANIFEST_SYNC", "1").lower() in ("0", "false", "no", "off"):
        return False
    try:
        import urllib.request  # only when pushing: importing titan_sdk stays cheap

        port = int(os.environ.get("TITAN_DASHBOARD_PORT") or 5000)
        url = f"http://{_url_host(host)}:{port}/api/manifest/sync"
        body = json.dumps(build_manifest(dag_name, jobs)).encode("utf-8")
        req = urllib.request.Request(
            url, data=body, headers={"Content-Type": "application/json"}, method="POST"
        )
        with urllib.request.urlopen(req, timeout=MANIFEST_TIMEOUT) as resp:
            return 200 <= resp.status < 300
    except Exception:  # noqa: BLE001 - best effort by design
        return False


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host
