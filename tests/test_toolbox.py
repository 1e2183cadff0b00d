"""The EUCAIM toolbox convention: the task image rules (CHL1001–CHL1011) under the eucaim-toolbox
profile, its detection, the submission check (CHL1051–CHL1062) on the fixtures and their broken
variants, in every format, the CWL translation, and the bad inputs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from chaimeleon_lint.model.toolbox import digest
from conftest import lint
from test_rules import Case

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "toolbox"
COMPLIANT = FIXTURES / "toolbox" / "voxel-count"
FEDERATED = FIXTURES / "toolbox" / "federated-sum"
ENTRYPOINT = (COMPLIANT / "task_containers" / "voxel-count" / "entrypoint.sh").read_text()
REPORT_SCHEMA = json.loads((ROOT / "chaimeleon_lint" / "schemas" / "report.schema.json").read_text())
SARIF_SCHEMA = ROOT.parent / "shared" / "schemas" / "sarif-schema-2.1.0.json"


HEAD = ('FROM debian:bookworm\nLABEL maintainer="m@example.org" version="1.0" description="d" '
        'image.source="https://example.org/s" image.revision="abc1234" image.version="1.0"\n')  # lines 1-2
GOSU = "RUN apt-get update && apt-get install -y --no-install-recommends gosu python3 && rm -rf /var/lib/apt/lists/*\n"
COPY = "COPY app/ /app/\nCOPY entrypoint.sh /app/entrypoint.sh\nRUN chmod 755 /app/entrypoint.sh\n"  # lines 4-6
START = 'ENTRYPOINT ["/app/entrypoint.sh"]\nCMD ["python3", "/app/main.py"]\n'  # lines 7-8
GOOD = HEAD + GOSU + COPY + START
FILES = {"entrypoint.sh": ENTRYPOINT, "app/main.py": "print('ok')\n"}
MODIFIED = ENTRYPOINT.replace('exec gosu "$HOST_UID:$HOST_GID" "$@"', 'exec "$@"')

CASES = [
    Case("CHL1001", "good", GOOD, []),
    Case("CHL1001", "no-entrypoint", HEAD + GOSU + COPY + 'CMD ["python3", "/app/main.py"]\n', [None]),
    Case("CHL1001", "shell-form", GOOD.replace('ENTRYPOINT ["/app/entrypoint.sh"]', "ENTRYPOINT /app/entrypoint.sh"), [7]),
    Case("CHL1001", "another-script", GOOD.replace("COPY entrypoint.sh /app/entrypoint.sh", "COPY start.sh /app/entrypoint.sh"),
         [7], {**FILES, "start.sh": ENTRYPOINT}),
    Case("CHL1002", "accepted-by-configuration", GOOD, []),
    Case("CHL1002", "no-gosu-hand-over", GOOD, [1], {**FILES, "entrypoint.sh": MODIFIED}),
    Case("CHL1002", "crlf-and-comments-are-layout", GOOD, [],
         {**FILES, "entrypoint.sh": ENTRYPOINT.replace("\n", "\r\n").replace("set -eu", "# note\n\nset -eu   ")}),
    Case("CHL1003", "user-1000", GOOD.replace("CMD", "USER 1000\nCMD"), [8]),
    Case("CHL1003", "user-root-again", GOOD.replace("COPY app/", "USER 1000\nUSER root\nCOPY app/"), []),
    Case("CHL1003", "user-in-a-builder-stage", "FROM debian:bookworm AS build\nUSER 1000\n" + GOOD, []),
    Case("CHL1004", "not-installed", GOOD.replace("gosu python3", "python3"), [None]),
    Case("CHL1004", "installed-in-the-base-stage", "FROM debian:bookworm AS base\n" + GOSU
         + GOOD.replace(GOSU, "").replace("FROM debian:bookworm", "FROM base"), []),
    Case("CHL1004", "only-in-a-builder-stage", "FROM debian:bookworm AS build\n" + GOSU + GOOD.replace("gosu python3", "python3"),
         [None]),
    Case("CHL1004", "copied-binary", GOOD.replace("gosu python3", "python3").replace(
        "COPY app/", "COPY --from=build /usr/sbin/gosu /usr/local/bin/gosu\nCOPY app/"),
         [], {**FILES}),
    Case("CHL1005", "alpine-without-bash", GOOD.replace("FROM debian:bookworm", "FROM alpine:3.20").replace(
        GOSU, "RUN apk add --no-cache gosu python3\n"), [1]),
    Case("CHL1005", "alpine-with-bash-and-shadow", GOOD.replace("FROM debian:bookworm", "FROM alpine:3.20").replace(
        GOSU, "RUN apk add --no-cache bash shadow gosu python3\n"), []),
    Case("CHL1005", "distroless", GOOD.replace("FROM debian:bookworm", "FROM gcr.io/distroless/python3-debian12:nonroot"), [1]),
    Case("CHL1006", "no-cmd", GOOD.replace('CMD ["python3", "/app/main.py"]\n', ""), [None]),
    Case("CHL1006", "shell-form", GOOD.replace('CMD ["python3", "/app/main.py"]', "CMD python3 /app/main.py"), [8]),
    Case("CHL1006", "exec-form-continued", GOOD.replace('CMD ["python3", "/app/main.py"]', 'CMD ["python3", \\\n     "/app/main.py"]'), []),
    Case("CHL1007", "relative-script", GOOD.replace('"/app/main.py"', '"main.py"'), [8]),
    Case("CHL1007", "dot-slash", GOOD.replace('["python3", "/app/main.py"]', '["./run.sh"]'), [8]),
    Case("CHL1007", "module", GOOD.replace('["python3", "/app/main.py"]', '["python3", "-m", "app.main"]'), []),
    Case("CHL1007", "option-then-script", GOOD.replace('["python3", "/app/main.py"]', '["python3", "-u", "/app/main.py"]'), []),
    Case("CHL1008", "two-names-one-line", GOOD.replace(GOSU, GOSU + "ENV HOST_UID=1000 HOST_GID=1000\n"), [4]),
    Case("CHL1008", "continued", GOOD.replace(GOSU, GOSU + "ENV LANG=C.UTF-8 \\\n    HOST_USER=eucaim\n"), [4]),
    Case("CHL1008", "in-the-base-stage-once", "FROM debian:bookworm AS base\nENV HOST_UID=1000\n"
         + GOOD.replace("FROM debian:bookworm", "FROM base"), [2]),
    Case("CHL1008", "in-another-stage", "FROM debian:bookworm AS tools\nENV HOST_UID=1000\n" + GOOD, []),
    Case("CHL1008", "other-names", GOOD.replace(GOSU, GOSU + "ENV HOST=example HOST_UIDS=1\n"), []),
    Case("CHL1009", "placeholders-and-missing", GOOD.replace('image.revision="abc1234"', 'image.revision="commit-sha"')
         .replace('maintainer="m@example.org" ', ""), [None, 2]),
    Case("CHL1009", "from-arguments", GOOD.replace('image.version="1.0"', 'image.version="${V}"').replace(
        "FROM debian:bookworm\n", "FROM debian:bookworm\nARG V=1.0\n"), []),
    Case("CHL1010", "chown-to-the-user", GOOD.replace("COPY app/ /app/", "COPY --chown=1000:1000 app/ /app/"), [4]),
    Case("CHL1010", "entrypoint-not-executable", GOOD.replace("RUN chmod 755 /app/entrypoint.sh\n", ""), [5]),
    Case("CHL1010", "executable-in-the-context", GOOD.replace("RUN chmod 755 /app/entrypoint.sh\n", ""), []),
    Case("CHL1011", "curl-unchecked", GOOD.replace(COPY, "RUN curl -fsSLO https://example.org/m.tgz && tar xzf m.tgz\n" + COPY), [4]),
    Case("CHL1011", "curl-checked", GOOD.replace(COPY, "RUN curl -fsSLO https://example.org/m.tgz \\\n"
                                                   "    && echo \"$SUM  m.tgz\" | sha256sum -c - && tar xzf m.tgz\n" + COPY), []),
    Case("CHL1011", "git-clone-unpinned", GOOD.replace(COPY, "RUN git clone https://example.org/r.git /opt/r\n" + COPY), [4]),
    Case("CHL1011", "git-clone-checkout", GOOD.replace(COPY, "RUN git clone https://example.org/r.git /opt/r "
                                                         "&& git -C /opt/r checkout 0123456789abcdef0123456789abcdef01234567\n"
                                                         + COPY), []),
    Case("CHL1011", "pip-git-branch", GOOD.replace(COPY, "RUN pip install --no-cache-dir git+https://example.org/r.git@main\n"
                                                     + COPY), [4]),
    Case("CHL1011", "pip-git-commit", GOOD.replace(COPY, "RUN pip install --no-cache-dir git+https://example.org/r.git@0123abc\n"
                                                     + COPY), []),
    Case("CHL1011", "copy-from-latest", GOOD.replace(COPY, "COPY --from=example/tools:latest /bin/t /usr/local/bin/t\n" + COPY),
         [4]),
    Case("CHL1011", "in-the-base-stage-once", "FROM debian:bookworm AS base\n"
         "RUN curl -fsSLO https://example.org/m.tgz\nCOPY --from=example/t:latest /t /t\n"
         + GOOD.replace("FROM debian:bookworm", "FROM base"), [2, 3]),
    Case("CHL1011", "copy-from-stage", "FROM debian:bookworm AS tools\n" + GOOD.replace(
        COPY, "COPY --from=tools /bin/true /usr/local/bin/t\n" + COPY), []),
]
_EXECUTABLE = {"entrypoint-not-executable": (), "executable-in-the-context": ("entrypoint.sh",)}


def _case_lines(tmp_path: Path, case: Case) -> list[int | None]:
    files = case.files or FILES
    found = lint(tmp_path, case.dockerfile, files, platform="eucaim-toolbox",
                 executable=_EXECUTABLE.get(case.name, ()))
    return found.get(case.rule, [])


@pytest.mark.parametrize("case", CASES, ids=[f"{c.rule}-{c.name}" for c in CASES])
def test_toolbox_image_rule(tmp_path: Path, case: Case) -> None:
    if case.rule == "CHL1002" and case.name != "no-gosu-hand-over":
        found = _with_fixture_entrypoints(tmp_path, case)
    else:
        found = _case_lines(tmp_path, case)
    assert found == case.lines


def _with_fixture_entrypoints(tmp_path: Path, case: Case) -> list[int | None]:
    """CHL1002 passes only the published text, which the project does not hold: the fixtures' own
    entrypoint is accepted by hash, as the configuration accepts a new version."""
    from chaimeleon_lint import catalogue
    from chaimeleon_lint.checks import collect
    from chaimeleon_lint.linter import Options, lint_source
    from chaimeleon_lint.profile import load
    from chaimeleon_lint.source.text import decode

    for name, text in (case.files or FILES).items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(text.encode())
    (tmp_path / "Dockerfile").write_text(case.dockerfile)
    options = Options(platform=load("eucaim-toolbox"), entrypoints=(("fixtures", digest(ENTRYPOINT)),))
    result = lint_source(decode((tmp_path / "Dockerfile").read_bytes(), "Dockerfile"), tmp_path, options,
                         catalogue.load(), collect(), tmp_path / "Dockerfile")
    return sorted((f.line for f in result.findings if f.rule == case.rule), key=lambda n: n or 0)


def test_entrypoint_digest_sets_layout_aside_and_published_hashes_are_the_profiles() -> None:
    from chaimeleon_lint.model.toolbox import convention
    from chaimeleon_lint.profile import load

    same = "#!/bin/bash\r\n# a comment\r\n\r\nset -e   \r\n  # indented comment\r\nexec gosu u \"$@\"\r\n"
    assert digest(same) == digest("#!/bin/bash\nset -e\nexec gosu u \"$@\"\n")
    assert digest("#!/bin/sh\nset -e\n") != digest("#!/bin/bash\nset -e\n")  # the shebang is kept
    published = dict(convention(load("eucaim-toolbox")).entrypoints)  # type: ignore[union-attr]
    assert published == {"current": "44ab454a669b774a3b437481e92152b3cab61301f3166fcb630aece5aa6e5165",
                         "earlier": "68760047ddebd7393a2824202c640a0e22ab98bbf26195995fd68464cc12e980"}


@pytest.mark.parametrize(("change", "said"), [
    (lambda t: t.replace('exec gosu "$HOST_UID:$HOST_GID" "$@"', 'exec "$@"'), ["does not hand over with `exec gosu`"]),
    (lambda t: t.replace('HOST_GID="${HOST_GID:-1000}"\n', 'GID=1000\n'), ["does not read HOST_GID"]),
    (lambda t: t.replace('chown -R "$HOST_UID:$HOST_GID" /sandbox', 'chown -R "$HOST_UID:$HOST_GID" /app'),
     ["does not chown /sandbox", "also chowns /app"]),
    (lambda t: t.replace("useradd", "echo useradd").replace("groupadd", "echo groupadd"), ["does not create the runtime user"]),
    (lambda t: t.replace("set -eu", "set -eux"), ["the same behaviour, in other words"]),
])
def test_modified_entrypoint_says_what_differs(tmp_path: Path, change, said: list[str]) -> None:
    from conftest import lint_findings

    findings = lint_findings(tmp_path, GOOD, {**FILES, "entrypoint.sh": change(ENTRYPOINT)}, platform="eucaim-toolbox")
    messages = [f.message for f in findings if f.rule == "CHL1002"]
    assert len(messages) == 1 and all(s in messages[0] for s in said), messages
    assert [f.path for f in findings if f.rule == "CHL1002"] == [str(tmp_path / "entrypoint.sh")] or \
        [f.path for f in findings if f.rule == "CHL1002"][0].endswith("entrypoint.sh")


def test_detected_by_folder_or_by_entrypoint_and_other_rules_off(tmp_path: Path) -> None:
    from conftest import lint_findings

    task = tmp_path / "toolbox" / "tool" / "task_containers" / "task"
    plain = HEAD + GOSU + COPY + 'CMD ["python3", "/app/main.py"]\n'  # no ENTRYPOINT: only its place tells
    rules = {f.rule for f in lint_findings(task, plain, FILES)}
    assert "CHL1001" in rules and not rules & {"CHL101", "CHL201", "CHL203", "CHL301", "CHL601"}
    rules = {f.rule for f in lint_findings(tmp_path / "elsewhere", GOOD.replace("CMD", "USER 1000\nCMD"), FILES)}
    assert "CHL1003" in rules and "CHL203" not in rules  # detected from the entrypoint's HOST_UID and gosu
    rules = {f.rule for f in lint_findings(tmp_path / "catalogue", plain, FILES)}
    assert "CHL101" in rules and not any(r.startswith("CHL10") and len(r) == 7 for r in rules)


def test_detection_is_reported(tmp_path: Path) -> None:
    task = tmp_path / "toolbox" / "tool" / "task_containers" / "task"
    task.mkdir(parents=True)
    (task / "Dockerfile").write_text(GOOD)
    for name, text in FILES.items():
        (task / name).parent.mkdir(parents=True, exist_ok=True)
        (task / name).write_text(text)
    report = json.loads(_cli("--format", "json", str(task / "Dockerfile"), cwd=tmp_path).stdout)
    assert report["platform"]["name"] == "eucaim-toolbox"
    assert report["platform"]["detected_from"] == "its folder (toolbox/*/task_containers/*)"


# -- the submission -------------------------------------------------------------------------------

def _cli(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "chaimeleon_lint", *args], cwd=cwd, capture_output=True, text=True,
                          env=env)


def _repo(tmp_path: Path) -> Path:
    """The fixtures' repository copied, so a variant may break it."""
    repo = tmp_path / "repo"
    shutil.copytree(FIXTURES, repo)
    return repo


