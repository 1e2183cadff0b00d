"""`chaimeleon-lint review REQUEST`: a reviewer's whole check of a catalogue request.

Read the request → get the repository its URL names (a clone into a temporary folder, removed
afterwards, or the reviewer's `--checkout`) → find the Dockerfile → CHL111–CHL115 on the request →
the static lint of the Dockerfile → with `--build`, the build phase with smoke arguments made
from the request's usage example → one report: the comment a reviewer posts, or JSON/SARIF/text
in which the request's findings point at the request file's lines.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from chaimeleon_lint.records import NamedTuple
from chaimeleon_lint.review.checks import CHECKS, Subject
from chaimeleon_lint.review.location import Location, parse_url
from chaimeleon_lint.review.repository import Checkout
from chaimeleon_lint.review.request import Request, catalogue_platform, parse, table_private
from chaimeleon_lint.runner import (EXIT_ERROR, EXIT_FINDINGS, EXIT_INTERNAL, EXIT_OK, Abort, Settings, UsageError,
                                    collect, fail, internal_error, publish, read_input, rendered, threshold)


class ReviewSettings(NamedTuple):
    request: str  # a file, or - for standard input
    checkout: Path | None  # the reviewer's checkout of the repository; None: clone the URL
    lint: Settings  # format, rules, threshold, platform, outputs and --build, as for a lint run
    current_version: str | None = None  # the catalogue's current version of the image (updates)
    checkouts: Path | None = None  # a whole catalogue: the folder of the reviewer's checkouts (OWNER+NAME or NAME)


EXIT_NEEDS_ACCESS = 4
"""`review`: the repository is private and was not given with --checkout: the verdict waits."""


class Review(NamedTuple):
    """Everything the reporters need."""

    request: Request
    subject: Subject
    results: list  # type: ignore[type-arg]  # the request's Result, then each Dockerfile's
    sources: dict[str, list[str]]
    smoke_args: str | None  # what the smoke run is given (with --build) or would be
    in_repository: str | None  # the (first) Dockerfile's path in the repository
    notes: tuple[str, ...]  # for the reviewer: what was not checked, and why
    exit_code: int
    unread: str | None = None  # why the repository could not be read (not the applicant's doing)

    @property
    def verdict(self) -> str:
        if self.unread is not None:
            return "not reviewed"
        if self.subject.repository is not None and self.subject.repository[0] == "private" \
                and self.exit_code == EXIT_NEEDS_ACCESS:
            return "needs access"
        return "changes needed" if self.exit_code else "accept"


def review(settings: ReviewSettings) -> int:
    """Review, report, and return the exit code: 0 accept, 1 changes needed, 2 usage or input error."""
    from chaimeleon_lint.interrupt import Interrupted
    from chaimeleon_lint.source.text import InputError

    shown = settings.request
    if shown != "-" and Path(shown).is_dir():
        from chaimeleon_lint.review.whole import review_catalogue

        try:
            return review_catalogue(Path(shown), settings, settings.checkouts)
        except (Abort, UsageError) as exc:
            fail(str(exc))
            return EXIT_ERROR
    if settings.checkouts is not None:
        fail("--checkouts is for a whole catalogue (review CATALOGUE_DIR); give one request --checkout")
        return EXIT_ERROR
    try:
        data = read_input(shown, None if shown == "-" else Path(shown))
        profile_given = _profile(settings.lint.platform)
    except (InputError, UsageError) as exc:
        fail(f"{exc.path}: {exc.message}" if isinstance(exc, InputError) else str(exc))
        return EXIT_ERROR
    text = data.decode("utf-8", errors="replace")
    request = parse(text, shown)
    if not request.is_request:
        fail(f"{shown}: not a catalogue request: no `# NAME` heading, none of the template's `## ` sections "
             "and no update form (`- Image name:`)")
        return EXIT_ERROR
    try:
        with tempfile.TemporaryDirectory(prefix="chaimeleon-lint-review-") as tmp:
            done = _review(request, text, settings, profile_given, Path(tmp))
    except Interrupted as exc:
        exc.cleaned.append("the clone deleted")
        raise
    except (Abort, UsageError) as exc:
        fail(str(exc))
        return EXIT_ERROR
    except Exception as exc:  # a bug of ours: one line naming it, not a traceback
        return internal_error(shown, "the request was not reviewed", exc)
    if not publish(settings.lint.outputs, settings.lint.fmt, settings.lint.quiet,
                   lambda fmt, quiet: render(done, fmt, quiet)):
        return EXIT_ERROR
    if done.unread is not None:
        sys.stdout.flush()
        fail(f"{shown}: the repository {done.request.url.value if done.request.url else ''} could not be read "
             f"({done.unread}): only the request was checked; give --checkout with a copy of it")
    return done.exit_code


def render(done: Review, fmt: str, quiet: bool = False) -> str:
    if fmt == "markdown":
        from chaimeleon_lint.review.comment import comment

        return comment(done)
    if fmt == "json":
        from chaimeleon_lint.report import json as json_report
        from chaimeleon_lint.review.record import record

        return json_report.render(done.results, {"review": record(done)})
    if fmt == "text":
        from chaimeleon_lint.report import text

        return text.render_plain(done.results, lambda path: done.sources.get(path, []), quiet)
    return rendered(done.results, fmt, lambda path: done.sources.get(path, []))


def _profile(name: str | None):  # type: ignore[no-untyped-def]
    from chaimeleon_lint.runner import profile

    return profile(name) if name else None


def _review(request: Request, text: str, settings: ReviewSettings, chosen, tmp: Path) -> Review:  # type: ignore[no-untyped-def]
    from chaimeleon_lint import catalogue
    from chaimeleon_lint.linter import Options, Result, display_path, model, with_hits
    from chaimeleon_lint.profile import DEFAULT, load
    from chaimeleon_lint.review.arguments import smoke_arguments
    from chaimeleon_lint.source.text import Source

    cat = catalogue.load()
    implied = catalogue_platform(request.path) if chosen is None else None
    if implied is not None:  # EUCAIM's node catalogue: its requests are judged by that profile
        chosen = load(implied)
        settings = settings._replace(lint=settings.lint._replace(platform=implied,
                                                                 platform_from="the EUCAIM node's catalogue"))
    got = _repository(request, settings, tmp)
    location, checkout, problem, notes = got.location, got.checkout, got.problem, list(got.notes)
    dockerfiles = got.dockerfiles

    lint = settings.lint
    smoke = in_repository = None
    examples = [u for u in request.examples if request.name is None or u.image == request.name.value] \
        or list(request.examples)
    results: list[Result] = []
    sources: dict[str, list[str]] = {}
    status, image, kind = EXIT_OK, None, request.kind or "batch"
    profile = chosen or load(DEFAULT)
    if dockerfiles and checkout is not None:
        first = dockerfiles[0]
        source = Source(_shown(first, checkout), first.read_text(encoding="utf-8", errors="replace"))
        _, _, image = model(source, first.parent, Options(platform=chosen, build_args=None), first)
        profile, kind = image.platform, request.kind or image.kind
        in_repository = str(first.relative_to(checkout.root))
        if lint.build is not None and lint.build.smoke_args is not None:
            smoke = lint.build.smoke_args
        elif examples and kind == "batch":
            made = smoke_arguments(examples[0].args, profile)
            smoke = made.args
            if lint.build is not None:
                notes += [f"smoke run: {change}" for change in made.changes]
                if len(examples) > 1:
                    notes.append(f"the smoke run uses the example on request line {examples[0].line}; "
                                 f"{len(examples) - 1} more not run")
                lint = lint._replace(build=lint.build._replace(smoke_args=smoke))
        done = collect([display_path(d) for d in dockerfiles], lint)
        status = done.exit_code
        for result in done.results:
            relabelled = _relabel(result, checkout.root)
            results.append(relabelled)
            sources[relabelled.path] = done.sources.get(result.path, [])
            notes += _switched_off(relabelled, checkout.root / relabelled.path, checkout)
        if results and results[0].platform is not None:
            profile = results[0].platform

    subject = Subject(request, profile, location, checkout, problem,
                      results[0].path if results else None, image, kind, settings.current_version)
    hits = [(rule, hit) for rule, check in CHECKS.items() for hit in check(subject)]
    options = Options(select=frozenset(lint.select), ignore=frozenset(lint.ignore))
    base = Result(request.path, None, (), (), kind, platform=profile,
                  detected_from=results[0].detected_from if results else "default")
    request_result = with_hits(base, hits, [], options, cat)
    notes += _license_notes(subject)
    request_result = request_result._replace(notes=request_result.notes + tuple(notes))
    sources[request.path] = text.split("\n")
    worst = EXIT_FINDINGS if any(f.severity >= threshold(lint.threshold) for f in request_result.findings) \
        else EXIT_OK
    exit_code = status if status in (EXIT_ERROR, EXIT_INTERNAL) else max(status, worst)
    if got.unread is not None:
        exit_code = EXIT_ERROR if exit_code != EXIT_INTERNAL else exit_code
    elif problem is not None and problem[0] == "private" and exit_code == EXIT_OK:
        exit_code = EXIT_NEEDS_ACCESS
    return Review(request, subject, [request_result, *results], sources, smoke, in_repository, tuple(notes), exit_code,
                  got.unread)


class _Got(NamedTuple):
    """What the request's URL led to."""

    location: Location | None
    checkout: Checkout | None
    problem: tuple[str | None, dict[str, str]] | None  # CHL115's variant and params
    dockerfiles: list[Path]
    notes: tuple[str, ...] = ()
    unread: str | None = None  # why a repository that is not called private could not be read


