"""The command line end to end: examples, JSON schema, exit codes, and inputs that must not crash."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((ROOT / "chaimeleon_lint" / "schemas" / "report.schema.json").read_text())
EXAMPLES = sorted(p.parent.name for p in (ROOT / "examples").glob("*/Dockerfile"))


def run(*args: str, stdin: bytes | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "chaimeleon_lint", *args], input=stdin.decode() if stdin else None,
                          capture_output=True, text=True, timeout=60, cwd=cwd)


@pytest.mark.parametrize("name", EXAMPLES)
def test_example_has_exactly_its_expected_findings(name: str) -> None:
    """expected.json: sorted [rule, path in the example, line] of every finding."""
    proc = run("--format", "json", ".", cwd=ROOT / "examples" / name)
    report = json.loads(proc.stdout)
    jsonschema.validate(report, SCHEMA)
    found = sorted([f["rule"], f["path"], f["line"]] for f in report["findings"])
    assert found == json.loads((ROOT / "examples" / name / "expected.json").read_text())


def test_compliant_examples_are_clean_and_noncompliant_covers_every_group() -> None:
    assert json.loads((ROOT / "examples" / "batch-app" / "expected.json").read_text()) == []
    assert json.loads((ROOT / "examples" / "desktop-app" / "expected.json").read_text()) == []
    groups = {rule[:4] for rule, _, _ in json.loads((ROOT / "examples" / "noncompliant" / "expected.json").read_text())}
    assert groups >= {"CHL1", "CHL2", "CHL3", "CHL4", "CHL5", "CHL6", "CHL7"}


def test_exit_codes_and_threshold(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM ubuntu:22.04\nWORKDIR /home/chaimeleon\n")
    assert run(str(tmp_path / "Dockerfile")).returncode == 1
    assert run("--failure-threshold", "none", str(tmp_path / "Dockerfile")).returncode == 0
    assert run("--select", "CHL304", str(tmp_path / "Dockerfile")).returncode == 0
    assert run("--select", "CHL999", str(tmp_path / "Dockerfile")).returncode == 2


@pytest.mark.parametrize("content,needle", [
    (b"", None), (b"\xef\xbb\xbfFROM ubuntu:22.04\r\nRUN pip install x\r\n", "CHL501"),
    (b"FROM ubuntu:22.04\nRUN <<EOF\necho\n", "CHL901"), (b"FROM ubuntu:22.04\nFOO bar\n", "CHL901"),
    (b"FROM ubuntu:22.04\n# \xff\xfe latin-1\n", None), (b"FROM ubuntu:22.04\n" + b"RUN echo x\n" * 900_000, None),
])
def test_bad_input_never_crashes(tmp_path: Path, content: bytes, needle: str | None) -> None:
    path = tmp_path / "Dockerfile"
    path.write_bytes(content)
    proc = run("--format", "json", str(path))
    assert proc.returncode in (0, 1) and "Traceback" not in proc.stderr
    report = json.loads(proc.stdout)
    jsonschema.validate(report, SCHEMA)
    if needle:
        assert needle in {f["rule"] for f in report["findings"]}


def test_binary_and_missing_files_are_one_line_errors(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_bytes(b"\x00\x01binary")
    for target in (str(tmp_path / "Dockerfile"), str(tmp_path / "missing"), str(tmp_path / "empty-dir")):
        (tmp_path / "empty-dir").mkdir(exist_ok=True)
        proc = run(target)
        assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr


def test_config_errors_name_the_key(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM ubuntu:22.04\n")
    (tmp_path / ".chaimeleon-lint.toml").write_text('ignore = "CHL101"\n')
    proc = run(str(tmp_path / "Dockerfile"))
    assert proc.returncode == 2 and "ignore" in proc.stderr
    (tmp_path / ".chaimeleon-lint.toml").write_text('ignore = ["CHL101", "label-version-missing"]\n'
                                                   '[severity]\nCHL104 = "off"\n')
    rules = {f["rule"] for f in json.loads(run("--format", "json", str(tmp_path / "Dockerfile")).stdout)["findings"]}
    assert not rules & {"CHL101", "CHL103", "CHL104"} and "CHL201" in rules


def test_each_folder_above_the_dockerfiles_is_looked_at_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two Dockerfiles below one configuration: the second lookup stops at the folder they share."""
    from chaimeleon_lint import config

    (tmp_path / ".chaimeleon-lint.toml").write_text("ignore = []\n")
    for name in ("a", "b"):
        (tmp_path / "repo" / name).mkdir(parents=True)
    looked: list[Path] = []
    real = config._config_in
    monkeypatch.setattr(config, "_config_in", lambda folder: looked.append(Path(folder)) or real(folder))
    nearest: dict[str, str | None] = {}
    found = [config.find(tmp_path / "repo" / name, nearest) for name in ("a", "b")]
    root = tmp_path.resolve()
    assert found == [root / ".chaimeleon-lint.toml"] * 2
    assert looked == [root / "repo" / "a", root / "repo", root, root / "repo" / "b"]
    assert config.find(tmp_path / "repo" / "b") == root / ".chaimeleon-lint.toml"  # without memory, the same


