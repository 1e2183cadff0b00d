"""The program's entry point. File names alone, which is how pre-commit and editors call it, and
file names with the options editors and CI add (`--format json`, `-q`, `--color never`,
`--failure-threshold`, `--platform`, `--config`, `--select`, `--ignore`, `--kind`, `--context`,
`--jobs`), are linted without loading the command-line parser (click costs more than a file's
whole lint); anything else (another option, a subcommand, no argument, a value click would
refuse, an unknown rule) goes to the parser in cli.py, which says what is wrong.
"""

import gc
import os
import sys

SUBCOMMANDS = frozenset({"init", "review", "prune", "image", "manifest", "toolbox"})  # cli.COMMANDS; a test keeps the two in step


def plain(args: list[str]) -> bool:
    """Only file or directory names (or - for standard input), and the first is no subcommand."""
    return bool(args) and args[0] not in SUBCOMMANDS and all(a == "-" or not a.startswith("-") for a in args)


# The options of the fast path: option → (Settings field, the values it takes, or None for any;
# a flag maps to its value). cli.py defines them all; a test keeps the two in step.
_VALUED = {"--format": ("fmt", ("text", "json", "sarif", "github", "markdown")),
           "--color": ("color", ("auto", "always", "never")),
           "--failure-threshold": ("threshold", ("error", "warning", "info", "none")),
           "--platform": ("platform", None), "--config": ("config_path", None),
           "--kind": ("kind", ("batch", "interactive")), "--context": ("context_dir", None),
           "--jobs": ("workers", None), "-j": ("workers", None)}
_LISTS = {"--select": "select", "--ignore": "ignore"}  # repeatable, comma-separated
_FLAGS = {"-q": ("quiet", True), "--quiet": ("quiet", True), "--no-color": ("color", "never")}


def quick_options(args: list[str]) -> tuple[list[str], dict[str, object]] | None:
    """(paths, Settings fields) when the arguments are paths and the fast path's options with values
    it accepts; None for anything else, which click parses (and reports)."""
    paths: list[str] = []
    chosen: dict[str, object] = {}
    i = 0
    while i < len(args):
        arg = args[i]
        name, eq, value = arg.partition("=") if arg.startswith("--") else (arg, "", "")
        if name in _VALUED or name in _LISTS:
            if not eq:
                if i + 1 >= len(args):
                    return None
                i, value = i + 1, args[i + 1]
            if name in _LISTS:
                names = [n.strip() for n in value.split(",") if n.strip()]
                chosen[_LISTS[name]] = (*chosen.get(_LISTS[name], ()), *names)  # type: ignore[misc]
                i += 1
                continue
            field, allowed = _VALUED[name]
            if (allowed is not None and value not in allowed) or not value \
                    or field == "workers" and not value.isdigit():
                return None
            chosen[field] = int(value) or os.cpu_count() or 1 if field == "workers" else value
        elif arg in _FLAGS:
            field, flag = _FLAGS[arg]
            chosen[field] = flag
        elif arg == "-" or not arg.startswith("-"):
            paths.append(arg)
        else:
            return None
        i += 1
    if not paths or paths[0] in SUBCOMMANDS:
        return None
    return paths, chosen


def entry() -> None:
    # No cyclic garbage collection: a run makes little of it (500 files peak at the same memory
    # either way), and the collections that imports and one file trigger cost 2 ms of 37.
    gc.disable()
    args = sys.argv[1:]
    quick = None if plain(args) else quick_options(args)
    try:
        code = _lint(args) if plain(args) else _lint(*quick) if quick is not None else _parsed()
    except SystemExit as exc:  # click's way to end, and the commands'
        code = exc.code
    leave(code)


def _lint(args: list[str], options: dict[str, object] | None = None) -> int:
    from pathlib import Path

    from chaimeleon_lint.interrupt import Interrupted, handled
    from chaimeleon_lint.runner import Settings, run

    fields: dict[str, object] = {"workers": os.cpu_count() or 1, **(options or {})}
    for key in ("config_path", "context_dir"):
        if key in fields:
            fields[key] = Path(str(fields[key]))
    if "select" in fields or "ignore" in fields:
        from chaimeleon_lint import catalogue

        if catalogue.load().unknown([*fields.get("select", ()), *fields.get("ignore", ())]):  # type: ignore[misc]
            return _parsed()  # which names them
    try:
        with handled():  # the defaults of `chaimeleon-lint PATHS`, and the options given
            return run(tuple(args), Settings(**fields))  # type: ignore[arg-type]
    except Interrupted as exc:
        print(exc.message(), file=sys.stderr, flush=True)
        return exc.exit_code


def _parsed() -> int:
    from chaimeleon_lint.cli import entry as parsed

    parsed()
    return 0


def leave(code: object) -> None:
    """Exit without the interpreter's teardown, which frees every object one by one and costs a
    one-file run 6 ms (an eighth of it). By now the run has reaped its workers and every `with` has
    closed what it opened (temporary folders, containers), so what is left is flushing the output."""
    if code is not None and not isinstance(code, int):  # sys.exit("message")
        print(code, file=sys.stderr)
        code = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (BrokenPipeError, ValueError):  # a reader that left (`| head`), or a closed stream
            pass
    os._exit(code or 0)
