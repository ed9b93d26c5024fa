"""Zip a project folder in memory, the way ``upload_project_folder`` ships it."""

from __future__ import annotations

import io
import os
from pathlib import Path

# Caches and VCS metadata never belong in a job's archive.
SKIP_DIRS = frozenset({"__pycache__", ".git", ".hg", ".svn", ".mypy_cache", ".pytest_cache"})


def zip_folder(folder: str | os.PathLike[str]) -> bytes:
    """Return the bytes of a zip of ``folder`` with paths relative to it (``/`` separators)."""
    import zipfile  # only when zipping: importing titan_sdk stays cheap

    root = Path(folder).resolve()
    if not root.is_dir():
        raise NotADirectoryError(f"not a folder: {folder}")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
            for name in sorted(filenames):
                if name.endswith((".pyc", ".pyo")):
                    continue
                path = Path(dirpath) / name
                zf.write(path, path.relative_to(root).as_posix())
    return buf.getvalue()
