"""`chaimeleon-lint review`: the request parser, the CHL11x checks on requests in the catalogue
template's shape, the repository step (local git repositories only: no test touches the
network), the reports, and one review from request to Markdown with --build on the real engine."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from chaimeleon_lint import catalogue
from chaimeleon_lint.cli import review
from chaimeleon_lint.profile import load
from chaimeleon_lint.review.arguments import places, smoke_arguments
from chaimeleon_lint.review.location import parse_url
from chaimeleon_lint.review.request import parse

ROOT = Path(__file__).resolve().parent.parent
REPORT_SCHEMA = ROOT / "chaimeleon_lint" / "schemas" / "report.schema.json"
REQUESTS = Path(__file__).resolve().parent / "requests"
APP = ROOT / "examples" / "batch-app"
SARIF_SCHEMA = ROOT.parent / "shared" / "schemas" / "sarif-schema-2.1.0.json"


def git(cwd: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.org"}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout


def repository(where: Path, files: dict[str, str], branch: str = "main") -> Path:
    """A git repository holding `files`, committed on `branch`."""
    where.mkdir(parents=True)
    for name, content in files.items():
        (where / name).parent.mkdir(parents=True, exist_ok=True)
        (where / name).write_text(content)
    git(where, "init", "-q", "-b", branch)
    git(where, "add", "-A")
    git(where, "commit", "-q", "-m", "app")
    return where


def lung_volume(where: Path) -> Path:
    """The batch-app example as an author would publish it: the app in app/, the licence at the root."""
    files = {f"app/{p.name}": p.read_text() for p in APP.iterdir() if p.name not in ("expected.json", "LICENSE")}
    return repository(where, {**files, "LICENSE": (APP / "LICENSE").read_text()})


def run_review(*args: str, cwd: Path | None = None) -> tuple[int, str]:
    old = Path.cwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        result = CliRunner().invoke(review, list(args), catch_exceptions=False)
    finally:
        os.chdir(old)
    return result.exit_code, result.output


def findings(output: str) -> dict[str, list[tuple[str, int | None]]]:
    """Rule → (file, line) of each finding of a JSON report."""
    found: dict[str, list[tuple[str, int | None]]] = {}
    for f in json.loads(output)["findings"]:
        found.setdefault(f["rule"], []).append((f["path"], f["line"]))
    return found


# -- the requests in the template's shape ----------------------------------------------------

FIXTURES = [  # request file → request rules and lines; "accept" means no finding at all
    ("accept.md", {}),
    ("name-mismatch.md", {"CHL111": [3]}),
    ("template-left.md", {"CHL111": [12], "CHL115": [47], "CHL116": [16, 36, 41]}),
    ("license-none.md", {"CHL114": [34]}),
    ("bad-url.md", {"CHL115": [31]}),
    ("output-outside.md", {"CHL113": [17]}),
]


@pytest.mark.parametrize(("name", "expected"), FIXTURES, ids=[n for n, _ in FIXTURES])
def test_request_fixture_gives_exactly_its_findings(tmp_path: Path, name: str, expected: dict[str, list[int]]) -> None:
    checkout = lung_volume(tmp_path / "checkout")
    shutil.copy(REQUESTS / name, tmp_path / name)
    code, output = run_review(name, "--checkout", "checkout", "--format", "json", cwd=tmp_path)
    found = findings(output)
    on_request = {rule: [line for path, line in places_ if path == name] for rule, places_ in found.items()}
    assert {rule: lines for rule, lines in on_request.items() if lines} == expected
    dockerfile_findings = {rule for rule, places_ in found.items() if any(p != name for p, _ in places_)}
    if name != "template-left.md":  # it leads to no Dockerfile
        assert dockerfile_findings == set(), "the batch-app example is compliant"
        assert checkout.exists()
    assert code == (1 if any(catalogue.load().rules[r].severity.label == "error" for r in expected) else 0), output
    report = json.loads(output)
    jsonschema.validate(report, json.loads(REPORT_SCHEMA.read_text()))
    assert report["review"]["verdict"] == ("changes needed" if code else "accept")
    name = next(row for row in report["review"]["request"] if row["field"] == "name")
    if name["request"] is not None and name["image"] is not None:
        assert name["line"] is not None and name["image"] == "lung-volume"


def test_what_the_author_switched_off_is_told_to_the_reviewer(tmp_path: Path) -> None:
    files = {f"app/{p.name}": p.read_text() for p in APP.iterdir() if p.name not in ("expected.json", "LICENSE")}
    files["app/Dockerfile"] = files["app/Dockerfile"].replace(
        "RUN pip3 install", "# chaimeleon-lint: ignore=pip-no-cache-dir\nRUN pip3 install")
    files[".chaimeleon-lint.toml"] = 'ignore = ["CHL104"]\n[severity]\nCHL502 = "info"\n'
    files["LICENSE"] = (APP / "LICENSE").read_text()
    repository(tmp_path / "checkout", files)
    shutil.copy(REQUESTS / "accept.md", tmp_path / "request.md")
    code, output = run_review("request.md", "--checkout", "checkout", "--format", "text", cwd=tmp_path)
    assert code == 0
    # paths as the applicant names them, from the repository's root: not the reviewer's checkout/
    assert "request.md: note: the repository's .chaimeleon-lint.toml ignores CHL104: not checked" in output
    assert "the repository's .chaimeleon-lint.toml sets CHL502 to info" in output
    assert "\napp/Dockerfile switches off CHL501 at line 13" in output.replace("note: app/", "\napp/")
    assert "checkout/" not in output


def test_template_text_left_is_chl116(tmp_path: Path) -> None:
    code, output = run_review(str(REQUESTS / "template-left.md"), "--format", "text")
    assert code == 1
    for section, example in (("Description", "This is a tool to do something with a dataset"),
                             ("Authors", "James Gordon"), ("Contact Info", "james@email.com")):
        assert f"the request's `{section}` section is the template's example `{example}`" in output
    assert "still the template's `my-application`" in output


# -- rule examples: every CHL11x record's examples, run as reviews -----------------------------

REQUEST_EXAMPLES = [(spec.id, n, e) for spec in catalogue.load().rules.values() if spec.phase == "request"
                    for n, e in enumerate(spec.examples)]


@pytest.mark.parametrize(("rule", "n", "example"), REQUEST_EXAMPLES,
                         ids=[f"{r}-{e.verdict}{n}" for r, n, e in REQUEST_EXAMPLES])
def test_request_rule_example_fires_exactly_its_lines(tmp_path: Path, rule: str, n: int,
                                                      example: catalogue.Example) -> None:
    assert example.request is not None
    repository(tmp_path / "checkout", {"Dockerfile": example.dockerfile, **dict(example.files)})
    (tmp_path / "request.md").write_text(example.request)
    _, output = run_review("request.md", "--checkout", "checkout", "--format", "json", cwd=tmp_path)
    lines = [line for path, line in findings(output).get(rule, []) if path == "request.md"]
    assert lines == (sorted(example.lines) if example.verdict == "bad" else [])  # type: ignore[type-var]


def test_every_request_rule_has_examples_with_a_request() -> None:
    ids = {spec.id for spec in catalogue.load().rules.values() if spec.phase == "request"}
    assert ids == {"CHL111", "CHL112", "CHL113", "CHL114", "CHL115", "CHL116"}
    assert all(e.request for _, _, e in REQUEST_EXAMPLES)


# -- table tests of each check, on short requests --------------------------------------------

DOCKERFILE = 'FROM ubuntu:22.04\nLABEL name="seg" version="1.2"\nENTRYPOINT ["python3", "/home/chaimeleon/main.py"]\n'


def short_request(name: str = "seg", usage: str = "jobman submit -i seg -- -i ~/datasets/abc -o ~/persistent-home/out",
                  url: str = "https://github.com/x/seg", license: str = "https://github.com/x/seg/blob/main/LICENSE",
                  extra: str = "") -> str:
    return (f"# {name}\n\n## Usage\n`{usage}`\n{extra}\n## URL\n{url}\n\n## License\n{license}\n"
            "\n## Description\nSegments.\n\n## Authors\nExample Lab\n\n## Contact info\nseg@example.org\n")


CASES = [  # (request, Dockerfile or None for the default, extra options) → request rule → lines
    (short_request(), None, (), {}),
    (short_request(name="Seg_Tool", usage="jobman submit -i Seg_Tool -- -i ~/datasets/abc -o ~/persistent-home/o"),
     None, (), {"CHL111": [1, 1]}),  # the format, and not the label
    (short_request(name="seg"), DOCKERFILE.replace('name="seg"', 'name="${NAME}"').replace("FROM", "ARG NAME\nFROM"),
     (), {}),  # a label only a build argument gives is not compared
    (short_request(extra="\n- New version: 1.3\n"), None, (), {"CHL112": [6]}),
    (short_request(extra="\n- New version: None\n"), None, (), {}),
    (short_request(), None, ("--current-version", "1.2"), {"CHL112": [1]}),
    (short_request(), None, ("--current-version", "1.1"), {}),
    (short_request(usage="jobman submit -i other -- -i ~/datasets/abc -o ~/persistent-home/out"), None, (),
     {"CHL113": [4]}),
    (short_request(usage="jobman submit -i seg -- <INPUT> <OUTPUT>"), None, (), {"CHL113": [4]}),
    (short_request(usage="jobman submit -i seg:latest-cuda -r small-gpu -- ~/datasets/abc /home/chaimeleon/persistent-home/o"),
     None, (), {}),
    (short_request(usage="jobman submit -i seg -- -- INPUT_DIR=~/datasets/abc OUTPUT_DIR=~/datasets/abc/out"), None,
     (), {"CHL113": [4]}),
    (short_request(usage="jobman submit -i seg -- --output=/tmp/results ~/datasets/abc"), None, (), {"CHL113": [4]}),
    (short_request(usage="jobman submit -i seg -- ~/datasets/abc ~/persistent-shared-folder/model.pt"), None, (), {}),
    (short_request(usage="not a command"), None, (), {"CHL113": [3]}),
    (short_request(usage="jobman submit -i seg -- x", url="https://github.com/x/seg/tree/main/nowhere"), None, (),
     {"CHL115": [7]}),
    (short_request(usage="jobman submit -i seg -- x", url="ftp://example.org/seg"), None, (), {"CHL115": [7]}),
    (short_request(usage="jobman submit -i seg -- x", url="None"), None, (), {"CHL115": [6]}),
    (short_request(usage="jobman submit -i seg -- x", license="None"), None, (), {"CHL114": [10]}),
    # free text: the repository's root holds an MIT LICENSE the text can mean, so no finding
    (short_request(usage="jobman submit -i seg -- x", license="This project is under licensing process."), None, (),
     {}),
    (short_request(usage="jobman submit -i seg -- x", license="None"),
     DOCKERFILE + 'LABEL authorization="This Dockerfile is intended to build a container image that will be publicly '
                  'accessible in the CHAIMELEON images repository."\n', (), {}),
    (short_request(usage="jobman submit -i seg -- x", license="https://github.com/x/seg/blob/main/COPYING"), None,
     (), {"CHL114": [10]}),
    (short_request(usage="jobman submit -i seg -- x", license="https://github.com/x/seg?tab=readme-ov-file#license"),
     None, (), {}),  # the repository's page: its root has a licence file
    (short_request(usage="jobman submit -i seg -- x", license="https://github.com/other/catalogue/blob/main/seg/LICENSE.md"),
     None, (), {}),  # another repository: not checked, said in a note
]


@pytest.mark.parametrize(("request_text", "dockerfile", "options", "expected"), CASES,
                         ids=[f"case{n}" for n in range(len(CASES))])
def test_request_checks(tmp_path: Path, request_text: str, dockerfile: str | None, options: tuple[str, ...],
                        expected: dict[str, list[int]]) -> None:
    repository(tmp_path / "checkout", {"Dockerfile": dockerfile or DOCKERFILE, "LICENSE": (APP / "LICENSE").read_text()})
    (tmp_path / "request.md").write_text(request_text)
    _, output = run_review("request.md", "--checkout", "checkout", "--format", "json", *options, cwd=tmp_path)
    found = {rule: sorted(line for path, line in where if path == "request.md")
             for rule, where in findings(output).items() if rule.startswith("CHL11")}
    assert {rule: lines for rule, lines in found.items() if lines} == expected


def test_interactive_application_needs_no_jobman_usage(tmp_path: Path) -> None:
    desktop = (ROOT / "examples" / "desktop-app")
    repository(tmp_path / "checkout", {p.name: p.read_text() for p in desktop.iterdir() if p.name != "expected.json"})
    (tmp_path / "request.md").write_text("# desktop-app\n\n## Usage\nOpen it from the catalogue.\n\n## URL\n"
                                         "https://github.com/x/desktop-app\n\n## License\nNone\n")
    _, output = run_review("request.md", "--checkout", "checkout", "--format", "json", cwd=tmp_path)
    assert "CHL113" not in findings(output)


# -- the parser, on the forms real requests use ------------------------------------------------

def test_parser_reads_continuations_inline_code_and_tags() -> None:
    text = ("# ct-harmonization\n\n## Usage\n`jobman submit -i ct-harmonization -- <IN> <OUT>`\n\n"
            "```\n  jobman submit -i ct-harmonization:latest-cuda -r small-gpu -- ~/datasets/87f3/ \\\n"
            "      ~/persistent-home/results/ \\\n      lung series\n```\n")
    request = parse(text, "r.md")
    assert [u.line for u in request.usages] == [4, 7]
    synopsis, example = request.usages
    assert synopsis.synopsis and synopsis.args == ("<IN>", "<OUT>")
    assert (example.image, example.tag, example.synopsis) == ("ct-harmonization", "latest-cuda", False)
    assert example.args == ("~/datasets/87f3/", "~/persistent-home/results/", "lung", "series")
    assert request.examples == (example,)


def test_parser_skips_jobman_submit_in_prose_and_keeps_the_base_images_own_license() -> None:
    text = ("# ubuntu-python\n\n## Usage\nPut the command after the `--` in the `jobman submit` command.\n"
            "  `jobman submit -i ubuntu-python -- ls -l persistent-home/`\n\n## URL\n"
            "https://github.com/chaimeleon-eu/workstation-images/tree/main/ubuntu-python-pytorch\n\n## License\n"
            "https://github.com/chaimeleon-eu/workstation-images/blob/d3277c13805ab8d5998eeaf5623981ab9eff5442/LICENSE\n")
    request = parse(text.replace("# ubuntu-python\n", "# ubuntu-python-pytorch\n"), "r.md")
    assert [u.line for u in request.usages] == [5]
    assert request.unfilled == () and request.license is not None
    moved = parse(text.replace("# ubuntu-python\n", "# seg\n").replace("workstation-images/tree/main/ubuntu-python-pytorch",
                                                                       "x/y"), "r.md")
    assert [f.value for f in moved.unfilled] == ["license"]


def test_parser_reads_the_update_template() -> None:
    text = ("**Update details:**\n\n- Image name:   shap-exp-tool <!--- the name -->\n- New version: 0.0.4  <!--- x -->\n\n"
            "- URL:\nhttps://github.com/x/shap/tree/abc1234\n\n- License:\nNo changes\n")
    request = parse(text, "u.md")
    assert request.update
    assert request.name is not None and (request.name.value, request.name.line) == ("shap-exp-tool", 3)
    assert request.version is not None and (request.version.value, request.version.line) == ("0.0.4", 4)
    assert request.url is not None and request.url.value == "https://github.com/x/shap/tree/abc1234"


def test_parser_ignores_comments_and_keeps_lines() -> None:
    text = "<!--\n# not-the-name\n-->\n# real-name <!-- a comment -->\n## URL\n<!-- https://example.org/x/y -->\nNone\n"
    request = parse(text, "r.md")
    assert request.name is not None and (request.name.value, request.name.line) == ("real-name", 4)
    assert request.url is None


def test_parser_reads_a_private_repository_and_no_license() -> None:
    text = ("# deepfakes-detector\n\n## URL\nPrivate\\* dockerfile repository:\n"
            "https://github.com/x/image_batch_deepfakesdetector  \n\\* You will see error 404\n\n## License\nNone\n")
    request = parse(text, "r.md")
    assert request.private
    assert request.url is not None and request.url.line == 5
    assert request.license is not None and request.license.value == "None"


@pytest.mark.parametrize(("url", "clone", "ref", "path", "blob"), [
    ("https://github.com/chaimeleon-eu/workstation-images/tree/main/ubuntu-python",
     "https://github.com/chaimeleon-eu/workstation-images.git", "main", "ubuntu-python", False),
    ("https://github.com/x/y/blob/d3277c1/LICENSE", "https://github.com/x/y.git", "d3277c1", "LICENSE", True),
    ("https://github.com/x/y/", "https://github.com/x/y", None, "", False),
    ("https://github.com/x/y/tree/ca857a3e5e1f94c2da146cab35d4caa75dad4333", "https://github.com/x/y.git",
     "ca857a3e5e1f94c2da146cab35d4caa75dad4333", "", False),
    ("https://github.com/x/y?tab=readme-ov-file#license", "https://github.com/x/y", None, "", False),
    ("https://gitlab.com/group/sub/app/-/tree/dev/docker", "https://gitlab.com/group/sub/app", "dev", "docker", False),
    ("git@github.com:x/y.git", "git@github.com:x/y.git", None, "", False),
    ("file:///srv/git/app.git", "file:///srv/git/app.git", None, "", False),
])
def test_repository_urls(url: str, clone: str, ref: str | None, path: str, blob: bool) -> None:
    location = parse_url(url)
    assert location is not None
    assert (location.clone, location.ref, location.path, location.blob) == (clone, ref, path, blob)


@pytest.mark.parametrize("url", ["None", "https://github.com/", "ftp://example.org/x/y", "see the README"])
def test_not_repository_urls(url: str) -> None:
    assert parse_url(url) is None


def test_blob_and_tree_urls_of_one_repository_have_one_key() -> None:
    a = parse_url("https://github.com/X/Y/tree/main/app")
    b = parse_url("https://github.com/x/y/blob/abc/LICENSE")
    assert a is not None and b is not None and a.key == b.key


# -- smoke arguments from the usage example --------------------------------------------------

@pytest.mark.parametrize(("platform", "args", "smoke"), [
    ("chaimeleon", ("-i", "~/datasets/87f3be56/", "-o", "~/persistent-home/results/"),
     "-i {dataset} -o {output}/results/"),
    ("chaimeleon", ("/home/chaimeleon/datasets/87f3be56", "/home/chaimeleon/persistent-home"), "{dataset} {output}"),
    ("chaimeleon", ("--", "INPUT_DIR=~/datasets/87f3/", "OUTPUT_DIR=~/persistent-home/r/"),
     "-- INPUT_DIR={dataset} OUTPUT_DIR={output}/r/"),
    ("chaimeleon", ("--model", "./app/models/CT_InPainting.ckpt", "lung series"),
     "--model ./app/models/CT_InPainting.ckpt 'lung series'"),
    ("chaimeleon", ("python3", "list.py", "datasets/dc0dbf84", "persistent-home/index.json"),
     "python3 list.py {dataset} {output}/index.json"),
    ("chaimeleon", ("--cfg", "~/persistent-shared-folder/apps/x.ini"),
     "--cfg /home/chaimeleon/persistent-shared-folder/apps/x.ini"),
    ("eucaim", ("-i", "/home/ds/datasets/87f3", "-o", "~/persistent-home/out"), "-i {dataset} -o {output}/out"),
])
def test_smoke_arguments(platform: str, args: tuple[str, ...], smoke: str) -> None:
    assert smoke_arguments(args, load(platform)).args == smoke


def test_smoke_arguments_say_when_a_dataset_sub_path_is_dropped() -> None:
    made = smoke_arguments(("~/datasets/87f3/patient01/series",), load("chaimeleon"))
    assert made.args == "{dataset}"
    assert made.changes and "sub-path" in made.changes[0]


def test_places_tell_outputs_by_their_option() -> None:
    found = list(places(("-o", "/tmp/r", "--input", "~/x", "RESULTS=~/datasets/a", "plain"), load("chaimeleon")))
    assert [(p.argument, p.mount, p.output) for p in found] == [
        ("/tmp/r", None, True), ("~/x", None, False), ("RESULTS=~/datasets/a", "datasets", True)]


# -- the repository step -----------------------------------------------------------------------

def test_clone_from_the_url_at_its_branch_and_remove_it_afterwards(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    origin = lung_volume(tmp_path / "origin")
    git(origin, "checkout", "-q", "-b", "release")
    (origin / "app" / "Dockerfile").write_text((origin / "app" / "Dockerfile").read_text().replace('"0.1"', '"0.2"'))
    git(origin, "commit", "-q", "-am", "0.2")
    commit = git(origin, "rev-parse", "HEAD").strip()
    git(origin, "checkout", "-q", "main")
    request = (REQUESTS / "accept.md").read_text().replace(
        "https://github.com/example/lung-volume/tree/main/app", f"file://{origin}/tree/release/app")
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    monkeypatch.setenv("TMPDIR", str(temporary))
    (tmp_path / "request.md").write_text(request.replace("# lung-volume", "# lung-volume\n\n## Version\n0.2"))
    code, output = run_review("request.md", cwd=tmp_path)
    assert "cannot fetch" in output  # file:// URLs take no /tree/ path: the ref is not found
    request = request.replace(f"file://{origin}/tree/release/app", f"file://{origin}")
    (tmp_path / "request.md").write_text(request)
    code, output = run_review("request.md", "--format", "json", cwd=tmp_path)
    assert code == 0, output
    report = json.loads(output)
    assert [f["path"] for f in report["files"]] == ["request.md", "app/Dockerfile"]
    assert list(temporary.iterdir()) == [], "the clone is removed afterwards"
    code, output = run_review("request.md", cwd=tmp_path)
    assert f"git -C repository checkout {git(origin, 'rev-parse', 'main').strip()}" in output
    assert commit not in output


def test_a_repository_that_cannot_be_read_is_no_finding_against_the_applicant(tmp_path: Path) -> None:
    """No network, a host that does not answer: the request alone is checked, stderr says why, exit 2."""
    (tmp_path / "request.md").write_text(short_request(url=f"file://{tmp_path}/missing.git"))
    proc = subprocess.run([sys.executable, "-m", "chaimeleon_lint", "review", "request.md", "--format", "json"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert json.loads(proc.stdout)["findings"] == []
    assert "could not be read" in proc.stderr and "missing.git" in proc.stderr and "--checkout" in proc.stderr
    proc = subprocess.run([sys.executable, "-m", "chaimeleon_lint", "review", "request.md"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.stdout.startswith("## Review of `seg`: **not reviewed**")
    assert "That is not the request's fault" in proc.stdout


@pytest.mark.parametrize("private_by", ["request", "catalogue-table"])
def test_a_private_repository_that_cannot_be_read_needs_access(tmp_path: Path, private_by: str) -> None:
    url = f"file://{tmp_path}/private.git"
    if private_by == "request":
        request = short_request(url=url).replace("## URL\n", "## URL\nPrivate* dockerfile repository:\n")
        path = tmp_path / "request.md"
    else:  # a request in a catalogue checkout whose table says Private
        request = short_request(url=url)
        path = tmp_path / "batch-applications" / "seg" / "README.md"
        path.parent.mkdir(parents=True)
        (tmp_path / "README.md").write_text("| Image name | Author | Dockerfile |\n|:--|:--|:--|\n"
                                            "| [seg](batch-applications/seg/README.md) | Lab | Private |\n")
    path.write_text(request)
    code, output = run_review(str(path.relative_to(tmp_path)), "--format", "json", cwd=tmp_path)
    assert code == 4
    [finding] = json.loads(output)["findings"]
    assert (finding["rule"], finding["severity"]) == ("CHL115", "info") and "needs access" in finding["message"]
    _, comment = run_review(str(path.relative_to(tmp_path)), cwd=tmp_path)
    assert comment.startswith("## Review of `seg`: **needs access**")


def test_a_folder_with_several_dockerfiles_reviews_each(tmp_path: Path) -> None:
    repository(tmp_path / "checkout", {"a/Dockerfile": DOCKERFILE.replace('name="seg"', 'name="seg-a"'),
                                       "b/Dockerfile": DOCKERFILE.replace('name="seg"', 'name="seg-b"')})
    (tmp_path / "request.md").write_text(short_request())
    _, output = run_review("request.md", "--checkout", "checkout", "--format", "json", cwd=tmp_path)
    report = json.loads(output)
    [finding] = [f for f in report["findings"] if f["rule"] == "CHL115"]
    assert finding["severity"] == "warning" and "each was reviewed" in finding["message"]
    assert "(a/Dockerfile, b/Dockerfile)" in finding["message"]
    assert [f["path"] for f in report["files"]] == ["request.md", "a/Dockerfile", "b/Dockerfile"]


def test_of_several_dockerfiles_the_one_labelled_with_the_request_s_name_is_reviewed(tmp_path: Path) -> None:
    repository(tmp_path / "checkout", {"a/Dockerfile": DOCKERFILE.replace('name="seg"', 'name="other"'),
                                       "b/Dockerfile": DOCKERFILE})
    (tmp_path / "request.md").write_text(short_request())
    _, output = run_review("request.md", "--checkout", "checkout", "--format", "json", cwd=tmp_path)
    report = json.loads(output)
    assert [f["path"] for f in report["files"]] == ["request.md", "b/Dockerfile"]
    assert "CHL115" not in {f["rule"] for f in report["findings"]}


def test_the_dockerfile_url_is_taken_and_the_helm_chart_never(tmp_path: Path) -> None:
    """The platform's own interactive requests list the chart first, then the Dockerfile's folder."""
    repository(tmp_path / "checkout", {"images/desktop/Dockerfile": DOCKERFILE, "LICENSE": (APP / "LICENSE").read_text()})
    url = ("Public helm chart:\nhttps://github.com/x/helm-chart-desktop\n\nPublic dockerfile:\n"
           "https://github.com/x/images/tree/main/images/desktop")
    request = short_request(url=url, license="https://github.com/x/images/blob/main/LICENSE",
                            usage="https://github.com/x/images/blob/main/usage-guide.md")
    path = tmp_path / "interactive-applications" / "desktop" / "README.md"
    path.parent.mkdir(parents=True)
    path.write_text(request.replace("# seg", "# desktop"))
    _, output = run_review(str(path.relative_to(tmp_path)), "--checkout", "checkout", "--format", "json", cwd=tmp_path)
    report = json.loads(output)
    assert [f["path"] for f in report["files"]][1:] == ["images/desktop/Dockerfile"]
    # interactive: the heading is the chart's name (no CHL111), the usage a link to the guide (no CHL113)
    assert not {"CHL111", "CHL113", "CHL115"} & {f["rule"] for f in report["findings"]}


def test_a_checkout_at_another_commit_than_the_url_s_ref_is_said_at_the_top(tmp_path: Path) -> None:
    checkout = lung_volume(tmp_path / "checkout")
    git(checkout, "tag", "v0.2")
    (checkout / "README.md").write_text("later\n")
    git(checkout, "add", "-A")
    git(checkout, "commit", "-q", "-m", "later")
    request = (REQUESTS / "accept.md").read_text().replace("tree/main/app", "tree/v0.2/app")
    (tmp_path / "request.md").write_text(request)
    _, output = run_review("request.md", "--checkout", "checkout", cwd=tmp_path)
    head = output.split("| |", 1)[0]
    assert "names 'v0.2'" in head and "this review is of another commit" in head
    assert "git -C repository checkout v0.2" in output  # the URL's ref, not the reviewer's local commit


# -- reports and errors -------------------------------------------------------------------------

def test_markdown_comment_has_verdict_table_findings_and_commands(tmp_path: Path) -> None:
    lung_volume(tmp_path / "checkout")
    shutil.copy(REQUESTS / "name-mismatch.md", tmp_path / "request.md")
    code, output = run_review("request.md", "--checkout", "checkout", cwd=tmp_path)
    assert code == 1
    assert output.startswith("## Review of `lung-volumes`: **changes needed**")
    assert "| name | `lung-volumes` (line 3) | `lung-volume` (app/Dockerfile:3) |" in output
    assert "checkout/" not in output
    assert "#### ❌ error CHL111 `request-name-mismatch` at `request.md:3`" in output
    assert "chaimeleon-lint review request.md --checkout repository --build" in output
    assert "--smoke-args '-i {dataset} -o {output}/results/' repository/app/Dockerfile" in output


def test_sarif_of_a_review_is_valid_and_points_at_the_request(tmp_path: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    lung_volume(tmp_path / "checkout")
    shutil.copy(REQUESTS / "output-outside.md", tmp_path / "request.md")
    code, _ = run_review("request.md", "--checkout", "checkout", "--format", "sarif", "--output",
                         "json=review.json", cwd=tmp_path)
    assert code == 0, "a warning does not change the verdict at the default threshold (error)"
    report = json.loads((tmp_path / "review.json").read_text())
    assert [(f["rule"], f["path"], f["line"]) for f in report["findings"]] == [("CHL113", "request.md", 17)]
    code, output = run_review("request.md", "--checkout", "checkout", "--format", "sarif",
                              "--failure-threshold", "warning", cwd=tmp_path)
    assert code == 1
    if SARIF_SCHEMA.exists():
        jsonschema.validate(json.loads(output), json.loads(SARIF_SCHEMA.read_text()))
    [result] = json.loads(output)["runs"][0]["results"]
    location = result["locations"][0]["physicalLocation"]
    assert (location["artifactLocation"]["uri"], location["region"]["startLine"]) == ("request.md", 17)


def test_standard_input_and_unreadable_requests(tmp_path: Path) -> None:
    result = CliRunner().invoke(review, ["-", "--format", "json"], input=short_request(url="None"))
    assert result.exit_code == 1 and "CHL115" in result.output
    code, output = run_review(str(tmp_path / "nope.md"))
    assert code == 2 and "nope.md" in output


def test_unknown_rule_is_a_usage_error() -> None:
    code, output = run_review(str(REQUESTS / "accept.md"), "--select", "CHL999")
    assert code == 2 and "unknown rule" in output


# -- end to end, on the real engine --------------------------------------------------------------

@pytest.mark.skipif(shutil.which("docker") is None and shutil.which("podman") is None,
                    reason="no container engine installed (bash .ci/engine sets one up)")
def test_review_with_build_runs_the_usage_example(tmp_path: Path) -> None:
    from chaimeleon_lint.build.engine import detect

    if detect() is None:
        pytest.skip("no container engine answers (bash .ci/engine starts one)")
    lung_volume(tmp_path / "checkout")
    shutil.copy(REQUESTS / "accept.md", tmp_path / "request.md")
    code, output = run_review("request.md", "--checkout", "checkout", "--build", "--output", "json=review.json",
                              cwd=tmp_path)
    assert code == 0, output
    assert output.startswith("## Review of `lung-volume`: **accept**")
    assert "Smoke run arguments (from the usage example): `-i {dataset} -o {output}/results/`" in output
    assert "| CHL807 `smoke-run-failed` | The batch image runs as jobman runs it | ✅ passed |" in output
    report = json.loads((tmp_path / "review.json").read_text())
    assert report["findings"] == []


def test_catalogue_workflow_reviews_the_requests_with_options_that_exist() -> None:
    """The example workflow for the catalogue repository: its triggers, and every review command in
    it parses with the real command line."""
    import shlex

    yaml = pytest.importorskip("yaml")
    workflow = yaml.safe_load((ROOT / "examples" / "ci" / "catalogue-review.yml").read_text())
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as true
    assert set(triggers["pull_request"]["paths"]) == {"batch-applications/*/README.md",
                                                      "interactive-applications/*/README.md"}
    jobs = workflow["jobs"]
    assert "add-application" in jobs["review-issue"]["if"] and "update-application" in jobs["review-issue"]["if"]
    commands = [line.strip() for job in jobs.values() for step in job["steps"] for line in step.get("run", "").splitlines()
                if line.strip().startswith("chaimeleon-lint review")]
    assert len(commands) == 2
    for command in commands:
        words = shlex.split(command.split(">")[0])[2:]
        context = review.make_context("review", words)
        assert context.params["build"] and context.params["request"]


# -- a whole catalogue ------------------------------------------------------------------------------

def test_a_whole_catalogue_is_reviewed_with_one_table(tmp_path: Path) -> None:
    """A catalogue checkout shaped like the real one: a public batch app whose checkout is in
    --checkouts (named OWNER+NAME, any case), a private one not given, an interactive one whose
    request lists the chart first."""
    lung_volume(tmp_path / "checkouts" / "Example+Lung-Volume")
    catalogue_dir = tmp_path / "catalogue"
    request = (REQUESTS / "accept.md").read_text()
    (catalogue_dir / "batch-applications" / "lung-volume").mkdir(parents=True)
    (catalogue_dir / "batch-applications" / "lung-volume" / "README.md").write_text(request)
    (catalogue_dir / "batch-applications" / "secret").mkdir()
    (catalogue_dir / "batch-applications" / "secret" / "README.md").write_text(
        short_request(name="secret", usage="jobman submit -i secret -- ~/datasets/a ~/persistent-home/o",
                      url=f"file://{tmp_path}/nowhere/secret.git"))
    (catalogue_dir / "README.md").write_text(
        "| Image name | Author | Dockerfile |\n|:--|:--|:--|\n"
        "| [lung-volume](batch-applications/lung-volume/README.md) | Lab | Public |\n"
        "| [secret](batch-applications/secret/README.md) | Lab | Private |\n")
    code, output = run_review(str(catalogue_dir), "--checkouts", str(tmp_path / "checkouts"))
    lines = [line for line in output.splitlines() if line.startswith("| `")]
    assert lines == [
        "| `batch-applications/lung-volume/README.md` | `app/Dockerfile` | **accept** | 0 | 0 |",
        "| `batch-applications/secret/README.md` | – | **needs access** | 0 | 0 |",
    ]
    assert code == 4  # nothing to change; one request waits for access
    code, output = run_review(str(catalogue_dir), "--format", "json", "--checkouts", str(tmp_path / "checkouts"))
    assert [row["verdict"] for row in json.loads(output[output.index("["):])] == ["accept", "needs access"]


def test_a_folder_that_is_not_a_catalogue_and_checkouts_without_one_are_usage_errors(tmp_path: Path) -> None:
    code, output = run_review(str(tmp_path))
    assert code == 2 and "not a catalogue checkout" in output
    shutil.copy(REQUESTS / "accept.md", tmp_path / "request.md")
    code, output = run_review("request.md", "--checkouts", str(tmp_path), cwd=tmp_path)
    assert code == 2 and "--checkouts is for a whole catalogue" in output


def test_a_request_of_the_eucaim_node_catalogue_is_judged_by_its_profile(tmp_path: Path) -> None:
    lung_volume(tmp_path / "checkout")
    folder = tmp_path / "catalogue" / "batch-applications" / "lung-volume"
    folder.mkdir(parents=True)
    (tmp_path / "catalogue" / "README.md").write_text("# UPV Node Application Catalogue\n\nEUCAIM's reference node.\n")
    (folder / "README.md").write_text((REQUESTS / "accept.md").read_text())
    _, output = run_review(str(folder / "README.md"), "--checkout", str(tmp_path / "checkout"), "--format", "json")
    report = json.loads(output)
    assert report["platform"]["name"] == "eucaim"
    assert "/home/ds/" in " ".join(f["message"] for f in report["findings"])  # the batch-app example is CHAIMELEON's


def test_an_issue_body_on_standard_input_with_its_title_line(tmp_path: Path) -> None:
    lung_volume(tmp_path / "checkout")
    body = "Add application: lung-volume\n\n" + (REQUESTS / "accept.md").read_text()
    result = CliRunner().invoke(review, ["-", "--checkout", str(tmp_path / "checkout"), "--format", "json"],
                                input=body)
    report = json.loads(result.output)
    assert result.exit_code == 0 and report["review"]["verdict"] == "accept"
    assert [f["path"] for f in report["files"]] == ["-", "app/Dockerfile"]


def _catalogue_request(tmp_path: Path, license: str, copied: str | None, root_licence: bool = True) -> tuple[int, dict]:
    """A request in a catalogue checkout; `copied`: a licence file in its catalogue folder."""
    files = {"Dockerfile": DOCKERFILE}
    if root_licence:
        files["LICENSE"] = (APP / "LICENSE").read_text()
    repository(tmp_path / "checkout", files)
    folder = tmp_path / "catalogue" / "batch-applications" / "seg"
    folder.mkdir(parents=True)
    (folder / "README.md").write_text(short_request(usage="jobman submit -i seg -- x", license=license))
    if copied is not None:
        (folder / copied).write_text((APP / "LICENSE").read_text())
    code, output = run_review(str(folder / "README.md"), "--checkout", str(tmp_path / "checkout"), "--format", "json")
    return code, json.loads(output)


@pytest.mark.parametrize(("license", "copied", "expected"), [
    ("https://github.com/x/catalogue/blob/main/batch-applications/seg/LICENSE.md", "LICENSE.md", []),
    ("https://github.com/x/catalogue/blob/main/batch-applications/seg/LICENSE.md", "License.md", ["error"]),  # exact
    ("https://github.com/x/catalogue/blob/main/batch-applications/seg/LICENSE.md", None, ["error"]),
    ("None", "LICENSE", []),  # a licence copied into the catalogue folder counts
    ("None", None, ["error"]),
])
def test_a_licence_copied_into_the_catalogue_folder(tmp_path: Path, license: str, copied: str | None,
                                                    expected: list[str]) -> None:
    _, report = _catalogue_request(tmp_path, license, copied)
    assert [f["severity"] for f in report["findings"] if f["rule"] == "CHL114"] == expected


def test_a_free_text_licence_with_no_file_to_mean_is_a_warning_that_quotes_it(tmp_path: Path) -> None:
    _, report = _catalogue_request(tmp_path, "Belongs to Example Lab; cite it as QP v1.", None, root_licence=False)
    [finding] = [f for f in report["findings"] if f["rule"] == "CHL114"]
    assert finding["severity"] == "warning" and "'Belongs to Example Lab; cite it as QP v1.'" in finding["message"]


def test_a_licence_url_whose_case_differs_from_the_file_is_an_error(tmp_path: Path) -> None:
    repository(tmp_path / "checkout", {"Dockerfile": DOCKERFILE, "License.md": (APP / "LICENSE").read_text()})
    (tmp_path / "request.md").write_text(short_request(usage="jobman submit -i seg -- x",
                                                       license="https://github.com/x/seg/blob/main/LICENSE.md"))
    _, output = run_review("request.md", "--checkout", "checkout", "--format", "json", cwd=tmp_path)
    assert [f["line"] for f in json.loads(output)["findings"] if f["rule"] == "CHL114"] == [10]


def test_bad_input_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "notes.md").write_text("Some notes about the project.\nNothing like a request.\n")
    code, output = run_review(str(tmp_path / "notes.md"))
    assert code == 2 and "not a catalogue request" in output
    (tmp_path / "plain").mkdir()
    (tmp_path / "plain" / "Dockerfile").write_text(DOCKERFILE)
    (tmp_path / "request.md").write_text(short_request())
    code, output = run_review("request.md", "--checkout", "plain", cwd=tmp_path)
    assert code == 2 and "--checkout plain: not a git repository" in output
    assert (tmp_path / "request.md").read_text() == short_request()  # nothing written or lost


def test_review_takes_the_main_command_s_output_options(tmp_path: Path) -> None:
    lung_volume(tmp_path / "checkout")
    shutil.copy(REQUESTS / "name-mismatch.md", tmp_path / "request.md")
    code, output = run_review("request.md", "--checkout", "checkout", "--format", "github", cwd=tmp_path)
    assert code == 1 and output.startswith("::error file=request.md,line=3,")
    code, output = run_review("request.md", "--checkout", "checkout", "--format", "text", "-q", "--no-color",
                              "--kind", "batch", cwd=tmp_path)
    assert code == 1 and output.splitlines()[0].startswith("request.md:3: error CHL111")
    code, output = run_review("request.md", "--checkout", "checkout", "--format", "json", "--ignore", "CHL111",
                              cwd=tmp_path)
    assert code == 0 and json.loads(output)["review"]["verdict"] == "accept"
    (tmp_path / "broken.toml").write_text("ignore = 3\n")
    code, output = run_review("request.md", "--checkout", "checkout", "--config", "broken.toml", cwd=tmp_path)
    assert code == 2 and "broken.toml" in output  # the configuration given is the one read
