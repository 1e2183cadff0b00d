"""Which files are Dockerfiles, and finding them below a directory."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

_SKIP_DIRS = frozenset({".git", "node_modules", ".venv", "venv", "__pycache__", ".tox"})


def is_dockerfile(name: str) -> bool:
    if name.endswith(".dockerignore"):
        return False
    return (name == "Dockerfile" or name.startswith(("Dockerfile.", "Dockerfile-"))
            or name.endswith((".Dockerfile", ".dockerfile")))


def discover(path: Path) -> Iterator[Path]:
    """Regular Dockerfiles below a directory, in a stable order, skipping VCS and virtualenv folders."""
    for root, dirs, files in os.walk(path):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and not d.startswith("."))
        for name in sorted(files):
            if is_dockerfile(name) and os.path.isfile(os.path.join(root, name)):  # a FIFO would block
                yield Path(root) / name
