"""Our Dockerfile parser against dockerfile-parse: the same instructions and line spans on every
real Dockerfile of the project, and the cases where we follow BuildKit and it does not, named."""

from __future__ import annotations

import io

import pytest
from dockerfile_parse import DockerfileParser

from chaimeleon_lint import catalogue
from chaimeleon_lint.source.dockerfile import parse
from test_cli import ROOT

CORPUS = {str(p.relative_to(ROOT)): p.read_text() for p in sorted(ROOT.glob("examples/*/Dockerfile"))}
CORPUS |= {str(p.relative_to(ROOT)): p.read_text() for p in sorted(ROOT.glob("chaimeleon_lint/templates/*/Dockerfile"))}
CORPUS |= {f"{spec.id} {example.verdict} {n}": example.dockerfile
           for spec in catalogue.load().rules.values() for n, example in enumerate(spec.examples)}


def theirs(text: str) -> list[tuple[str, int, int]]:
    parser = DockerfileParser(fileobj=io.BytesIO(text.encode()))
    return [(d["instruction"], d["startline"] + 1, d["endline"] + 1) for d in parser.structure
            if d["instruction"] != "COMMENT"]


def ours(text: str) -> list[tuple[str, int, int]]:
    return [(i.keyword, i.line, i.end_line) for i in parse(text).instructions]


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_same_instructions_and_lines_as_dockerfile_parse(name: str) -> None:
    """Where we report a syntax problem (CHL901), dockerfile-parse may still make an instruction of
    the line (`    wget` after a finished RUN becomes WGET): only those lines may differ."""
    text = CORPUS[name]
    problems = {line for line, _ in parse(text).problems}
    assert [t for t in theirs(text) if t[1] not in problems] == ours(text)


@pytest.mark.parametrize(("text", "dockerfile_parse", "buildkit"), [
    # an empty line inside a continuation is skipped (BuildKit warns), it does not end the RUN
    ("FROM a\nRUN a \\\n\n  b\nCMD x\n",
     [("FROM", 1, 1), ("RUN", 2, 3), ("B", 4, 4), ("CMD", 5, 5)],
     [("FROM", 1, 1), ("RUN", 2, 4), ("CMD", 5, 5)]),
    # heredocs (Dockerfile 1.4): the body belongs to the RUN
    ("FROM a\nRUN <<EOF\necho hi\nEOF\nUSER x\n",
     [("FROM", 1, 1), ("RUN", 2, 2), ("ECHO", 3, 3), ("EOF", 4, 4), ("USER", 5, 5)],
     [("FROM", 1, 1), ("RUN", 2, 4), ("USER", 5, 5)]),
])
def test_where_we_follow_buildkit_and_dockerfile_parse_does_not(
        text: str, dockerfile_parse: list[tuple[str, int, int]], buildkit: list[tuple[str, int, int]]) -> None:
    assert theirs(text) == dockerfile_parse
    assert ours(text) == buildkit
