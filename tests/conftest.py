"""Shared helpers: lint a snippet end to end, through the same path the CLI uses."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from chaimeleon_lint import catalogue
from chaimeleon_lint.checks import collect
from chaimeleon_lint.linter import Options, lint_source
from chaimeleon_lint.profile import load as load_profile
from chaimeleon_lint.source.text import decode


def lint(tmp: Path, dockerfile: str, files: dict[str, str] | None = None, kind: str | None = None,
         executable: tuple[str, ...] = (), platform: str | None = None) -> dict[str, list[int | None]]:
    """Rule id → sorted lines of its findings, for a Dockerfile and context files in `tmp`."""
    found: dict[str, list[int | None]] = {}
    for f in lint_findings(tmp, dockerfile, files, kind, executable, platform):
        found.setdefault(f.rule, []).append(f.line)
    return {rule: sorted(lines, key=lambda n: n or 0) for rule, lines in found.items()}


def lint_findings(tmp: Path, dockerfile: str, files: dict[str, str] | None = None, kind: str | None = None,
                  executable: tuple[str, ...] = (), platform: str | None = None) -> tuple:  # type: ignore[type-arg]
    """The findings of a Dockerfile and context files in `tmp`."""
    tmp.mkdir(parents=True, exist_ok=True)
    for name, content in (files or {}).items():
        target = tmp / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content)
        target.chmod(0o755 if name in executable else 0o644)
    path = tmp / "Dockerfile"
    path.write_text(dockerfile)
    options = Options(kind=kind, platform=load_profile(platform) if platform else None)
    return lint_source(decode(path.read_bytes(), "Dockerfile"), tmp, options, catalogue.load(),
                       collect(), path).findings


@pytest.fixture
def run_lint(tmp_path: Path):
    counter = iter(range(10_000))

    def run(dockerfile: str, files: dict[str, str] | None = None, kind: str | None = None,
            executable: tuple[str, ...] = ()) -> dict[str, list[int | None]]:
        return lint(tmp_path / f"case{next(counter)}", textwrap.dedent(dockerfile).lstrip("\n"), files, kind,
                    executable)

    return run
