"""A EUCAIM toolbox submission on disk: where the tool folder is, its task folders, FEM files and
test data, and the submission rules (CHL1051–CHL1062) over them.

The template's layout is the norm; the drift of real submissions (`metadata/` without `FEM/`,
`tests/input|output`, no Dockerfile at all) is read with a warning, and what is there is judged.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

from chaimeleon_lint.checks.base import image_tag
from chaimeleon_lint.findings import Hit, Span
from chaimeleon_lint.records import NamedTuple
from chaimeleon_lint.toolbox.fem import FemError, FemFile, Problem, read, reference_problems, schema_problems

DOCKERFILES = ("dockerfile", "Dockerfile")
FEM_SUFFIXES = (".cwl", ".yaml", ".yml")
INPUT_BUDGET = (100 * 1024 * 1024, 500)  # bytes, files
_NOT_COMPARABLE = (".png", ".jpg", ".jpeg", ".gif", ".tif", ".tiff", ".bmp", ".svg", ".pdf", ".nii", ".nii.gz", ".mha",
                   ".nrrd", ".html", ".htm", ".xlsx", ".xls", ".pkl", ".pickle", ".npy", ".npz", ".h5", ".pt", ".dcm")
_DATED = re.compile(r"(19|20)\d\d-?[01]\d-?[0-3]\d")
_LFS = b"version https://git-lfs.github.com/spec/v1"
_PLACEHOLDER_TEXTS = ("Replace with the actual image URL",)


class SubmissionError(Exception):
    """DIR is not a tool submission (exit 2): the message says what was looked for."""


class Task(NamedTuple):
    name: str
    folder: Path
    dockerfiles: tuple[Path, ...]  # the candidates found: one is right, two is a finding
    entrypoint: Path | None

    @property
    def dockerfile(self) -> Path | None:
        return self.dockerfiles[0] if self.dockerfiles else None


class Submission(NamedTuple):
    tool: Path  # toolbox/<tool>/
    name: str
    tasks: tuple[Task, ...]
    fem: tuple[FemFile, ...]
    unreadable: tuple[Problem, ...]  # FEM-looking files that are not YAML, where and why
    input_dir: Path | None
    output_dir: Path | None
    older_tests: bool  # tests/input|output instead of test/example_input|output

    def shown(self, path: Path) -> str:
        """A path as reports name it, as the Dockerfiles' are: relative to the working directory."""
        from chaimeleon_lint.linter import display_path

        return display_path(path)

    def classes(self, cls: str) -> list[FemFile]:
        return [f for f in self.fem if f.cls == cls]


def locate(directory: Path, tool: str | None) -> Path:
    """The tool folder DIR names: DIR itself, or DIR/toolbox/NAME with --tool."""
    if not directory.is_dir():
        raise SubmissionError(f"{directory}: not a folder")
    if tool is not None:
        folder = directory / "toolbox" / tool
        if not folder.is_dir():
            present = sorted(p.name for p in (directory / "toolbox").iterdir() if p.is_dir()) \
                if (directory / "toolbox").is_dir() else []
            raise SubmissionError(f"{folder}: no such tool folder" + (f" (tools: {', '.join(present)})" if present else ""))
        return folder
    if any((directory / part).is_dir() for part in ("task_containers", "metadata")):
        return directory
    if (directory / "toolbox").is_dir():
        raise SubmissionError(f"{directory}: a checkout of the toolbox repository: name the tool with --tool NAME")
    raise SubmissionError(f"{directory}: not a tool submission: no task_containers/ or metadata/ folder "
                          "(give toolbox/<tool>/, or a checkout with --tool NAME)")


def read_submission(folder: Path) -> Submission:
    folder = folder.resolve()
    tasks = []
    containers = folder / "task_containers"
    for task in sorted(p for p in containers.iterdir() if p.is_dir()) if containers.is_dir() else []:
        names = {p.name for p in task.iterdir()}
        dockerfiles = tuple(task / n for n in DOCKERFILES if n in names)
        entrypoint = task / "entrypoint.sh" if "entrypoint.sh" in names else None
        tasks.append(Task(task.name, task, dockerfiles, entrypoint))
    submission = Submission(folder, folder.name, tuple(tasks), (), (), None, None, False)
    fem, unreadable = [], []
    metadata = folder / "metadata"
    for path in sorted(metadata.rglob("*")) if metadata.is_dir() else []:
        if path.is_file() and path.name.endswith(FEM_SUFFIXES) and not path.name.endswith(".schema.yaml"):
            try:
                fem.append(read(path, submission.shown(path)))
            except FemError as exc:
                unreadable.append(exc.problem)
    input_dir, output_dir, older = folder / "test" / "example_input", folder / "test" / "example_output", False
    if not input_dir.is_dir() and (folder / "tests" / "input").is_dir():
        input_dir, output_dir, older = folder / "tests" / "input", folder / "tests" / "output", True
    return submission._replace(fem=tuple(fem), unreadable=tuple(unreadable),
                               input_dir=input_dir if input_dir.is_dir() else None,
                               output_dir=output_dir if output_dir.is_dir() else None, older_tests=older)


