"""The catalogue and the checks stay in step: one record per check, examples that tell the truth."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest

from chaimeleon_lint import catalogue, compiled
from chaimeleon_lint.checks import collect
from conftest import lint

RULES = Path(compiled.rules_dir())
SPEC = RULES.parent.parent / "shared" / "spec" / "rules-catalogue.md"
TOOLBOX_SPEC = SPEC.with_name("eucaim-toolbox.md")  # the third convention's rules, CHL10xx
SPEC_IDS = [found for spec in (SPEC, TOOLBOX_SPEC) if spec.exists()
            for found in re.findall(r"^\| (CHL\d{3,4}) \| ([a-z0-9-]+) \| (\w+) \|", spec.read_text(), re.M)]


def test_every_record_matches_the_schema() -> None:
    schema = json.loads((RULES / "schema.json").read_text())
    records = list(compiled.build()["rules"].values())
    assert records
    for record in records:
        jsonschema.validate(record, schema)


def test_every_static_record_has_exactly_one_check_and_every_check_a_record() -> None:
    static = {r.id for r in catalogue.load().rules.values() if r.phase == "static"}
    assert set(collect()) == static
    assert all(r.id.startswith("CHL8") for r in catalogue.load().rules.values() if r.phase == "build")


def test_check_function_is_named_after_its_slug() -> None:
    rules = catalogue.load().rules
    for rule_id, fn in collect().items():
        assert fn.__name__ == rules[rule_id].slug.replace("-", "_")


@pytest.mark.skipif(not SPEC_IDS, reason="shared/spec/rules-catalogue.md is not beside the checkout")
def test_ids_slugs_and_severities_match_the_public_catalogue() -> None:
    spec = {rule_id: (slug, severity) for rule_id, slug, severity in SPEC_IDS}
    for rule in catalogue.load().rules.values():
        assert spec[rule.id] == (rule.slug, rule.severity.label)


EXAMPLES = [(spec.id, n, example) for spec in catalogue.load().rules.values() if spec.phase == "static"
            for n, example in enumerate(spec.examples)]  # build-phase examples are built in test_build.py


@pytest.mark.parametrize("rule_id,n,example", EXAMPLES, ids=[f"{r}-{e.verdict}{n}" for r, n, e in EXAMPLES])
def test_example_fires_exactly_its_lines(tmp_path, rule_id: str, n: int, example: catalogue.Example) -> None:
    found = lint(tmp_path, example.dockerfile, dict(example.files), example.kind, platform=example.platform)
    expected = sorted(example.lines, key=lambda x: x or 0) if example.verdict == "bad" else []
    assert found.get(rule_id, []) == expected


def test_every_rule_has_a_bad_and_a_good_example() -> None:
    """Rules of a Dockerfile (static, build, history, request); a submission's rules are tested on fixtures."""
    for spec in catalogue.load().rules.values():
        if spec.phase in ("submission", "integration"):
            assert not spec.examples, spec.id
            continue
        assert {e.verdict for e in spec.examples} == {"bad", "good"}, spec.id


@pytest.mark.skipif(not SPEC_IDS, reason="shared/spec/rules-catalogue.md is not beside the checkout")
def test_group_titles_are_the_public_catalogue_headings() -> None:
    headings = dict(re.findall(r"^## (CHL\d)xx: (.+)$", SPEC.read_text(), re.M))
    groups = dict(catalogue.load().groups)
    assert re.search(rf"^## Rules \(group {groups.pop('CHL10')[:0]}CHL10xx\)$", TOOLBOX_SPEC.read_text(), re.M)
    assert groups == headings


def test_docs_rules_page_is_not_stale() -> None:
    from chaimeleon_lint.docs import rules_markdown

    page = RULES.parent / "docs" / "rules.md"
    assert page.read_text(encoding="utf-8") == rules_markdown(catalogue.load()), \
        "docs/rules.md is stale: run `python -m chaimeleon_lint.docs > docs/rules.md`"


