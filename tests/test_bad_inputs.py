"""Named bad inputs: each gives one clear message and a documented exit code, never a traceback."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from chaimeleon_lint.cli import main
from chaimeleon_lint.source.text import MAX_BYTES
from test_cli import run


def findings(proc) -> list[tuple[str, int | None, str]]:  # type: ignore[no-untyped-def]
    return [(f["rule"], f["line"], f["message"]) for f in json.loads(proc.stdout)["findings"]]


@pytest.mark.parametrize("content", [b"", b"\n\n   \n", b"# just a comment\n# escape=`\n", b"\xef\xbb\xbf"])
def test_empty_file_is_one_syntax_finding(tmp_path: Path, content: bytes) -> None:
    (tmp_path / "Dockerfile").write_bytes(content)
    proc = run("--format", "json", "Dockerfile", cwd=tmp_path)
    assert proc.returncode == 1
    assert findings(proc) == [("CHL901", 1, "no instruction at all (the file is empty or only comments): "
                                            "Docker refuses it")]


def test_binary_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_bytes(b"FROM x\n\x00\x01\x02\xff")
    proc = run("Dockerfile", cwd=tmp_path)
    assert (proc.returncode, proc.stderr) == (2, "chaimeleon-lint: error: Dockerfile: binary file (contains NUL "
                                                 "bytes), not a Dockerfile\n")


def test_non_utf8_text_is_decoded_with_replacement_and_says_so(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_bytes(b'FROM ubuntu:22.04\nLABEL name="caf\xe9"\n')
    proc = run("--format", "json", "Dockerfile", cwd=tmp_path)
    assert proc.returncode == 1 and proc.stderr == ""
    assert ("CHL102", 2, "image name 'caf\ufffd' is not lowercase letters, digits and single hyphens: it has `\ufffd`") \
        in findings(proc)
    text = run("--no-color", "Dockerfile", cwd=tmp_path).stdout
    assert "Dockerfile: note: not valid UTF-8 (first at line 2); decoded with replacement characters" in text


def test_file_above_the_size_limit_is_refused(tmp_path: Path) -> None:
    with open(tmp_path / "Dockerfile", "wb") as handle:
        handle.truncate(50 * 1024 * 1024)  # 50 MB, sparse
    proc = run("Dockerfile", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr == f"chaimeleon-lint: error: Dockerfile: file is {50 * 1024 * 1024:,} bytes; the limit is {MAX_BYTES:,}\n"


@pytest.mark.parametrize("char", ["\U0010fffd", "\U00031860", "\u4e2d", "é"])
def test_code_points_after_a_brace_are_linted_as_written(tmp_path: Path, char: str) -> None:
    """Such code points crashed the linter (SIGSEGV in tree-sitter-bash, see test_shell_parser.py);
    now tree-sitter sees them masked, and the findings still quote the words as written."""
    (tmp_path / "Dockerfile").write_text(f"FROM debian:12\nRUN mkdir -p /home/chaimeleon/{{{char},datasets}}\n"
                                         f"RUN sh -c 'mkdir {{{char}}} {{1..{char}}}'\n", encoding="utf-8")
    proc = run("--format", "json", "--select", "CHL301", "Dockerfile", cwd=tmp_path)
    assert (proc.returncode, proc.stderr) == (1, "")
    assert ("CHL301", None, f"/home/chaimeleon/datasets is never created: /home/chaimeleon/{{{char},datasets}} is a "
                            "literal name, because /bin/sh (dash) does no brace expansion") in findings(proc)


@pytest.mark.parametrize("line", ["EXPOSE \u00b2", "EXPOSE \u0663/tcp", "USER \u00b2", "USER 1000:\u00b2",
                                  "RUN useradd -u \u00b2 -g \u00b2 x", "COPY --chown=\u00b2:\u00b2 a /a",
                                  "RUN chown \u00b2. /a && chown \u00b2: /a", "RUN echo x >&\u00b2"])
def test_unicode_digits_are_names_not_numbers(tmp_path: Path, line: str) -> None:
    """`²` is a digit to str.isdigit but not to int() (the linter crashed on `EXPOSE ²`); the engine
    and useradd take only ASCII digits for numbers."""
    (tmp_path / "a").write_text("x")
    (tmp_path / "Dockerfile").write_text(f"FROM ubuntu:22.04\n{line}\n", encoding="utf-8")
    proc = run("--format", "json", "Dockerfile", cwd=tmp_path)
    assert proc.returncode in (0, 1) and proc.stderr == "", proc.stderr
    assert not [f for f in findings(proc) if f[0] == "CHL901"]


def test_directory_without_dockerfile(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "main.py").write_text("print()\n")
    proc = run("src", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr == ("chaimeleon-lint: error: src: no Dockerfile found (looked for Dockerfile, Dockerfile.*, "
                           "Dockerfile-*, *.Dockerfile)\n")


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Permission is simulated: the tests may run as root, who reads anything."""
    (tmp_path / "Dockerfile").write_text("FROM ubuntu:22.04\n")
    from chaimeleon_lint import config, files  # config imported first: it keeps the real reader after the test

    real = files.read_regular
    assert config.read_regular is real

    def denied(path: Path | str, limit: int = -1) -> bytes:
        if Path(path).name == "Dockerfile":
            raise PermissionError(13, "Permission denied", str(path))
        return real(path, limit)

    monkeypatch.setattr(files, "read_regular", denied)
    result = CliRunner().invoke(main, [str(tmp_path / "Dockerfile")])
    assert result.exit_code == 2 and result.exception is None or isinstance(result.exception, SystemExit)
    assert f"{tmp_path / 'Dockerfile'}: cannot read: Permission denied" in result.output


