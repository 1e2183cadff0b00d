"""Properties over generated input: never raise, never hang, same output twice, valid JSON.

Each property runs CHAIMELEON_LINT_EXAMPLES cases (10,000 by default). benchmarks/fuzz.py
drives the same properties for as long as asked, through Hypothesis's fuzz entry point.
"""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path

import jsonschema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chaimeleon_lint import catalogue
from chaimeleon_lint.checks import collect
from chaimeleon_lint.linter import Options, Result, fix_source, lint_source
from chaimeleon_lint.report import json as json_report
from chaimeleon_lint.source.dockerfile import KEYWORDS
from chaimeleon_lint.source.text import InputError, Source, decode

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = int(os.environ.get("CHAIMELEON_LINT_EXAMPLES", "10000"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=timedelta(seconds=10), derandomize=False,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
VALIDATOR = jsonschema.Draft202012Validator(
    json.loads((ROOT / "chaimeleon_lint" / "schemas" / "report.schema.json").read_text()))
CATALOGUE, CHECKS = catalogue.load(), collect()

SEEDS = sorted({p.read_text() for p in ROOT.glob("examples/*/Dockerfile")}
               | {p.read_text() for p in ROOT.glob("chaimeleon_lint/templates/*/Dockerfile")}
               | {e.dockerfile for s in CATALOGUE.rules.values() for e in s.examples})
_PIECES = sorted(KEYWORDS) + ["RUN <<EOF", "RUN <<-'X'", "COPY <<EOF /x", "EOF", "X", "# escape=`", "\\", "`",
                             "# chaimeleon-lint: ignore=CHL501", "USER chaimeleon:chaimeleon", "sh -c '", "$(", "${",
                             "&&", "|", ";", "'", '"', "[", "]", "{a,b}", "--mount=type=cache,target=/root/.cache"]
_WORDS = st.one_of(st.sampled_from(_PIECES), st.text(max_size=12),
                   st.sampled_from(["pip install x", "apt-get install -y y", "/home/chaimeleon/datasets",
                                    "useradd -u 1000 chaimeleon", "mkdir -p", "chmod 777", "curl http://h/x"]))
DOCKERFILE_TEXT = st.lists(st.lists(_WORDS, max_size=8).map(" ".join), max_size=40).map("\n".join)


def _lint(source: Source, context: Path | None = None) -> Result:
    return lint_source(source, context, Options(), CATALOGUE, CHECKS, context / "Dockerfile" if context else None)


def _report(result: Result) -> str:
    """The JSON report, which must always be valid against its schema."""
    text = json_report.render([result])
    VALIDATOR.validate(json.loads(text))
    return text


def _same_twice(source: Source, context: Path | None = None) -> None:
    assert _report(_lint(source, context)) == _report(_lint(source, context))


@SETTINGS
@given(st.text(max_size=2000))
def test_arbitrary_text(text: str) -> None:
    _same_twice(Source("Dockerfile", text))


@SETTINGS
@given(DOCKERFILE_TEXT)
def test_dockerfile_like_text(text: str) -> None:
    _same_twice(Source("Dockerfile", text))


@SETTINGS
@given(st.binary(max_size=2000))
def test_arbitrary_bytes(data: bytes) -> None:
    try:
        source = decode(data, "Dockerfile")
    except InputError as exc:
        assert str(exc).startswith("Dockerfile: ")
        return
    _same_twice(source)


def _mutate(text: str, ops: list[tuple[int, int, int]], other: str) -> str:
    """Delete, duplicate, continue, truncate, heredoc-open, swap or splice lines of a real Dockerfile."""
    lines = text.split("\n")
    for op, a, b in ops:
        i, j = a % max(len(lines), 1), b % max(len(lines), 1)
        if not lines:
            lines = [""]
        if op == 0:
            del lines[i]
        elif op == 1:
            lines.insert(i, lines[i])
        elif op == 2:
            lines[i] += " \\"
        elif op == 3:
            lines[i] = lines[i][: b % (len(lines[i]) + 1)]
        elif op == 4:
            lines[i] += " <<EOF"
        elif op == 5:
            lines[i], lines[j] = lines[j], lines[i]
        else:
            donor = other.split("\n")
            lines.insert(i, donor[b % len(donor)])
    return "\n".join(lines)


MUTATIONS = st.tuples(st.sampled_from(SEEDS), st.sampled_from(SEEDS),
                      st.lists(st.tuples(st.integers(0, 6), st.integers(0, 10_000), st.integers(0, 10_000)),
                               min_size=1, max_size=8))


@SETTINGS
@given(MUTATIONS)
def test_mutated_real_dockerfiles_with_a_context(mutation: tuple[str, str, list[tuple[int, int, int]]]) -> None:
    seed, other, ops = mutation
    _same_twice(Source("Dockerfile", _mutate(seed, ops, other)), ROOT / "examples" / "noncompliant")


@SETTINGS
@given(MUTATIONS)
def test_fix_is_idempotent_and_keeps_every_line(mutation: tuple[str, str, list[tuple[int, int, int]]]) -> None:
    """A second --fix changes nothing, and no content is lost: every line is still there, moved at
    most, apart from the flags fixes insert and a shell-form ENTRYPOINT rewritten in exec form."""
    seed, other, ops = mutation
    text = _mutate(seed, ops, other)
    fixed, result = fix_source(Source("Dockerfile", text), None, Options(), CATALOGUE, CHECKS)
    _report(result)
    again, _ = fix_source(Source("Dockerfile", fixed), None, Options(), CATALOGUE, CHECKS)
    assert again == fixed
    kept = {_without_flags(line) for line in fixed.split("\n")}
    for line in text.split("\n"):
        assert _without_flags(line) in kept or line.strip().upper().startswith("ENTRYPOINT"), line


def _without_flags(line: str) -> str:
    return line.replace(" --no-cache-dir", "").replace(" --no-install-recommends", "")


PROPERTIES = [test_arbitrary_text, test_dockerfile_like_text, test_arbitrary_bytes,
              test_mutated_real_dockerfiles_with_a_context, test_fix_is_idempotent_and_keeps_every_line]
