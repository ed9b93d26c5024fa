"""Where the bridge is: explicit value > environment > the state dir's cluster.json > default.

The state dir is found as the ``titan`` CLI finds it: ``--state DIR`` (the
``state`` argument), else ``TITAN_STATE``, else ``.titan``; a relative path is
taken from the current folder.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 9090
DEFAULT_STATE = ".titan"
CLUSTER_FILE = Path(DEFAULT_STATE) / "cluster.json"

PathLike = str | os.PathLike[str]


def state_dir(state: PathLike | None = None, cwd: PathLike | None = None) -> Path:
    """The state dir ``titan up`` wrote to: ``state`` > ``TITAN_STATE`` > ``.titan``."""
    chosen = state or os.environ.get("TITAN_STATE") or DEFAULT_STATE
    return Path(cwd or os.getcwd()) / chosen  # an absolute ``chosen`` wins over cwd


def cluster_file_path(state: PathLike | None = None, cwd: PathLike | None = None) -> Path:
    return state_dir(state, cwd) / "cluster.json"


def read_cluster_file(cwd: PathLike | None = None, state: PathLike | None = None) -> dict | None:
    """Return the parsed ``cluster.json`` of the state dir (or None)."""
    try:
        data = json.loads(cluster_file_path(state, cwd).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def resolve_bridge(
    host: str | None = None,
    port: int | str | None = None,
    cwd: PathLike | None = None,
    state: PathLike | None = None,
) -> tuple[str, int]:
    """Pick the bridge address.

    Each of host and port is taken from the first source that has it: the
    argument, ``TITAN_HOST``/``TITAN_PORT``, then the ``bridge`` entry of the
    state dir's ``cluster.json`` (written by ``titan up``; the state dir is
    ``state``, else ``TITAN_STATE``, else ``.titan`` in the current folder),
    then 127.0.0.1:9090 like the original SDK.
    """
    host = host or os.environ.get("TITAN_HOST") or None
    port = port or os.environ.get("TITAN_PORT") or None
    if host is None or port is None:
        bridge = (read_cluster_file(cwd, state) or {}).get("bridge") or {}
        if isinstance(bridge, dict):
            host = host or bridge.get("host")
            port = port or bridge.get("port")
    try:
        port_num = int(port) if port is not None else DEFAULT_PORT
    except ValueError:
        raise ValueError(f"invalid Titan port {port!r}") from None
    return host or DEFAULT_HOST, port_num