@pytest.mark.parametrize("limit", [-1, 0, 1, 65_535, 65_536, 200_000, 200_001, 10**9])
def test_reading_stops_at_the_limit_or_the_end(tmp_path: Path, limit: int) -> None:
    from chaimeleon_lint.files import read_regular

    data = bytes(range(256)) * 782  # 200,192 bytes: several reads of 64 KiB
    (tmp_path / "big").write_bytes(data)
    assert read_regular(tmp_path / "big", limit) == (data if limit < 0 else data[:limit])


def test_dockerfile_that_is_a_symlink_loop(tmp_path: Path) -> None:
    os.symlink("Dockerfile", tmp_path / "Dockerfile")
    proc = run("Dockerfile", cwd=tmp_path)
    assert proc.returncode == 2 and "Dockerfile: cannot read: Too many levels of symbolic links" in proc.stderr


def test_symlink_loop_in_the_context_neither_hangs_nor_crashes(tmp_path: Path) -> None:
    os.symlink("b", tmp_path / "a")
    os.symlink("a", tmp_path / "b")
    os.symlink(".", tmp_path / "self")
    (tmp_path / "Dockerfile").write_text("FROM ubuntu:22.04\nCOPY a /opt/a\nCOPY self/self/self/ /opt/\n"
                                         "COPY * /opt/all/\nENTRYPOINT [\"/opt/a\"]\n")
    proc = run("--format", "json", "--select", "CHL902", "Dockerfile", cwd=tmp_path)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert findings(proc) == [("CHL902", 2, "COPY/ADD source 'a' is not in the build context: the build fails")]


def test_copy_from_outside_the_context(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "secret.txt").write_text("x\n")
    (tmp_path / "app" / "Dockerfile").write_text("FROM ubuntu:22.04\nCOPY ../secret.txt /opt/\n"
                                                 "COPY /../../etc/passwd /opt/\nCOPY ./ok/../Dockerfile /opt/\n")
    proc = run("--format", "json", "--select", "CHL902", "app/Dockerfile", cwd=tmp_path)
    assert [(rule, line) for rule, line, _ in findings(proc)] == [("CHL902", 2), ("CHL902", 3)]
    assert "'../secret.txt' is outside the build context" in findings(proc)[0][2]


def test_a_name_that_starts_with_two_dots_is_inside_the_context(tmp_path: Path) -> None:
    (tmp_path / "..data.csv").write_text("x\n")
    (tmp_path / "Dockerfile").write_text("FROM ubuntu:22.04\nCOPY ..data.csv /opt/\nCOPY ../data.csv /opt/\n")
    proc = run("--format", "json", "--select", "CHL902", "Dockerfile", cwd=tmp_path)
    assert [(rule, line) for rule, line, _ in findings(proc)] == [("CHL902", 3)]


def test_missing_and_dockerignored_sources(tmp_path: Path) -> None:
    (tmp_path / "kept.txt").write_text("x\n")
    (tmp_path / "secret.env").write_text("x\n")
    (tmp_path / ".dockerignore").write_text("*.env\n")
    (tmp_path / "Dockerfile").write_text("FROM ubuntu:22.04\nCOPY kept.txt secret.env /opt/\nCOPY gone.txt /opt/\n"
                                         "COPY *.csv /opt/\nCOPY --from=builder /nope /opt/\n"
                                         "ADD https://example.org/x.tgz /opt/\n")
    proc = run("--format", "json", "--select", "CHL902", "Dockerfile", cwd=tmp_path)
    assert [(line, message.split(": ")[0]) for _, line, message in findings(proc)] == [
        (2, "COPY/ADD source 'secret.env' is excluded by .dockerignore"),
        (3, "COPY/ADD source 'gone.txt' is not in the build context"),
        (4, "COPY/ADD source '*.csv' matches no file of the build context")]


