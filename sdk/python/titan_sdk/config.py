"""Where the bridge is: explicit value > environment > .titan/cluster.json > default."""

from __future__ import annotations

import json
import os
from pathlib import Path

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 9090
CLUSTER_FILE = Path(".titan") / "cluster.json"


def read_cluster_file(cwd: str | os.PathLike[str] | None = None) -> dict | None:
    """Return the parsed ``.titan/cluster.json`` under ``cwd`` (or None)."""
    path = Path(cwd or os.getcwd()) / CLUSTER_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def resolve_bridge(
    host: str | None = None,
    port: int | str | None = None,
    cwd: str | os.PathLike[str] | None = None,
) -> tuple[str, int]:
    """Pick the bridge address.

    Each of host and port is taken from the first source that has it: the
    argument, ``TITAN_HOST``/``TITAN_PORT``, then the ``bridge`` entry of
    ``.titan/cluster.json`` in the current directory (written by ``titan up``),
    then 127.0.0.1:9090 like the original SDK.
    """
    host = host or os.environ.get("TITAN_HOST") or None
    port = port or os.environ.get("TITAN_PORT") or None
    if host is None or port is None:
        bridge = (read_cluster_file(cwd) or {}).get("bridge") or {}
        if isinstance(bridge, dict):
            host = host or bridge.get("host")
            port = port or bridge.get("port")
    try:
        port_num = int(port) if port is not None else DEFAULT_PORT
    except ValueError:
        raise ValueError(f"invalid Titan port {port!r}") from None
    return host or DEFAULT_HOST, port_num