def _findings(repo: Path, tool: str, *extra: str) -> tuple[set[tuple[str, str, int | None]], dict]:
    done = _cli("toolbox", ".", "--tool", tool, "--format", "json", *extra, cwd=repo)
    assert done.returncode in (0, 1), done.stderr
    report = json.loads(done.stdout)
    jsonschema.validate(report, REPORT_SCHEMA)
    def shown(path: str) -> str:  # within the tool folder; the folder itself by its name
        return tool if path.endswith(f"toolbox/{tool}") else path.split(f"{tool}/", 1)[-1]

    return {(f["rule"], shown(f["path"]), f["line"]) for f in report["findings"]}, report


def test_the_compliant_fixtures_are_accepted(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    for tool in ("voxel-count", "federated-sum"):
        found, report = _findings(repo, tool)
        assert found == set(), found
        assert report["toolbox"]["verdict"] == "accept" and report["toolbox"]["integration"] == "not run"
    done = _cli("toolbox", str(COMPLIANT), "--format", "markdown", cwd=tmp_path)
    assert done.returncode == 0 and "**Verdict: accept**" in done.stdout
    assert "`harbor.eucaim.cancerimage.eu/processing-tools/voxel-count:1.0.0`" in done.stdout


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, (path, old)
    path.write_text(text.replace(old, new))


TASK = "task_containers/voxel-count"
FEM = "metadata/FEM"
VARIANTS = {
    "modified-entrypoint": (lambda t: _edit(t / TASK / "entrypoint.sh", 'exec gosu "$HOST_UID:$HOST_GID" "$@"', 'exec "$@"'),
                            {("CHL1002", f"{TASK}/entrypoint.sh", 1)}),
    "user-1000": (lambda t: _edit(t / TASK / "dockerfile", "ENTRYPOINT", "USER 1000\nENTRYPOINT"),
                  {("CHL1003", f"{TASK}/dockerfile", 17)}),
    "no-gosu": (lambda t: _edit(t / TASK / "dockerfile", "gosu python3", "python3"), {("CHL1004", f"{TASK}/dockerfile", None)}),
    "untagged": (lambda t: _edit(t / FEM / "voxel-count.cwl", "voxel-count:1.0.0", "voxel-count"),
                 {("CHL1056", f"{FEM}/voxel-count.cwl", 8)}),
    "latest": (lambda t: _edit(t / FEM / "voxel-count.cwl", "voxel-count:1.0.0", "voxel-count:latest"),
               {("CHL1056", f"{FEM}/voxel-count.cwl", 8), ("CHL1057", f"{FEM}/voxel-count.cwl", 8)}),
    "elsewhere-registry": (lambda t: _edit(t / FEM / "voxel-count.cwl", "harbor.eucaim.cancerimage.eu/processing-tools",
                                           "docker.example.org/tools"), {("CHL1056", f"{FEM}/voxel-count.cwl", 8)}),
    "broken-cross-reference": (lambda t: _edit(t / FEM / "workflow.cwl", "bundle_id: voxel-count-bundle\n    site",
                                               "bundle_id: voxel-bundle\n    site"),
                               {("CHL1055", f"{FEM}/workflow.cwl", 12)}),
    "form-targets-nothing": (lambda t: _edit(t / FEM / "workflow.cwl", "bundle_input_name: voxel-count.label",
                                             "bundle_input_name: voxel-count.tag"),
                             {("CHL1055", f"{FEM}/workflow.cwl", 24)}),
    "absolute-glob": (lambda t: _edit(t / FEM / "voxel-count.cwl", "glob: counts.json", "glob: /out/counts.json"),
                      {("CHL1055", f"{FEM}/voxel-count.cwl", 37)}),
    "hidden-without-default": (lambda t: _edit(t / FEM / "voxel-count.cwl", "    default: voxels\n    hidden: false",
                                               "    hidden: true"), {("CHL1055", f"{FEM}/voxel-count.cwl", 26)}),
    "bad-enum": (lambda t: _edit(t / FEM / "bundle.cwl", "mode: standalone", "mode: solo"),
                 {("CHL1055", f"{FEM}/bundle.cwl", 6)}),
    "older-keys": (lambda t: _edit(t / FEM / "voxel-count.cwl", "  - id: label", "  - input_name: label"),
                   {("CHL1055", f"{FEM}/voxel-count.cwl", 22)}),
    "not-yaml": (lambda t: _edit(t / FEM / "bundle.cwl", "tasks:\n", "tasks: [\n"),
                 {("CHL1055", f"{FEM}/bundle.cwl", 8)}),  # and nothing that follows from the bundle unread
    "no-workflow": (lambda t: (t / FEM / "workflow.cwl").unlink(), {("CHL1054", "voxel-count", None)}),
    "metadata-without-fem": (lambda t: (t / FEM).rename(t / "metadata" / "cwl"),
                             {("CHL1054", "metadata/cwl/voxel-count.cwl", 1), ("CHL1054", "metadata/cwl/bundle.cwl", 1),
                              ("CHL1054", "metadata/cwl/workflow.cwl", 1)}),
    "no-readme": (lambda t: (t / "README.md").unlink(), {("CHL1052", "voxel-count", None)}),
    "two-dockerfiles": (lambda t: shutil.copy(t / TASK / "dockerfile", t / TASK / "Dockerfile"),
                        {("CHL1053", TASK, None)}),
    "no-expected-output": (lambda t: [p.unlink() for p in (t / "test" / "example_output").iterdir()],
                           {("CHL1058", "voxel-count", None), ("CHL1062", "voxel-count", None)}),
    "older-test-layout": (lambda t: [(t / "test").rename(t / "tests"), (t / "tests" / "example_input").rename(
        t / "tests" / "input"), (t / "tests" / "example_output").rename(t / "tests" / "output")],
                          {("CHL1058", "voxel-count", None)}),
    "image-output": (lambda t: (t / "test" / "example_output" / "mask.nii.gz").write_bytes(b"\x1f\x8b"),
                     {("CHL1059", "voxel-count", None)}),
    "image-output-described": (lambda t: [(t / "test" / "example_output" / "mask.nii.gz").write_bytes(b"\x1f\x8b"),
                                          (t / "test" / "example_output" / "description.md").write_text("shape\n")], set()),
    "lfs-pointer": (lambda t: (t / "test" / "example_input" / "big.nii").write_text(
        "version https://git-lfs.github.com/spec/v1\noid sha256:00\nsize 9\n"),
                    {("CHL1060", "test/example_input/big.nii", None)}),
    "leftovers": (lambda t: [(t / ".DS_Store").write_bytes(b"\0"), (t / "README.md").write_text(
        "# x\n\nReplace with the actual image URL\n")],
                  {("CHL1061", ".DS_Store", None), ("CHL1061", "README.md", 3)}),
    "relative-base-command": (lambda t: _edit(t / FEM / "voxel-count.cwl", "[python3, /app/main.py]", "[python3, main.py]"),
                              {("CHL1007", f"{FEM}/voxel-count.cwl", 12)}),
    "version-label-differs": (lambda t: _edit(t / TASK / "dockerfile", 'image.version="1.0.0"', 'image.version="1.0.1"'),
                              {("CHL1057", f"{FEM}/voxel-count.cwl", 8)}),
    "no-log": (lambda t: (t / "test" / "example_output" / "execution.log").unlink(), {("CHL1062", "voxel-count", None)}),
}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_each_broken_variant_gets_exactly_its_findings(tmp_path: Path, variant: str) -> None:
    repo = _repo(tmp_path)
    change, expected = VARIANTS[variant]
    change(repo / "toolbox" / "voxel-count")
    found, report = _findings(repo, "voxel-count")
    assert found == expected
    errors = any(f["severity"] == "error" for f in report["findings"])
    assert report["toolbox"]["verdict"] == ("changes needed" if errors else "accept")


def test_a_tool_outside_toolbox_and_a_touched_template(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    (repo / "contrib").mkdir()
    shutil.copytree(COMPLIANT, repo / "contrib" / "voxel-count")
    done = _cli("toolbox", "contrib/voxel-count", "--format", "json", cwd=repo)
    assert {(f["rule"], f["path"]) for f in json.loads(done.stdout)["findings"]} == {("CHL1051", "contrib/voxel-count")}
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", "-C", str(repo)]
    subprocess.run([*git, "init", "-q", "-b", "main"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "base"], check=True)
    (repo / "tool_template").mkdir()
    (repo / "tool_template" / "README.md").write_text("changed\n")
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "change"], check=True)
    found, _ = _findings(repo, "voxel-count", "--since", "HEAD~1")
    assert found == {("CHL1051", "voxel-count", None)}
    done = _cli("toolbox", ".", "--tool", "voxel-count", "--since", "no-such-ref", cwd=repo)
    assert done.returncode == 2 and "--since no-such-ref" in done.stderr and "Traceback" not in done.stderr