def test_stdin_and_explain() -> None:
    proc = run("--format", "json", "-", stdin=b"FROM ubuntu\n")
    assert [1] == [f["line"] for f in json.loads(proc.stdout)["findings"] if f["rule"] == "CHL701"]
    text = run("--no-color", "-", stdin=b"FROM ubuntu\nCOPY app.py /opt/\n").stdout
    assert "-: note: no build context (standard input): COPY/ADD sources, start-up scripts" in text
    explained = run("--explain", "final-user-not-platform-user").stdout
    assert "CHL203" in explained and "USER chaimeleon:chaimeleon" in explained


def test_readme_rule_table_is_generated_from_rules() -> None:
    from chaimeleon_lint import catalogue

    readme = (ROOT / "README.md").read_text()
    for spec in catalogue.load().rules.values():
        assert f"| {spec.id} | {spec.slug} | {spec.severity.label} | {spec.title} |" in readme


def test_parallel_jobs_give_the_same_report_in_the_same_order(tmp_path: Path) -> None:
    """--jobs 2 (worker processes from 4 files on) against --jobs 1, on every example and a few copies."""
    for n, name in enumerate(EXAMPLES * 2):
        target = tmp_path / f"{n:02d}-{name}"
        target.mkdir()
        for source in (ROOT / "examples" / name).iterdir():
            if source.is_file():
                (target / source.name).write_bytes(source.read_bytes())
                (target / source.name).chmod(source.stat().st_mode)
    serial = run("--format", "json", "--jobs", "1", ".", cwd=tmp_path)
    parallel = run("--format", "json", "--jobs", "2", ".", cwd=tmp_path)
    assert serial.returncode == parallel.returncode == 1
    assert serial.stdout == parallel.stdout and len(json.loads(serial.stdout)["files"]) == 2 * len(EXAMPLES)


def test_a_run_leaves_no_reference_cycle(tmp_path: Path) -> None:
    """A run has the cyclic garbage collector off (entry.py): what a file's lint leaves in a cycle
    stays in memory until the process ends, for every file of the run. Every example, a script
    that sets variables and runs `sh -c`, and --fix, in this process, must leave nothing for it."""
    import contextlib
    import gc
    import io

    from chaimeleon_lint.runner import Settings
    from chaimeleon_lint.runner import run as lint

    shell = tmp_path / "shell" / "Dockerfile"
    shell.parent.mkdir()
    shell.write_text("FROM ubuntu:22.04\nARG V=1\nENV A=$V\nRUN X=2 && sh -c 'Y=$A; echo $Y > /tmp/y' && "
                     "for f in a b; do echo $f | tee -a /tmp/$f; done\nENV B=$A\nRUN <<EOF\nset -e\nZ=3\nEOF\n")
    fixed = tmp_path / "fixed" / "Dockerfile"
    fixed.parent.mkdir()
    fixed.write_bytes((ROOT / "examples" / "noncompliant" / "Dockerfile").read_bytes())
    paths = tuple(str(ROOT / "examples" / name / "Dockerfile") for name in EXAMPLES) + (str(shell),)
    runs = [(paths, Settings()), ((str(fixed),), Settings(fixing="fix"))]
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        for files, settings in runs:  # once first: imports and first-use caches are not the run's garbage
            lint(files, settings)
        fixed.write_bytes((ROOT / "examples" / "noncompliant" / "Dockerfile").read_bytes())
        gc.collect()
        gc.disable()
        try:
            for files, settings in runs:
                lint(files, settings)
            assert gc.collect() == 0
        finally:
            gc.enable()


