"""The images of one run built FROM one another, and the order to build them in.

A maintainer's repository holds chains (`ubuntu-python` → `ubuntu-python-tensorflow` →
`...-desktop`), each child `FROM` its parent by registry name with the version in a build
argument. Linked here: a child's static phase starts from its parent's simulated image, and
with `--build` the parent is built first and tagged under exactly the reference the child's
`FROM` resolves to, so that the engine builds the child on it, never on a registry.

The link is the one `--since` uses: a `FROM` whose repository name is another Dockerfile's
`name` label, or that the configuration's `[sibling-images]` maps to it. A cheap look at the
raw text comes first, so a folder of unrelated Dockerfiles costs nothing more.
"""

import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from chaimeleon_lint.model.siblings import SiblingBase, references, repository_name
from chaimeleon_lint.records import NamedTuple

if TYPE_CHECKING:
    from chaimeleon_lint.model.image import Image
    from chaimeleon_lint.runner import Job

# A literal start makes the search fast; `names` checks that `name` starts a word. A variable
# (`ubuntu-python-${AI_TOOL}-desktop`) is kept: `label_matcher` lets it match any text.
_NAME = re.compile(r"""name\s*=\s*["']?([A-Za-z0-9$][\w.${}-]*)""")
_VARIABLE = re.compile(r"\$\{[^}]*\}|\$\w+")


class Chains(NamedTuple):
    """Which job is built FROM which, in an order that puts every parent before its children."""

    order: tuple[int, ...]  # every job index, parents first
    parents: dict[int, tuple[int, ...]]  # child → its sibling parents
    references: dict[int, dict[int, tuple[str, ...]]]  # child → parent → the FROM references naming it
    notes: tuple[str, ...] = ()  # cycles, and other links left out

    @property
    def linked(self) -> bool:
        return bool(self.parents)

    def descendants(self, roots: set[int]) -> set[int]:
        """The roots and every job built on them, however far down."""
        found = set(roots)
        changed = True
        while changed:
            changed = False
            for child, parents in self.parents.items():
                if child not in found and found.intersection(parents):
                    found.add(child)
                    changed = True
        return found

    def ancestors(self, jobs: set[int]) -> set[int]:
        found, frontier = set(jobs), list(jobs)
        while frontier:
            for parent in self.parents.get(frontier.pop(), ()):
                if parent not in found:
                    found.add(parent)
                    frontier.append(parent)
        return found


def _mapped(job: "Job") -> dict[str, Path]:
    return {name.lower(): target.resolve() for name, target in job.cfg.sibling_images}


def _candidates(jobs: "Sequence[Job]") -> set[int]:
    """Jobs whose raw FROM names another job's raw name label (or a mapped sibling): the only ones
    worth simulating for links."""
    exact: dict[str, set[int]] = {}
    templates: list[tuple[Callable[[str], bool], int]] = []  # labels with variables
    for n, job in enumerate(jobs):
        for name in names(job.source.text):
            if "$" in name:
                templates.append((label_matcher(name), n))
            else:
                exact.setdefault(name.lower(), set()).add(n)
    paths: dict[Path, int] | None = None  # resolved only when a configuration maps sibling images
    found: set[int] = set()
    for n, job in enumerate(jobs):
        mapped = _mapped(job) if job.cfg.sibling_images else {}
        if mapped and paths is None:
            paths = {job.path.resolve(): n for n, job in enumerate(jobs) if job.path is not None}
        for reference in references(job.source.text):
            repository = repository_name(reference)
            others = (exact.get(repository, set()) | {m for match, m in templates if match(repository)}) - {n}
            if paths is not None and mapped.get(repository) in paths:
                others = others | {paths[mapped[repository]]} - {n}
            if others:
                found |= others | {n}
    return found


def names(text: str) -> list[str]:
    """Values of `name=` where `name` starts a word (`\\bname` in the pattern would make the search
    try every position of the text: thirty times slower)."""
    return [m[1] for m in _NAME.finditer(text)
            if m.start() == 0 or not (text[m.start() - 1].isalnum() or text[m.start() - 1] == "_")]


def label_matcher(label: str) -> "Callable[[str], bool]":
    """Whether a FROM's repository name is the image a `name` label (as written) names: equal, or,
    where the label has variables, equal with any text in their place, since the registry name
    comes from the build script and not from the label."""
    label = label.strip("\"'").lower()
    if "$" not in label:
        return label.__eq__
    parts = _VARIABLE.split(label)
    pattern = re.compile(".*".join(map(re.escape, parts)))
    return lambda name: pattern.fullmatch(name) is not None


