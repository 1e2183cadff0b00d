"""The comment a reviewer posts on a catalogue request: verdict, what the request says against what
the image has, the findings in the guide's words, the build and smoke results, and the commands
that reproduce the review."""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING

from chaimeleon_lint import catalogue
from chaimeleon_lint.report import platform_line, summary
from chaimeleon_lint.report.markdown import build_rows, cell, group_rows, plural, result_lines
from chaimeleon_lint.review.checks import licence_file
from chaimeleon_lint.review.request import given

if TYPE_CHECKING:
    from chaimeleon_lint.model.image import Image
    from chaimeleon_lint.review.run import Review


def _code(text: str) -> str:
    return f"`{cell(text)}`" if text else "–"


def _label(image: Image | None, key: str, dockerfile: str | None) -> str:
    if image is None or not image.stages:
        return "–"
    label = image.final.labels.get(key)
    if label is None:
        return "no label"
    value = label.value.text if label.value.known else label.pattern.replace("\x00", "…")
    return f"{_code(value)} ({dockerfile}:{label.line})"


def _entrypoint(image: Image | None) -> str:
    if image is None or not image.stages:
        return "–"
    stage = image.final
    launch = stage.entrypoint or stage.cmd
    if launch is None:
        return "none"
    word = "ENTRYPOINT" if stage.entrypoint is not None else "CMD"
    shown = shlex.join(launch.exec_form) if launch.exec_form is not None else launch.text
    return f"{word} {_code(shown)}"


def _table(done: Review) -> list[str]:
    request, subject = done.request, done.subject
    image, dockerfile = subject.image, subject.dockerfile
    field = lambda f: f"{_code(f.value)} (line {f.line})" if f is not None else "not given"  # noqa: E731
    usage = done.request.examples[0] if done.request.examples else (request.usages[0] if request.usages else None)
    licence = request.license.value if given(request.license) else "None"  # type: ignore[union-attr]
    recognised = licence_file(subject)
    authorization = "–" if image is None or not image.stages else "authorization label" \
        if "authorization" in image.final.labels else "no authorization label"
    checkout = subject.checkout
    at = f"commit `{checkout.commit[:12]}`" if checkout is not None and checkout.commit else \
        "a folder that is not a git checkout" if checkout is not None else "not read"
    rows = ["| | the request says | the image has |", "|---|---|---|",
            f"| name | {field(request.name)} | {_label(image, 'name', dockerfile)} |",
            f"| version | {field(request.version)} | {_label(image, 'version', dockerfile)} |",
            f"| usage | {_code(usage.text) + f' (line {usage.line})' if usage else 'not given'} | {_entrypoint(image)} |",
            f"| license | {_code(licence)} | {recognised or authorization} |",
            f"| repository | {_code(request.url.value) if request.url else 'not given'} | {at}"
            + (f", `{dockerfile}`" if dockerfile else "") + " |"]
    if done.results and done.results[-1].platform is not None:
        rows.append(f"| platform | | {platform_line(done.results[-1])} |")
    return rows


def _reproduce(done: Review) -> list[str]:
    subject, request = done.subject, done.request
    location = subject.location
    out = ["### Reproduce this review", "", "```sh"]
    if location is not None:
        elsewhere = any("this review is of another commit" in note for note in done.notes)
        ref = subject.checkout.commit if subject.checkout is not None and subject.checkout.commit and not elsewhere \
            else location.ref
        out.append(f"git clone {shlex.quote(location.clone)} repository")
        if ref:
            out.append(f"git -C repository checkout {shlex.quote(ref)}")
    where = " --checkout repository" if location is not None else ""
    out.append(f"chaimeleon-lint review {shlex.quote(request.path)}{where}"
               + (" --build" if done.in_repository is not None else ""))
    if done.in_repository is not None and location is not None:
        line = f"chaimeleon-lint --build --platform {done.subject.profile.name}"
        if done.smoke_args is not None:
            line += f" --smoke-args {shlex.quote(done.smoke_args)}"
        out.append(f"{line} {shlex.quote('repository/' + done.in_repository)}")
    return out + ["```", ""]


def comment(done: Review) -> str:
    cat = catalogue.load()
    counts = summary(done.results)
    name = done.request.name.value if done.request.name is not None else "(no name)"
    out = [f"## Review of `{cell(name)}`: **{done.verdict}**", "",
           f"{plural(counts['error'], 'error')}, {plural(counts['warning'], 'warning')}, {counts['info']} info "
           "(chaimeleon-lint review).", ""]
    out += [f"> ⚠️ {note[0].upper()}{note[1:]}." for note in done.notes if "this review is of another commit" in note
            or "could not be compared with the URL" in note]
    if done.unread is not None:
        out += [f"> ⚠️ The repository could not be read here ({cell(done.unread)}). That is not the request's "
                "fault: only the request itself was checked; the Dockerfile, the build and the licence were not.", ""]
    out += [*_table(done), ""]
    if len(done.results) > 1:
        out += [*group_rows(done.results, cat), ""]
    elif done.verdict == "needs access":
        out += ["The Dockerfile was not checked: the repository is private. Give the reviewer access (or review with "
                "`--checkout` a copy of it) and run the review again.", ""]
    elif done.unread is None:
        out += ["The Dockerfile was not checked: the request does not lead to one (see below).", ""]
    for result in done.results:
        title = "The request" if result is done.results[0] else f"The Dockerfile `{result.path}`"
        out += [f"### {title}", ""]
        out += result_lines(result, cat)
        if result is not done.results[0]:
            out += _built(done, result, cat)
    return "\n".join(out + _reproduce(done))


def _built(done: Review, result, cat) -> list[str]:  # type: ignore[no-untyped-def]
    out = ["#### Build and smoke run", ""]
    if not result.built:
        return out + ["Not built (`--build` builds the image and runs the usage example).", ""]
    if done.smoke_args is not None:
        out += [f"Smoke run arguments (from the usage example): {_code(done.smoke_args)}", ""]
    return out + build_rows(result, cat) + [""]
