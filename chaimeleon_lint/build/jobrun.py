"""The smoke run made from the platform's run description (`runspec`): the host folders behind
its volumes, laid out as the pod's, and the engine flags that give the container the pod's user,
groups, mounts and size.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from chaimeleon_lint.build.dataset import write_dataset
from chaimeleon_lint.build.engine import EXTRAS, Mount
from chaimeleon_lint.runspec import RunSpec, Size

_UNITS = {"Ki": "k", "Mi": "m", "Gi": "g", "Ti": "t"}


def lay_out(spec: RunSpec, root: Path) -> list[Mount]:
    """The host folder of each volume under `root` (as the manifest's hostPath), and its mount: a
    sample dataset under each dataset id, an empty datalake, writable persistent folders."""
    mounts = []
    root.mkdir(parents=True, exist_ok=True)
    root.chmod(0o755)
    for volume in spec.volumes:
        folder = Path(volume.host(str(root)))
        folder.mkdir(parents=True, exist_ok=True)
        for made in folder.relative_to(root).parents:
            (root / made).chmod(0o755)
        if volume.dataset is not None:
            write_dataset(folder, volume.dataset, dataset_url=spec.profile.dataset_url)
            for path in [folder, *folder.rglob("*")]:
                path.chmod(0o755 if path.is_dir() else 0o644)
        elif volume.read_only:
            folder.chmod(0o755)
        else:
            fs_group(folder, spec.fs_group)
        mounts.append(Mount(str(folder), volume.path, volume.read_only))
    return mounts


def as_platform(spec: RunSpec) -> dict[str, Any]:
    """The `run_args` that give the container the pod's user, supplementary groups and variables."""
    return {"user": f"{spec.uid}:{spec.gid}", "groups": spec.groups, "env": [f"{k}={v}" for k, v in spec.env]}


def fs_group(folder: Path, gid: int) -> None:
    """A writable volume as Kubernetes' fsGroup leaves it: group `gid`, group-writable, setgid, so the
    pod's user writes there whatever its uid. Without the right to change owners: writable by all."""
    if os.geteuid() == 0:
        os.chown(folder, -1, gid)
        folder.chmod(0o2775)
    else:
        folder.chmod(0o777)


def limits(size: Size) -> tuple[list[str], list[str]]:
    """The size's CPU and memory limits as engine flags, and what this machine could not give."""
    notes = []
    cpus = float(size.limit("cpu").removesuffix("m")) / (1000 if size.limit("cpu").endswith("m") else 1)
    here = os.cpu_count() or 1
    if cpus > here:
        notes.append(f"{size.limit('cpu')} CPUs asked by size {size.name}, {here} here")
        cpus = here
    memory = size.limit("memory")
    for suffix, unit in _UNITS.items():
        if memory.endswith(suffix):
            memory = memory[:-len(suffix)] + unit
            break
    else:
        memory += "b"
    if size.gpu:
        notes.append(f"size {size.name} has {size.gpu} GPU, this run none")
    return ["--memory", memory, "--cpus", f"{cpus:g}"], notes


def described(spec: RunSpec, strict: bool, shortfalls: list[str]) -> str:
    """Which settings the run used, in the words of the findings and the review comment."""
    text = f"as the platform: {spec.summary()}, no Internet"
    if strict:
        text += f"; stricter than the platform: {', '.join(EXTRAS)}"
    else:
        text += " (platform-equal)"
    if shortfalls:
        text += f"; here: {'; '.join(shortfalls)}"
    return text