def test_invalid_dockerignore_patterns_are_reported_and_the_rest_still_apply(tmp_path: Path) -> None:
    (tmp_path / "secret.env").write_text("x\n")
    (tmp_path / ".dockerignore").write_text("[unclosed\n*.env\n")
    (tmp_path / "Dockerfile").write_text("FROM ubuntu:22.04\nCOPY secret.env /opt/\n")
    proc = run("--no-color", "--select", "CHL902", "Dockerfile", cwd=tmp_path)
    assert "Dockerfile: note: .dockerignore:1: invalid pattern '[unclosed' (unterminated [); ignored" in proc.stdout
    assert "'secret.env' is excluded by .dockerignore" in proc.stdout


@pytest.mark.parametrize(("toml", "key"), [
    ('ignore = "CHL101"', "ignore"), ("ignore = [1]", "ignore"), ("severity = []", "severity"),
    ('severity = { CHL101 = 3 }', "severity.CHL101"), ('severity = { CHL101 = "loud" }', "severity.CHL101"),
    ("failure-threshold = 2", "failure-threshold"), ('kind = "web"', "kind"), ("smoke-args = 1", "smoke-args"),
    ("smoke-env = \"A=1\"", "smoke-env"), ("smoke-env = [\"1A=1\"]", "smoke-env"),
    ("size-budget-mb = -5", "size-budget-mb"), ("size-budget-mb = true", "size-budget-mb"),
    ('known-base-images = "x"', "known-base-images"), ("sibling-images = 1", "sibling-images"),
    ("colour = true", "colour"), ("ignore = [", "(syntax)"), ('ignore = ["CHL999"]', "CHL999"),
])
def test_config_with_wrong_types_names_the_key(tmp_path: Path, toml: str, key: str) -> None:
    (tmp_path / "Dockerfile").write_text("FROM ubuntu:22.04\n")
    (tmp_path / ".chaimeleon-lint.toml").write_text(toml + "\n")
    proc = run("Dockerfile", cwd=tmp_path)
    assert proc.returncode == 2 and proc.stdout == "" and len(proc.stderr.splitlines()) == 1
    assert ".chaimeleon-lint.toml" in proc.stderr and key in proc.stderr and "Traceback" not in proc.stderr


def test_absolute_paths_are_normalised_as_posixpath_does() -> None:
    """`absolute` returns a path that is normal already as it is; every other path goes through
    normpath. Checked on every joining of tricky pieces, from three working directories."""
    import itertools
    import posixpath

    from chaimeleon_lint.model.effects.common import absolute

    def normalised(path: str, cwd: str) -> str:
        return "/" + posixpath.normpath(posixpath.join(cwd or "/", path)).lstrip("/")

    pieces = ["", "/", "a", ".", "..", ".x", "x/", "//", "~"]
    for count in range(1, 5):
        for parts in itertools.product(pieces, repeat=count):
            for cwd in ("/", "/w/x/", ""):
                assert absolute("".join(parts), cwd) == normalised("".join(parts), cwd), (parts, cwd)


def test_real_path_agrees_with_realpath(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`real_path` remembers folders that are their own real path: with a memory shared by every
    call and with none, it gives what os.path.realpath gives, through links (absolute, relative,
    chained, dangling, looping, to `..`), files, `.`, `..` and `//`, absolute and relative."""
    import itertools

    from chaimeleon_lint.files import real_path

    (tmp_path / "d" / "e").mkdir(parents=True)
    (tmp_path / "f").write_text("x")
    for name, target in (("abs", tmp_path / "d"), ("rel", "d"), ("chain", "rel"), ("dangling", "nowhere"),
                         ("loop", "loop"), ("up", "d/e/.."), ("tofile", "f")):
        (tmp_path / name).symlink_to(target)
    monkeypatch.chdir(tmp_path)
    shared: set[str] = set()
    pieces = ["d", "e", "abs", "rel", "chain", "dangling", "loop", "up", "tofile", "f", ".", "..", "", "x"]
    for count in range(1, 4):
        for parts in itertools.product(pieces, repeat=count):
            for path in ("/".join(parts), f"{tmp_path}/{'/'.join(parts)}", f"/{tmp_path}/{'/'.join(parts)}"):
                assert real_path(path, shared) == os.path.realpath(path), path
                assert real_path(path, set()) == os.path.realpath(path), path
    assert str(tmp_path.resolve() / "d") in shared and str(tmp_path.resolve() / "abs") not in shared


def test_parent_and_display_path_agree_with_the_general_functions() -> None:
    """`parent` is posixpath.dirname on the normalised absolute paths the model holds, and
    `display_path` takes a shortcut for relative paths: both give what the general function gives."""
    import itertools
    import posixpath

    from chaimeleon_lint.linter import display_path
    from chaimeleon_lint.model.effects.common import parent

    for count in range(1, 5):
        for parts in itertools.product(["a", "bc", ".x", "é"], repeat=count):
            path = "/" + "/".join(parts)
            assert parent(path) == posixpath.dirname(path)
    assert parent("/") == "/"
    for count in range(1, 5):
        for parts in itertools.product(["a", ".", "b/", "/", "x.y", "..", "c"], repeat=count):
            assert display_path("".join(parts)) == os.path.relpath("".join(parts))
