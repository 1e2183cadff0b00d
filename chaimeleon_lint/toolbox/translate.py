"""A FEMTask as the CWL v1.2 `CommandLineTool` the standard runners accept.

FEM's classes look like CWL but are not: `cwltool --validate` refuses them as written. The
translation drops the FEM-only keys (`id` and `source`/`hidden`/`constraints` of inputs, `metadata`,
`expectedExitCode`, requirements no runner knows), makes `required: false` an optional type, and
turns `expectedExitCode` into `successCodes`. The same file then runs on cwltool, Toil or Arvados.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

_BINDING = ("position", "prefix", "separate", "itemSeparator", "valueFrom")
_REQUIREMENTS = {
    "DockerRequirement": ("dockerPull",),
    "EnvVarRequirement": ("envDef",),
    "ResourceRequirement": ("coresMin", "ramMin"),
}


def _type(item: dict[str, Any]) -> str:
    kind = str(item.get("type", "string"))
    optional = item.get("required") is False
    return f"{kind}?" if optional and not kind.endswith("?") else kind


def command_line_tool(task: dict[str, Any]) -> dict[str, Any]:
    """The CommandLineTool of a FEMTask's data (as read from its YAML)."""
    tool: dict[str, Any] = {"cwlVersion": "v1.2", "class": "CommandLineTool"}
    for key in ("label", "doc"):
        if isinstance(task.get(key), str):
            tool[key] = task[key]
    requirements = []
    for req in _listed(task.get("requirements")):
        kept = _REQUIREMENTS.get(req.get("class")) if isinstance(req, dict) else None
        if kept is not None:
            requirements.append({"class": req["class"], **{k: req[k] for k in kept if k in req}})
    if requirements:
        tool["requirements"] = requirements
    command = task.get("baseCommand")
    tool["baseCommand"] = [str(w) for w in command] if isinstance(command, list) else [str(command or "")]
    if task.get("arguments"):
        tool["arguments"] = task["arguments"]
    inputs: dict[str, Any] = {}
    for item in _listed(task.get("inputs")):
        entry: dict[str, Any] = {"type": _type(item)}
        if item.get("default") is not None:
            entry["default"] = item["default"]
        if isinstance(item.get("doc"), str):
            entry["doc"] = item["doc"]
        binding = item.get("inputBinding")
        if isinstance(binding, dict):
            entry["inputBinding"] = {k: binding[k] for k in _BINDING if k in binding}
        inputs[str(item["id"])] = entry
    tool["inputs"] = inputs
    outputs: dict[str, Any] = {}
    for item in _listed(task.get("outputs")):
        entry = {"type": str(item.get("type", "File"))}
        binding = item.get("outputBinding")
        glob = binding.get("glob") if isinstance(binding, dict) else None
        if glob is not None:
            entry["outputBinding"] = {"glob": glob}
        outputs[str(item["id"])] = entry
    tool["outputs"] = outputs
    code = task.get("expectedExitCode", 0)
    tool["successCodes"] = [code if isinstance(code, int) else 0]
    return tool


def _listed(value: Any) -> list[dict[str, Any]]:
    """The items of a list that are mappings with what they need (an id, or a class): whatever else
    a broken file holds is CHL1055's to report, not the translation's to trip on."""
    return [v for v in value if isinstance(v, dict) and ("id" in v or "class" in v)] if isinstance(value, list) else []


def job_of(task: dict[str, Any], dataset: Path, connected: dict[str, Path]) -> dict[str, Any]:
    """The job of one run: a Directory input gets the dataset folder (a `source: connection` input
    the folder its producers' files were gathered in), the others their defaults."""
    job: dict[str, Any] = {}
    for item in _listed(task.get("inputs")):
        key = str(item.get("id"))
        if key in connected:
            job[key] = {"class": "Directory", "location": connected[key].resolve().as_uri()}
        elif item.get("type") == "Directory":
            job[key] = {"class": "Directory", "location": dataset.resolve().as_uri()}
        elif item.get("default") is not None:
            job[key] = item["default"]
    return job
