"""The comment an operator posts on a toolbox pull request: the verdict, the tasks and their
images, the findings by group in the convention's words, and the command that reproduces the check."""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING

from chaimeleon_lint import catalogue
from chaimeleon_lint.report import summary
from chaimeleon_lint.report.markdown import cell, group_rows, plural, result_lines

if TYPE_CHECKING:
    from chaimeleon_lint.toolbox.command import Checked

_INTEGRATION = {"passed": "✅ passed", "failed": "❌ failed", "not run": "not run (add `--build`)"}


def comment(done: Checked) -> str:
    cat = catalogue.load()
    counts = summary(done.results)
    head = "**Verdict: changes needed**" if done.verdict == "changes needed" else "**Verdict: accept**"
    out = ["## chaimeleon-lint: EUCAIM toolbox submission", "",
           f"{head}: {plural(counts['error'], 'error')}, {plural(counts['warning'], 'warning')}, "
           f"{counts['info']} info; integration test {_INTEGRATION[done.integration]}.", "",
           "| task | Dockerfile | image (FEMTask `dockerPull`) |", "|---|---|---|"]
    for name, dockerfile, image in done.tasks:
        out.append(f"| {cell(name)} | {f'`{cell(dockerfile)}`' if dockerfile else '–'} | "
                   f"{f'`{cell(image)}`' if image else '–'} |")
    if not done.tasks:
        out.append("| – | no task folder | |")
    out += ["", *group_rows(done.results, cat), ""]
    for result in done.results:
        if not result.findings and not result.notes:
            continue
        out += [f"### `{result.path}`", ""]
        out += result_lines(result, cat)
    out += ["<details><summary>Notes and how to reproduce</summary>", ""]
    out += [f"- {note}" for note in done.notes]
    command = ["chaimeleon-lint", "toolbox", done.tool] + (["--build"] if done.integration != "not run" else [])
    out += ["", "```sh", " ".join(shlex.quote(w) for w in command), "```", "", "</details>", ""]
    return "\n".join(out)
