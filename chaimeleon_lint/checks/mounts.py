"""CHL3xx: mount points and file system."""

from __future__ import annotations

import re
from collections.abc import Iterator

from chaimeleon_lint.checks import check
from chaimeleon_lint.findings import Hit, Span
from chaimeleon_lint.model.effects.common import under
from chaimeleon_lint.model.image import Image, Script

_OUTPUT_ENV = re.compile(r"(OUT|TMP|TEMP|CACHE|RESULT|LOG|WORK|SAVE|WRITE|SCRATCH)", re.I)
_OUTPUT_FLAG = re.compile(r"^--?(o|out|output|outdir|output[-_]?dir|results?|tmp|temp|tmpdir|save[-_]?dir|log[-_]?dir)$")
# Python calls that write to their first argument (a path known statically), by the name's end
_PY_WRITERS = (".to_csv", ".to_json", ".to_parquet", ".to_excel", ".to_pickle", ".savefig", "numpy.save",
               "numpy.savez", "numpy.savez_compressed", "numpy.savetxt", "os.makedirs", "os.mkdir")
_PATH_METHODS = ("pathlib.Path().write_text", "pathlib.Path().write_bytes", "pathlib.Path().mkdir",
                 "pathlib.Path().touch")
_SHELL_WRITERS = {"mkdir": 1, "touch": 1, "tee": 1, "cp": -1, "mv": -1, "rsync": -1}  # which operands are written


@check("CHL301")
def mount_dir_missing(image: Image) -> Iterator[Hit]:
    stage = image.final
    literal = sorted(p for p in stage.nodes if "{" in p and p.startswith(image.platform.home))
    for directory in image.platform.mount_dirs:
        if stage.node(directory) is None:
            if literal:
                yield Hit(None, {"path": directory, "literal": literal[0]}, variant="braces")
            else:
                yield Hit(None, {"path": directory})


@check("CHL302")
def mount_dir_not_owned(image: Image) -> Iterator[Hit]:
    for directory in image.platform.mount_dirs:
        node = image.final.node(directory)
        if node is not None and node.uid is not None and node.uid != image.platform.uid:
            yield Hit(Span.at(node.line) if node.line else None, {"path": directory, "owner": node.uid})


@check("CHL303")
def writes_into_datasets(image: Image) -> Iterator[Hit]:
    stage = image.final
    datasets = image.platform.datasets_dir
    inside = datasets.rstrip("/") + "/"  # below datasets: one prefix, not two calls for every write and node
    lines: set[int] = set()
    for write in stage.writes:
        if write.path.startswith(inside) and write.path != datasets and write.op not in ("chmod", "chown", "rm"):
            lines.add(write.line)
    lines |= {n.line for p, n in stage.nodes.items() if p.startswith(inside) and p != datasets and n.line is not None}
    for line in sorted(lines):
        yield Hit(Span.at(line), {"what": "the build writes into it"})
    if stage.workdir and under(stage.workdir, datasets) and stage.workdir_line:
        yield Hit(Span.at(stage.workdir_line), {"what": f"WORKDIR {stage.workdir}"})
    for key, value in stage.env.items():
        if value.known and _OUTPUT_ENV.search(key) and under(value.text.rstrip("/"), datasets):
            yield Hit(None, {"what": f"ENV {key}={value.text}"})
    for launch in (stage.entrypoint, stage.cmd):
        if launch is None or launch.exec_form is None:
            continue
        argv = launch.exec_form
        for i, arg in enumerate(argv):
            flag, eq, value = arg.partition("=")
            target = value if eq else (argv[i + 1] if i + 1 < len(argv) else "")
            if _OUTPUT_FLAG.match(flag) and under(target.rstrip("/"), datasets):
                yield Hit(Span.at(launch.line), {"what": f"default argument {flag} {target}"})
    for script in image.startup.scripts:
        for line, target, how in _startup_writes(script, inside):
            yield Hit(Span.at(line), {"what": f"start-up writes to {target} ({how})"}, path=script.context_path,
                      via=script.chain(line))


def _startup_writes(script: Script, inside: str) -> Iterator[tuple[int, str, str]]:
    """(line, path, how) of each write a start-up file makes below `inside` (the datasets directory
    and a slash), where the path is a literal or a variable the model knows."""
    for command in script.commands:
        for redirect in command.redirects:
            target = redirect.target
            if redirect.op in (">", ">>", ">|", "&>", "&>>") and target is not None and target.known \
                    and target.text.startswith(inside):
                yield command.line, target.text, f"`{redirect.op}`"
        which = _SHELL_WRITERS.get(command.name)
        operands = [w for w in command.argv[1:] if not w.text.startswith("-")]
        if which is not None and operands:
            for word in operands if which == 1 else operands[-1:]:
                if word.known and word.text.startswith(inside):
                    yield command.line, word.text, f"`{command.name}`"
    same_line_paths: dict[int, list[str]] = {}
    for call in script.calls:
        first = call.argument(0, "file")
        if call.name == "pathlib.Path" and isinstance(first, str):
            same_line_paths.setdefault(call.line, []).append(first)
    for call in script.calls:
        first = call.argument(0, "file")
        if call.name in ("open", "io.open", "builtins.open"):
            mode = call.argument(1, "mode")
            if isinstance(first, str) and isinstance(mode, str) and set(mode) & set("wax+") \
                    and first.startswith(inside):
                yield call.line, first, f"open(..., {mode!r})"
        elif call.name.endswith(_PY_WRITERS) and isinstance(first, str) and first.startswith(inside):
            yield call.line, first, call.name.rsplit(".", 1)[-1] + "()"
        elif call.name.startswith("shutil.") and len(call.args) > 1 and isinstance(call.args[1], str) \
                and call.args[1].startswith(inside):
            yield call.line, call.args[1], call.name + "()"
        elif call.name in _PATH_METHODS:
            for path in same_line_paths.get(call.line, ()):
                if path.startswith(inside):
                    yield call.line, path, "Path." + call.name.rsplit(".", 1)[-1] + "()"


@check("CHL304")
def workdir_not_home(image: Image) -> Iterator[Hit]:
    stage = image.final
    if stage.workdir_line is not None and not stage.workdir:
        return  # a WORKDIR we cannot resolve
    if stage.workdir.rstrip("/") != image.platform.home:
        line = Span.at(stage.workdir_line) if stage.workdir_line else None
        yield Hit(line, {"workdir": stage.workdir or "/"})
