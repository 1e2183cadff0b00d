"""The FEM metadata of a toolbox submission: YAML read with each key's line, told apart by `class:`,
checked against the FEM schemas (JSON Schema, shipped in the package) and the cross-reference
rules the template's `*.schema.yaml` comments state.

The older generation of keys (`input_name`, `output_name`) is read as the current one (`id`), with
a warning: approved tools still use it.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from chaimeleon_lint.records import NamedTuple

CLASSES = ("FEMTask", "FEMBundle", "FEMWorkflow")
_SCHEMAS = Path(__file__).resolve().parent.parent / "schemas" / "fem"
_OLDER_KEYS = {"input_name": "id", "output_name": "id"}
_MAP_FORMS = (("inputs", "id"), ("outputs", "id"), ("requirements", "class"))  # CWL's map<key, item> forms


def _listed(key: str, name: str, items: dict[str, Any], lines: dict[tuple[Any, ...], int]) -> list[dict[str, Any]]:
    """CWL's map form (`inputs: {dataset: {type: Directory}}`, as approved tools write it) as the
    list form the schemas describe, each item's lines moved with it."""
    listed = []
    for n, (ident, item) in enumerate(items.items()):
        for where in [w for w in lines if w[:2] == (key, ident)]:
            lines[(key, n, *where[2:])] = lines.pop(where)
        lines[(key, n, name)] = lines[(key, n)]
        listed.append({name: ident, **item})
    return listed


class FemError(Exception):
    """A file that is not YAML (or cannot be read): where, as a Problem the report shows."""

    def __init__(self, problem: "Problem") -> None:
        super().__init__(f"{problem.path}:{problem.line}: {problem.message}")
        self.problem = problem


class FemFile(NamedTuple):
    path: Path
    shown: str  # as reports name it
    cls: str  # FEMTask, FEMBundle, FEMWorkflow, or "" for a YAML file of another class
    data: Any
    lines: dict[tuple[Any, ...], int]  # key path → the line it is on (1-based)
    older: tuple[tuple[str, int], ...] = ()  # (older key, line) found and read as the current one

    def line(self, *path: Any) -> int:
        """The line of the deepest key of `path` that is known; 1 when none is."""
        for end in range(len(path), 0, -1):
            if path[:end] in self.lines:
                return self.lines[path[:end]]
        return 1


def read(path: Path, shown: str) -> FemFile:
    """A FEM file read; FemError when it is not YAML."""
    import yaml

    try:
        text = path.read_text(encoding="utf-8", errors="replace")
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise FemError(Problem(shown, mark.line + 1 if mark is not None else 1,
                               f"not YAML: {getattr(exc, 'problem', None) or exc}")) from None
    except OSError as exc:
        raise FemError(Problem(shown, 1, f"cannot read: {exc.strerror or exc}")) from None
    lines: dict[tuple[Any, ...], int] = {}
    older: list[tuple[str, int]] = []
    data = _plain(node, (), lines, older) if node is not None else None
    if isinstance(data, dict):
        for key, name in _MAP_FORMS:
            if isinstance(data.get(key), dict) and all(isinstance(v, dict) for v in data[key].values()):
                data[key] = _listed(key, name, data[key], lines)
    cls = data.get("class", "") if isinstance(data, dict) else ""
    return FemFile(path, shown, cls if cls in CLASSES else "", data, lines, tuple(older))


def _plain(node: Any, where: tuple[Any, ...], lines: dict[tuple[Any, ...], int],
           older: list[tuple[str, int]]) -> Any:
    """The node as Python data, recording each key's line; older keys renamed (and noted)."""
    import yaml

    if isinstance(node, yaml.MappingNode):
        out = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node.value)
            if key in _OLDER_KEYS and where and isinstance(where[-1], int):
                older.append((key, key_node.start_mark.line + 1))
                key = _OLDER_KEYS[key]
            lines[where + (key,)] = key_node.start_mark.line + 1
            out[key] = _plain(value_node, where + (key,), lines, older)
        return out
    if isinstance(node, yaml.SequenceNode):
        items = []
        for n, item in enumerate(node.value):
            lines[where + (n,)] = item.start_mark.line + 1
            items.append(_plain(item, where + (n,), lines, older))
        return items
    return yaml.SafeLoader(" ").construct_object(node, deep=True)  # a scalar, typed as YAML types it