def _repository(request: Request, settings: ReviewSettings, tmp: Path) -> _Got:
    """The Dockerfile URL among the request's links (the one the reviewer's checkout holds, else the
    one labelled as the Dockerfile's; never the helm chart), its repository, and the Dockerfiles at
    its path."""
    from chaimeleon_lint.review.repository import RepositoryError, clone, find_dockerfiles, local

    link = request.url
    location = parse_url(link.value) if link is not None else None
    if link is not None and location is None:
        return _Got(None, None, ("url", {}), [])
    if location is None:
        return _Got(None, None, None, [])
    try:
        checkout = local(settings.checkout) if settings.checkout else None
    except RepositoryError as exc:
        raise UsageError(str(exc)) from None
    if checkout is not None:
        location = _held(request, checkout) or location
    private = request.private or table_private(request.path) is True
    try:
        checkout = checkout or clone(location, tmp / "repository")
    except RepositoryError as exc:
        if private:
            return _Got(location, None, ("private", {"reason": str(exc)}), [])
        return _Got(location, None, None, [], (), str(exc))
    found = find_dockerfiles(checkout, location, request.name.value if request.name else None)
    notes = tuple(_ref_mismatch(checkout, location))
    problem = (found.problem, {"path": found.detail}) if found.problem is not None else None
    return _Got(location, checkout, problem, found.dockerfiles, notes)


