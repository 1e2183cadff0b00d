"""--fix and --diff: each fix as a table case (before → exact after), re-lint clean, idempotent, atomic."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest

from chaimeleon_lint import catalogue
from chaimeleon_lint.checks import collect
from chaimeleon_lint.findings import Edit
from chaimeleon_lint.fix.apply import FixError, apply, encode_like, write_atomically
from chaimeleon_lint.linter import Options, fix_source, lint_source
from chaimeleon_lint.source.text import decode

USER = "FROM ubuntu:22.04\nRUN groupadd -g 1000 chaimeleon && useradd -m -u 1000 -g 1000 chaimeleon\n"

# (rule being fixed, Dockerfile before, Dockerfile after); only the named rule's fix is applied.
CASES = [
    ("CHL501", "RUN pip install pydicom\n", "RUN pip install --no-cache-dir pydicom\n"),
    ("CHL501", "RUN python3 -m pip install -U pip && pip3 install a b\n",
     "RUN python3 -m pip install --no-cache-dir -U pip && pip3 install --no-cache-dir a b\n"),
    ("CHL501", "RUN apt-get update \\\n    && pip install \\\n      numpy  # comment\n",
     "RUN apt-get update \\\n    && pip install --no-cache-dir \\\n      numpy  # comment\n"),
    ("CHL501", "RUN <<EOF\npip install pydicom\nEOF\n", "RUN <<EOF\npip install --no-cache-dir pydicom\nEOF\n"),
    ("CHL501", "RUN --mount=type=secret,id=é pip install x\n", "RUN --mount=type=secret,id=é pip install --no-cache-dir x\n"),
    ("CHL502", "RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\n",
     "RUN apt-get update && apt-get install --no-install-recommends -y curl && rm -rf /var/lib/apt/lists/*\n"),
    ("CHL502", "RUN apt-get -y install \\\n  curl\n", "RUN apt-get -y install --no-install-recommends \\\n  curl\n"),
    ("CHL203", "LABEL a=b\n", "LABEL a=b\nUSER chaimeleon:chaimeleon\n"),
    ("CHL203", "USER root\nCMD [\"x\"]", "USER root\nCMD [\"x\"]\nUSER chaimeleon:chaimeleon"),
    ("CHL203", "WORKDIR /tmp\n\n# end\n", "WORKDIR /tmp\n\n# end\nUSER chaimeleon:chaimeleon\n"),
    ("CHL301", "USER chaimeleon\nRUN mkdir -p /home/chaimeleon/datasets\nENTRYPOINT [\"x\"]\n",
     "USER chaimeleon\nRUN mkdir -p /home/chaimeleon/persistent-home /home/chaimeleon/persistent-shared-folder\n"
     "RUN mkdir -p /home/chaimeleon/datasets\nENTRYPOINT [\"x\"]\n"),
    ("CHL302", "RUN mkdir -p /home/chaimeleon/datasets \\\n"
     "    /home/chaimeleon/persistent-home /home/chaimeleon/persistent-shared-folder\nUSER chaimeleon\nCMD [\"x\"]\n",
     "USER chaimeleon\nRUN mkdir -p /home/chaimeleon/datasets \\\n"
     "    /home/chaimeleon/persistent-home /home/chaimeleon/persistent-shared-folder\nCMD [\"x\"]\n"),
    ("CHL302", "RUN mkdir -p /home/chaimeleon/datasets\nRUN mkdir -p /home/chaimeleon/datasets\n"
     "USER chaimeleon\n",  # created twice as root: both blocks move, in two rounds
     "USER chaimeleon\nRUN mkdir -p /home/chaimeleon/datasets\nRUN mkdir -p /home/chaimeleon/datasets\n"),
    ("CHL302", "RUN mkdir -p /home/chaimeleon/datasets /home/chaimeleon/persistent-home "
     "/home/chaimeleon/persistent-shared-folder && apt-get clean\nUSER chaimeleon\n",
     "RUN mkdir -p /home/chaimeleon/datasets /home/chaimeleon/persistent-home "
     "/home/chaimeleon/persistent-shared-folder && apt-get clean\nRUN chown chaimeleon:chaimeleon "
     "/home/chaimeleon/datasets /home/chaimeleon/persistent-home /home/chaimeleon/persistent-shared-folder\n"
     "USER chaimeleon\n"),
    ("CHL302", "COPY <<EOF /home/chaimeleon/datasets/README\nhello\nEOF\nUSER chaimeleon\n",
     "COPY --chown=chaimeleon:chaimeleon <<EOF /home/chaimeleon/datasets/README\nhello\nEOF\nUSER chaimeleon\n"),
    ("CHL302", "  add --link <<EOF /home/chaimeleon/persistent-home/x\nhello\nEOF\nUSER chaimeleon\n",
     "  add --chown=chaimeleon:chaimeleon --link <<EOF /home/chaimeleon/persistent-home/x\nhello\nEOF\n"
     "USER chaimeleon\n"),
    ("CHL602", "ENTRYPOINT python3 /app/main.py --in '/data x'\n",
     "ENTRYPOINT [\"python3\", \"/app/main.py\", \"--in\", \"/data x\"]\n"),
    ("CHL602", "  entrypoint exec /app/run.sh\n", "  entrypoint [\"/app/run.sh\"]\n"),
]

# A fix that would be wrong is not offered: the finding stays, the text stays.
UNSAFE = [
    ("CHL602", "ENTRYPOINT python3 /app/main.py $OPTS\n"),
    ("CHL602", "ENTRYPOINT /app/a.sh && /app/b.sh\n"),
    ("CHL602", "ENTRYPOINT /app/run.sh > /tmp/log\n"),
    ("CHL602", "ENTRYPOINT /app/run.sh *.dcm\n"),
    ("CHL602", "ENTRYPOINT /app/run.sh\nCMD [\"--help\"]\n"),  # CMD would become its arguments
    ("CHL602", "ENTRYPOINT sh -c 'python3 main.py'; echo done\n"),
    ("CHL501", "RUN sh -c 'pip install x'\n"),  # inside a string: no file columns
    ("CHL301", "RUN mkdir -p /home/chaimeleon/datasets\n"),  # no USER switch to go after
    ("CHL203", "WORKDIR /tmp \\\n"),  # a USER appended here would continue the WORKDIR
    ("CHL203", "RUN cat <<EOF\necho\n"),  # ... or become part of the unterminated heredoc
    ("CHL501", "RUN pip install x \\\nUSER chaimeleon\n"),  # a continuation that swallows an instruction
    ("CHL302", "COPY --chown=root <<EOF /home/chaimeleon/datasets/x\nhi\nEOF\nUSER chaimeleon\n"),  # chowned on purpose
]


def _lint(path: Path, rule: str):  # type: ignore[no-untyped-def]
    return lint_source(decode(path.read_bytes(), "Dockerfile"), path.parent, Options(select=frozenset({rule})),
                       catalogue.load(), collect(), path)


def _fix(path: Path, rule: str) -> str:
    text, _ = fix_source(decode(path.read_bytes(), "Dockerfile"), path.parent, Options(select=frozenset({rule})),
                         catalogue.load(), collect(), path)
    return text


@pytest.mark.parametrize(("rule", "before", "after"), CASES)
def test_fix_gives_exact_text_relints_clean_and_is_idempotent(tmp_path: Path, rule: str, before: str,
                                                                after: str) -> None:
    path = tmp_path / "Dockerfile"
    path.write_text(USER + before)
    assert [f.rule for f in _lint(path, rule).findings].count(rule) >= 1
    fixed = _fix(path, rule)
    assert fixed == USER + after
    path.write_text(fixed)
    assert [f.rule for f in _lint(path, rule).findings] == []
    assert _fix(path, rule) == fixed


@pytest.mark.parametrize(("before", "after"), [
    ('ARG V=1\nARG CUDA=""\nFROM ubuntu:22.04\nLABEL version="${V}$CUDA"\n',
     'ARG V=1\nARG CUDA=""\nFROM ubuntu:22.04\nARG V\nARG CUDA\nLABEL version="${V}$CUDA"\n'),
    ("ARG D=/opt\nFROM ubuntu:22.04 AS a\nRUN mkdir $D\nFROM \\\n  a\nWORKDIR $D\n",
     "ARG D=/opt\nFROM ubuntu:22.04 AS a\nARG D\nRUN mkdir $D\nFROM \\\n  a\nARG D\nWORKDIR $D\n"),
])
def test_fix_declares_out_of_scope_args_in_their_stage(tmp_path: Path, before: str, after: str) -> None:
    """CHL903: `ARG NAME` after the stage's FROM (its last line), once per stage and name; the labels
    that were empty because of it are then filled (CHL103 goes too)."""
    path = tmp_path / "Dockerfile"
    path.write_text(before)
    assert _fix(path, "CHL903") == after
    path.write_text(after)
    assert [f.rule for f in _lint(path, "CHL903").findings] == []
    if "version" in before:
        assert [f.rule for f in _lint(path, "CHL103").findings] == []


@pytest.mark.parametrize(("rule", "before"), UNSAFE)
def test_no_fix_where_it_would_be_wrong(tmp_path: Path, rule: str, before: str) -> None:
    path = tmp_path / "Dockerfile"
    path.write_text(USER + before)
    findings = [f for f in _lint(path, rule).findings if f.rule == rule]
    assert findings and all(not f.edits for f in findings)
    assert _fix(path, rule) == USER + before


def test_copy_chown_uses_ids_when_the_account_is_created_later(tmp_path: Path) -> None:
    """`--chown=chaimeleon` before the useradd would fail the build: the name does not resolve yet."""
    path = tmp_path / "Dockerfile"
    later = "RUN groupadd -g 1000 chaimeleon && useradd -m -u 1000 -g 1000 chaimeleon\nUSER chaimeleon\n"
    path.write_text("FROM ubuntu:22.04\nCOPY <<EOF /home/chaimeleon/datasets/README\nhi\nEOF\n" + later)
    assert _fix(path, "CHL302") == ("FROM ubuntu:22.04\nCOPY --chown=1000:1000 <<EOF /home/chaimeleon/datasets/README\n"
                                    "hi\nEOF\n" + later)


def test_fixes_chain_across_rules_and_noncompliant_example_loses_every_fixable_finding(tmp_path: Path) -> None:
    """CHL203 adds the USER switch, after which CHL301 has a place for its mkdir."""
    path = tmp_path / "Dockerfile"
    path.write_text(USER + "RUN pip install x\nENTRYPOINT /app/run.sh\n")
    text, result = fix_source(decode(path.read_bytes(), "Dockerfile"), tmp_path, Options(), catalogue.load(),
                              collect(), path)
    assert text == USER + ("RUN pip install --no-cache-dir x\nENTRYPOINT [\"/app/run.sh\"]\n"
                           "USER chaimeleon:chaimeleon\nRUN mkdir -p /home/chaimeleon/datasets "
                           "/home/chaimeleon/persistent-home /home/chaimeleon/persistent-shared-folder\n")
    assert not {"CHL203", "CHL301", "CHL501", "CHL602"} & {f.rule for f in result.findings}


def test_apply_skips_overlaps_and_duplicates() -> None:
    text = "abc\ndef\n"
    edits = [Edit(1, 2, 1, 2, "X"), Edit(1, 2, 1, 2, "X"), Edit(1, 1, 1, 3, "Y"), Edit(2, 4, 2, 4, "!")]
    assert apply(text, edits) == ("Yc\ndef!\n", {edits[2], edits[3]})
    assert apply("a\n", [Edit(2, 1, 2, 1, "C\n"), Edit(2, 1, 2, 1, "B\n")]) == ("a\nB\n", {Edit(2, 1, 2, 1, "B\n")})


def test_encoding_keeps_bom_and_crlf() -> None:
    original = b"\xef\xbb\xbfFROM a\r\nRUN b\r\n"
    assert encode_like(original, "FROM a\nRUN b c\n") == b"\xef\xbb\xbfFROM a\r\nRUN b c\r\n"


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "chaimeleon_lint", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=60)


def test_cli_diff_changes_nothing_and_fix_writes_crlf_file(tmp_path: Path) -> None:
    path = tmp_path / "Dockerfile"
    original = (USER + "RUN pip install x\n").replace("\n", "\r\n").encode()
    path.write_bytes(original)
    diff = _cli("--diff", "Dockerfile", cwd=tmp_path)
    assert diff.returncode == 1 and "+RUN pip install --no-cache-dir x" in diff.stdout
    assert diff.stdout.startswith("--- a/Dockerfile\n+++ b/Dockerfile\n")
    assert path.read_bytes() == original
    fixed = _cli("--fix", "--select", "CHL501", "Dockerfile", cwd=tmp_path)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert path.read_bytes() == original.replace(b"install x", b"install --no-cache-dir x")
    again = _cli("--diff", "--select", "CHL501", "Dockerfile", cwd=tmp_path)
    assert (again.returncode, again.stdout) == (0, "")
    assert [p.name for p in tmp_path.iterdir()] == ["Dockerfile"]


def test_cli_refuses_fix_of_undecodable_file_and_of_stdin(tmp_path: Path) -> None:
    path = tmp_path / "Dockerfile"
    original = USER.encode() + b"RUN pip install caf\xe9\n"
    path.write_bytes(original)
    result = _cli("--fix", "Dockerfile", cwd=tmp_path)
    assert result.returncode == 2 and "not fixed: not valid UTF-8" in result.stderr
    assert path.read_bytes() == original
    assert _cli("--fix", "-", cwd=tmp_path).returncode == 2


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes to read-only files; the access check is what is tested")
def test_read_only_file_is_left_intact(tmp_path: Path) -> None:
    path = tmp_path / "Dockerfile"
    path.write_text(USER + "RUN pip install x\n")
    path.chmod(0o444)
    result = _cli("--fix", "Dockerfile", cwd=tmp_path)
    assert result.returncode == 2 and "not writable" in result.stderr
    assert path.read_text() == USER + "RUN pip install x\n"


def test_read_only_file_is_refused_even_for_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "Dockerfile"
    path.write_bytes(b"old")
    monkeypatch.setattr(os, "access", lambda p, mode: False)
    with pytest.raises(FixError, match="not writable"):
        write_atomically(path, b"old", b"new")
    assert path.read_bytes() == b"old"


def test_file_changed_between_read_and_write_is_not_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "Dockerfile"
    path.write_bytes(b"edited meanwhile")
    with pytest.raises(FixError, match="changed since it was read"):
        write_atomically(path, b"what we linted", b"fixed")
    assert path.read_bytes() == b"edited meanwhile"


def test_full_disk_leaves_original_and_no_temp_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "Dockerfile"
    path.write_bytes(b"old")

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(FixError, match="No space left on device; the original is unchanged"):
        write_atomically(path, b"old", b"new text")
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["Dockerfile"]


def test_fix_keeps_file_mode(tmp_path: Path) -> None:
    path = tmp_path / "Dockerfile"
    path.write_bytes(b"old")
    path.chmod(0o640)
    write_atomically(path, b"old", b"new")
    assert (path.read_bytes(), path.stat().st_mode & 0o777) == (b"new", 0o640)



def test_diff_of_a_crlf_file_is_a_patch_git_applies(tmp_path: Path) -> None:
    import subprocess as sp

    sp.run(["git", "init", "-q", str(tmp_path)], check=True)
    original = b'ARG V=1\r\nFROM ubuntu:22.04\r\nLABEL name="x" version="$V"\r\n'
    (tmp_path / "Dockerfile").write_bytes(original)
    patch = sp.run([sys.executable, "-m", "chaimeleon_lint", "--diff", "Dockerfile"], cwd=tmp_path,
                   capture_output=True, timeout=60).stdout
    assert b"+ARG V\r\n" in patch and patch.startswith(b"--- a/Dockerfile\n+++ b/Dockerfile\n")
    (tmp_path / "fix.patch").write_bytes(patch)
    sp.run(["git", "apply", "fix.patch"], cwd=tmp_path, check=True)
    assert (tmp_path / "Dockerfile").read_bytes() == original.replace(b"FROM ubuntu:22.04\r\n",
                                                                     b"FROM ubuntu:22.04\r\nARG V\r\n")
