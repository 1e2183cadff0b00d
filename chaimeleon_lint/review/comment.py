"""The comment a reviewer posts on a catalogue request: verdict, what the request says against what
the image has, the findings in the guide's words, the build and smoke results, and the commands
that reproduce the review."""

from __future__ import annotations

import shlex
from urllib.parse import quote
from typing import TYPE_CHECKING

from chaimeleon_lint import catalogue
from chaimeleon_lint.report import platform_line, summary
from chaimeleon_lint.report.markdown import Link, build_rows, cell, group_rows, plural, result_lines
from chaimeleon_lint.review.record import rows

if TYPE_CHECKING:
    from chaimeleon_lint.review.run import Review


_HOSTS = ("github.com/", "gitlab.com/")


def _code(text: str) -> str:
    return f"`{cell(text)}`" if text else "–"


def _table(done: Review) -> list[str]:
    shown = {"request": lambda r: f"{_code(r.request)} (line {r.line})" if r.line else _code(r.request) if r.request
             else "not given"}
    out = ["| | the request says | the image has |", "|---|---|---|"]
    for row in rows(done):
        if row.field in ("name", "version"):
            image = "–" if row.image is None else row.image if row.where is None else f"{_code(row.image)} ({row.where})"
        elif row.field == "usage":
            image = "–" if row.image is None else row.image if row.where is None else f"{row.where} {_code(row.image)}"
        elif row.field == "license":
            image = row.image or "–"
        else:
            checkout = done.subject.checkout
            image = (f"commit `{row.image[:12]}`" if row.image else "a folder that is not a git checkout"
                     if checkout is not None else "not read") + (f", `{row.where}`" if row.where else "")
        out.append(f"| {row.field} | {shown['request'](row)} | {image} |")
    if done.results and done.results[-1].platform is not None:
        out.append(f"| platform | | {platform_line(done.results[-1])} |")
    return out


def _linker(done: Review) -> Link | None:
    """Links to a file and line of the repository at the reviewed commit, on GitHub and GitLab;
    none when the checkout is at another commit than the URL's (the link could name a commit the
    host does not have)."""
    location, checkout = done.subject.location, done.subject.checkout
    if location is None or checkout is None or checkout.commit is None or not location.key.startswith(_HOSTS) \
            or any("this review is of another commit" in note for note in done.notes):
        return None
    base = "https://" + location.key.split("/", 1)[0] + "/" + location.clone.split("/", 3)[-1].removesuffix(".git")
    blob = "/-/blob/" if location.key.startswith("gitlab") else "/blob/"

    def link(path: str, line: int | None) -> str:
        return f"{base}{blob}{checkout.commit}/{quote(path)}" + (f"#L{line}" if line else "")

    return link


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
    link = _linker(done)
    for result in done.results:
        title = "The request" if result is done.results[0] else f"The Dockerfile `{result.path}`"
        out += [f"### {title}", ""]
        out += result_lines(result, cat, link if result is not done.results[0] else None)
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
