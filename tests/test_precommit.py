"""The pre-commit hook, run by pre-commit itself on a temporary git repository."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRE_COMMIT = shutil.which("pre-commit", path=str(Path(sys.executable).parent)) or shutil.which("pre-commit")
BAD = "FROM ubuntu:22.04\nRUN pip install pydicom\n"

pytestmark = [
    pytest.mark.skipif(PRE_COMMIT is None, reason="pre-commit is not installed (pip install -e '.[test]')"),
    pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed"),
]


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t.invalid", *args], cwd=repo,
                          capture_output=True, text=True, timeout=60)


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """One pre-commit cache for the module: the hook's environment is built once."""
    return {**os.environ, "PRE_COMMIT_HOME": str(tmp_path_factory.mktemp("pre-commit-home")),
            "NO_COLOR": "1", "PRE_COMMIT_COLOR": "never"}


def _app() -> dict[str, str]:
    """The compliant batch example, which lints clean."""
    return {p.name: p.read_text() for p in (ROOT / "examples" / "batch-app").iterdir()
            if p.is_file() and p.name != "expected.json"}


def _repo(tmp_path: Path, files: dict[str, str]) -> Path:
    repo = tmp_path / "app"
    repo.mkdir()
    _git(repo, "init", "-q")
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text)
    _git(repo, "add", "-A")
    return repo


def _try_repo(repo: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([PRE_COMMIT, "try-repo", str(ROOT), "chaimeleon-lint", "--all-files"], cwd=repo,  # type: ignore[list-item]
                          capture_output=True, text=True, env=env, timeout=900)


def test_try_repo_fails_on_a_bad_dockerfile_and_names_the_finding(tmp_path: Path, env: dict[str, str]) -> None:
    result = _try_repo(_repo(tmp_path, {"Dockerfile": BAD, "README.md": "x\n"}), env)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Dockerfile:2: warning CHL501 pip-no-cache-dir" in result.stdout
    assert "chaimeleon-lint" in result.stdout and "Failed" in result.stdout


def test_try_repo_passes_a_good_dockerfile_and_skips_other_files(tmp_path: Path, env: dict[str, str]) -> None:
    result = _try_repo(_repo(tmp_path, {**_app(), "notes.dockerignore": "x\n"}), env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Passed" in result.stdout


def test_installed_hook_blocks_the_commit_of_a_bad_dockerfile(tmp_path: Path, env: dict[str, str]) -> None:
    """The README's .pre-commit-config.yaml, pinned to this checkout's HEAD, as a user installs it."""
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    pinned = subprocess.run(["git", "cat-file", "-e", f"{head}:.pre-commit-hooks.yaml"], cwd=ROOT).returncode == 0
    if not head or not pinned:
        pytest.skip("HEAD of the checkout has no .pre-commit-hooks.yaml to pin the hook to")
    config = f"repos:\n  - repo: {ROOT}\n    rev: {head}\n    hooks:\n      - id: chaimeleon-lint\n"
    repo = _repo(tmp_path, {".pre-commit-config.yaml": config, "docker/Dockerfile": BAD})
    installed = subprocess.run([PRE_COMMIT, "install"], cwd=repo, capture_output=True, text=True, env=env)  # type: ignore[list-item]
    assert installed.returncode == 0, installed.stderr
    blocked = subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t.invalid", "commit", "-qm", "bad"],
                             cwd=repo, capture_output=True, text=True, env=env, timeout=900)
    assert blocked.returncode != 0 and "CHL501" in blocked.stdout + blocked.stderr
    assert _git(repo, "rev-parse", "--verify", "-q", "HEAD").returncode != 0  # nothing was committed
    for name, text in _app().items():
        (repo / "docker" / name).write_text(text)
    _git(repo, "add", "-A")
    passed = subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t.invalid", "commit", "-qm", "good"],
                            cwd=repo, capture_output=True, text=True, env=env, timeout=900)
    assert passed.returncode == 0, passed.stdout + passed.stderr


def test_a_change_to_a_start_up_script_lints_the_dockerfile_it_is_built_into(tmp_path: Path, env: dict[str, str]) -> None:
    """pre-commit passes only the changed files: main.py, not the Dockerfile that runs it."""
    app = {f"app/{name}": text for name, text in _app().items()}
    repo = _repo(tmp_path, {**app, "docs/notes.md": "x\n"})
    _git(repo, "commit", "-qm", "app")
    (repo / "app" / "main.py").write_text((repo / "app" / "main.py").read_text()
                                          + "\nimport requests\nrequests.get('https://example.org/model')\n")
    _git(repo, "add", "-A")
    result = subprocess.run([PRE_COMMIT, "try-repo", str(ROOT), "chaimeleon-lint"], cwd=repo,  # type: ignore[list-item]
                            capture_output=True, text=True, env=env, timeout=900)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "error CHL402 runtime-download-in-script" in result.stdout
    assert "app/main.py is in the build context of app/Dockerfile" in result.stdout
    (repo / "app" / "main.py").write_text(_app()["main.py"])
    (repo / "docs" / "notes.md").write_text("y\n")
    _git(repo, "add", "-A")
    result = subprocess.run([PRE_COMMIT, "try-repo", str(ROOT), "chaimeleon-lint"], cwd=repo,  # type: ignore[list-item]
                            capture_output=True, text=True, env=env, timeout=900)
    assert result.returncode == 0, result.stdout + result.stderr  # a file of no build context: nothing to lint
