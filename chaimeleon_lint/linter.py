"""The static pipeline: text → Dockerfile → Image → hits → findings, suppressed and sorted."""

import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from chaimeleon_lint.catalogue import Catalogue
from chaimeleon_lint.checks import CheckFn
from chaimeleon_lint.findings import Edit, Finding, Hit, Severity, Span
from chaimeleon_lint.model.context import Above, Context
from chaimeleon_lint.model.image import Image
from chaimeleon_lint.model.siblings import SiblingBase
from chaimeleon_lint.model.simulate import simulate
from chaimeleon_lint.profile import Detected, Profile, candidates, detect
from chaimeleon_lint.records import NamedTuple
from chaimeleon_lint.source.dockerfile import Dockerfile, parse
from chaimeleon_lint.source.pragmas import parse_pragmas
from chaimeleon_lint.source.text import Source

SYNTAX_RULE = "CHL901"
NO_CONTEXT = ("no build context (standard input): COPY/ADD sources, start-up scripts and licence files were not "
              "checked; lint the file in its folder for those")


class Options(NamedTuple):
    """What the user chose; names may be ids or slugs until `resolve` checks them."""

    select: frozenset[str] = frozenset()
    ignore: frozenset[str] = frozenset()
    severity: Mapping[str, Severity] = {}  # never changed: the defaults are shared, and must pickle
    known_base_images: tuple[str, ...] = ()  # the configuration's, instead of the profile's own
    kind: str | None = None
    build_args: Mapping[str, str] | None = None  # with --build: exactly what the engine gets
    platform: Profile | None = None  # chosen by --platform or the configuration; None: detected
    platform_from: str = "--platform"  # where the choice was made
    siblings: Mapping[str, SiblingBase] = {}  # images of the run it may be built FROM
    edits: bool = True  # compute the autofixes: only --fix and the formats that show them need them
    inherited: bool = False  # also report what a sibling parent's own start-up files do (a review judges images)
    entrypoints: tuple[tuple[str, str], ...] = ()  # the configuration's accepted entrypoint.sh versions (toolbox)


class Suppressed(NamedTuple):
    """Rules the Dockerfile's pragmas switch off, resolved to ids: for the file, or for line spans."""

    file: frozenset[str] = frozenset()
    spans: tuple[tuple[int, int, frozenset[str]], ...] = ()

    def covers(self, rule: str, line: int | None) -> bool:
        return rule in self.file or (line is not None and any(
            start <= line <= end and rule in rules for start, end, rules in self.spans))


class Result(NamedTuple):
    path: str
    context: str | None
    findings: tuple[Finding, ...]
    notes: tuple[str, ...]
    kind: str = "batch"  # batch or interactive, as detected or configured
    built: bool = False  # the build phase built and tested the image (its CHL8xx rules ran)
    suppressed: Suppressed = Suppressed()  # kept for the findings of later phases (build, history)
    anchor: int | None = None  # the final stage's FROM: the line for whole-image findings where one is required
    platform: Profile | None = None  # the profile the file was judged by (None: nothing was judged)
    detected_from: str = "default"  # why: --platform, configuration, base image X, user X (uid 1000), default
    variant: str = ""  # with --matrix: the build arguments this result was built with (K=v, ...)


def display_path(path: Path | str) -> str:
    """Relative to the working directory when below it, as users typed it."""
    text = os.fspath(path)
    if text and not os.path.isabs(text) and ".." not in text:  # relative already: relpath would normalise it
        return os.path.normpath(text)
    try:
        return os.path.relpath(text)
    except ValueError:
        return text


def model(source: Source, context_dir: Path | None, options: Options, dockerfile_path: Path | None = None,
          above: Above | None = None) -> tuple[Dockerfile, Context | None, Image]:
    """The Dockerfile, its context and the image it builds, judged by the profile chosen or detected;
    `above` is what the run already knows of the folders above the context."""
    dockerfile = parse(source.text)
    context = Context.open(context_dir, dockerfile_path, above) if context_dir is not None else None
    profiles = candidates(options.platform, options.known_base_images)
    if options.entrypoints:
        profiles = tuple(p.with_entrypoints(options.entrypoints) for p in profiles)
    image = simulate(dockerfile, context, profiles, options.kind, options.build_args, options.siblings,
                     options.edits)
    if options.platform is not None:
        return dockerfile, context, image._replace(detected_from=options.platform_from)
    own = _own_convention(profiles, image, dockerfile_path or (context_dir / "Dockerfile" if context_dir else None))
    if own is not None:
        return dockerfile, context, image._replace(platform=own.profile, detected_from=own.detected_from)
    found = detect(profiles, tuple((s.platform, s.base.text) for s in reversed(image.stages) if s.platform),
                   tuple((a.name, a.uid) for a in image.final.accounts if a.line is not None))
    return dockerfile, context, image._replace(platform=found.profile, detected_from=found.detected_from)