class Found(NamedTuple):
    """One submission finding: its rule, where (a file, shown; None for the tool folder), and the hit."""

    rule: str
    path: str | None
    hit: Hit


def _found(rule: str, path: str | None, line: int | None, variant: str | None = None, **params: object) -> Found:
    return Found(rule, path, Hit(Span.at(line) if line else None, params, variant))


def check(sub: Submission, since: str | None = None, registry: tuple[str, ...] = ()) -> Iterator[Found]:
    """Every submission rule, in id order."""
    yield from _location(sub, since)
    for name in ("README.md", "LICENSE"):
        if not any(p.name.upper().startswith(name.split(".")[0].upper()) for p in sub.tool.iterdir() if p.is_file()):
            yield _found("CHL1052", None, None, missing=name)
    yield from _layout(sub)
    yield from _metadata(sub, registry)
    yield from _tests(sub)
    yield from _placeholders(sub)
    if not any(p.suffix == ".log" or (p.name.startswith("log") and p.suffix == ".txt")
               for base in (sub.tool / "test", sub.tool / "tests") if base.is_dir() for p in base.rglob("*")):
        yield _found("CHL1062", None, None)


def _location(sub: Submission, since: str | None) -> Iterator[Found]:
    if sub.tool.parent.name != "toolbox":
        yield _found("CHL1051", None, None, problem=f"the tool is at {sub.tool.parent.name}/{sub.name}/, not toolbox/<tool>/")
    if since is not None:
        from chaimeleon_lint.history.git import GitError, Repo

        try:  # the change as --since means it everywhere: the working tree against the ref
            repo = Repo.around(sub.tool)
            touched = sorted(p for p in repo.changed(repo.commit(since)) if p.startswith("tool_template/"))
        except GitError as exc:
            raise SubmissionError(f"--since {since}: {exc}") from None
        if touched:
            yield _found("CHL1051", None, None, problem=f"the change touches the template: {', '.join(touched[:3])}"
                         + (f" and {len(touched) - 3} more" if len(touched) > 3 else ""))


def _layout(sub: Submission) -> Iterator[Found]:
    if not any(t.dockerfiles for t in sub.tasks):  # images only referenced: one info, not a warning per task
        yield _found("CHL1053", None, None, "pulled")
        return
    for task in sub.tasks:
        where = sub.shown(task.folder)
        if len(task.dockerfiles) > 1:
            yield _found("CHL1053", where, None, problem=f"task {task.name} has two Dockerfiles (dockerfile and "
                         "Dockerfile): keep one")
        elif not task.dockerfiles:
            yield _found("CHL1053", where, None, problem=f"task {task.name} has no Dockerfile")
        if task.dockerfiles and task.entrypoint is None:
            yield _found("CHL1053", where, None, problem=f"task {task.name} has no entrypoint.sh")


def _metadata(sub: Submission, registry: tuple[str, ...]) -> Iterator[Found]:
    yield from map(_problem, sub.unreadable)
    tasks, bundles, workflows = sub.classes("FEMTask"), sub.classes("FEMBundle"), sub.classes("FEMWorkflow")
    # A file that did not parse may be the class that looks missing, or the one a reference names:
    # with one, what is missing and what refers to what are not judged (no guessing, no cascade).
    whole = not sub.unreadable
    images = {_image_name(docker_pull(t)): t for t in tasks if docker_pull(t)}
    ids = {str(t.data.get("id")) for t in tasks}
    for task in sub.tasks if whole else ():
        if task.dockerfiles and task.name not in images and task.name not in ids:
            yield _found("CHL1054", sub.shown(task.folder), None,
                         problem=f"task image {task.name} has no FEMTask (none names it in dockerPull or id)")
    for cls, found in (("FEMBundle", bundles), ("FEMWorkflow", workflows)) if whole else ():
        if not found:
            yield _found("CHL1054", None, None, problem=f"no {cls} (a file with `class: {cls}`) under metadata/")
    for fem in (f for f in sub.fem if f.cls and "/metadata/FEM/" not in f"/{f.shown}"):
        yield _found("CHL1054", fem.shown, 1, "elsewhere", problem=f"{fem.cls} is not under metadata/FEM/")
    for fem in (*tasks, *bundles, *workflows):
        if isinstance(fem.data, dict):
            yield from map(_problem, schema_problems(fem))
    if whole:
        yield from map(_problem, reference_problems(tasks, bundles, workflows))
    yield from _images(sub, tasks, registry)


