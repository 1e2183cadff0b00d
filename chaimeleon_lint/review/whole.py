"""`chaimeleon-lint review CATALOGUE_DIR`: every request of a catalogue checkout, one table.

How a maintainer audits the catalogue after a guide change: each `batch-applications/NAME/README.md`
and `interactive-applications/NAME/README.md` is reviewed as `review` reviews one request, on
the checkout of its repository found in `--checkouts DIR` (named `OWNER+NAME` or `NAME`), else
on a clone of its URL. The table ends the run: request, image(s), verdict, errors, warnings.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from chaimeleon_lint.records import NamedTuple
from chaimeleon_lint.report import summary
from chaimeleon_lint.review.location import parse_url
from chaimeleon_lint.review.request import Request, parse
from chaimeleon_lint.runner import EXIT_ERROR, EXIT_FINDINGS, EXIT_INTERNAL, EXIT_OK, fail, read_input

KINDS = ("batch-applications", "interactive-applications")


class Line(NamedTuple):
    request: str
    images: tuple[str, ...]
    verdict: str
    errors: int
    warnings: int
    exit_code: int


def requests_of(root: Path) -> list[Path]:
    """The catalogue's requests, batch first, each kind in name order."""
    return [p for kind in KINDS for p in sorted((root / kind).glob("*/README.md"))]


def checkout_for(request: Request, checkouts: Path | None) -> Path | None:
    """The reviewer's checkout of the request's Dockerfile repository, by its `OWNER+NAME` or `NAME`."""
    if checkouts is None:
        return None
    folders = {p.name.lower(): p for p in checkouts.iterdir() if p.is_dir()}  # URLs' keys are lowercased
    for link in [link.url for link in request.links if not link.chart] or ([request.url] if request.url else []):
        location = parse_url(link.value)
        if location is None:
            continue
        owner_name = location.key.split("/", 1)[-1]
        for name in (owner_name.replace("/", "+"), owner_name.rsplit("/", 1)[-1]):
            if name in folders:
                return folders[name]
    return None


def review_catalogue(root: Path, settings, checkouts: Path | None) -> int:  # type: ignore[no-untyped-def]
    """Review every request; the table (Markdown, or JSON with --format json) on standard output."""
    from chaimeleon_lint.linter import display_path
    from chaimeleon_lint.review.run import EXIT_NEEDS_ACCESS, _profile, _review

    found = requests_of(root)
    if not found:
        fail(f"{root}: not a catalogue checkout (no {KINDS[0]}/NAME/README.md or {KINDS[1]}/NAME/README.md)")
        return EXIT_ERROR
    chosen = _profile(settings.lint.platform)
    lines: list[Line] = []
    for path in found:
        shown = display_path(path)
        text = read_input(shown, path).decode("utf-8", errors="replace")
        request = parse(text, shown)
        if not request.is_request:
            fail(f"{shown}: not a catalogue request: skipped")
            continue
        with tempfile.TemporaryDirectory(prefix="chaimeleon-lint-review-") as tmp:
            done = _review(request, text, settings._replace(checkout=checkout_for(request, checkouts)), chosen,
                           Path(tmp))
        counts = summary(done.results)
        lines.append(Line(str(path.relative_to(root)), tuple(r.path for r in done.results[1:]), done.verdict,
                          counts["error"],
                          counts["warning"], done.exit_code))
        print(f"chaimeleon-lint: {shown}: {done.verdict}" + (f" ({done.unread})" if done.unread else ""),
              file=sys.stderr, flush=True)
    if settings.lint.fmt == "json":
        sys.stdout.write(json.dumps([line._asdict() for line in lines], indent=2) + "\n")
    else:
        sys.stdout.write(table(lines))
    codes = {line.exit_code for line in lines}
    for code in (EXIT_INTERNAL, EXIT_ERROR, EXIT_FINDINGS, EXIT_NEEDS_ACCESS):
        if code in codes:
            return code
    return EXIT_OK


def table(lines: list[Line]) -> str:
    out = ["| request | image(s) | verdict | errors | warnings |", "|---|---|---|---:|---:|"]
    out += [f"| `{line.request}` | {', '.join(f'`{i}`' for i in line.images) or '–'} | **{line.verdict}** | "
            f"{line.errors} | {line.warnings} |" for line in lines]
    verdicts: dict[str, int] = {}
    for line in lines:
        verdicts[line.verdict] = verdicts.get(line.verdict, 0) + 1
    return "\n".join(out) + "\n\n" + ", ".join(f"{n} {verdict}" for verdict, n in verdicts.items()) + "\n"
