"""One guide, two platforms: the profiles as data, their detection, and every rule under each."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from chaimeleon_lint import catalogue
from chaimeleon_lint.checks import collect
from chaimeleon_lint.linter import Options, lint_source
from chaimeleon_lint.profile import DEFAULT, SCHEMA, load, names
from chaimeleon_lint.source.text import decode

ROOT = Path(__file__).resolve().parent.parent
REPORT_SCHEMA = json.loads((ROOT / "chaimeleon_lint" / "schemas" / "report.schema.json").read_text())
EUCAIM_BASE = "harbor.eucaim-node.i3m.upv.es/library-batch/ubuntu-python:1.0"
# The EUCAIM guide's template (upv-node-workstation-images, README "Template"), filled in.
EUCAIM_TEMPLATE = """\
## Base image:
FROM ubuntu:22.04

LABEL name="my-cool-tool"
LABEL version="0.1"
LABEL authorization="This Dockerfile is intended to build a container image that will be publicly accessible in the platform images repository."

############## Things done by the root user ##############
USER root
# Installation of tools and requirements:
RUN apt-get update && apt-get install -y --no-install-recommends python3-pip && rm -rf /var/lib/apt/lists/*
RUN pip install --no-cache-dir pydicom

# create the user (and group) "ds"
RUN groupadd -g 1000 ds && \\
    useradd --create-home --shell /bin/bash --uid 1000 --gid 1000 ds

############### Now change to normal user ################
USER ds:ds

# create the directories where some volumes will be mounted
RUN mkdir -p /home/ds/datasets && \\
    mkdir -p /home/ds/persistent-home && \\
    mkdir -p /home/ds/persistent-shared-folder

# Copy of the application files into the container:
ADD main.py /home/ds/main.py

WORKDIR /home/ds
ENTRYPOINT ["python", "/home/ds/main.py"]
"""


def _lint(tmp: Path, dockerfile: str, files: dict[str, str] | None = None, platform: str | None = None,
          kind: str | None = None):  # type: ignore[no-untyped-def]
    tmp.mkdir(parents=True, exist_ok=True)
    for name, content in (files or {}).items():
        (tmp / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp / name).write_text(content)
    path = tmp / "Dockerfile"
    path.write_text(dockerfile)
    options = Options(platform=load(platform) if platform else None, kind=kind)
    return lint_source(decode(path.read_bytes(), "Dockerfile"), tmp, options, catalogue.load(), collect(), path)


def _run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "chaimeleon_lint", *args], capture_output=True, text=True,
                          timeout=120, cwd=cwd)


@pytest.mark.parametrize("name", names())
def test_shipped_profiles_match_their_schema(name: str) -> None:
    import tomllib

    data = tomllib.loads((ROOT / "chaimeleon_lint" / "profiles" / f"{name}.toml").read_text())
    jsonschema.validate(data, json.loads(SCHEMA.read_text()))
    assert data["name"] == name == load(name).name


def test_the_catalogue_table_of_platforms() -> None:
    """The values the catalogue's "Platforms (profiles)" section fixes."""
    chaimeleon, eucaim = load("chaimeleon"), load("eucaim")
    assert (chaimeleon.user, chaimeleon.home, chaimeleon.uid, chaimeleon.gid) == ("chaimeleon", "/home/chaimeleon", 1000, 1000)
    assert (eucaim.user, eucaim.home, eucaim.uid, eucaim.gid) == ("ds", "/home/ds", 1000, 1000)
    assert eucaim.mount_dirs == ("/home/ds/datasets", "/home/ds/persistent-home", "/home/ds/persistent-shared-folder")
    assert chaimeleon.authorization.endswith("publicly accessible in the CHAIMELEON images repository.")
    assert eucaim.authorization.endswith("publicly accessible in the platform images repository.")
    for reference in ("harbor.chaimeleon-eu.i3m.upv.es/chaimeleon-library-batch/ubuntu-python:0.3.1",
                      "harbor.chaimeleon-eu.i3m.upv.es/chaimeleon-library/ubuntu_python_tensorflow:1.0",
                      "chaimeleon-eu.i3m.upv.es:10443/chaimeleon-library/ubuntu-python:1",
                      "chaimeleon-eu.i3m.upv.es:10443/chaimeleon-library-batch/ubuntu_python:0.2"):  # `chaimeleon-library*/*`
        assert chaimeleon.matches(reference) and not eucaim.matches(reference)
    for reference in (EUCAIM_BASE, "harbor.eucaim-node.i3m.upv.es:5000/library/ubuntu-python-tensorflow:2"):
        assert eucaim.matches(reference) and not chaimeleon.matches(reference)
    # an unknown registry (a build arg without default) matches no profile, not even as a desktop
    for reference in ("/chaimeleon-library/ubuntu-python-desktop:1", "/library/ubuntu-python-desktop:1"):
        assert not chaimeleon.matches(reference) and not eucaim.matches(reference)


def test_eucaim_guide_template_passes_with_the_profile_detected(tmp_path: Path) -> None:
    result = _lint(tmp_path, EUCAIM_TEMPLATE, {"main.py": "print('hi')\n"})
    assert (result.platform.name, result.detected_from) == ("eucaim", "user ds (uid 1000)")
    assert [(f.rule, f.severity.label) for f in result.findings if f.severity.label != "info"] == []


def test_chaimeleon_template_under_eucaim_gets_the_user_mount_and_workdir_findings(tmp_path: Path) -> None:
    example = ROOT / "examples" / "batch-app"
    files = {p.name: p.read_text() for p in example.iterdir() if p.is_file() and p.name != "Dockerfile"}
    result = _lint(tmp_path, (example / "Dockerfile").read_text(), files, platform="eucaim")
    assert result.detected_from == "--platform"
    assert sorted((f.rule, f.line) for f in result.findings) == [
        ("CHL202", 16), ("CHL301", None), ("CHL301", None), ("CHL301", None), ("CHL304", 28)]
    messages = " ".join(f.message for f in result.findings)
    assert "/home/ds/datasets" in messages and "not `ds`" in messages and "not /home/ds" in messages


@pytest.mark.parametrize(("dockerfile", "platform", "why"), [
    (f"FROM {EUCAIM_BASE}\n", "eucaim", f"base image {EUCAIM_BASE}"),
    ("ARG V\nFROM harbor.eucaim-node.i3m.upv.es:5000/library/ubuntu-python-desktop:${V}\n", "eucaim",
     "base image harbor.eucaim-node.i3m.upv.es:5000/library/ubuntu-python-desktop:"),
    ("FROM harbor.chaimeleon-eu.i3m.upv.es/chaimeleon-library-batch/ubuntu-python:0.3.1\n", "chaimeleon",
     "base image harbor.chaimeleon-eu.i3m.upv.es/chaimeleon-library-batch/ubuntu-python:0.3.1"),
    (f"FROM {EUCAIM_BASE} AS build\nFROM ubuntu:22.04\nRUN useradd -m -u 1000 chaimeleon\n", "eucaim",
     f"base image {EUCAIM_BASE}"),
    ("FROM ubuntu:22.04\nRUN useradd -m -u 1000 ds\n", "eucaim", "user ds (uid 1000)"),
    ("FROM ubuntu:22.04\nRUN useradd -m -u 1001 ds\n", "chaimeleon", "default"),
    ("FROM ubuntu:22.04\n", "chaimeleon", "default"),
])
def test_detection(tmp_path: Path, dockerfile: str, platform: str, why: str) -> None:
    result = _lint(tmp_path, dockerfile)
    assert (result.platform.name, result.detected_from) == (platform, why)


def test_known_eucaim_base_provides_user_home_mounts_and_desktop(tmp_path: Path) -> None:
    desktop = "FROM harbor.eucaim-node.i3m.upv.es/library/ubuntu-python-tensorflow-desktop:3.0\n"
    result = _lint(tmp_path, desktop + 'LABEL name="x" version="1"\n', {"LICENSE": "SPDX-License-Identifier: MIT\n"})
    assert [f.rule for f in result.findings] == []
    assert result.kind == "interactive"


def test_forcing_a_platform_against_the_base_reports_what_the_base_lacks(tmp_path: Path) -> None:
    result = _lint(tmp_path, f'FROM {EUCAIM_BASE}\nLABEL name="x" version="1"\n', {"LICENSE": "MIT License\n\n"
                   "Permission is hereby granted, free of charge, to any person"}, platform="chaimeleon")
    # the EUCAIM base's run.sh runs its arguments: jobman's are appended to it, so no CHL601
    assert sorted(f.rule for f in result.findings) == ["CHL202", "CHL301", "CHL301", "CHL301", "CHL304"]


def _translated_cases() -> list[tuple[str, str, int, object]]:
    """(profile, rule, n, example) for every profile a static rule applies under; an example written
    for one profile (`platform`) under that one only."""
    cat = catalogue.load()
    return [(platform, spec.id, n, example) for spec in cat.rules.values() if spec.phase == "static"
            for n, example in enumerate(spec.examples) for platform in names()
            if load(platform).applies(spec.id, cat.only(spec.id)) and example.platform in (None, platform)]


def test_a_profile_switches_rules_off_and_some_rules_are_one_profiles() -> None:
    cat = catalogue.load()
    toolbox = load("eucaim-toolbox")
    assert not toolbox.applies("CHL203") and not toolbox.applies("CHL101") and not toolbox.applies("CHL304")
    assert toolbox.applies("CHL204") and toolbox.applies("CHL207") and toolbox.applies("CHL501")
    assert toolbox.applies("CHL1003", cat.only("CHL1003")) and not load("eucaim").applies("CHL1003", cat.only("CHL1003"))
    assert not load(DEFAULT).applies("CHL1001", cat.only("CHL1001"))


@pytest.mark.parametrize(("platform", "rule", "n", "example"), _translated_cases(),
                         ids=[f"{p}-{r}-{n}" for p, r, n, _ in _translated_cases()])
def test_every_static_rule_example_under_every_profile(tmp_path: Path, rule: str, n: int, example, platform: str) -> None:
    """Each rule's bad and good example, put in the profile's words by the profile, fires (or not) on
    the same lines under every profile it applies under as under the default."""
    profile = load(platform)
    dockerfile = profile.translate(example.dockerfile.lstrip("\n"))
    files = {name: profile.translate(text) for name, text in example.files}
    result = _lint(tmp_path, dockerfile, files, platform=platform, kind=example.kind)
    lines = sorted((f.line or 0 for f in result.findings if f.rule == rule))
    if example.verdict == "bad":
        assert lines == sorted(n or 0 for n in example.lines), [f.message for f in result.findings]
    else:
        assert lines == []
    if platform != DEFAULT:
        default = load(DEFAULT)
        leaked = [f.message for f in result.findings if default.home in f.message or default.authorization in f.message]
        assert leaked == []


def test_cli_platform_option_configuration_and_reports(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text(EUCAIM_TEMPLATE)
    (tmp_path / "main.py").write_text("print()\n")
    proc = _run("--format", "json", "Dockerfile", cwd=tmp_path)
    report = json.loads(proc.stdout)
    jsonschema.validate(report, REPORT_SCHEMA)
    assert report["platform"] == {"name": "eucaim", "detected_from": "user ds (uid 1000)"}
    assert report["files"][0]["platform"] == report["platform"]
    text = _run("--no-color", "--platform", "chaimeleon", "Dockerfile", cwd=tmp_path).stdout
    assert text.splitlines()[0] == "Dockerfile: platform chaimeleon (chosen by --platform)"
    (tmp_path / ".chaimeleon-lint.toml").write_text('platform = "chaimeleon"\n')
    assert "platform chaimeleon (chosen by configuration)" in _run("--no-color", "Dockerfile", cwd=tmp_path).stdout
    sarif = json.loads(_run("--format", "sarif", "--platform", "eucaim", "Dockerfile", cwd=tmp_path).stdout)
    assert sarif["runs"][0]["properties"]["platform"] == {"name": "eucaim", "detected_from": "--platform"}
    markdown = _run("--format", "markdown", "--platform", "eucaim", "Dockerfile", cwd=tmp_path).stdout
    assert "Platform: eucaim (chosen by --platform)." in markdown


def test_own_profile_file_and_its_errors(tmp_path: Path) -> None:
    node = (ROOT / "chaimeleon_lint" / "profiles" / "eucaim.toml").read_text()
    node = node.replace('name = "eucaim"', 'name = "my-node"').replace('"ds"', '"researcher"').replace(
        "/home/ds", "/home/researcher")
    (tmp_path / "node.toml").write_text(node)
    (tmp_path / "Dockerfile").write_text(re.sub(r"\bds\b", "researcher", EUCAIM_TEMPLATE))
    (tmp_path / "main.py").write_text("print()\n")
    proc = _run("--format", "json", "--platform", "node.toml", "Dockerfile", cwd=tmp_path)
    report = json.loads(proc.stdout)
    assert report["platform"] == {"name": "my-node", "detected_from": "--platform"}
    assert [f["rule"] for f in report["findings"] if f["severity"] != "info"] == []
    for broken, key in ((node.replace("uid = 1000", 'uid = "1000"'), "uid"),
                        ("colour = 1\n" + node, "(top level)"), (node + "colour = 1\n", "base.2"),
                        (node.replace('home = "/home/researcher"\n', ""), "(top level)")):
        (tmp_path / "node.toml").write_text(broken)
        proc = _run("--platform", "node.toml", "Dockerfile", cwd=tmp_path)
        assert proc.returncode == 2 and "Traceback" not in proc.stderr
        assert proc.stderr.count("\n") == 1 and f"node.toml: {key}:" in proc.stderr, proc.stderr
    proc = _run("--platform", "nowhere", "Dockerfile", cwd=tmp_path)
    assert proc.returncode == 2 and "unknown platform 'nowhere'" in proc.stderr


def test_init_for_eucaim_writes_a_clean_application(tmp_path: Path) -> None:
    for kind in ("batch", "interactive"):
        target = tmp_path / kind
        assert _run("init", "--kind", kind, "--platform", "eucaim", str(target)).returncode == 0
        dockerfile = (target / "Dockerfile").read_text()
        assert "/home/ds" in dockerfile and "chaimeleon" not in dockerfile.replace("chaimeleon-lint", "")
        report = json.loads(_run("--format", "json", str(target)).stdout)
        assert report["findings"] == [] and report["platform"]["name"] == "eucaim"


def test_explain_in_a_platforms_words() -> None:
    text = _run("--explain", "CHL301", "--platform", "eucaim").stdout
    assert "/home/ds/datasets" in text and "/home/chaimeleon" not in text


# What no code may spell out: a profile's data lives in its TOML file (and the guide's words in rules/).
_LITERALS = re.compile(r"/home/chaimeleon|/home/ds\b|i3m\.upv\.es|publicly accessible in the|"
                       r"['\"]chaimeleon['\"]|chaimeleon:chaimeleon|['\"]ds['\"]|py-repo-service")


def test_no_platform_literal_in_code() -> None:
    package = ROOT / "chaimeleon_lint"
    found = []
    for path in sorted(package.rglob("*")):
        if path.suffix not in (".py", ".sh", ".pl") or "templates" in path.parts:
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if _LITERALS.search(line) and not line.startswith("DEFAULT = "):  # the default profile's name
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert found == []


def test_a_known_base_s_run_sh_runs_the_image_s_cmd(tmp_path: Path) -> None:
    """The platform's run.sh ends by running its arguments: a CMD-only app has an entrypoint (no
    CHL601), its CMD is what starts (followed into main.py), and run.sh's own steps are the
    platform's (no CHL403 about them)."""
    (tmp_path / "main.py").write_text("import requests\nrequests.get('https://example.org/model')\n")
    (tmp_path / "Dockerfile").write_text(
        'FROM harbor.chaimeleon-eu.i3m.upv.es/chaimeleon-library-batch/ubuntu-python:0.3\nLABEL name="t" version="1"\n'
        'COPY main.py /home/chaimeleon/main.py\nCMD ["python3", "/home/chaimeleon/main.py"]\n')
    findings = json.loads(_run("--format", "json", "Dockerfile", cwd=tmp_path).stdout)["findings"]
    assert not {"CHL601", "CHL403"} & {f["rule"] for f in findings}
    [download] = [f for f in findings if f["rule"] == "CHL402"]
    assert (download["path"], download["line"]) == ("main.py", 2)
    (tmp_path / "Dockerfile").write_text(
        'FROM harbor.chaimeleon-eu.i3m.upv.es/chaimeleon-library-batch/ubuntu-python:0.3\nLABEL name="t" version="1"\n')
    findings = json.loads(_run("--format", "json", "Dockerfile", cwd=tmp_path).stdout)["findings"]
    assert not {"CHL601", "CHL403", "CHL402"} & {f["rule"] for f in findings}


@pytest.mark.parametrize(("base", "script"), [
    ("chaimeleon-library/ubuntu-python-tensorflow-desktop:0.3", "/home/chaimeleon/.init/startup.sh"),
    ("chaimeleon-library/ubuntu-python-tensorflow-desktop-jupyter:0.3", "/home/chaimeleon/.init/startup_jupyter.sh"),
])
def test_a_known_base_s_entrypoint_is_the_image_s(tmp_path: Path, base: str, script: str) -> None:
    """workstation-images: a child of the desktop starts with the base's startup.sh, so it has an
    ENTRYPOINT (no CHL601); what that script does is the base's, not in the context (CHL403)."""
    (tmp_path / "Dockerfile").write_text(f'FROM harbor.chaimeleon-eu.i3m.upv.es/{base}\nLABEL name="t" version="1"\n')
    findings = json.loads(_run("--format", "json", "Dockerfile", cwd=tmp_path).stdout)["findings"]
    assert "CHL601" not in {f["rule"] for f in findings}
    [missing] = [f for f in findings if f["rule"] == "CHL403"]
    assert missing["line"] == 1 and script in missing["message"]
    (tmp_path / "Dockerfile").write_text((tmp_path / "Dockerfile").read_text() + 'ENTRYPOINT ["python3", "-V"]\n')
    findings = json.loads(_run("--format", "json", "Dockerfile", cwd=tmp_path).stdout)["findings"]
    assert not {"CHL601", "CHL403"} & {f["rule"] for f in findings}


@pytest.mark.parametrize("reference", [
    "ubuntu:22.04", "harbor.chaimeleon-eu.i3m.upv.es/chaimeleon-library-batch/ubuntu-python:latest",
    "harbor.eucaim-node.i3m.upv.es/library/ubuntu-python-tensorflow-desktop:1", "harbor.chaimeleon-eu.i3m.upv.es",
    "", "a[b]c", "registry:5000/x*y"])
def test_the_wildcard_shortcut_matches_exactly_what_fnmatch_does(reference: str) -> None:
    """The literal-prefix look before fnmatch never changes an answer."""
    import fnmatch

    from chaimeleon_lint.profile import _matches

    patterns = [b.pattern for name in names() for b in load(name).bases]
    patterns += ["*", "?buntu*", "ubuntu:2[0-9].04", "a[b]c", "a[!x]c", "registry:5000/x*", "", "[", "harbor.*"]
    for pattern in patterns:
        assert _matches(reference, pattern) == fnmatch.fnmatchcase(reference, pattern), (reference, pattern)