def test_every_format_reports_a_broken_variant(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    VARIANTS["user-1000"][0](repo / "toolbox" / "voxel-count")
    done = _cli("toolbox", ".", "--tool", "voxel-count", "--no-color", "--output", f"sarif={tmp_path / 'r.sarif'}",
                "--output", f"markdown={tmp_path / 'r.md'}", cwd=repo)
    assert done.returncode == 1
    assert "dockerfile:17: error CHL1003 toolbox-user-not-root" in done.stdout
    sarif = json.loads((tmp_path / "r.sarif").read_text())
    if SARIF_SCHEMA.exists():
        jsonschema.validate(sarif, json.loads(SARIF_SCHEMA.read_text()))
    assert [r["ruleId"] for r in sarif["runs"][0]["results"]] == ["CHL1003"]
    markdown = (tmp_path / "r.md").read_text()
    assert "**Verdict: changes needed**" in markdown and "CHL1003 `toolbox-user-not-root`" in markdown
    assert "| ❌ CHL10xx | the EUCAIM toolbox | 1 | 0 | 0 |" in markdown
    assert "The convention asks that" in markdown


@pytest.mark.parametrize(("args", "said"), [
    (("toolbox", "."), "not a tool submission"),
    (("toolbox", "missing"), "not a folder"),
    (("toolbox", ".", "--tool", "nope"), "no such tool folder"),
])
def test_not_a_submission_is_a_clear_error(tmp_path: Path, args: tuple[str, ...], said: str) -> None:
    done = _cli(*args, cwd=tmp_path)
    assert done.returncode == 2 and said in done.stderr and "Traceback" not in done.stderr and not done.stdout


def test_build_without_an_engine_or_cwltool_says_how(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from chaimeleon_lint.runner import Abort
    from chaimeleon_lint.toolbox import integration
    from chaimeleon_lint.toolbox.submission import read_submission

    sub = read_submission(COMPLIANT)
    monkeypatch.setattr(integration.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(Abort, match=r"pip install 'chaimeleon-lint\[toolbox\]'"):
        integration.integrate(sub, None, [])
    monkeypatch.undo()
    if integration.importlib.util.find_spec("cwltool") is None:
        pytest.skip("cwltool is not installed (the test extra installs it)")
    empty = tmp_path / "bin"
    empty.mkdir()
    env = {**os.environ, "PATH": str(empty)}
    done = _cli("toolbox", str(COMPLIANT), "--build", cwd=tmp_path, env=env)
    assert done.returncode == 2 and "needs a container engine" in done.stderr and "Traceback" not in done.stderr


# -- the CWL translation ----------------------------------------------------------------------------

def test_translated_tasks_validate_with_cwltool(tmp_path: Path) -> None:
    pytest.importorskip("cwltool", reason="cwltool is not installed (the test extra installs it)")
    from chaimeleon_lint.toolbox.submission import read_submission
    from chaimeleon_lint.toolbox.translate import command_line_tool

    written = []
    for tool in (COMPLIANT, FEDERATED):
        for fem in read_submission(tool).classes("FEMTask"):
            path = tmp_path / f"{fem.data['id']}.cwl"
            path.write_text(json.dumps(command_line_tool(fem.data)))
            written.append(path)
            raw = subprocess.run([sys.executable, "-m", "cwltool", "--validate", str(fem.path)], capture_output=True,
                                 text=True)
            assert "failed validation" in raw.stdout + raw.stderr  # FEM as written is not CWL (cwltool 3.3 still exits 0)
    assert len(written) == 3
    for path in written:
        done = subprocess.run([sys.executable, "-m", "cwltool", "--validate", str(path)], capture_output=True, text=True)
        said = done.stdout + done.stderr
        assert done.returncode == 0 and "is valid CWL" in said and "failed validation" not in said, said


def test_translation_maps_the_fem_keys() -> None:
    from chaimeleon_lint.toolbox.submission import read_submission
    from chaimeleon_lint.toolbox.translate import command_line_tool

    fem = read_submission(COMPLIANT).classes("FEMTask")[0]
    tool = command_line_tool(fem.data)
    assert tool["class"] == "CommandLineTool" and "id" not in tool and "metadata" not in tool
    assert tool["inputs"]["label"]["type"] == "string?" and tool["inputs"]["dataset"]["type"] == "Directory"
    assert tool["successCodes"] == [0] and "source" not in tool["inputs"]["dataset"]


# -- the integration test, on a real engine ---------------------------------------------------------

def _docker() -> str | None:
    """Why the integration tests cannot run here, or None."""
    if shutil.which("docker") is None or subprocess.run(["docker", "info"], capture_output=True).returncode != 0:
        return "no Docker engine answers (CI starts one with .ci/engine)"
    import importlib.util

    if importlib.util.find_spec("cwltool") is None:
        return "cwltool is not installed (the test extra installs it)"
    return None


needs_docker = pytest.mark.skipif(_docker() is not None, reason=_docker() or "")


def _built(repo: Path, tool: str) -> dict:
    done = _cli("toolbox", ".", "--tool", tool, "--build", "--engine", "docker", "--format", "json", cwd=repo)
    assert done.returncode in (0, 1), done.stderr
    report = json.loads(done.stdout)
    jsonschema.validate(report, REPORT_SCHEMA)
    return report


@needs_docker
def test_integration_passes_for_the_compliant_tools(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    single = _built(repo, "voxel-count")
    assert single["findings"] == [] and single["toolbox"]["integration"] == "passed"
    assert single["toolbox"]["verdict"] == "accept"
    federated = _built(repo, "federated-sum")
    assert federated["findings"] == [] and federated["toolbox"]["integration"] == "passed"
    assert "task site-count: ran once per dataset folder (site-a, site-b)" in federated["toolbox"]["notes"]
    text = _cli("toolbox", ".", "--tool", "voxel-count", "--build", "--engine", "docker", cwd=repo).stdout
    assert "toolbox/voxel-count: verdict accept; integration test passed" in text
    images = subprocess.run(["docker", "images", "-q", "harbor.eucaim.cancerimage.eu/processing-tools/*"],
                            capture_output=True, text=True).stdout
    assert images.strip() == ""  # the images tagged as their dockerPull were removed


@needs_docker
@pytest.mark.parametrize(("variant", "expected"), [
    ("user-1000", {"CHL1003", "CHL1082"}),
    ("no-gosu", {"CHL1004", "CHL1082"}),
    ("modified-entrypoint", {"CHL1002", "CHL1082"}),  # ends in exec "$@": the command runs as root
    ("untagged", {"CHL1056"}),
    ("latest", {"CHL1056", "CHL1057"}),
    ("broken-cross-reference", {"CHL1055"}),
    ("wrong-expected-output", {"CHL1084"}),
    ("described-output", {"CHL1084"}),
    ("build-fails", {"CHL1081"}),
])
def test_integration_finds_what_breaks_the_run(tmp_path: Path, variant: str, expected: set[str]) -> None:
    repo = _repo(tmp_path)
    tool = repo / "toolbox" / "voxel-count"
    outputs = tool / "test" / "example_output"
    if variant in VARIANTS:
        VARIANTS[variant][0](tool)
    elif variant == "build-fails":
        _edit(tool / TASK / "dockerfile", "COPY app/ /app/", "RUN false\nCOPY app/ /app/")
    else:
        _edit(outputs / "counts.json", '"bytes": 20', '"bytes": 21')
        if variant == "described-output":
            (outputs / "description.md").write_text("The byte count may vary with line endings.\n")
    report = _built(repo, "voxel-count")
    assert {f["rule"] for f in report["findings"]} == expected
    integration = [f for f in report["findings"] if f["rule"].startswith("CHL108")]
    if variant in ("untagged", "latest"):  # built under that reference, the run still passes
        assert report["toolbox"]["integration"] == "passed"
    elif variant == "broken-cross-reference":
        assert report["toolbox"]["integration"] == "failed"
        assert "the tasks were not run: the FEM metadata is invalid (CHL1055)" in report["toolbox"]["notes"]
    elif variant.endswith("output"):
        assert "bytes: expected 21, got 20" in integration[0]["message"]
        assert integration[0]["severity"] == ("warning" if variant == "described-output" else "error")
        assert report["toolbox"]["integration"] == ("passed" if variant == "described-output" else "failed")
    else:
        assert report["toolbox"]["integration"] == "failed" and report["toolbox"]["verdict"] == "changes needed"


def test_cwl_map_form_reads_as_the_list_form(tmp_path: Path) -> None:
    """Approved tools write `inputs:` and `outputs:` as CWL's map form (id → item): the same tool, no
    finding, and the lines still point at the items."""
    import yaml

    repo = _repo(tmp_path)
    path = repo / "toolbox" / "voxel-count" / FEM / "voxel-count.cwl"
    data = yaml.safe_load(path.read_text())
    for key in ("inputs", "outputs"):
        data[key] = {item.pop("id"): item for item in data[key]}
    data["requirements"] = {req.pop("class"): req for req in data["requirements"]}
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    found, _ = _findings(repo, "voxel-count")
    assert found == set()
    data["outputs"]["counts"]["outputBinding"]["glob"] = "/abs/counts.json"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    line = next(n for n, text in enumerate(path.read_text().splitlines(), 1) if "glob: /abs" in text)
    found, _ = _findings(repo, "voxel-count")
    assert found == {("CHL1055", f"{FEM}/voxel-count.cwl", line)}


def test_cwl_out_writes_each_task_and_its_job(tmp_path: Path) -> None:
    done = _cli("toolbox", str(FEDERATED), "--cwl-out", str(tmp_path / "cwl"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in (tmp_path / "cwl").iterdir()) == [
        "site-count.cwl", "site-count.job.json", "sum-counts.cwl", "sum-counts.job.json"]
    job = json.loads((tmp_path / "cwl" / "site-count.job.json").read_text())
    assert job == {"dataset": {"class": "Directory", "location": (FEDERATED / "test" / "example_input").as_uri()}}
    assert "wrote site-count.cwl" in done.stdout
    (tmp_path / "file").write_text("")
    done = _cli("toolbox", str(FEDERATED), "--cwl-out", str(tmp_path / "file" / "cwl"), cwd=tmp_path)
    assert done.returncode == 2 and "--cwl-out" in done.stderr and "Traceback" not in done.stderr


def test_no_platform_job_for_the_toolbox_profile(tmp_path: Path) -> None:
    dockerfile = COMPLIANT / "task_containers" / "voxel-count" / "dockerfile"
    done = _cli("manifest", str(dockerfile), "--platform", "eucaim-toolbox", cwd=tmp_path)
    assert done.returncode == 2 and "no platform Job" in done.stderr and "Traceback" not in done.stderr


@needs_docker
def test_lint_build_of_a_task_image_makes_no_platform_run(tmp_path: Path) -> None:
    dockerfile = COMPLIANT / "task_containers" / "voxel-count" / "dockerfile"
    done = _cli("--build", "--engine", "docker", "--smoke-args", "--help", "--no-color", str(dockerfile), cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no platform run: the EUCAIM toolbox profile has no platform Job" in done.stdout


@pytest.mark.parametrize(("name", "birth", "found"), [("DOE^JOHN", "19700101", True), ("", "", False),
                                                      ("ANONYMOUS", "", False), ("", "19700101", True)])
def test_dicom_test_input_that_names_a_person(tmp_path: Path, name: str, birth: str, found: bool) -> None:
    pytest.importorskip("pydicom")
    from pydicom.dataset import FileDataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian

    repo = _repo(tmp_path)
    meta = FileMetaDataset()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
    meta.MediaStorageSOPInstanceUID = "1.2.3.4"
    target = repo / "toolbox" / "voxel-count" / "test" / "example_input" / "case-a" / "slice.dcm"
    ds = FileDataset(str(target), {}, file_meta=meta, preamble=b"\0" * 128)
    ds.PatientName, ds.PatientBirthDate, ds.Modality = name, birth, "CT"
    try:
        ds.save_as(str(target), enforce_file_format=True)  # pydicom 3
    except TypeError:
        ds.save_as(str(target), write_like_original=False)  # pydicom 2
    findings, report = _findings(repo, "voxel-count")
    expected = {("CHL1060", "test/example_input/case-a/slice.dcm", None)} if found else set()
    assert {f for f in findings if f[0] == "CHL1060"} == expected
    if found:
        message = next(f["message"] for f in report["findings"] if f["rule"] == "CHL1060")
        assert ("PatientName 'DOE^JOHN'" in message) == bool(name) and ("PatientBirthDate" in message) == bool(birth)


def test_the_tools_configuration_applies_to_the_submission_findings(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    VARIANTS["no-log"][0](repo / "toolbox" / "voxel-count")
    (repo / "toolbox" / "voxel-count" / "README.md").unlink()
    config = repo / ".chaimeleon-lint.toml"
    original = config.read_text()
    config.write_text('ignore = ["CHL1062"]\nfailure-threshold = "error"\n' + original)
    _, report = _findings(repo, "voxel-count")
    assert [(f["rule"], f["severity"]) for f in report["findings"]] == [("CHL1052", "warning")]
    assert _cli("toolbox", ".", "--tool", "voxel-count", "-q", cwd=repo).returncode == 0  # below the threshold
    config.write_text(config.read_text() + '\n[severity]\nCHL1052 = "error"\n')
    done = _cli("toolbox", ".", "--tool", "voxel-count", "-q", "--no-color", cwd=repo)
    assert done.returncode == 1 and "error CHL1052" in done.stdout


@needs_docker
def test_prune_removes_what_a_killed_toolbox_run_left(tmp_path: Path) -> None:
    """A killed `toolbox --build` leaves images tagged with a registry's name: prune tells them by
    their session label and removes them; a live run's are kept."""
    from chaimeleon_lint.build.engine import LABEL, OWNER

    (tmp_path / "Dockerfile").write_text("FROM debian:bookworm\nLABEL purpose=prune-test\n")
    tag = "harbor.eucaim.cancerimage.eu/processing-tools/prune-test:0.1"
    subprocess.run(["docker", "build", "-q", "-t", tag, "--label", f"{LABEL}=toolbox-999999-1",
                    "--label", f"{OWNER}=nowhere:999999", str(tmp_path)], check=True, capture_output=True)
    listed = _cli("prune", "--dry-run", cwd=tmp_path)
    assert f"image {tag}: would be removed" in listed.stdout
    done = _cli("prune", cwd=tmp_path)
    assert f"image {tag}: removed" in done.stdout
    assert subprocess.run(["docker", "images", "-q", tag], capture_output=True, text=True).stdout.strip() == ""


def test_a_fem_file_of_the_wrong_shapes_is_reported_not_a_crash(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    (repo / "toolbox" / "voxel-count" / FEM / "voxel-count.cwl").write_text(
        "cwlVersion: v1.2\nclass: FEMTask\nid: voxel-count\nlabel: x\ndoc: y\nrequirements: docker\n"
        "baseCommand: python3 /app/main.py\ninputs: 5\noutputs: [3, {id: counts}]\nexpectedExitCode: zero\n")
    done = _cli("toolbox", ".", "--tool", "voxel-count", "--format", "json", "--cwl-out", str(tmp_path / "cwl"), cwd=repo)
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    report = json.loads(done.stdout)
    assert {f["rule"] for f in report["findings"]} >= {"CHL1055"}
    assert {f["line"] for f in report["findings"] if f["path"].endswith("voxel-count.cwl")} == {6, 7, 8, 9, 10}
    assert json.loads((tmp_path / "cwl" / "voxel-count.cwl").read_text())["baseCommand"] == ["python3 /app/main.py"]
