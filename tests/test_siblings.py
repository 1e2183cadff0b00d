"""A repository's images seen together in every run: one file alone is judged on the sibling it
is built FROM, as when its whole repository is linted; the parent's own findings stay the
parent's in a lint run and are marked inherited in a review."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from chaimeleon_lint import catalogue
from chaimeleon_lint.checks import collect
from chaimeleon_lint.linter import Options, lint_source
from chaimeleon_lint.source.text import decode

AUTH = ('LABEL authorization="This Dockerfile is intended to build a container image that will be publicly '
        'accessible in the CHAIMELEON images repository."\n')
PARENT = ('FROM debian:bookworm\nLABEL name="ubuntu-python" version="1.0"\n' + AUTH +
          "RUN groupadd -g 1000 chaimeleon && useradd -m -u 1000 -g 1000 chaimeleon\n"
          "COPY run.sh /home/chaimeleon/.init/run.sh\n"
          "RUN chmod +x /home/chaimeleon/.init/run.sh\n"
          "USER chaimeleon:chaimeleon\n"
          "RUN mkdir -p /home/chaimeleon/datasets /home/chaimeleon/persistent-home "
          "/home/chaimeleon/persistent-shared-folder\n"
          "WORKDIR /home/chaimeleon\n"
          'ENTRYPOINT ["/home/chaimeleon/.init/run.sh"]\n')
RUN_SH = "#!/bin/bash\npip3 install --upgrade pip\nexec \"$@\"\n"
CHILD = ('ARG BASE_VERSION="1.0"\nFROM harbor.example.org/library-batch/ubuntu-python:${BASE_VERSION}\n'
         'LABEL name="ubuntu-python-pytorch" version="1.0"\n' + AUTH + "RUN echo child\n")
DESKTOP = ('ARG AI_TOOL=tensorflow\nFROM harbor.example.org/library/ubuntu-python-${AI_TOOL}:1.0\n'
           'LABEL name="ubuntu-python-${AI_TOOL}-desktop" version="1.0"\n' + AUTH + "RUN echo desktop\n")
GRANDCHILD = ('FROM harbor.example.org/library/ubuntu-python-tensorflow-desktop:1.0\n'
              'LABEL name="ubuntu-python-tensorflow-desktop-jupyter" version="1.0"\n' + AUTH + "RUN echo top\n")


def repository(root: Path, files: dict[str, str], git: bool = True) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
        if name.endswith(".sh"):
            (root / name).chmod(0o755)
    if git:
        subprocess.run(["git", "init", "-q", str(root)], check=True)
    return root


def lint(root: Path, *paths: str, review: bool = False) -> list[dict]:  # type: ignore[type-arg]
    proc = subprocess.run([sys.executable, "-m", "chaimeleon_lint", "--format", "json", *paths], cwd=root,
                          capture_output=True, text=True, timeout=120, env={**os.environ, "NO_COLOR": "1"})
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout)["findings"]


def keys(findings: list[dict]) -> set[tuple[str, str, int | None]]:  # type: ignore[type-arg]
    return {(f["path"], f["rule"], f["line"]) for f in findings}


@pytest.fixture
def chain(tmp_path: Path) -> Path:
    return repository(tmp_path, {"ubuntu-python/Dockerfile": PARENT, "ubuntu-python/run.sh": RUN_SH,
                                 "ubuntu-python-pytorch/Dockerfile": CHILD,
                                 "desktop/Dockerfile": DESKTOP.replace("ubuntu-python-${AI_TOOL}:1.0", "ubuntu-python:1.0"),
                                 "jupyter/Dockerfile": GRANDCHILD})


def test_a_file_alone_is_judged_on_its_sibling_parent(chain: Path) -> None:
    alone = lint(chain, "ubuntu-python-pytorch/Dockerfile")
    assert keys(alone) == set(), alone  # the parent's user, mount directories, USER and entrypoint
    whole = lint(chain, ".")
    assert {k for k in keys(whole) if k[0].startswith("ubuntu-python-pytorch/")} == keys(alone)


def test_every_file_alone_gives_what_the_whole_repository_gives(chain: Path) -> None:
    whole = keys(lint(chain, "."))
    alone: set[tuple[str, str, int | None]] = set()
    for name in ("ubuntu-python", "ubuntu-python-pytorch", "desktop", "jupyter"):
        alone |= keys(lint(chain, f"{name}/Dockerfile"))
    assert alone == whole


def test_the_parent_s_start_up_is_followed_but_stays_the_parent_s_finding(chain: Path) -> None:
    whole = lint(chain, ".")
    downloads = [(f["path"], f["line"]) for f in whole if f["rule"] == "CHL402"]
    assert downloads == [("ubuntu-python/run.sh", 2)]  # once, where it is; not on each child
    assert not [f for f in whole if f["rule"] == "CHL403"]  # the child's inherited run.sh is known


def test_a_review_lists_the_parent_s_start_up_finding_as_inherited(chain: Path) -> None:
    from chaimeleon_lint.runner import Settings, collect as collect_run

    cwd = os.getcwd()
    os.chdir(chain)
    try:
        results = collect_run(["ubuntu-python-pytorch/Dockerfile"], Settings(inherited=True)).results
    finally:
        os.chdir(cwd)
    (result,) = results
    inherited = [f for f in result.findings if f.rule == "CHL402"]
    assert [(f.path, f.line) for f in inherited] == [("ubuntu-python/run.sh", 2)]
    assert inherited[0].message.endswith("(inherited from ubuntu-python/Dockerfile)")


def test_a_label_with_a_variable_names_every_value_of_it(chain: Path) -> None:
    """`ubuntu-python-${AI_TOOL}-desktop` is the parent of `.../ubuntu-python-tensorflow-desktop:1.0`."""
    assert keys(lint(chain, "jupyter/Dockerfile")) == set()


def test_outside_a_repository_a_file_alone_knows_no_sibling(tmp_path: Path) -> None:
    root = repository(tmp_path, {"ubuntu-python/Dockerfile": PARENT, "ubuntu-python/run.sh": RUN_SH,
                                 "child/Dockerfile": CHILD}, git=False)
    assert {"CHL201", "CHL203", "CHL301"} <= {f["rule"] for f in lint(root, "child/Dockerfile")}


def test_unrelated_dockerfiles_are_not_linked(tmp_path: Path) -> None:
    root = repository(tmp_path, {"a/Dockerfile": PARENT, "a/run.sh": RUN_SH,
                                 "b/Dockerfile": CHILD.replace("ubuntu-python:", "other-image:")})
    assert "CHL201" in {f["rule"] for f in lint(root, "b/Dockerfile")}


def test_the_repository_s_parents_are_found_in_dockerfile_dash_names(tmp_path: Path) -> None:
    root = repository(tmp_path, {"base/Dockerfile-custom-image": PARENT, "base/run.sh": RUN_SH,
                                 "child/Dockerfile": CHILD})
    assert keys(lint(root, "child/Dockerfile")) == set()
    found = subprocess.run([sys.executable, "-m", "chaimeleon_lint", "--format", "json", "."], cwd=root,
                           capture_output=True, text=True, timeout=120)
    assert "base/Dockerfile-custom-image" in [f["path"] for f in json.loads(found.stdout)["files"]]


def test_a_2020_parent_without_the_user_leaves_the_child_without_it(tmp_path: Path) -> None:
    """The repository shows that the parent has no uid-1000 user: a known-looking registry name does
    not make one."""
    parent = ('FROM tensorflow/tensorflow:2.3.1-gpu\nLABEL name="ubuntu_python_tensorflow_gpu"\n'
              'COPY run.sh /root/run.sh\nENTRYPOINT ["/root/run.sh"]\n')
    child = ("FROM chaimeleon-eu.i3m.upv.es:10443/chaimeleon-library/ubuntu_python_tensorflow_gpu:1.1\n"
             'LABEL name="ubuntu_python_tensorflow_gpu_desktop_vnc" version="1.1"\n' + AUTH)
    root = repository(tmp_path, {"ubuntu_python_tensorflow_gpu/Dockerfile": parent,
                                 "ubuntu_python_tensorflow_gpu/run.sh": "#!/bin/sh\nexec \"$@\"\n",
                                 "desktop/Dockerfile": child})
    rules = {f["rule"] for f in lint(root, "desktop/Dockerfile")}
    assert {"CHL201", "CHL203", "CHL301"} <= rules and not {"CHL206", "CHL603"} & rules


def _lint_here(tmp_path: Path, dockerfile: str, files: dict[str, str]):  # type: ignore[no-untyped-def]
    repository(tmp_path, {"Dockerfile": dockerfile, **files}, git=False)
    path = tmp_path / "Dockerfile"
    return lint_source(decode(path.read_bytes(), "Dockerfile"), tmp_path, Options(), catalogue.load(), collect(), path)


GUARDED = ("FROM debian:bookworm\nRUN groupadd -g 1000 chaimeleon && useradd -m -u 1000 -g 1000 chaimeleon\n"
           "COPY start.sh /opt/start.sh\nUSER {user}\nENTRYPOINT [\"/opt/start.sh\"]\n")


@pytest.mark.parametrize("test", ["[ $(whoami) == 'root' ]", '[ "$(id -u)" -eq 0 ]', "[[ $EUID = 0 ]]",
                                  '[ "$USER" = root ]'])
def test_a_start_up_grant_under_a_root_only_test_is_a_warning(tmp_path: Path, test: str) -> None:
    script = f"#!/bin/bash\nif {test}; then\n    usermod -aG sudo $USER\nfi\nexec \"$@\"\n"
    result = _lint_here(tmp_path, GUARDED.format(user="chaimeleon"), {"start.sh": script})
    (grant,) = [f for f in result.findings if f.rule == "CHL204"]
    assert (Path(grant.path).name, grant.line, grant.severity.label) == ("start.sh", 3, "warning")
    assert "line 2" in grant.message and "anyone who starts the image as root" in grant.message


@pytest.mark.parametrize("script", [
    "#!/bin/bash\nusermod -aG sudo $USER\n",  # no test
    "#!/bin/bash\nif [ \"$(id -u)\" != 0 ]; then\n    usermod -aG sudo $USER\nfi\n",  # not root: it runs
    "#!/bin/bash\nif [ ! \"$(id -u)\" -eq 0 ]; then\n    usermod -aG sudo $USER\nfi\n",
])
def test_an_unguarded_start_up_grant_stays_an_error(tmp_path: Path, script: str) -> None:
    result = _lint_here(tmp_path, GUARDED.format(user="chaimeleon"), {"start.sh": script})
    assert [f.severity.label for f in result.findings if f.rule == "CHL204"] == ["error"]


def test_a_guarded_grant_in_an_image_that_ends_as_root_is_an_error(tmp_path: Path) -> None:
    script = "#!/bin/bash\nif [ $(whoami) == root ]; then\n    usermod -aG sudo chaimeleon\nfi\n"
    result = _lint_here(tmp_path, GUARDED.format(user="root"), {"start.sh": script})
    assert [f.severity.label for f in result.findings if f.rule == "CHL204"] == ["error"]


def test_a_start_up_health_check_on_localhost_is_no_download(tmp_path: Path) -> None:
    script = "#!/bin/sh\nuntil curl -sf http://localhost:8080/health; do sleep 1; done\nexec \"$@\"\n"
    result = _lint_here(tmp_path, GUARDED.format(user="chaimeleon"), {"start.sh": script})
    assert not [f for f in result.findings if f.rule in ("CHL401", "CHL402")]


def test_a_parent_that_cannot_be_simulated_links_nothing_and_the_run_goes_on(chain: Path,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from chaimeleon_lint import linter
    from chaimeleon_lint.runner import Settings, collect as collect_run

    real = linter.model

    def broken_parent(source, context_dir, options, path=None, above=None):  # type: ignore[no-untyped-def]
        if path is not None and path.parent.name == "ubuntu-python":
            raise RuntimeError("a bug in the simulation")
        return real(source, context_dir, options, path, above)

    monkeypatch.setattr(linter, "model", broken_parent)
    monkeypatch.chdir(chain)
    done = collect_run(["ubuntu-python-pytorch/Dockerfile"], Settings())
    assert not done.internal
    (result,) = done.results
    assert {"CHL201", "CHL203"} <= {f.rule for f in result.findings}  # judged without the parent it could not see