def _problem(problem: Problem) -> Found:
    return _found("CHL1055", problem.path, problem.line, problem.variant, problem=problem.message)


def docker_pull(task: FemFile) -> str | None:
    """A FEMTask's image: its DockerRequirement's dockerPull."""
    requirements = task.data.get("requirements") if isinstance(task.data, dict) else None
    for req in requirements if isinstance(requirements, list) else []:
        if isinstance(req, dict) and req.get("class") == "DockerRequirement" and isinstance(req.get("dockerPull"), str):
            return req["dockerPull"]
    return None


def femtask_of(task: str, sub: Submission) -> FemFile | None:
    """The FEMTask of a task folder: the one whose image (or id) is named as the folder."""
    for fem in sub.classes("FEMTask"):
        if _image_name(docker_pull(fem)) == task or (isinstance(fem.data, dict) and fem.data.get("id") == task):
            return fem
    return None


def _image_name(reference: str | None) -> str:
    """`host/project/name:tag` → name."""
    name = (reference or "").split("@")[0].rsplit("/", 1)[-1]
    return name.split(":")[0]


def _images(sub: Submission, tasks: list[FemFile], registry: tuple[str, ...]) -> Iterator[Found]:
    from chaimeleon_lint.checks.toolbox import relative_script

    by_name = {t.name: t for t in sub.tasks if t.dockerfiles}
    for task in tasks:
        reference = docker_pull(task)
        line = _pull_line(task)
        command = task.data.get("baseCommand") if isinstance(task.data, dict) else None
        if isinstance(command, list) and all(isinstance(w, str) for w in command):
            script = relative_script(command)
            if script is not None:
                yield Found("CHL1007", task.shown, Hit(Span.at(task.line("baseCommand")),
                                                       {"script": script, "where": "the FEMTask's baseCommand"}))
        if reference is None:
            continue
        project = reference.rsplit("/", 1)[0] if "/" in reference else ""
        tag = image_tag(reference)
        if project not in registry:
            yield _found("CHL1056", task.shown, line, problem=f"dockerPull {reference} is not in the EUCAIM registry "
                         f"({' or '.join(f'{r}/<name>:<tag>' for r in registry)})")
        elif tag is None and "@" not in reference:
            yield _found("CHL1056", task.shown, line, problem=f"dockerPull {reference} has no tag")
        elif tag == "latest":
            yield _found("CHL1056", task.shown, line, "latest", problem=f"dockerPull {reference} is :latest: name the version")
        name = _image_name(reference)
        if by_name and name not in by_name and str(task.data.get("id")) not in by_name:
            yield _found("CHL1057", task.shown, line, problem=f"image {name} has no task container "
                         f"(task_containers/: {', '.join(sorted(by_name))})")
        folder = by_name.get(name) or by_name.get(str(task.data.get("id")))
        if folder is not None and tag is not None:
            version = _label(folder, "image.version")
            if version is not None and version != tag:
                yield _found("CHL1057", task.shown, line, problem=f"image {name}: the image.version label is {version!r}, "
                             f"the dockerPull tag {tag!r}")


def _pull_line(task: FemFile) -> int:
    requirements = task.data.get("requirements") if isinstance(task.data, dict) else None
    for n, req in enumerate(requirements if isinstance(requirements, list) else []):
        if isinstance(req, dict) and "dockerPull" in req:
            return task.line("requirements", n, "dockerPull")
    return task.line("requirements")


def _label(task: Task, key: str) -> str | None:
    """A task Dockerfile's label as the model resolves it (None: not set, or not known)."""
    from chaimeleon_lint.linter import Options, model
    from chaimeleon_lint.profile import load
    from chaimeleon_lint.source.text import InputError, decode

    try:
        source = decode(task.dockerfile.read_bytes(), str(task.dockerfile))  # type: ignore[union-attr]
    except (OSError, InputError):
        return None
    _, _, image = model(source, task.folder, Options(platform=load("eucaim-toolbox"), edits=False), task.dockerfile)
    label = image.final.labels.get(key) if image.stages else None
    return label.value.text if label is not None and label.value.known else None


