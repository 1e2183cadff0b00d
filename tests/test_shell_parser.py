"""The guard around tree-sitter-bash's `isdigit` crash, checked against a model of the scanner.

tree-sitter-bash 0.25's scanner, looking for a `{1..5}` sequence, passes the code point after `{`,
`{12` and `{1..2` to the C `isdigit`; past U+00FF that reads outside glibc's table, and whether the
process then dies depends on the memory layout. So these tests do not wait for a crash: a stand-in
parser checks every byte string before tree-sitter gets it, and fails the test instead of crashing.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chaimeleon_lint.source import shell


def _isdigit_arguments(text: str) -> list[str]:
    """The characters the scanner's two `isdigit` loops would read, for every `{` in `text`."""
    seen: list[str] = []
    for start, char in enumerate(text):
        if char != "{":
            continue
        i = start + 1
        while i < len(text) and text[i].isascii() and text[i].isdigit():
            i += 1
        if i < len(text):
            seen.append(text[i])
        if text[i:i + 2] == "..":
            i += 2
            while i < len(text) and text[i].isascii() and text[i].isdigit():
                i += 1
            if i < len(text):
                seen.append(text[i])
    return seen


def _guarded(patch: pytest.MonkeyPatch) -> list[bytes]:
    """Replace the parser with one that refuses risky input and records what it parsed."""
    real = shell._parser()
    seen: list[bytes] = []

    class Checking:
        def parse(self, source: bytes) -> Any:
            risky = [c for c in _isdigit_arguments(source.decode()) if ord(c) > 0xFF]
            assert not risky, f"tree-sitter would get {risky} after a brace in {source!r}"
            seen.append(source)
            return real.parse(source)

    patch.setattr(shell, "_parser", Checking)
    return seen


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """Every byte string the shell parser handed to tree-sitter, each checked first."""
    return _guarded(monkeypatch)


def _commands(script: str) -> list[shell.Command]:
    return shell.parse_script(script, 1, shell.ShellContext({}, "/home/chaimeleon", bash=True))


@pytest.mark.parametrize(("script", "argv"), [
    ("mkdir {\U0010fffd}", ["mkdir", "{\U0010fffd}"]),
    ("echo {12\u4e2d} {1..\U00031860} {1..23\u0100}", ["echo", "{12\u4e2d}", "{1..\U00031860}", "{1..23\u0100}"]),
    ("cd {\U0010fffd", ["cd", "{\U0010fffd"]),
    ("echo a{{\U0010fffd,b}", ["echo", "a{\U0010fffd", "a{b"]),
    ("echo {é,ü} {1.\u4e2d}", ["echo", "é", "ü", "{1.\u4e2d}"]),
])
def test_words_keep_their_text(parsed: list[bytes], script: str, argv: list[str]) -> None:
    commands = _commands(script)
    assert [w.text for w in commands[0].argv] == argv
    assert parsed


def test_nested_scripts_are_guarded_too(parsed: list[bytes]) -> None:
    commands = _commands("sh -c 'mkdir {\U0010fffd}'\nbash <<EOF\necho {1..\U0010fffd}\nEOF\n")
    assert [[w.text for w in c.argv] for c in commands] == [
        ["sh", "-c", "mkdir {\U0010fffd}"], ["mkdir", "{\U0010fffd}"], ["bash"], ["echo", "{1..\U0010fffd}"]]
    assert len(parsed) == 3


def test_positions_are_unchanged(parsed: list[bytes]) -> None:
    """The mask has the byte length of what it hides, so spans (used by --fix) stay the file's."""
    script = "pip install {\U0010fffd} x && apt-get install -y y"
    commands = _commands(script)
    assert parsed == [script.replace("\U0010fffd", "xxxx").encode()]
    assert commands[1].spans[0] == (1, len("pip install {\U0010fffd} x && ".encode()), 1,
                                    len("pip install {\U0010fffd} x && apt-get".encode()))


