"""Images of one repository built FROM one another: linked in the static phase, and with --build
built parents first on the real engine, tagged under the registry names the children's FROM
lines resolve to (a registry host that does not exist), with --since and --matrix."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from chaimeleon_lint.build.engine import Engine, detect

ENGINE = detect()
ENGINES = [e for e in (detect("docker"), detect("podman")) if e is not None]  # every one that answers
needs_engine = pytest.mark.skipif(ENGINE is None, reason="no container engine answers (bash .ci/engine starts one)")

AUTHORIZATION = ("This Dockerfile is intended to build a container image that will be publicly accessible in the "
                 "CHAIMELEON images repository.")
BASE = f'''FROM debian:bookworm
ARG TARGET_VERSION="1.0"
ARG CUDA_VERSION=""
LABEL name="chain-base" version="${{TARGET_VERSION}}${{CUDA_VERSION}}"
LABEL authorization="{AUTHORIZATION}"
RUN groupadd -g 1000 chaimeleon && useradd -m -u 1000 -g 1000 chaimeleon
USER chaimeleon:chaimeleon
RUN mkdir -p /home/chaimeleon/datasets /home/chaimeleon/persistent-home /home/chaimeleon/persistent-shared-folder
WORKDIR /home/chaimeleon
ENTRYPOINT ["ls"]
'''
CHILD = '''ARG BASE_VERSION="1.0"
ARG CUDA_VERSION=""
FROM registry.invalid/library/{parent}:${{BASE_VERSION}}${{CUDA_VERSION}}
ARG CUDA_VERSION
LABEL name="{name}" version="{version}${{CUDA_VERSION}}"
RUN {run}
'''


def write_chain(root: Path, version: str = "1.0", base: str = BASE) -> Path:
    """base ← mid ← top, each child naming its parent by a registry name and a tag from build args."""
    for name, text in (("base", base.replace('TARGET_VERSION="1.0"', f'TARGET_VERSION="{version}"')),
                       ("mid", CHILD.format(parent="chain-base", name="chain-mid", version=version,
                                            run="echo mid > /home/chaimeleon/mid.txt")),
                       ("top", CHILD.format(parent="chain-mid", name="chain-top", version=version,
                                            run="cat /home/chaimeleon/mid.txt"))):
        (root / name).mkdir(parents=True, exist_ok=True)
        (root / name / "Dockerfile").write_text(text)
    return root


def lint(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "chaimeleon_lint", "--format", "json", *args, "."], cwd=root,
                          capture_output=True, text=True, timeout=1800, env={**os.environ, "NO_COLOR": "1"})


def rules(proc: subprocess.CompletedProcess[str]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for f in json.loads(proc.stdout)["findings"]:
        found.setdefault(f["path"], set()).add(f["rule"])
    return found


def summary_rows(stderr: str) -> list[list[str]]:
    """The summary table's rows (image, variant, result, ...), split on runs of two spaces."""
    lines = stderr.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("image "))
    return [[cell.strip() for cell in line.split("  ") if cell.strip()] for line in lines[start + 2:] if line.strip()]


def leftovers(engine: Engine | None = None) -> list[str]:
    engine = engine or ENGINE
    assert engine is not None
    images = engine.run(["images", "--format", "{{.Repository}}:{{.Tag}}"], timeout=60).stdout.split()
    return [i for i in images if "registry.invalid" in i or "chaimeleon-lint/" in i and not i.endswith(":kept")
            and "bookworm" not in i]


# -- static ----------------------------------------------------------------------------------------

def test_a_child_of_a_compliant_sibling_has_its_user_and_mount_directories(tmp_path: Path) -> None:
    proc = lint(write_chain(tmp_path))
    assert proc.returncode == 0, proc.stdout
    assert rules(proc) == {}