@functools.cache
def _schema(cls: str) -> dict[str, Any]:
    return json.loads((_SCHEMAS / f"{cls.lower()}.schema.json").read_text(encoding="utf-8"))


class Problem(NamedTuple):
    path: str  # the file as shown
    line: int
    message: str
    variant: str | None = None  # "older": the older generation of keys


def schema_problems(fem: FemFile) -> Iterator[Problem]:
    """Each place the file breaks its class's schema, with the key's line."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(_schema(fem.cls))
    for error in sorted(validator.iter_errors(fem.data), key=lambda e: list(map(str, e.absolute_path))):
        where = tuple(error.absolute_path)
        shown = ".".join(str(p) for p in where) or "(top level)"
        yield Problem(fem.shown, fem.line(*where), f"{fem.cls} {shown}: {error.message}")
    for key, line in fem.older:
        yield Problem(fem.shown, line, f"{fem.cls}: `{key}` is the older generation of keys: write `id`", "older")


def _items(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _ids(value: Any, key: str = "id") -> dict[str, int]:
    return {item[key]: n for n, item in enumerate(_items(value)) if isinstance(item.get(key), str)}


def reference_problems(tasks: list[FemFile], bundles: list[FemFile], workflows: list[FemFile]) -> Iterator[Problem]:
    """The cross-reference rules between the three classes."""
    task_by_id = {t.data.get("id"): t for t in tasks if isinstance(t.data, dict)}
    for task in tasks:
        yield from _task_rules(task)
    multiplicity: dict[str, str] = {}  # task id → single/multiple
    roles: dict[tuple[str, str], str] = {}  # (bundle id, task id) → role
    for bundle in bundles:
        data = bundle.data
        for n, entry in enumerate(_items(data.get("tasks"))):
            ref = entry.get("task_id")
            if ref not in task_by_id:
                yield Problem(bundle.shown, bundle.line("tasks", n, "task_id"),
                              f"FEMBundle tasks[{n}].task_id {ref!r} is no FEMTask's id ({_known(task_by_id)})")
            kind = (entry.get("multiplicity") or {}).get("type", "single") if isinstance(entry.get("multiplicity"), dict) else "single"
            multiplicity[str(ref)] = kind
            roles[(str(data.get("id")), str(ref))] = str(entry.get("role"))
        for n, shared in enumerate(_items(data.get("shared_inputs"))):
            yield from _hidden_rule(bundle, ("shared_inputs", n), shared, connected=False)
            for m, target in enumerate(_items(shared.get("targets"))):
                task = task_by_id.get(target.get("task_id"))
                if task is None or target.get("task_input_name") not in _ids(task.data.get("inputs")):
                    yield Problem(bundle.shown, bundle.line("shared_inputs", n, "targets", m),
                                  f"FEMBundle shared_inputs[{n}] targets {target.get('task_id')}.{target.get('task_input_name')}, "
                                  "which no FEMTask declares")
        for n, dep in enumerate(_items(data.get("dependencies"))):
            for ref in [dep.get("from"), *(dep.get("to") or [])]:
                if ref not in task_by_id:
                    yield Problem(bundle.shown, bundle.line("dependencies", n),
                                  f"FEMBundle dependencies[{n}] names task {ref!r}, which is no FEMTask's id")
    bundle_by_id = {b.data.get("id"): b for b in bundles if isinstance(b.data, dict)}
    for workflow in workflows:
        yield from _workflow_rules(workflow, bundle_by_id, task_by_id, multiplicity)


def _known(ids: dict[Any, Any]) -> str:
    names = sorted(str(i) for i in ids if i is not None)
    return "known: " + ", ".join(names) if names else "there is none"


def _task_rules(task: FemFile) -> Iterator[Problem]:
    data = task.data
    for n, item in enumerate(_items(data.get("inputs"))):
        yield from _hidden_rule(task, ("inputs", n), item, connected=item.get("source") == "connection")
    for n, item in enumerate(_items(data.get("outputs"))):
        glob = (item.get("outputBinding") or {}).get("glob") if isinstance(item.get("outputBinding"), dict) else None
        if isinstance(glob, str) and glob.startswith("/"):
            yield Problem(task.shown, task.line("outputs", n, "outputBinding", "glob"),
                          f"FEMTask outputs[{n}] glob {glob!r} is absolute: globs are relative to the output folder")


def _hidden_rule(fem: FemFile, where: tuple[Any, ...], item: dict[str, Any], connected: bool) -> Iterator[Problem]:
    if item.get("hidden") is True and item.get("default") is None and not connected:
        yield Problem(fem.shown, fem.line(*where, "hidden"),
                      f"{fem.cls} {'.'.join(map(str, where))} ({item.get('id')}) is hidden with no default and no connection: "
                      "nothing would ever give it a value")


def _workflow_rules(workflow: FemFile, bundle_by_id: dict[Any, FemFile], task_by_id: dict[Any, FemFile],
                    multiplicity: dict[str, str]) -> Iterator[Problem]:
    data = workflow.data
    sites = _ids(data.get("execution_sites"), "alias")
    binding: dict[tuple[str, str], str] = {}  # (bundle id, role) → site alias
    for n, entry in enumerate(_items(data.get("bundles"))):
        ref = entry.get("bundle_id")
        if ref not in bundle_by_id:
            yield Problem(workflow.shown, workflow.line("bundles", n, "bundle_id"),
                          f"FEMWorkflow bundles[{n}].bundle_id {ref!r} is no FEMBundle's id ({_known(bundle_by_id)})")
        for m, bind in enumerate(_items(entry.get("site_bindings"))):
            if bind.get("site") not in sites:
                yield Problem(workflow.shown, workflow.line("bundles", n, "site_bindings", m),
                              f"FEMWorkflow bundles[{n}] binds role {bind.get('role')!r} to site {bind.get('site')!r}, "
                              f"which is no execution_sites alias ({_known(sites)})")
            binding[(str(ref), str(bind.get("role")))] = str(bind.get("site"))

    def source_task(bundle_id: Any, output: Any) -> str | None:
        """The task a bundle output comes from: a shared_output's source, or `<task_id>.<output_id>`."""
        bundle = bundle_by_id.get(bundle_id)
        if bundle is None or not isinstance(output, str):
            return None
        for shared in _items(bundle.data.get("shared_outputs")):
            if shared.get("id") == output:
                return (shared.get("source") or {}).get("task_id")
        task, _, own = output.partition(".")
        return task if task in task_by_id and own in _ids(task_by_id[task].data.get("outputs")) else None

    for n, item in enumerate(_items(data.get("inputs"))):
        yield from _hidden_rule(workflow, ("inputs", n), item, connected=False)
        for m, target in enumerate(_items(item.get("targets"))):
            if _target_input(target.get("bundle_id"), target.get("bundle_input_name"), bundle_by_id, task_by_id) is None:
                yield Problem(workflow.shown, workflow.line("inputs", n, "targets", m),
                              f"FEMWorkflow inputs[{n}] ({item.get('id')}) targets "
                              f"{target.get('bundle_id')}.{target.get('bundle_input_name')}, which no bundle or task declares")
    for n, out in enumerate(_items(data.get("outputs"))):
        source = out.get("source") if isinstance(out.get("source"), dict) else {}
        task = source_task(source.get("bundle_id"), source.get("bundle_output_name"))
        if task is None:
            yield Problem(workflow.shown, workflow.line("outputs", n, "source"),
                          f"FEMWorkflow outputs[{n}] ({out.get('id')}) comes from "
                          f"{source.get('bundle_id')}.{source.get('bundle_output_name')}, which no bundle or task declares")
            continue
        many = multiplicity.get(task) == "multiple"
        if many and "collect" not in out:
            yield Problem(workflow.shown, workflow.line("outputs", n),
                          f"FEMWorkflow outputs[{n}] ({out.get('id')}) comes from task {task}, which runs once per site "
                          "(multiplicity: multiple): say how to collect its files (collect: array or zip)")
        elif not many and "collect" in out:
            yield Problem(workflow.shown, workflow.line("outputs", n, "collect"),
                          f"FEMWorkflow outputs[{n}] ({out.get('id')}) has collect, but task {task} runs once: remove it")
    for n, conn in enumerate(_items(data.get("connections"))):
        yield from _connection(workflow, n, conn, bundle_by_id, task_by_id, multiplicity, binding, source_task)


