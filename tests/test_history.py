"""CHL105 with --since: version comparison, and end to end on temporary git repositories."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from chaimeleon_lint import catalogue
from chaimeleon_lint.history.versions import Uncomparable, compare

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

NEWER = [("1.2.10", "1.2.9"), ("0.3.1cuda12", "0.3.1cuda11"), ("0.3.2cuda11", "0.3.1cuda11"), ("1.0", "1.0rc1"),
         ("1.0.0-rc2", "1.0.0-rc1"), ("1.0.0-rc1", "1.0.0-beta.3"), ("1.0.1", "1.0"), ("v2", "1.99.99"),
         ("2024.10", "2024.9"), ("1.0.0.dev2", "1.0.0.dev1"), ("1.1a1", "1.0"), ("0.1.10", "0.1.9")]
EQUAL = [("1.0", "1.0.0"), ("v1.2", "1.2"), ("0.3.1cuda11", "0.3.1cuda11"), ("1-0", "1.0")]
UNCOMPARABLE = [("0.3.1cuda11", "0.3.1"), ("1.0-cuda", "1.0-rocm"), ("latest", "1.0"), ("", "1.0"),
                ("stable", "latest")]


@pytest.mark.parametrize(("new", "old"), NEWER)
def test_later_versions_compare_greater_both_ways(new: str, old: str) -> None:
    assert (compare(new, old), compare(old, new)) == (1, -1)


@pytest.mark.parametrize(("new", "old"), EQUAL)
def test_equal_versions(new: str, old: str) -> None:
    assert compare(new, old) == 0


@pytest.mark.parametrize(("new", "old"), UNCOMPARABLE)
def test_uncomparable_versions_say_so(new: str, old: str) -> None:
    with pytest.raises(Uncomparable):
        compare(new, old)


# -- on git repositories -------------------------------------------------------------------
def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t.invalid", *args], cwd=repo, check=True,
                   capture_output=True, timeout=60)


def image(name: str, version: str, base: str = "ubuntu:22.04", extra: str = "") -> str:
    return f'FROM {base}\nLABEL name="{name}" version="{version}"\n{extra}'


def repository(tmp_path: Path, files: dict[str, str]) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    write(repo, files)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "release")
    return repo


def write(repo: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text)


def chl105(repo: Path, *args: str) -> dict[str, list[tuple[int | None, str, str]]]:
    """Dockerfile → [(line, severity, message)] of its CHL105 findings, linting the whole repository."""
    proc = subprocess.run([sys.executable, "-m", "chaimeleon_lint", "--format", "json", "--select", "CHL105",
                           "--since", "HEAD", *args, "."], cwd=repo, capture_output=True, text=True, timeout=120)
    assert proc.returncode in (0, 1), proc.stderr
    found: dict[str, list[tuple[int | None, str, str]]] = {}
    for f in json.loads(proc.stdout)["findings"]:
        found.setdefault(f["path"], []).append((f["line"], f["severity"], f["message"]))
    return found


HISTORY = [(spec.id, e) for spec in catalogue.load().rules.values() if spec.phase == "history" for e in spec.examples]


@pytest.mark.parametrize(("rule", "example"), HISTORY, ids=[f"{r}-{e.verdict}" for r, e in HISTORY])
def test_catalogue_examples(tmp_path: Path, rule: str, example: catalogue.Example) -> None:
    assert example.before is not None
    repo = repository(tmp_path, {"Dockerfile": example.before})
    write(repo, {"Dockerfile": example.dockerfile})
    lines = [line for line, _, _ in chl105(repo).get("Dockerfile", [])]
    assert lines == (list(example.lines) if example.verdict == "bad" else [])


CHAIN = {"python/Dockerfile": image("ubuntu-python", "1.0"),
         "tensorflow/Dockerfile": image("ubuntu-python-tensorflow", "1.0", "harbor.example/lib/ubuntu-python:1.0"),
         "desktop/Dockerfile": image("ubuntu-python-tensorflow-desktop", "2.0.9", "ubuntu-python-tensorflow:latest",
                                     "COPY start.sh /opt/\n"),
         "desktop/start.sh": "#!/bin/sh\nexec supervisord\n"}


def test_bumped_base_requires_every_downstream_image_to_bump(tmp_path: Path) -> None:
    repo = repository(tmp_path, CHAIN)
    write(repo, {"python/Dockerfile": image("ubuntu-python", "1.1", extra="RUN echo new\n")})
    found = chl105(repo)
    assert set(found) == {"tensorflow/Dockerfile", "desktop/Dockerfile"}
    (tf,) = found["tensorflow/Dockerfile"]
    assert tf[:2] == (2, "error") and "FROM ubuntu-python (python/Dockerfile), whose version went from 1.0 to 1.1" in tf[2]
    assert "ubuntu-python (python/Dockerfile)" in found["desktop/Dockerfile"][0][2]


def test_chain_passes_when_every_image_bumps(tmp_path: Path) -> None:
    repo = repository(tmp_path, CHAIN)
    write(repo, {"python/Dockerfile": image("ubuntu-python", "1.1"),
                 "tensorflow/Dockerfile": CHAIN["tensorflow/Dockerfile"].replace('version="1.0"', 'version="1.0.1"'),
                 "desktop/Dockerfile": CHAIN["desktop/Dockerfile"].replace("2.0.9", "2.0.10")})
    assert chl105(repo) == {}


def test_a_middle_bump_reaches_only_the_images_below(tmp_path: Path) -> None:
    repo = repository(tmp_path, CHAIN)
    write(repo, {"tensorflow/Dockerfile": CHAIN["tensorflow/Dockerfile"].replace('version="1.0"', 'version="1.1"')})
    found = chl105(repo)
    assert list(found) == ["desktop/Dockerfile"]
    assert "ubuntu-python-tensorflow (tensorflow/Dockerfile)" in found["desktop/Dockerfile"][0][2]


def test_context_file_change_counts_and_dockerignored_one_does_not(tmp_path: Path) -> None:
    repo = repository(tmp_path, {**CHAIN, "desktop/.dockerignore": "notes/\n", "desktop/notes/a.md": "a\n"})
    write(repo, {"desktop/notes/a.md": "b\n"})
    assert chl105(repo) == {}
    write(repo, {"desktop/start.sh": "#!/bin/sh\nexec supervisord -n\n"})
    ((line, severity, message),) = chl105(repo)["desktop/Dockerfile"]
    assert (line, severity) == (2, "error") and "desktop/start.sh changed" in message


def test_only_what_copy_and_add_read_counts(tmp_path: Path) -> None:
    """A README beside the Dockerfile is in the context but in no image: editing it needs no bump;
    `.dockerignore` decides what COPY . reads, so it counts."""
    repo = repository(tmp_path, {**CHAIN, "desktop/README.md": "a\n", "desktop/.dockerignore": "*.md\n",
                                 "app/Dockerfile": image("app", "1.0", extra="COPY src/ /opt/\nCOPY ${X}.txt /opt/\n"),
                                 "app/src/main.py": "a\n", "app/notes.md": "a\n", "app/b.txt": "a\n"})
    write(repo, {"desktop/README.md": "b\n", "app/notes.md": "b\n"})
    assert chl105(repo) == {}
    write(repo, {"app/src/main.py": "b\n", "app/b.txt": "b\n"})
    assert "app/b.txt and 1 more changed" in chl105(repo)["app/Dockerfile"][0][2]
    write(repo, {"desktop/.dockerignore": "*.txt\n"})
    assert "desktop/.dockerignore changed" in chl105(repo)["desktop/Dockerfile"][0][2]


def test_lower_unknown_and_new_versions(tmp_path: Path) -> None:
    repo = repository(tmp_path, {"a/Dockerfile": image("a", "1.2"),
                                 "b/Dockerfile": 'FROM ubuntu:22.04\nARG V\nLABEL name="b" version="$V"\n'})
    write(repo, {"a/Dockerfile": image("a", "1.1", extra="RUN true\n"),
                 "b/Dockerfile": 'FROM ubuntu:22.04\nARG V\nLABEL name="b" version="$V"\nRUN true\n',
                 "c/Dockerfile": image("c", "0.1")})
    found = chl105(repo)
    assert found["a/Dockerfile"] == [(2, "error", "`version` went down from 1.2 at HEAD to 1.1")]
    assert found["b/Dockerfile"][0][:2] == (3, "warning") and "cannot tell" in found["b/Dockerfile"][0][2]
    assert "c/Dockerfile" not in found


def test_config_mapping_names_a_sibling_and_cycles_end(tmp_path: Path) -> None:
    files = {"base/Dockerfile": image("platform-base", "1.0"),
             "app/Dockerfile": image("app", "1.0", "registry.example/other-name:1"),
             "x/Dockerfile": image("x", "1.0", "y:1"), "y/Dockerfile": image("y", "1.0", "x:1"),
             ".chaimeleon-lint.toml": '[sibling-images]\nother-name = "base/Dockerfile"\n'}
    repo = repository(tmp_path, files)
    write(repo, {"base/Dockerfile": image("platform-base", "1.1")})
    assert list(chl105(repo)) == ["app/Dockerfile"]


def test_pragma_silences_it(tmp_path: Path) -> None:
    repo = repository(tmp_path, {"Dockerfile": image("a", "1.0")})
    write(repo, {"Dockerfile": 'FROM ubuntu:22.04\n# chaimeleon-lint: ignore=version-not-bumped\n'
                               'LABEL name="a" version="1.0"\n'})
    assert chl105(repo) == {}


def test_no_repository_or_unknown_ref_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text(image("a", "1"))
    proc = subprocess.run([sys.executable, "-m", "chaimeleon_lint", "--since", "HEAD", "Dockerfile"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "not in a git repository" in proc.stderr
    repo = repository(tmp_path, {"Dockerfile": image("a", "1")})
    proc = subprocess.run([sys.executable, "-m", "chaimeleon_lint", "--since", "v9-missing", "."], cwd=repo,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "'v9-missing' is not a commit" in proc.stderr