def _held(request: Request, checkout: Checkout) -> Location | None:
    """The Dockerfile link whose repository the checkout is: its `origin` remote, else the first
    whose path exists in it."""
    from chaimeleon_lint.review.repository import origin

    candidates = [parse_url(link.url.value) for link in request.links if not link.chart]
    candidates = [c for c in candidates if c is not None]
    remote = origin(checkout.root)
    key = parse_url(remote).key if remote and parse_url(remote) else None
    return next((c for c in candidates if key is not None and c.key == key), None) or next(
        (c for c in candidates if c.path and (checkout.root / c.path).exists()), None)


def _ref_mismatch(checkout: Checkout, location: Location) -> list[str]:
    """The checkout against the URL's ref: a commit id, or a branch or tag the checkout knows."""
    from chaimeleon_lint.review.repository import resolve

    if location.ref is None or checkout.commit is None or checkout.cloned:
        return []
    wanted = location.commit or resolve(checkout.root, location.ref)
    if wanted is None:
        return [f"the checkout's {checkout.commit[:12]} could not be compared with the URL's {location.ref!r}, "
                "which the checkout does not know"]
    if not checkout.commit.startswith(wanted) and not wanted.startswith(checkout.commit):
        return [f"the checkout is at {checkout.commit[:12]}, but the request's URL names {location.ref!r}"
                + (f" ({wanted[:12]})" if wanted != location.ref else "") + ": this review is of another commit"]
    return []


def _switched_off(result, dockerfile: Path, checkout) -> list[str]:  # type: ignore[no-untyped-def]
    """What the author turned off, by configuration or pragma: the review honours it, as the
    author's CI does, and the reviewer should know."""
    from chaimeleon_lint import config

    said: list[str] = []
    found = config.find(dockerfile.parent)
    if found is not None:
        try:
            cfg = config.load(found)
        except config.ConfigError:
            cfg = None  # the lint has said why already
        shown = _shown(found, checkout)
        if cfg is not None and cfg.ignore:
            said.append(f"the repository's {shown} ignores {', '.join(cfg.ignore)}: not checked")
        if cfg is not None and cfg.severity:
            said.append(f"the repository's {shown} sets " +
                        ", ".join(f"{rule} to {severity.label}" for rule, severity in cfg.severity))
    if result.suppressed.file:
        said.append(f"{result.path} switches off {', '.join(sorted(result.suppressed.file))} for the whole file")
    for start, _, rules in result.suppressed.spans:
        if rules:
            said.append(f"{result.path} switches off {', '.join(sorted(rules))} at line {start}")
    return said


def _license_notes(subject: Subject) -> list[str]:
    from chaimeleon_lint.review.request import given

    license = subject.request.license
    if not given(license) or subject.location is None:
        return []
    named = parse_url(license.value)  # type: ignore[union-attr]
    if named is not None and named.key != subject.location.key:
        return [f"the license at {license.value} is in another repository: not checked"]  # type: ignore[union-attr]
    return []


def _shown(path: Path, checkout) -> str:  # type: ignore[no-untyped-def]
    """A file of the repository as the applicant names it: from the repository's root."""
    from chaimeleon_lint.linter import display_path

    try:
        return str(path.resolve().relative_to(checkout.root.resolve())) if checkout is not None else display_path(path)
    except ValueError:
        return display_path(path)


def _relabel(result, root: Path):  # type: ignore[no-untyped-def]
    """Paths in the clone or the reviewer's checkout, shown from the repository's root
    (`app/Dockerfile`): the applicant's names, not the reviewer's folders."""

    def short(path: str) -> str:
        full = os.path.abspath(path)
        return os.path.relpath(full, root) if full.startswith(str(root.resolve()) + os.sep) or \
            full.startswith(str(root) + os.sep) else path

    findings = tuple(f._replace(path=short(f.path), via=tuple((short(p), n) for p, n in f.via))
                     for f in result.findings)
    return result._replace(path=short(result.path), findings=findings,
                           context=short(result.context) if result.context else None)
