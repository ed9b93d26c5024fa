"""Best-effort DAG manifest push, as the original SDK did after each submit.

DAG names are not on the wire; a dashboard listening on
``http://TITAN_HOST:5000/api/manifest/sync`` learns them from this POST.
Every failure is ignored: the manifest must never break a submission.
"""

from __future__ import annotations

import json
import os
import urllib.request
from collections.abc import Iterable

from .job import TitanJob

MANIFEST_TIMEOUT = 1.0


def build_manifest(dag_name: str, jobs: Iterable[TitanJob]) -> dict:
    """The JSON body: ``{"dag_name": …, "jobs": [{"id": …, "parents": […]}]}``."""
    return {
        "dag_name": dag_name,
        "jobs": [{"id": j.id, "parents": list(j.parents)} for j in jobs],
    }


def push_manifest(host: str, dag_name: str, jobs: Iterable[TitanJob]) -> bool:
    """POST the manifest; returns whether it was accepted. Never raises."""
    if os.environ.get("TITAN_MANIFEST_SYNC", "1").lower() in ("0", "false", "no", "off"):
        return False
    try:
        port = int(os.environ.get("TITAN_DASHBOARD_PORT", "5000"))
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