def _own_convention(profiles: tuple[Profile, ...], image: Image, dockerfile_path: Path | None) -> Detected | None:
    """A profile whose own [detect] table claims the Dockerfile (by its folder, or the start-up script
    its ENTRYPOINT runs): a convention of its own (the EUCAIM toolbox), before bases and users."""
    if not any(p.detect for p in profiles) or not image.stages:
        return None
    from chaimeleon_lint.model.toolbox import script_facts

    folder = Path(os.path.abspath(dockerfile_path)).parent.as_posix() if dockerfile_path is not None else ""
    facts = script_facts(image)
    for profile in profiles:
        why = profile.detects(folder, facts)
        if why is not None:
            return Detected(profile, why)
    return None


def lint_source(source: Source, context_dir: Path | None, options: Options, catalogue: Catalogue,
                checks: Mapping[str, CheckFn], dockerfile_path: Path | None = None,
                above: Above | None = None) -> Result:
    """Lint one decoded Dockerfile; context_dir None means no build context (stdin)."""
    dockerfile, context, image = model(source, context_dir, options, dockerfile_path, above)
    pragmas = parse_pragmas(dockerfile)
    suppressed = Suppressed(
        frozenset(r for r in map(catalogue.resolve, pragmas.file) if r),
        tuple((a, b, frozenset(r for r in map(catalogue.resolve, names) if r)) for a, b, names in pragmas.spans))
    findings: list[Finding] = []

    def shown(rel: str | None) -> str:
        """A context file as the user can open it; None is the Dockerfile."""
        return display_path(context.root / rel) if rel is not None and context is not None else source.path

    for line, name in pragmas.mentioned:
        if catalogue.resolve(name) is None:
            findings.append(_finding(SYNTAX_RULE, Hit(Span.at(line), {"problem": f"unknown rule {name!r} in a pragma"}),
                                     catalogue, source.path))
    for line, text in pragmas.malformed:
        problem = (f"malformed pragma {text!r}: write `# chaimeleon-lint: ignore=CHL501` (before an instruction) "
                   "or `file-ignore=CHL501` (the whole file); a reason may follow after another `#`")
        findings.append(_finding(SYNTAX_RULE, Hit(Span.at(line), {"problem": problem}), catalogue, source.path))
    fixes = _Fixes(image, dockerfile)
    if not dockerfile.instructions:  # nothing to simulate: report only why (CHL901), not every missing thing
        checks = {rule: check for rule, check in checks.items() if rule == SYNTAX_RULE}
    wanted = _wanted(options, catalogue, image.platform)
    # Linting judges files: what a sibling parent's start-up files do is that parent's finding.
    parents = {s.context_path: s.inherited for s in image.startup.scripts if s.inherited is not None}
    scripts = _ScriptPragmas(shown, catalogue)
    for rule, check in checks.items():
        if not wanted(rule) or rule in suppressed.file:
            continue
        for hit in check(image):
            if hit.path is None and suppressed.covers(rule, hit.span.line if hit.span else None):
                continue
            if hit.path in parents:
                if not options.inherited:
                    continue
                hit = hit._replace(params={**hit.params, "inherited": parents[hit.path]})
            if hit.path is not None and hit.span is not None and rule in scripts.ignored(hit.path, hit.span.line):
                continue
            edits = fixes.edits(rule, hit) if hit.path is None and options.edits else ()
            finding = _finding(rule, hit, catalogue, shown(hit.path), options, tuple((shown(p), n) for p, n in hit.via),
                               edits, image.platform)
            if finding is not None:
                findings.append(finding)
    notes = source.notes + (context.problems if context else (NO_CONTEXT,))
    return Result(source.path, display_path(context_dir) if context_dir else None,
                  tuple(sorted(findings, key=Finding.sort_key)), notes, image.kind, suppressed=suppressed,
                  anchor=image.final.from_line if image.stages else None, platform=image.platform,
                  detected_from=image.detected_from)


class _ScriptPragmas:
    """`# chaimeleon-lint: ignore=...` in the start-up files findings point into, read only when a
    finding does."""

    def __init__(self, shown: Callable[[str | None], str], catalogue: Catalogue) -> None:
        self.shown, self.catalogue = shown, catalogue
        self.files: dict[str, tuple[list[str], frozenset[str]]] = {}  # path → its lines, its file-ignore names

    def ignored(self, path: str, line: int) -> frozenset[str]:
        from chaimeleon_lint.files import read_regular
        from chaimeleon_lint.source.pragmas import file_ignored, ignored_above

        if path not in self.files:
            try:
                text = read_regular(self.shown(path), 1024 * 1024).decode("utf-8", errors="replace")
            except OSError:
                text = ""
            lines = text.splitlines()
            self.files[path] = (lines, file_ignored(lines))  # the whole file's, read once per file
        lines, whole = self.files[path]
        names = whole | ignored_above(lines, line)
        return frozenset(r for r in map(self.catalogue.resolve, names) if r) if names else frozenset()