def _connection(workflow: FemFile, n: int, conn: dict[str, Any], bundle_by_id: dict[Any, FemFile],
                task_by_id: dict[Any, FemFile], multiplicity: dict[str, str], binding: dict[tuple[str, str], str],
                source_task: Any) -> Iterator[Problem]:
    if conn.get("type") != "file":
        return
    src = conn.get("from") if isinstance(conn.get("from"), dict) else {}
    dst = conn.get("to") if isinstance(conn.get("to"), dict) else {}
    here = workflow.line("connections", n)
    target = _target_input(dst.get("bundle_id"), dst.get("input_name"), bundle_by_id, task_by_id)
    if target is None:
        yield Problem(workflow.shown, here, f"FEMWorkflow connections[{n}] delivers to "
                      f"{dst.get('bundle_id')}.{dst.get('input_name')}, which no bundle or task declares")
        return
    task_id, item = target
    if item.get("source") != "connection":
        yield Problem(workflow.shown, here, f"FEMWorkflow connections[{n}] delivers to {task_id}.{item.get('id')}, "
                      "which is not declared with `source: connection`")
    producer = source_task(src.get("bundle_id"), src.get("output_name"))
    delivery = conn.get("delivery", "matched")
    if delivery == "gather" and item.get("type") not in ("File[]", "Directory"):
        yield Problem(workflow.shown, here, f"FEMWorkflow connections[{n}] gathers files into {task_id}.{item.get('id')}, "
                      f"of type {item.get('type')}: a gather needs File[] or Directory")
    if delivery == "broadcast" and producer is not None and multiplicity.get(producer) == "multiple":
        yield Problem(workflow.shown, here, f"FEMWorkflow connections[{n}] broadcasts from task {producer}, which runs "
                      "once per site: a broadcast needs a single source")
    if delivery == "matched" and producer is not None:
        sites_from = {s for (b, _), s in binding.items() if b == str(src.get("bundle_id"))}
        sites_to = {s for (b, _), s in binding.items() if b == str(dst.get("bundle_id"))}
        if sites_from and sites_to and not sites_from & sites_to:
            yield Problem(workflow.shown, here, f"FEMWorkflow connections[{n}] pairs instances by site (matched), but the "
                          "producing and receiving roles are bound to different site slots")


def _target_input(bundle_id: Any, name: Any, bundle_by_id: dict[Any, FemFile],
                  task_by_id: dict[Any, FemFile]) -> tuple[str, dict[str, Any]] | None:
    """The task input a bundle input name leads to: a shared_input's first target, or `<task>.<input>`."""
    bundle = bundle_by_id.get(bundle_id)
    if bundle is None or not isinstance(name, str):
        return None
    for shared in _items(bundle.data.get("shared_inputs")):
        if shared.get("id") == name:
            targets = _items(shared.get("targets"))
            if not targets:
                return None
            name = f"{targets[0].get('task_id')}.{targets[0].get('task_input_name')}"
    task, _, own = name.partition(".")
    if task not in task_by_id:
        return None
    for item in _items(task_by_id[task].data.get("inputs")):
        if item.get("id") == own:
            return task, item
    return None
