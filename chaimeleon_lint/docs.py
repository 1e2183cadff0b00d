"""docs/rules.md, generated from rules/: `python -m chaimeleon_lint.docs > docs/rules.md`.

A test regenerates it and fails when the committed page is stale, so the page, `--explain`
and SARIF's help texts cannot drift apart.
"""

from __future__ import annotations

from chaimeleon_lint.catalogue import Catalogue, Example, RuleSpec, load
from chaimeleon_lint.fix.edits import BUILDERS
from chaimeleon_lint.profile import DEFAULT, names
from chaimeleon_lint.profile import load as load_profile

_PHASE = {"static": "the static check (every run)", "build": "`--build`, on the built image",
          "history": "`--since GIT_REF`, on the git history",
          "request": "`chaimeleon-lint review`, on a catalogue request",
          "submission": "`chaimeleon-lint toolbox DIR`, on a EUCAIM tool submission",
          "integration": "`chaimeleon-lint toolbox DIR --build`, the integration test"}


def _example(example: Example) -> list[str]:
    title = "Bad" if example.verdict == "bad" else "Good"
    lines = [n for n in example.lines if n]
    what = "request " if example.request is not None else ""
    where = f" (finding on {what}line {', '.join(map(str, lines))})" if lines else \
        " (finding about the whole image)" if example.verdict == "bad" else ""
    out = [f"**{title}**{where}{', kind ' + example.kind if example.kind else ''}:", ""]
    if example.request is not None:
        out += ["the request:", "", "```markdown", example.request.strip("\n"), "```", "",
                "and the Dockerfile in the repository it points at:", ""]
    if example.before is not None:
        out += ["at the ref:", "", "```dockerfile", example.before.strip("\n"), "```", "", "now:", ""]
    out += ["```dockerfile", example.dockerfile.strip("\n"), "```", ""]
    for name, content in example.files:
        out += [f"with `{name}` in the build context:", "", "```", content.strip("\n"), "```", ""]
    if example.smoke_args:
        out += [f"run with `--smoke-args '{example.smoke_args}'`", ""]
    return out


def _rule(spec: RuleSpec, catalogue: Catalogue) -> list[str]:
    group, title = catalogue.group(spec.id)
    out = [f"## {spec.id} {spec.slug}", "",
           f"**{spec.severity.label}** · {group} {title} · found by {_PHASE[spec.phase]}"
           + (" · autofix: `--fix`" if spec.id in BUILDERS else ""), "", f"_{spec.title}._", "",
           "### What it checks", "", spec.summary, ""]
    for name, variant in spec.variants.items():
        out.append(f"- variant `{name}` ({variant.severity.label}): {variant.message}")
    out += [""] if spec.variants else []
    out += ["### Why", "", spec.why, ""]
    if spec.guide:
        source = "The integration guide says:" if not spec.profiles else "The convention asks that"
        out += [source, ""] + [f"> {line}" for line in spec.guide.strip().splitlines()] + [""]
    if spec.profiles:
        out += [f"Judged under the {', '.join(f'`{p}`' for p in spec.profiles)} profile only.", ""]
    if spec.examples:
        out += ["### Examples", ""]
    for example in spec.examples:
        out += _example(example)
    out += ["### How to fix", "", spec.fix, ""]
    if spec.id in BUILDERS:
        out += ["`chaimeleon-lint --fix` makes this change where it is safe; `--diff` shows it first.", ""]
    if spec.limits:
        out += ["### Limits", "", spec.limits, ""]
    out += ["### How to suppress", "",
            f"On the line before the instruction: `# chaimeleon-lint: ignore={spec.id}` (or `ignore={spec.slug}`); "
            f"for the whole file: `# chaimeleon-lint: file-ignore={spec.id}`; everywhere: "
            f"`ignore = [\"{spec.id}\"]` in `.chaimeleon-lint.toml`.", ""]
    return out


def rules_markdown(catalogue: Catalogue) -> str:
    default = load_profile(DEFAULT)
    out = ["# Rules", "", "<!-- Generated from rules/ by `python -m chaimeleon_lint.docs > docs/rules.md`; "
           "do not edit. -->", "",
           "Every rule of chaimeleon-lint: what it checks, why the CHAIMELEON platform needs it (in the "
           "integration guide's words), a bad and a good example (both run by the test suite), how to fix it "
           "and how to suppress it.", "",
           f"The page speaks the {default.title} edition of the guide (user `{default.user}`, home "
           f"`{default.home}`). The rules are the same on every node of the platform family, each with its own "
           "user and home: `chaimeleon-lint --explain ID --platform NAME` prints a rule in that node's words "
           f"({', '.join(names())}).", ""]
    for prefix, title in catalogue.groups.items():
        members = [s for s in catalogue.rules.values() if s.id.startswith(prefix)]
        if members:
            out += [f"**{prefix}xx {title}**: " + ", ".join(
                f"[{s.id} {s.slug}](#{s.id.lower()}-{s.slug})" for s in members), ""]
    for spec in catalogue.rules.values():
        out += _rule(spec, catalogue)
    return "\n".join(out).rstrip("\n") + "\n"


if __name__ == "__main__":
    print(rules_markdown(load()), end="")