def _five_dockerfiles(tmp_path: Path) -> list[str]:
    names = [f"{c}/Dockerfile" for c in "abcde"]
    for name in names:
        (tmp_path / name).parent.mkdir()
        (tmp_path / name).write_text("FROM ubuntu:22.04\nRUN pip install x\n")
    return names


def test_when_no_worker_can_start_the_files_are_linted_in_this_process(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    from click.testing import CliRunner

    from chaimeleon_lint import cli

    def refused() -> int:
        raise BlockingIOError(11, "Resource temporarily unavailable")

    names = _five_dockerfiles(tmp_path)
    monkeypatch.setattr(os, "fork", refused)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli.main, ["--format", "json", "--jobs", "2", *names])
    assert result.exit_code == 1, result.output
    assert [f["path"] for f in json.loads(result.stdout)["files"]] == names


def test_a_worker_remembers_the_folders_above_across_its_shares(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The files are dealt in several shares; a worker that takes more than one still looks at each
    folder above the contexts once (a stand-in for the forked workers runs every share in turn)."""
    from click.testing import CliRunner

    from chaimeleon_lint import cli, forked
    from chaimeleon_lint.model import context as context_module

    names = _five_dockerfiles(tmp_path)
    read: list[str] = []
    real = context_module._license_in
    monkeypatch.setattr(context_module, "_license_in", lambda folder: read.append(Path(folder).name) or real(folder))
    shares_seen: list[int] = []

    def one_worker(work, shares, workers):  # type: ignore[no-untyped-def]
        shares_seen.append(len(shares))
        return [work(share) for share in shares]

    monkeypatch.setattr(forked, "run_shares", one_worker)
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli.main, ["--format", "json", "--jobs", "2", *names])
    assert result.exit_code == 1, result.output
    assert shares_seen == [5] and sorted(read) == sorted([*"abcde", tmp_path.name])


@pytest.mark.parametrize(("jobs", "failure"), [("1", "raise"), ("2", "raise"), ("2", "crash")])
def test_a_file_the_linter_fails_on_is_named_and_the_others_are_reported(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: str, failure: str) -> None:
    """A bug of ours on one file, an exception or a worker killed by a signal (as a crash in native
    code would), gives exit 3 and one message naming that file; the other files are still linted."""
    import faulthandler
    import os
    import signal

    from click.testing import CliRunner

    from chaimeleon_lint import cli, runner

    names = _five_dockerfiles(tmp_path)
    real = runner._lint_job

    def failing(job, fixing, shared):  # type: ignore[no-untyped-def]
        if job.shown.endswith("c/Dockerfile"):
            if failure == "crash":
                faulthandler.disable()  # pytest's, inherited by the worker: no dump for a planned crash
                os.kill(os.getpid(), signal.SIGSEGV)
            raise RuntimeError("boom")
        return real(job, fixing, shared)

    monkeypatch.setattr(runner, "_lint_job", failing)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli.main, ["--format", "json", "--jobs", jobs, *names])
    assert result.exit_code == 3, result.output
    reason = ("the linting process died (a crash in native code, such as the shell parser)" if failure == "crash"
              else "RuntimeError: boom (at test_cli.py:")
    assert f"chaimeleon-lint: error: c/Dockerfile: internal error, the file was not linted: {reason}" in result.stderr
    assert "Traceback" not in result.output
    linted = [f["path"] for f in json.loads(result.stdout)["files"]]
    assert linted == [name for name in names if name != "c/Dockerfile"]


@pytest.mark.parametrize("name", EXAMPLES)
def test_file_names_alone_take_the_fast_path_with_the_same_report(name: str) -> None:
    """`chaimeleon-lint FILES` (how pre-commit calls it) skips the option parser, and says exactly
    what the parser's path says (`--jobs 0` is its default, through click)."""
    fast = run(".", cwd=ROOT / "examples" / name)
    parsed = run("--jobs", "0", ".", cwd=ROOT / "examples" / name)
    assert (fast.returncode, fast.stdout, fast.stderr) == (parsed.returncode, parsed.stdout, parsed.stderr)


def test_the_fast_path_does_not_load_click() -> None:
    """Nor anything else a one-file lint does not need (each costs milliseconds at every commit)."""
    from chaimeleon_lint import cli, entry

    assert set(cli.COMMANDS) == entry.SUBCOMMANDS
    proc = subprocess.run([sys.executable, "-X", "importtime", "-c", "from chaimeleon_lint.entry import entry; entry()",
                           "Dockerfile"], cwd=ROOT / "examples" / "batch-app", capture_output=True, text=True, timeout=60)
    imported = {line.rsplit("|", 1)[1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")}
    assert proc.returncode == 0 and "Dockerfile" in proc.stdout and "chaimeleon_lint.linter" in imported
    heavy = {"click", "rich", "jsonschema", "tomllib", "dataclasses", "inspect", "copy", "chaimeleon_lint.cli"}
    assert imported & heavy == set()
    assert entry.plain(["Dockerfile", "-"]) and not entry.plain(["review", "x"]) and not entry.plain(["-q", "x"])
    assert not entry.plain([])
    proc = subprocess.run([sys.executable, "-X", "importtime", "-c", "from chaimeleon_lint.entry import entry; entry()",
                           "--format", "json", "-q", "Dockerfile"], cwd=ROOT / "examples" / "batch-app",
                          capture_output=True, text=True, timeout=60)  # as editors and CI call it: no click either
    imported = {line.rsplit("|", 1)[1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")}
    assert proc.returncode == 0 and '"findings": []' in proc.stdout and "click" not in imported


def test_no_argument_lints_the_current_folder() -> None:
    here = run("--format", "json", cwd=ROOT / "examples" / "noncompliant")
    named = run("--format", "json", ".", cwd=ROOT / "examples" / "noncompliant")
    assert here.returncode == named.returncode == 1
    assert json.loads(here.stdout)["findings"] == json.loads(named.stdout)["findings"]


def test_platform_names_are_case_insensitive() -> None:
    proc = run("--platform", "EUCAIM", "--format", "json", ".", cwd=ROOT / "examples" / "eucaim-batch-app")
    assert proc.returncode in (0, 1), proc.stderr
    assert json.loads(proc.stdout)["platform"]["name"] == "eucaim"


def test_github_format_anchors_whole_image_findings_at_the_final_from() -> None:
    proc = run("--format", "github", ".", cwd=ROOT / "examples" / "noncompliant")
    version = next(line for line in proc.stdout.splitlines() if "CHL103" in line)
    assert version.startswith("::error file=Dockerfile,line=1,endLine=1,")


def test_a_file_of_a_build_context_lints_the_dockerfiles_it_is_built_into(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    for name in ("Dockerfile", "main.py", "run.sh", "LICENSE", ".dockerignore"):
        source = ROOT / "examples" / "batch-app" / name
        if source.exists():
            (tmp_path / "app").mkdir(exist_ok=True)
            (tmp_path / "app" / name).write_text(source.read_text())
    (tmp_path / "app" / "notes.txt").write_text("x\n")
    (tmp_path / "app" / ".dockerignore").write_text("notes.txt\n")
    (tmp_path / "build.df").write_text("# a Dockerfile of another name\nFROM ubuntu:22.04\n")
    proc = run("--format", "json", "app/main.py", "app/Dockerfile", cwd=tmp_path)
    assert [f["path"] for f in json.loads(proc.stdout)["files"]] == ["app/Dockerfile"]  # once
    assert "app/main.py is in the build context of app/Dockerfile: linting that" in proc.stderr
    proc = run("--format", "json", "app/notes.txt", cwd=tmp_path)  # left out by .dockerignore
    assert json.loads(proc.stdout)["files"] == [] and "nothing to lint" in proc.stderr and proc.returncode == 0
    proc = run("--format", "json", "build.df", cwd=tmp_path)  # its first instruction is FROM: a Dockerfile
    assert [f["path"] for f in json.loads(proc.stdout)["files"]] == ["build.df"]


def _run_env(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    import os

    return subprocess.run([sys.executable, "-m", "chaimeleon_lint", *args], capture_output=True, text=True,
                          timeout=60, cwd=ROOT / "examples" / "noncompliant",
                          env={**{k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}, **env})


def test_colour_through_a_pipe_is_chosen_by_option_or_environment() -> None:
    assert "\033[" not in _run_env({}, ".").stdout  # a pipe: plain
    assert "\033[" in _run_env({}, "--color", "always", ".").stdout
    assert "\033[" in _run_env({"FORCE_COLOR": "1"}, ".").stdout
    assert "\033[" not in _run_env({"FORCE_COLOR": "1"}, "--color", "never", ".").stdout
    assert "\033[" not in _run_env({"FORCE_COLOR": "1"}, "--no-color", ".").stdout
    assert "\033[32m+" in _run_env({}, "--color", "always", "--diff", ".").stdout  # a coloured patch


def test_coloured_text_is_not_hard_wrapped_and_names_each_finding_s_file_and_line() -> None:
    out = _run_env({"COLUMNS": "40"}, "--color", "always", ".").stdout
    sentence = "This Dockerfile is intended to build a container image that will be publicly accessible"
    assert any(sentence in line for line in out.splitlines())  # the authorization sentence copies whole
    plain = re.sub(r"\033\[[0-9;]*m", "", out)
    assert "  Dockerfile:2: warning CHL102" in plain and "  run.sh:2: error CHL402" in plain


def test_the_fast_path_takes_cli_s_options_with_cli_s_values() -> None:
    from chaimeleon_lint import cli, entry

    params = {opt: p for p in cli.main.params for opt in p.opts}
    for name, (field, allowed) in entry._VALUED.items():
        param = params[name]
        assert {"failure_threshold": "threshold", "jobs": "workers"}.get(param.name, param.name) == field
        if allowed is not None:
            assert tuple(param.type.choices) == allowed
    assert all(flag in params for flag in entry._FLAGS) and all(params[o].multiple for o in entry._LISTS)
    assert entry.quick_options(["--format", "json", "-q", "Dockerfile"]) == (["Dockerfile"], {"fmt": "json", "quiet": True})
    assert entry.quick_options(["--ignore", "CHL101,CHL102", "--ignore=CHL103", "-j", "1", "x"]) == (
        ["x"], {"ignore": ("CHL101", "CHL102", "CHL103"), "workers": 1})
    for refused in (["--format", "yaml", "x"], ["--format"], ["--select", "CHL101"], ["--format", "json"],
                    ["review", "--format", "json"], ["--kind", "web", "x"], ["--jobs", "-1", "x"], ["-j", "two", "x"]):
        assert entry.quick_options(refused) is None  # click parses these, and says what is wrong


def test_select_ignore_kind_context_on_the_fast_path_as_through_click(tmp_path: Path) -> None:
    where = ROOT / "examples" / "noncompliant"
    options = ("--format", "json", "--ignore", "CHL101,dockerfile-syntax", "--select=CHL101,CHL201,CHL203",
               "--select", "CHL301,CHL501,CHL502,CHL901", "--kind", "batch", "--context", str(where), "-j", "1")
    fast = run(*options, "Dockerfile", cwd=where)
    parsed = run(*options, "--smoke-timeout", "30", "Dockerfile", cwd=where)  # an option only click takes
    assert (fast.returncode, fast.stdout) == (parsed.returncode, parsed.stdout) and fast.stdout.count('"rule"') > 2
    unknown = run("--ignore", "CHL999", "Dockerfile", cwd=where)
    assert unknown.returncode == 2 and "CHL999" in unknown.stderr and not unknown.stdout


def test_a_run_with_options_is_the_same_on_the_fast_path_and_through_click() -> None:
    fast = run("--format", "json", "--failure-threshold", "error", ".", cwd=ROOT / "examples" / "noncompliant")
    parsed = run("--format", "json", "--failure-threshold", "error", "--jobs", "1", ".",  # --jobs: through click
                 cwd=ROOT / "examples" / "noncompliant")
    assert (fast.returncode, fast.stdout) == (parsed.returncode, parsed.stdout)