def _files(folder: Path | None) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder is not None else []


def _tests(sub: Submission) -> Iterator[Found]:
    variant = "older" if sub.older_tests else None
    layout = "tests/input and tests/output" if sub.older_tests else "test/example_input and test/example_output"
    inputs, outputs = _files(sub.input_dir), _files(sub.output_dir)
    for folder, files, what in ((sub.input_dir, inputs, "input"), (sub.output_dir, outputs, "expected output")):
        if not files:
            yield _found("CHL1058", None, None, variant, problem=f"no {what}: {layout} must both hold files"
                         + (" (the older layout: the template's is test/example_input|output)" if sub.older_tests else ""))
    if sub.older_tests and inputs and outputs:
        yield _found("CHL1058", None, None, "older", problem="test data in tests/input and tests/output: "
                     "the template's layout is test/example_input and test/example_output")
    described = sub.output_dir is not None and (sub.output_dir / "description.md").is_file()
    if outputs and not described:
        odd = [p for p in outputs if _not_comparable(p)]
        if odd:
            names = ", ".join(sub.shown(p) for p in odd[:3]) + (f" and {len(odd) - 3} more" if len(odd) > 3 else "")
            yield _found("CHL1059", None, None, problem=f"outputs that cannot be compared byte for byte ({names}) and "
                         "no description.md beside them")
    yield from _budget(sub, inputs)


def _not_comparable(path: Path) -> bool:
    name = path.name.lower()
    if name.endswith(_NOT_COMPARABLE) or _DATED.search(name):
        return True
    if name.endswith(".json"):
        try:
            return _absolute_path_in(json.loads(path.read_text(encoding="utf-8", errors="replace")))
        except ValueError:
            return False
    return False


def _absolute_path_in(value: object) -> bool:
    if isinstance(value, str):
        return value.startswith("/") and value.count("/") > 1 and " " not in value
    if isinstance(value, dict):
        return any(_absolute_path_in(v) for v in value.values())
    if isinstance(value, list):
        return any(_absolute_path_in(v) for v in value)
    return False


def _budget(sub: Submission, inputs: list[Path]) -> Iterator[Found]:
    size = sum(p.stat().st_size for p in inputs)
    if size > INPUT_BUDGET[0] or len(inputs) > INPUT_BUDGET[1]:
        yield _found("CHL1060", None, None, problem=f"the test input is {size / 1024 / 1024:.0f} MB in {len(inputs)} files "
                     "(the budget: 100 MB, 500 files)")
    pointers = [p for p in inputs if p.stat().st_size < 512 and p.read_bytes().startswith(_LFS)]
    if pointers:
        yield _found("CHL1060", sub.shown(pointers[0]), None, problem=f"{len(pointers)} test input file(s) are Git LFS "
                     f"pointers, not data ({sub.shown(pointers[0])}, ...)")
    from chaimeleon_lint.toolbox.dicom import identifying

    for path in inputs:
        said = identifying(path)
        if said:
            yield _found("CHL1060", sub.shown(path), None, problem=f"{sub.shown(path)} identifies a person ({said}): "
                         "anonymise the DICOM header")
            break


def _placeholders(sub: Submission) -> Iterator[Found]:
    for path in sorted(sub.tool.rglob("*")):
        if not path.is_file():
            continue
        shown = sub.shown(path)
        if path.name == ".DS_Store" or path.name.endswith(".cwl.txt"):
            yield _found("CHL1061", shown, None, problem=f"{shown} is a leftover copy (.DS_Store, *.cwl.txt): remove it")
            continue
        if path.stat().st_size > 256 * 1024 or path.suffix.lower() not in (".md", ".cwl", ".yaml", ".yml", ".json", ".txt"):
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for needle in _PLACEHOLDER_TEXTS:
            if needle in text:
                line = text[:text.index(needle)].count("\n") + 1
                yield _found("CHL1061", shown, line, problem=f"the template's {needle!r} is still here")
        if path.suffix == ".json" and '"command-line"' in text and '"schema-version"' in text and "example" in text.lower():
            yield _found("CHL1061", shown, None, problem=f"{shown} is the template's Boutiques example")
    for fem in sub.fem:
        if isinstance(fem.data, dict) and (fem.data.get("id") == "string" or docker_pull(fem) == "string"):
            yield _found("CHL1061", fem.shown, fem.line("id"), problem=f"{fem.shown} still holds the template's "
                         "pseudo-YAML (`id: string`): write the tool's own values")