@settings(max_examples=500)
@given(st.text(alphabet=st.sampled_from(["{", "}", "1", ".", " ", "\n", ",", "a", "é", "\u4e2d", "\U0010fffd"]),
               max_size=60))
def test_no_risky_code_point_reaches_tree_sitter(text: str) -> None:
    with pytest.MonkeyPatch.context() as patch:
        _guarded(patch)
        _commands(text)


def test_word_positions_are_kept_only_when_asked_for() -> None:
    """Autofixes edit words where they are in the file; a lint that shows no edits skips that work."""
    script = "apt-get install -y curl && sh -c 'pip install x'"
    kept = shell.parse_script(script, 3, shell.ShellContext({}, "/root", bash=False))
    skipped = shell.parse_script(script, 3, shell.ShellContext({}, "/root", bash=False, positions=False))
    assert [c.spans for c in kept] == [((3, 0, 3, 7), (3, 8, 3, 15), (3, 16, 3, 18), (3, 19, 3, 23)),
                                       ((3, 27, 3, 29), (3, 30, 3, 32), (3, 33, 3, 48)), ()]
    assert [c.spans for c in skipped] == [(), (), ()]
    same = [(c.argv, c.line, len(c.conditions)) for c in kept]
    assert same == [(c.argv, c.line, len(c.conditions)) for c in skipped]


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab=/-_.: \t\n\r\u00a0é")), max_size=40),
       st.sampled_from(["\\", "`"]), st.booleans())
def test_plain_values_split_as_the_character_scanner_splits_them(text: str, escape: str, split: bool) -> None:
    """ENV, LABEL and COPY values without quotes, escapes or `$` skip the character scanner: same words."""
    from chaimeleon_lint.source import variables

    slow = variables._scan_characters(text, {}, escape, split, "", 0)
    assert variables._scan(text, {}, escape, split) == slow
    if split:
        assert variables.raw_words(text, escape) == [word.text for word in slow]


def test_variables_a_script_sets_stay_in_that_script() -> None:
    """The walker copies the scope at the first assignment: the caller's scope is never changed,
    and what `sh -c` sets does not reach the shell that ran it."""
    from chaimeleon_lint.source.variables import Scope, Value

    scope = Scope({"A": Value("outer")})
    script = "sh -c 'A=inner; B=1; echo $A $B' && echo $A $B && A=mine && echo $A && for f in x; do echo $f; done"
    commands = shell.parse_script(script, 1, shell.ShellContext(scope, "/root", bash=False))
    echoed = [" ".join(w.text if w.known else "?" for w in c.argv[1:]) for c in commands if c.name == "echo"]
    assert echoed == ["inner 1", "outer ?", "mine", "x"]
    assert scope == {"A": Value("outer")}


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(["ls", "a{b,c}", "{x", "~", "~/d", "a\\ b", "\\$x", "$HOME", "'q r'", '"s $HOME"',
                                 "é", "-rf", "sh -c 'touch f'", "X=1", "&&", "|", ";", "\n", "> out", "<<<w"]),
                max_size=12), st.booleans())
def test_plain_words_read_as_the_general_word_reader_reads_them(tokens: list[str], bash: bool) -> None:
    """An ASCII script's plain words (no escape, `~` or braces) skip the general word reader: the
    same commands as a walk that reads every word the general way."""
    script = " ".join(tokens)
    context = shell.ShellContext({"HOME": shell.Word("/root")}, "/root", bash=bash)
    fast = shell.parse_script(script, 1, context)
    general_init = shell._Walker.__init__

    def general(walker: shell._Walker, *args: Any, **kwargs: Any) -> None:
        general_init(walker, *args, **kwargs)
        walker.ascii = None  # what a script with a non-ASCII byte takes: every word through `word`

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(shell._Walker, "__init__", general)
        assert shell.parse_script(script, 1, context) == fast