def link(jobs: "Sequence[Job]") -> "tuple[list[Job], Chains]":
    """The jobs with each child's options naming its sibling parents' simulated images, and the chains."""
    everyone = tuple(range(len(jobs)))
    candidates = _candidates(jobs) if len(jobs) > 1 else set()
    if not candidates:
        return list(jobs), Chains(everyone, {}, {})
    images = {n: image for n in sorted(candidates) if (image := _image(jobs[n])) is not None}
    by_name: dict[str, int] = {}
    by_template: list[tuple["Callable[[str], bool]", int]] = []  # labels with variables, as written
    for n, image in images.items():
        label = image.final.labels.get("name")
        if label is not None and label.value.known and label.value.text:
            by_name.setdefault(label.value.text.lower(), n)
        if label is not None and label.template:
            by_template.append((label_matcher(label.template), n))

    def named(repository: str) -> int | None:
        found = by_name.get(repository)
        return found if found is not None else next((n for match, n in by_template if match(repository)), None)

    paths = {jobs[n].path.resolve(): n for n in candidates if jobs[n].path is not None}  # type: ignore[union-attr]
    parents: dict[int, list[int]] = {}
    references: dict[int, dict[int, list[str]]] = {}
    given: dict[tuple[int, int], str] = {}  # (child, parent) → the repository name the child's FROM gives it
    for n, image in images.items():
        mapped = _mapped(jobs[n])
        for stage in image.stages:
            if stage.base_stage is not None or not stage.base.text:
                continue
            repository = repository_name(stage.base.text)
            parent = paths.get(mapped[repository]) if repository in mapped else named(repository)
            if parent is None or parent == n:
                continue
            if parent not in parents.setdefault(n, []):
                parents[n].append(parent)
                given[(n, parent)] = repository
            if stage.base.known:
                references.setdefault(n, {}).setdefault(parent, []).append(stage.base.text)
    order, cyclic = _ordered(everyone, parents)
    notes = tuple(f"{jobs[n].shown}: built FROM a sibling that is built FROM it in turn; linked to none"
                  for n in sorted(cyclic))
    for n in cyclic:
        parents.pop(n, None)
        references.pop(n, None)
    linked = list(jobs)
    bases: dict[int, SiblingBase | None] = {}

    def base(parent: int) -> SiblingBase | None:
        """The parent's final stage, simulated on its own parents (earlier in the order)."""
        if parent not in bases:
            image = _image(linked[parent])
            bases[parent] = None if image is None else SiblingBase(
                linked[parent].shown, image.final, image.platform.name if image.platform else None)
        return bases[parent]

    for n in order:
        if n in parents:
            found = {given[(n, p)]: sibling for p in parents[n] if (sibling := base(p)) is not None}
            linked[n] = job_with_siblings(linked[n], found)
    return linked, Chains(tuple(order), {c: tuple(p) for c, p in parents.items()},
                          {c: {p: tuple(dict.fromkeys(r)) for p, r in refs.items()} for c, refs in references.items()},
                          notes)


def _image(job: "Job") -> "Image | None":
    """The job's simulated image; None when the simulation fails (a bug of ours, which the job's
    own lint reports when it is a file of the run): a parent that cannot be simulated links nothing."""
    from chaimeleon_lint.linter import model

    try:
        return model(job.source, job.ctx, job.options, job.path)[2]
    except Exception:  # one broken sibling must not stop the run; see above
        return None


def job_with_siblings(job: "Job", siblings: dict[str, SiblingBase]) -> "Job":
    return job._replace(options=job.options._replace(siblings=siblings))


def _ordered(jobs: tuple[int, ...], parents: dict[int, list[int]]) -> tuple[list[int], set[int]]:
    """Every job, parents before children and otherwise as given; jobs on a cycle come last."""
    placed: list[int] = []
    done: set[int] = set()
    pending = list(jobs)
    while pending:
        ready = [n for n in pending if all(p in done for p in parents.get(n, ()))]
        if not ready:
            break
        for n in ready:
            placed.append(n)
            done.add(n)
        pending = [n for n in pending if n not in done]
    return placed + pending, set(pending)
