"""The program's entry point. File names alone, which is how pre-commit and editors call it, are
linted without loading the command-line parser (click costs more than a file's whole lint);
anything else (an option, a subcommand, no argument) goes to the parser in cli.py.
"""

from __future__ import annotations

import os
import sys

SUBCOMMANDS = frozenset({"init", "review", "prune", "image"})  # cli.COMMANDS; a test keeps the two in step


def plain(args: list[str]) -> bool:
    """Only file or directory names (or - for standard input), and the first is no subcommand."""
    return bool(args) and args[0] not in SUBCOMMANDS and all(a == "-" or not a.startswith("-") for a in args)


def entry() -> None:
    args = sys.argv[1:]
    if not plain(args):
        from chaimeleon_lint.cli import entry as parsed

        parsed()
        return
    from chaimeleon_lint.interrupt import Interrupted, handled
    from chaimeleon_lint.runner import Settings, run

    try:
        with handled():
            code = run(tuple(args), Settings(workers=os.cpu_count() or 1))  # the defaults of `chaimeleon-lint PATHS`
    except Interrupted as exc:
        print(exc.message(), file=sys.stderr, flush=True)
        code = exc.exit_code
    sys.exit(code)