def test_alone_the_child_lacks_them(tmp_path: Path) -> None:
    write_chain(tmp_path)
    proc = subprocess.run([sys.executable, "-m", "chaimeleon_lint", "--format", "json", "mid/Dockerfile"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert {"CHL201", "CHL203", "CHL301"} <= rules(proc)["mid/Dockerfile"]


def test_a_sibling_parent_s_root_user_is_the_child_s(tmp_path: Path) -> None:
    write_chain(tmp_path, base=BASE.replace("USER chaimeleon:chaimeleon\n", ""))
    found = rules(lint(tmp_path))
    assert "CHL203" in found["base/Dockerfile"] and "CHL203" in found["mid/Dockerfile"]
    assert "CHL201" not in found.get("mid/Dockerfile", set())


def test_sibling_images_mapping_links_a_name_no_label_gives(tmp_path: Path) -> None:
    write_chain(tmp_path)
    (tmp_path / "mid" / "Dockerfile").write_text(
        (tmp_path / "mid" / "Dockerfile").read_text().replace("library/chain-base:", "library/python-base:"))
    assert "CHL201" in rules(lint(tmp_path)).get("mid/Dockerfile", set())
    (tmp_path / ".chaimeleon-lint.toml").write_text('[sibling-images]\n"python-base" = "base/Dockerfile"\n')
    assert "CHL201" not in rules(lint(tmp_path)).get("mid/Dockerfile", set())


def test_a_cycle_links_nothing_and_says_so(tmp_path: Path) -> None:
    for name, parent in (("a", "img-b"), ("b", "img-a")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "Dockerfile").write_text(f'FROM x.invalid/{parent}:1\nLABEL name="img-{name}"\n')
    proc = lint(tmp_path)
    assert "built FROM a sibling that is built FROM it in turn" in proc.stderr
    assert "CHL201" in rules(proc)["a/Dockerfile"]


# -- with the engine -------------------------------------------------------------------------------

@needs_engine
@pytest.mark.parametrize("engine", ENGINES, ids=[e.name for e in ENGINES])
def test_chain_builds_parents_first_on_the_images_just_built(tmp_path: Path, engine: Engine) -> None:
    proc = lint(write_chain(tmp_path), "--build", "--engine", engine.name)
    assert proc.returncode == 0, proc.stderr
    plan = proc.stderr.index("build plan: 3 image(s), parents first")
    assert proc.stderr.index("1. base/Dockerfile") > plan
    assert "building base/Dockerfile, tagged registry.invalid/library/chain-base:1.0" in proc.stderr
    assert "building mid/Dockerfile, tagged registry.invalid/library/chain-mid:1.0" in proc.stderr
    rows = summary_rows(proc.stderr)
    assert [(r[0], r[2], r[4]) for r in rows] == [("base/Dockerfile", "built", "passed"),
                                                  ("mid/Dockerfile", "built", "passed"),
                                                  ("top/Dockerfile", "built", "passed")]
    assert rules(proc) == {}
    assert leftovers(engine) == []


@needs_engine
def test_one_file_of_a_repository_builds_on_its_parents_built_first(tmp_path: Path) -> None:
    """Pre-commit and reviewers name one Dockerfile: its sibling parents are found in its
    repository, built first and tagged as its FROM says; only the named file is reported."""
    write_chain(tmp_path)
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    proc = subprocess.run([sys.executable, "-m", "chaimeleon_lint", "--format", "json", "--build", "top/Dockerfile"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=1800)
    assert proc.returncode == 0, proc.stderr
    assert "building mid/Dockerfile, tagged registry.invalid/library/chain-mid:1.0" in proc.stderr
    assert [f["path"] for f in json.loads(proc.stdout)["files"]] == ["top/Dockerfile"]
    assert [(r[0], r[2]) for r in summary_rows(proc.stderr)][-1] == ("top/Dockerfile", "built")
    assert leftovers() == []


@needs_engine
def test_a_broken_parent_skips_its_descendants(tmp_path: Path) -> None:
    write_chain(tmp_path, base=BASE.replace("RUN groupadd", "RUN false && groupadd"))
    proc = lint(tmp_path, "--build")
    assert proc.returncode == 1
    assert rules(proc) == {"base/Dockerfile": {"CHL801"}}
    rows = summary_rows(proc.stderr)
    assert [(r[0], r[2]) for r in rows] == [
        ("base/Dockerfile", "did not build"),
        ("mid/Dockerfile", "skipped: its parent base/Dockerfile did not build"),
        ("top/Dockerfile", "skipped: its parent mid/Dockerfile was skipped")]
    assert leftovers() == []


@needs_engine
def test_since_rebuilds_a_changed_parent_and_everything_below(tmp_path: Path) -> None:
    write_chain(tmp_path)
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@x", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@x"}
    for command in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "chain"]):
        subprocess.run(["git", *command], cwd=tmp_path, env=env, check=True)
    proc = lint(tmp_path, "--since", "HEAD", "--build")
    assert proc.returncode == 0
    assert "image " not in proc.stderr, "nothing changed: nothing built"
    base = tmp_path / "base" / "Dockerfile"
    base.write_text(base.read_text().replace('"1.0"', '"1.1"').replace("ENTRYPOINT", "RUN echo changed\nENTRYPOINT"))
    proc = lint(tmp_path, "--since", "HEAD", "--build")
    assert rules(proc) == {"mid/Dockerfile": {"CHL105"}, "top/Dockerfile": {"CHL105"}}  # built on a bumped sibling
    assert [(r[0], r[2]) for r in summary_rows(proc.stderr)] == [
        ("base/Dockerfile", "built"), ("mid/Dockerfile", "not built: static errors"),
        ("top/Dockerfile", "skipped: its parent mid/Dockerfile was not built (the static phase found errors)")]
    proc = lint(tmp_path, "--since", "HEAD", "--build", "--ignore", "CHL105")  # only the parent changed
    assert proc.returncode == 0, proc.stdout
    assert [(r[0], r[2]) for r in summary_rows(proc.stderr)] == [
        ("base/Dockerfile", "built"), ("mid/Dockerfile", "built"), ("top/Dockerfile", "built")]
    assert leftovers() == []