class _Fixes:
    """The autofixes of one file's hits. The fix module is imported, and whether the file may be
    edited at all decided, at the first hit: a clean file pays for neither."""

    def __init__(self, image: Image, dockerfile: Dockerfile) -> None:
        self.image, self.dockerfile = image, dockerfile
        self.allowed: bool | None = None

    def edits(self, rule: str, hit: Hit) -> tuple[Edit, ...]:
        from chaimeleon_lint.fix.edits import BUILDERS, fixable

        if self.allowed is None:
            self.allowed = fixable(self.dockerfile)
        builder = BUILDERS.get(rule)
        return builder(rule, hit, self.image, self.dockerfile) if builder is not None and self.allowed else ()


def _wanted(options: Options, catalogue: Catalogue, platform: Profile | None) -> Callable[[str], bool]:
    """Whether a rule runs: it applies under the platform (a profile switches some off; some rules
    are one profile's only), and survives --select/--ignore and the config's ignore list (names may
    be ids or slugs); the names are resolved once, not once per rule."""
    selected = {catalogue.resolve(n) for n in options.select}
    ignored = {catalogue.resolve(n) for n in options.ignore}
    profile = platform

    def applies(rule: str) -> bool:
        return profile is None or profile.applies(rule, catalogue.only(rule))

    if selected:
        return lambda rule: rule in selected and rule not in ignored and applies(rule)
    return lambda rule: rule not in ignored and applies(rule)


def _finding(rule: str, hit: Hit, catalogue: Catalogue, path: str, options: Options | None = None,
             via: tuple[tuple[str, int], ...] = (), edits: tuple[Edit, ...] = (),
             platform: Profile | None = None) -> Finding | None:
    """A hit rendered with its rule's message in the platform's words, after the user's severity
    override; None when that is off."""
    spec = catalogue.rules[rule]
    words = platform.translate if platform is not None else None
    severity, message = spec.render(hit.variant, hit.params, words)
    if "inherited" in hit.params:
        message = f"{message} (inherited from {hit.params['inherited']})"
    severity = options.severity.get(rule, severity) if options is not None else severity
    if severity is Severity.OFF:
        return None
    return Finding(rule, spec.slug, severity, path, hit.span.line if hit.span else None,
                   hit.span.end_line if hit.span else None, message, spec.fix_for(hit.variant, hit.params, words),
                   via, edits)


def fix_source(source: Source, context_dir: Path | None, options: Options, catalogue: Catalogue,
               checks: Mapping[str, CheckFn], dockerfile_path: Path | None = None,
               above: Above | None = None, max_rounds: int = 8) -> tuple[str, Result]:
    """Apply the findings' fixes and lint again until none is left: one fix may enable another
    (CHL203 adds the USER switch that CHL301's mkdir goes after), and edits that collided in one
    round apply in the next. The same fix is not applied twice: if its finding comes back, it did
    not take, and repeating it would only pile up text.
    Returns the fixed text and the result of linting it."""
    from chaimeleon_lint.fix.apply import apply  # difflib and tempfile: only when fixing

    text = source.text
    result = lint_source(source, context_dir, options, catalogue, checks, dockerfile_path, above)
    applied: set[tuple[str, str, tuple[str, ...]]] = set()  # (rule, message, edit texts): positions move
    for _ in range(max_rounds):
        pending = [(key, f) for f in result.findings if f.edits
                   and (key := (f.rule, f.message, tuple(e.text for e in f.edits))) not in applied]
        fixed, done = apply(text, [e for _, f in pending for e in f.edits])
        if fixed == text:
            break
        applied.update(key for key, f in pending if done.issuperset(f.edits))
        text = fixed
        result = lint_source(Source(source.path, text, source.notes), context_dir, options, catalogue, checks,
                             dockerfile_path, above)
    return text, result


def with_hits(result: Result, hits: Sequence[tuple[str, Hit]], notes: Sequence[str], options: Options,
              catalogue: Catalogue, built: bool | None = None) -> Result:
    """The result joined by a later phase's findings (build, history), filtered and ranked like the others."""
    findings = list(result.findings)
    wanted = _wanted(options, catalogue, result.platform)
    for rule, hit in hits:
        if not wanted(rule) or result.suppressed.covers(rule, hit.span.line if hit.span else None):
            continue
        finding = _finding(rule, hit, catalogue, result.path, options, platform=result.platform)
        if finding is not None:
            findings.append(finding)
    return result._replace(findings=tuple(sorted(findings, key=Finding.sort_key)),
                           notes=result.notes + tuple(notes), built=result.built if built is None else built)
