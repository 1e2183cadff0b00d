"""The rule catalogue: one TOML record per rule in rules/, the single source of rule metadata."""

import functools
from collections.abc import Callable, Iterable, Iterator, Mapping

from chaimeleon_lint import compiled
from chaimeleon_lint.findings import Severity
from chaimeleon_lint.records import NamedTuple


class Variant(NamedTuple):
    severity: Severity
    message: str
    fix_found: str | None = None  # the fix of one finding, over the check's params


class Example(NamedTuple):
    verdict: str  # "bad" or "good"
    dockerfile: str
    lines: tuple[int | None, ...]
    files: tuple[tuple[str, str], ...]
    kind: str | None
    smoke_args: str | None  # build-phase examples: the arguments of the smoke run
    before: str | None  # history examples: the Dockerfile at the git ref
    request: str | None = None  # request examples: the catalogue request pointing at the Dockerfile
    platform: str | None = None  # the profile it is linted under (--platform); None: detected


class RuleSpec(NamedTuple):
    id: str
    slug: str
    severity: Severity
    title: str
    message: str
    summary: str
    why: str
    guide: str
    fix: str
    limits: str
    phase: str  # "static": a check over the model; "build": on the built image; "history": --since; "request": review
    variants: dict[str, Variant]
    examples: tuple[Example, ...]
    fix_found: str | None = None  # the fix of one finding, over the check's params; `fix` where one is missing
    profiles: tuple[str, ...] = ()  # judged under these profiles alone (a convention of their own); () for all

    def render(self, variant: str | None, params: Mapping[str, object],
               words: Callable[[str], str] | None = None) -> tuple[Severity, str]:
        """Severity and message for one hit; a variant overrides both. `words` puts the template (not
        the values found in the Dockerfile) in the platform's words."""
        severity, template = (self.severity, self.message) if variant is None else self.variants[variant][:2]
        return severity, (words(template) if words else template).format(**params)

    def fix_for(self, variant: str | None, params: Mapping[str, object],
                words: Callable[[str], str] | None = None) -> str:
        """The fix of one finding: the variant's (or the rule's) own, with the values the check found
        (the user's name, entrypoint, ARG), when the check gave them all; else the general fix."""
        template = self.variants[variant].fix_found if variant is not None else self.fix_found
        if template is not None:
            try:
                return (words(template) if words else template).format(**params)
            except (KeyError, IndexError):  # a value the check did not give: the general text says it
                pass
        return words(self.fix) if words else self.fix


class Records(Mapping[str, RuleSpec]):
    """Rule records by id, in id order; each becomes a RuleSpec the first time its rule is needed."""

    def __init__(self, raw: Mapping[str, dict]) -> None:
        self._raw = raw
        self._parsed: dict[str, RuleSpec] = {}

    def __getitem__(self, rule: str) -> RuleSpec:
        if rule not in self._parsed:
            self._parsed[rule] = _spec(self._raw[rule])
        return self._parsed[rule]

    def __contains__(self, rule: object) -> bool:
        return rule in self._raw

    def __iter__(self) -> Iterator[str]:
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)

    def only(self, rule: str) -> tuple[str, ...]:
        """The profiles a rule is judged under alone (its record's `profiles`); () for every profile.
        Read from the raw record: every rule of every file asks, before any is rendered."""
        return tuple(self._raw[rule].get("profiles", ())) if rule in self._raw else ()


class Catalogue:
    """The records, their groups ("CHL1" → "image identity and labels"), and lookups by slug."""

    def __init__(self, rules: Records, groups: Mapping[str, str]) -> None:
        self.rules = rules
        self.groups = groups

    @functools.cached_property
    def by_slug(self) -> dict[str, str]:
        return {spec.slug: spec.id for spec in self.rules.values()}

    def group(self, rule: str) -> tuple[str, str]:
        """(`CHL1xx`, its title) for a rule id: the id without its last two digits (CHL10xx for CHL1001)."""
        return f"{rule[:-2]}xx", self.groups.get(rule[:-2], "")

    def only(self, rule: str) -> tuple[str, ...]:
        return self.rules.only(rule) if isinstance(self.rules, Records) else ()

    def resolve(self, name: str) -> str | None:
        """Rule id for an id or slug as a user may write it; None when unknown."""
        upper = name.strip().upper()
        if upper in self.rules:
            return upper
        return self.by_slug.get(name.strip().lower())

    def unknown(self, names: Iterable[str]) -> list[str]:
        """The names, as given, that are neither a rule id nor a slug."""
        return [n for n in names if self.resolve(n) is None]


def _example(raw: dict) -> Example:
    return Example(
        verdict=raw["verdict"],
        dockerfile=raw["dockerfile"],
        lines=tuple(None if n == 0 else n for n in raw.get("lines", [])),
        files=tuple(sorted(raw.get("files", {}).items())),
        kind=raw.get("kind"),
        smoke_args=raw.get("smoke-args"),
        before=raw.get("before"),
        request=raw.get("request"),
        platform=raw.get("platform"),
    )


def _spec(raw: dict) -> RuleSpec:
    return RuleSpec(
        id=raw["id"],
        slug=raw["slug"],
        severity=Severity.parse(raw["severity"]),
        title=raw["title"],
        message=raw["message"],
        summary=raw["summary"],
        why=raw["why"],
        guide=raw.get("guide", ""),
        fix=raw["fix"],
        limits=raw.get("limits", ""),
        phase=raw.get("phase", "static"),
        variants={
            name: Variant(Severity.parse(v["severity"]), v["message"], v.get("fix-found"))
            for name, v in raw.get("variants", {}).items()
        },
        examples=tuple(_example(e) for e in raw.get("example", [])),
        fix_found=raw.get("fix-found"),
        profiles=tuple(raw.get("profiles", ())),
    )


@functools.cache
def load() -> Catalogue:
    """The catalogue of this installation, once per process."""
    data = compiled.load()
    return Catalogue(Records(data["rules"]), data["groups"])