def test_compiled_records_and_profiles_are_those_of_the_sources() -> None:
    """The shipped JSON is what the TOML sources compile to, checksum included, so runs use it."""
    with open(compiled.COMPILED, encoding="utf-8") as shipped:
        text = shipped.read()
    assert text == compiled.render(compiled.build()), \
        "chaimeleon_lint/compiled.json is stale: run `python -m chaimeleon_lint.compiled`"


def test_an_edited_source_is_read_instead_of_the_stale_compiled_form(tmp_path: Path) -> None:
    """A contributor's edit shows at once, before the JSON is regenerated."""
    files = compiled.sources()
    edited = tmp_path / "CHL101.toml"
    edited.write_text(Path(files["rules"][0]).read_text().replace("title = ", "title = \"Edited\" # ", 1))
    files["rules"][0] = str(edited)
    assert compiled.read(files, compiled.COMPILED)["rules"]["CHL101"]["title"] == "Edited"
    assert compiled.read(compiled.sources(), compiled.COMPILED)["rules"]["CHL101"]["title"] != "Edited"
    (tmp_path / "damaged.json").write_text("{")
    assert compiled.read(compiled.sources(), str(tmp_path / "damaged.json")) == compiled.build()


# The general fixes' own example values: a finding's fix may show them only where the file has them.
EXAMPLE_VALUES = ("My_Tool", "/home/chaimeleon/main.py", "ENTRYPOINT [\"python\"")


@pytest.mark.parametrize(("rule_id", "n", "example"), EXAMPLES,
                         ids=[f"{r}-{e.verdict}{n}" for r, n, e in EXAMPLES])
def test_a_finding_s_fix_names_the_user_s_own_thing(tmp_path, rule_id: str, n: int,
                                                     example: catalogue.Example) -> None:
    """Every bad example's findings: no template left unfilled, no other example's value, and a rule
    with a fix of its own for the finding uses it where the check found the values."""
    if example.verdict != "bad":
        return
    from conftest import lint_findings

    for finding in lint_findings(tmp_path, example.dockerfile.lstrip("\n"), dict(example.files), example.kind):
        assert re.search(r"(?<!\$)\{[a-z_]+\}", finding.fix) is None, (finding.rule, finding.fix)  # unfilled
        for value in EXAMPLE_VALUES:
            assert value not in finding.fix or value in example.dockerfile, (finding.rule, finding.fix)


@pytest.mark.parametrize(("dockerfile", "rule", "fix"), [
    ('FROM ubuntu:22.04\nLABEL name="Lung Segmentation"\n', "CHL102", 'Rename it `lung-segmentation`'),
    ('ARG AI_TOOL=torch\nFROM ubuntu:22.04\nLABEL name="desk-${AI_TOOL}-top"\n', "CHL102",
     "Add `ARG AI_TOOL` after the stage's FROM (line 2)"),
    ('ARG V=1\nFROM ubuntu:22.04\nLABEL name="x" version="$V"\n', "CHL103", "Add `ARG V` after the stage's FROM (line 2)"),
    ("FROM ubuntu:22.04\nENTRYPOINT /opt/app/run.sh --fast\n", "CHL602", '`ENTRYPOINT ["/opt/app/run.sh", "--fast"]`'),
    ('FROM ubuntu:22.04\nCOPY seg.py /opt/seg.py\nCMD ["python3", "/opt/seg.py"]\n', "CHL601",
     '`ENTRYPOINT ["python3", "/opt/seg.py"]`'),
    ('FROM ubuntu:22.04\nRUN useradd -u 1000 c && echo "c:c" | chpasswd\n', "CHL205", "Remove the `chpasswd`/`passwd` step for 'c'"),
    ("", "CHL901", "Write the Dockerfile"),
], ids=["name-slug", "name-empty-part", "version-arg", "entrypoint-json", "entrypoint-from-cmd", "password-not-needed",
        "empty-file"])
def test_fix_texts_name_the_file_s_own_things(tmp_path, dockerfile: str, rule: str, fix: str) -> None:
    from conftest import lint_findings

    fixes = [f.fix for f in lint_findings(tmp_path, dockerfile) if f.rule == rule]
    assert fixes and fix in fixes[0], fixes