@needs_engine
def test_matrix_builds_each_combination_as_its_own_variant(tmp_path: Path) -> None:
    proc = lint(write_chain(tmp_path), "--build", "--matrix", "CUDA_VERSION=,-cuda")
    assert proc.returncode == 0, proc.stderr
    rows = summary_rows(proc.stderr)
    assert [(r[0], r[1], r[2]) for r in rows] == [
        ("base/Dockerfile", "CUDA_VERSION=", "built"), ("mid/Dockerfile", "CUDA_VERSION=", "built"),
        ("top/Dockerfile", "CUDA_VERSION=", "built"), ("base/Dockerfile", "CUDA_VERSION=-cuda", "built"),
        ("mid/Dockerfile", "CUDA_VERSION=-cuda", "built"), ("top/Dockerfile", "CUDA_VERSION=-cuda", "built")]
    assert "tagged registry.invalid/library/chain-base:1.0-cuda" in proc.stderr
    report = json.loads(proc.stdout)
    assert [(f["path"], f.get("variant")) for f in report["files"]] == [
        ("base/Dockerfile", "CUDA_VERSION="), ("mid/Dockerfile", "CUDA_VERSION="), ("top/Dockerfile", "CUDA_VERSION="),
        ("base/Dockerfile", "CUDA_VERSION=-cuda"), ("mid/Dockerfile", "CUDA_VERSION=-cuda"),
        ("top/Dockerfile", "CUDA_VERSION=-cuda")]
    assert leftovers() == []


def test_matrix_needs_build(tmp_path: Path) -> None:
    proc = lint(write_chain(tmp_path), "--matrix", "CUDA_VERSION=,-cuda")
    assert proc.returncode == 2 and "--matrix needs --build" in proc.stderr


def test_the_quick_look_takes_name_labels_only_where_the_word_starts() -> None:
    from chaimeleon_lint.chain import names as _names

    text = 'LABEL name="a" filename=b x.name=c\nLABEL my_name=d\nname = \'e\'\nrename=f'
    assert _names(text) == ["a", "c", "e"]


def test_the_quick_look_takes_from_lines_only() -> None:
    from chaimeleon_lint.chain import references as _references

    text = "FROM a\n\n  from --platform=linux/amd64 b AS c\nRUN echo FROM d\n\tFrOm e\nLABEL x=FROM\nFROM\n  f"
    assert _references(text) == ["a", "b", "e", "f"]
    assert _references("") == [] and _references("LABEL a=b\nRUN true") == []


def test_selection_is_what_changed_everything_below_and_the_parents_they_need() -> None:
    from chaimeleon_lint.chain import Chains

    chains = Chains((0, 1, 2, 3), {1: (0,), 2: (1,), 3: (0,)}, {})  # 0 ← 1 ← 2, 0 ← 3
    assert chains.descendants({1}) == {1, 2}
    assert chains.ancestors(chains.descendants({1})) == {0, 1, 2}
    assert chains.ancestors(chains.descendants({0})) == {0, 1, 2, 3}
    assert chains.ancestors(chains.descendants({3})) == {0, 3}
