"""The program's entry point. File names alone, which is how pre-commit and editors call it, are
linted without loading the command-line parser (click costs more than a file's whole lint);
anything else (an option, a subcommand, no argument) goes to the parser in cli.py.
"""

import gc
import os
import sys

SUBCOMMANDS = frozenset({"init", "review", "prune", "image"})  # cli.COMMANDS; a test keeps the two in step


def plain(args: list[str]) -> bool:
    """Only file or directory names (or - for standard input), and the first is no subcommand."""
    return bool(args) and args[0] not in SUBCOMMANDS and all(a == "-" or not a.startswith("-") for a in args)


def entry() -> None:
    # No cyclic garbage collection: a run makes little of it (500 files peak at the same memory
    # either way), and the collections that imports and one file trigger cost 2 ms of 37.
    gc.disable()
    args = sys.argv[1:]
    try:
        code = _lint(args) if plain(args) else _parsed()
    except SystemExit as exc:  # click's way to end, and the commands'
        code = exc.code
    leave(code)


def _lint(args: list[str]) -> int:
    from chaimeleon_lint.interrupt import Interrupted, handled
    from chaimeleon_lint.runner import Settings, run

    try:
        with handled():
            return run(tuple(args), Settings(workers=os.cpu_count() or 1))  # the defaults of `chaimeleon-lint PATHS`
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
