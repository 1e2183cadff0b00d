"""SARIF, GitHub annotations and the Markdown review, all written by one run on each example."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from chaimeleon_lint import catalogue
from chaimeleon_lint.report.github import escape_data, escape_property
from test_cli import EXAMPLES, ROOT, run

SARIF_SCHEMA = ROOT.parent / "shared" / "schemas" / "sarif-schema-2.1.0.json"
_COMMAND = re.compile(r"^::(error|warning|notice) (?P<props>[^:]*)::(?P<message>.*)$")
_LEVEL = {"error": "error", "warning": "warning", "info": "note"}
_GITHUB = {"error": "error", "warning": "warning", "info": "notice"}


def _unescape(text: str) -> str:
    return text.replace("%0A", "\n").replace("%0D", "\r").replace("%3A", ":").replace("%2C", ",").replace("%25", "%")


def _parse_github(output: str) -> list[dict[str, str]]:
    """Workflow commands back into fields, as the Actions runner reads them."""
    parsed = []
    for line in output.splitlines():
        m = _COMMAND.match(line)
        assert m, line
        props = dict(p.split("=", 1) for p in m["props"].split(","))
        parsed.append({"command": m[1], **{k: _unescape(v) for k, v in props.items()},
                       "message": _unescape(m["message"])})
    return parsed


@pytest.fixture(scope="module", params=EXAMPLES)
def outputs(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """One CLI run per example: JSON on stdout, the other formats through --output."""
    out = tmp_path_factory.mktemp(request.param)
    proc = run("--format", "json", "--output", f"sarif={out / 'r.sarif'}", "--output", f"github={out / 'r.txt'}",
               "--output", f"markdown={out / 'r.md'}", ".", cwd=ROOT / "examples" / request.param)
    assert proc.returncode in (0, 1), proc.stderr
    return {"json": json.loads(proc.stdout), "sarif": json.loads((out / "r.sarif").read_text()),
            "github": (out / "r.txt").read_text(), "markdown": (out / "r.md").read_text(), "name": request.param}


@pytest.mark.skipif(not SARIF_SCHEMA.exists(), reason=f"the official SARIF schema is not at {SARIF_SCHEMA}")
def test_sarif_is_valid_against_the_oasis_schema(outputs: dict) -> None:
    schema = json.loads(SARIF_SCHEMA.read_text())
    jsonschema.validate(outputs["sarif"], schema, format_checker=jsonschema.FormatChecker())


def test_sarif_results_are_the_findings_with_rule_metadata_from_rules(outputs: dict) -> None:
    run_ = outputs["sarif"]["runs"][0]
    rules = run_["tool"]["driver"]["rules"]
    cat = catalogue.load()
    assert [r["id"] for r in rules] == list(cat.rules)
    for descriptor in rules:
        spec = cat.rules[descriptor["id"]]
        assert descriptor["name"] == spec.slug
        assert descriptor["shortDescription"]["text"] == spec.title
        assert descriptor["defaultConfiguration"]["level"] == _LEVEL[spec.severity.label]
        assert descriptor["helpUri"].endswith(f"/docs/rules.md#{spec.id.lower()}-{spec.slug}")
    got = sorted((r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
                  r["locations"][0]["physicalLocation"]["region"]["startLine"], r["level"],
                  r.get("properties", {}).get("wholeImage", False))
                 for r in run_["results"])
    lines = (ROOT / "examples" / outputs["name"] / "Dockerfile").read_text().splitlines()
    final_from = max(n for n, line in enumerate(lines, 1) if line.upper().startswith("FROM "))
    want = sorted((f["rule"], f["path"], f["line"] or final_from, _LEVEL[f["severity"]], f["line"] is None)
                  for f in outputs["json"]["findings"])
    assert got == want
    for result in run_["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]


def test_sarif_whole_image_findings_point_at_the_final_from(tmp_path: Path) -> None:
    """Code scanning shows a result only with a region: a whole-image finding gets the FROM line of
    the stage that is the image, in the Dockerfile and not in a context file."""
    (tmp_path / "Dockerfile").write_text("FROM python:3.11 AS build\nRUN pip wheel x\n\n"
                                         "FROM ubuntu:22.04\nLABEL name=\"x\" version=\"1\"\nRUN pip install x\n")
    report = json.loads(run("--format", "sarif", "--select", "CHL104,CHL203,CHL501", ".", cwd=tmp_path).stdout)
    got = sorted((r["ruleId"], r["locations"][0]["physicalLocation"]["region"]["startLine"],
                  r.get("properties", {}).get("wholeImage", False)) for r in report["runs"][0]["results"])
    assert got == [("CHL104", 4, True), ("CHL203", 4, True), ("CHL501", 6, False)]


def test_sarif_fixes_are_the_autofix_edits() -> None:
    proc = run("--format", "sarif", ".", cwd=ROOT / "examples" / "noncompliant")
    fixes = {r["ruleId"]: r["fixes"] for r in json.loads(proc.stdout)["runs"][0]["results"] if "fixes" in r}
    assert set(fixes) == {"CHL301", "CHL501", "CHL502", "CHL602"}
    (change,) = fixes["CHL501"][0]["artifactChanges"]
    assert change["replacements"] == [{"deletedRegion": {"startLine": 4, "startColumn": 17, "endLine": 4,
                                                         "endColumn": 17},
                                       "insertedContent": {"text": " --no-cache-dir"}}]


def test_the_autofixes_are_computed_only_for_what_shows_them(tmp_path: Path) -> None:
    """The text format does not show edits, so a plain run never builds them (nor loads the fix
    module); a SARIF file written beside it still has every fix."""
    folder = ROOT / "examples" / "noncompliant"
    plain = subprocess.run([sys.executable, "-X", "importtime", "-c", "from chaimeleon_lint.entry import entry; entry()",
                            "Dockerfile"], cwd=folder, capture_output=True, text=True, timeout=60)
    imported = {line.rsplit("|", 1)[1].strip() for line in plain.stderr.splitlines() if line.startswith("import time:")}
    assert plain.returncode == 1 and "CHL501" in plain.stdout and "chaimeleon_lint.fix.edits" not in imported
    sarif = tmp_path / "report.sarif"
    proc = run("--output", f"sarif={sarif}", ".", cwd=folder)
    assert proc.returncode == 1 and proc.stdout == plain.stdout
    fixed = {r["ruleId"] for r in json.loads(sarif.read_text())["runs"][0]["results"] if "fixes" in r}
    assert fixed == {"CHL301", "CHL501", "CHL502", "CHL602"}


def test_github_commands_parse_back_to_the_findings(outputs: dict) -> None:
    parsed = [p for p in _parse_github(outputs["github"]) if p.get("title") != "chaimeleon-lint"]
    got = sorted((p["title"], p["file"], int(p["line"]) if "line" in p else None, p["command"], p["message"])
                 for p in parsed)

    def final_from(path: str) -> int:  # where a whole-image finding is anchored, as in SARIF
        lines = (ROOT / "examples" / outputs["name"] / path).read_text().splitlines()
        return max(n for n, line in enumerate(lines, 1) if line.upper().startswith("FROM "))

    want = sorted((f"{f['rule']} {f['slug']}", f["path"], f["line"] or final_from(f["path"]), _GITHUB[f["severity"]],
                   f"{f['message']}. Fix: {f['fix']}") for f in outputs["json"]["findings"])
    assert got == want


def test_github_escaping_round_trips() -> None:
    nasty = "50% done: a,b\nnext\r"
    assert _unescape(escape_property(nasty)) == nasty
    assert _unescape(escape_data(nasty)) == nasty
    assert ":" not in escape_property(nasty) and "," not in escape_property(nasty)


def test_markdown_has_the_verdict_and_every_finding(outputs: dict) -> None:
    text = outputs["markdown"]
    findings = outputs["json"]["findings"]
    errors = [f for f in findings if f["severity"] == "error"]
    assert ("**Verdict: changes needed**" in text) == bool(errors)
    assert ("**Verdict: accept**" in text) == (not errors)
    for f in findings:
        where = f"`{f['path']}:{f['line']}`" if f["line"] else f"`{f['path']}` (whole image)"
        grouped = sum(g["rule"] == f["rule"] and g["fix"] == f["fix"] and g["severity"] == f["severity"]
                      for g in findings)
        if grouped == 1:
            assert f"{f['rule']} `{f['slug']}` at {where}" in text
        else:  # one block for the rule's findings with one fix, each place listed
            assert f"{f['rule']} `{f['slug']}`, {grouped} places" in text and f"- {where}: {f['message']}" in text
        assert f["message"] in text
    for group, title in catalogue.load().groups.items():
        assert f"{group}xx | {title} |" in text


def test_markdown_quotes_the_guide_once_per_rule_and_groups_one_fix() -> None:
    text = run("--format", "markdown", ".", cwd=ROOT / "examples" / "noncompliant").stdout
    guide = catalogue.load().rules["CHL301"].guide.strip()
    assert text.count(guide) == 1 and text.count("CHL301 `mount-dir-missing`, 3 places") == 1
    assert text.count("- `Dockerfile` (whole image): /home/chaimeleon/") == 3


def test_output_option_rejects_unknown_formats_and_unwritable_paths(tmp_path: Path) -> None:
    assert run("--output", "yaml=x", ".", cwd=ROOT / "examples" / "batch-app").returncode == 2
    proc = run("--output", f"sarif={tmp_path / 'missing' / 'x.sarif'}", ".", cwd=ROOT / "examples" / "batch-app")
    assert proc.returncode == 2 and "cannot write report" in proc.stderr


@pytest.mark.parametrize("name", ["github-actions.yml", "gitlab-ci.yml"])
def test_ci_examples_run_and_write_what_they_publish(tmp_path: Path, name: str) -> None:
    """The CI examples' lint command, run as written on the non-compliant example."""
    yaml = pytest.importorskip("yaml", reason="PyYAML comes with pre-commit (the test extra)")
    text = (ROOT / "examples" / "ci" / name).read_text()
    document = yaml.safe_load(text)
    commands = [c for job in document.get("jobs", document).values() if isinstance(job, dict)
                for c in [s.get("run", "") for s in job.get("steps", [])] + job.get("script", [])
                if c.startswith("chaimeleon-lint ")]
    (command,) = commands
    for path in ("examples/noncompliant/Dockerfile", "examples/noncompliant/run.sh"):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_bytes((ROOT / path).read_bytes())
    proc = run(*shlex.split(command)[1:], cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    published = re.findall(r"(chaimeleon-lint\.(?:sarif|md))", text)
    assert published and all((tmp_path / p).stat().st_size > 0 for p in published)
    assert json.loads((tmp_path / "chaimeleon-lint.sarif").read_text())["version"] == "2.1.0"


def test_json_edits_are_what_fix_applies(tmp_path: Path) -> None:
    """An editor applying the JSON report's edits (each distinct edit once, last first) gets the
    file --fix writes, where one round of fixes suffices, as for the noncompliant example."""
    for source in (ROOT / "examples" / "noncompliant").iterdir():
        if source.is_file():
            (tmp_path / source.name).write_bytes(source.read_bytes())
    report = json.loads(run("--format", "json", ".", cwd=tmp_path).stdout)
    jsonschema.validate(report, json.loads((ROOT / "chaimeleon_lint" / "schemas" / "report.schema.json").read_text()))
    edits = sorted({tuple(e.values()) for f in report["findings"] for e in f["edits"]}, reverse=True)
    assert len(edits) == 5
    lines = (tmp_path / "Dockerfile").read_text().splitlines(keepends=True)
    for line, column, end_line, end_column, text in edits:
        start = sum(len(x) for x in lines[:line - 1]) + column - 1
        end = sum(len(x) for x in lines[:end_line - 1]) + end_column - 1
        joined = "".join(lines)
        lines = (joined[:start] + text + joined[end:]).splitlines(keepends=True)
    assert run("--fix", "Dockerfile", cwd=tmp_path).returncode in (0, 1)
    assert "".join(lines) == (tmp_path / "Dockerfile").read_text()


def test_text_shows_one_fix_per_root_cause_and_json_keeps_every_finding(tmp_path: Path) -> None:
    dockerfile = ('ARG V=1\nARG T=x\nFROM ubuntu:22.04\nLABEL name="n" version="${V}${T}"\n'
                  "RUN groupadd -g 1000 c && useradd -m -u 1000 -g 1000 c\nUSER c\n")
    (tmp_path / "Dockerfile").write_text(dockerfile)
    text = run("--no-color", "Dockerfile", cwd=tmp_path).stdout
    block = text[text.index("Dockerfile:4: error CHL103"):]
    assert block.index("CHL903") < block.index("    | LABEL name=\"n\" version") < block.index("    fix: Add `ARG V; ARG T`")
    assert text.count("    fix: Declare it again") == 0  # the CHL903s' fix is the CHL103 block's
    assert text.count("    fix: `RUN mkdir -p") == 1 and text.count("error CHL301") == 3  # three places, one fix
    findings = json.loads(run("--format", "json", "Dockerfile", cwd=tmp_path).stdout)["findings"]
    assert [f["rule"] for f in findings].count("CHL903") == 2 and all(f["fix"] for f in findings)
