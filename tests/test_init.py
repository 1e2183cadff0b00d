"""`chaimeleon-lint init`: what it writes lints clean, builds and passes the smoke run, and never overwrites."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from chaimeleon_lint.scaffold import image_name
from test_build import needs_engine

FILES = {"batch": {"Dockerfile", "main.py", "requirements.txt", ".dockerignore", ".chaimeleon-lint.toml"},
         "interactive": {"Dockerfile", "run.sh", "supervisord.conf", ".dockerignore", ".chaimeleon-lint.toml"}}


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "chaimeleon_lint", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=1200)


@pytest.mark.parametrize("kind", ["batch", "interactive"])
def test_init_writes_an_application_that_lints_clean(tmp_path: Path, kind: str) -> None:
    made = cli("init", "--kind", kind, "My Tool_2", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    app = tmp_path / "My Tool_2"
    assert {p.name for p in app.iterdir()} == FILES[kind]
    linted = cli("--format", "json", "--failure-threshold", "info", ".", cwd=app)
    assert linted.returncode == 0 and json.loads(linted.stdout)["findings"] == [], linted.stdout
    assert 'LABEL name="my-tool-2"' in (app / "Dockerfile").read_text()
    assert f'kind = "{kind}"' in (app / ".chaimeleon-lint.toml").read_text()
    if kind == "interactive":
        assert os.access(app / "run.sh", os.X_OK)
        assert "passwd" in (app / "run.sh").read_text()


def test_init_never_overwrites_and_writes_all_or_nothing(tmp_path: Path) -> None:
    app = tmp_path / "app"
    app.mkdir()
    (app / "main.py").write_text("mine\n")
    refused = cli("init", "app", cwd=tmp_path)
    assert refused.returncode == 2 and "would overwrite main.py; nothing written" in refused.stderr
    assert [p.name for p in app.iterdir()] == ["main.py"] and (app / "main.py").read_text() == "mine\n"
    (tmp_path / "file").write_text("x")
    assert cli("init", "file", cwd=tmp_path).returncode == 2


def test_init_keeps_the_lint_command_for_a_file_named_init(tmp_path: Path) -> None:
    (tmp_path / "init").mkdir()
    (tmp_path / "init" / "Dockerfile").write_text("FROM ubuntu:22.04\n")
    assert "CHL101" in cli("./init", cwd=tmp_path).stdout


@pytest.mark.parametrize(("folder", "name"), [("My Tool", "my-tool"), ("__", "my-tool"), ("ct-2D", "ct-2d")])
def test_image_name_follows_the_catalogue_naming_rule(folder: str, name: str) -> None:
    assert image_name(Path(folder)) == name


@needs_engine
def test_init_batch_application_builds_and_passes_the_smoke_run(tmp_path: Path) -> None:
    """The whole reviewer flow on a fresh application, with the Markdown review of the build."""
    assert cli("init", "app", cwd=tmp_path).returncode == 0
    review = cli("--build", "--format", "markdown", "app", cwd=tmp_path)
    assert review.returncode == 0, review.stdout + review.stderr
    assert "**Verdict: accept**" in review.stdout and "#### Build and test" in review.stdout
    assert "| CHL807 `smoke-run-failed` | " in review.stdout and "❌" not in review.stdout
