"""Bytes that each layer of a saved image adds under cache paths, read from `<engine> save`.

A cache removed by a later layer still weighs in the layer that wrote it, which is why we read
the layers themselves rather than the final file system. The archive is streamed: layers are
read once, in the order the engine writes them, and matched to the image history at the end.
"""

from __future__ import annotations

import io
import json
import re
import tarfile
from collections.abc import Iterator
from typing import IO

from chaimeleon_lint.records import NamedTuple

CACHE_PATHS = (
    re.compile(r"^root/\.cache/pip/"), re.compile(r"^home/[^/]+/\.cache/pip/"),
    re.compile(r"^var/lib/apt/lists/(?!lock$|partial/?$|auxfiles/?$)"),
    re.compile(r"^(root|home/[^/]+)/\.cache/pypoetry/"),
    re.compile(r"^(opt/conda|opt/miniconda3?|root/miniconda3?|home/[^/]+/miniconda3?|opt/mambaforge)/pkgs/"),
)
_CACHE_NAMES = ("pip cache", "pip cache", "apt lists", "poetry cache", "conda packages")
_MAX_JSON = 8 * 1024 * 1024


class LayerCache(NamedTuple):
    created_by: str  # the history entry that made the layer
    cache: str  # which cache
    path: str  # its top folder in the image
    size: int


def _cache_of(name: str) -> tuple[str, str] | None:
    clean = name.lstrip("./")
    for regex, label in zip(CACHE_PATHS, _CACHE_NAMES):
        match = regex.match(clean)
        if match:
            return label, "/" + match.group(0).rstrip("/")
    return None


def _scan_layer(stream: IO[bytes]) -> dict[tuple[str, str], int]:
    sizes: dict[tuple[str, str], int] = {}
    with tarfile.open(fileobj=stream, mode="r|*") as layer:
        for member in layer:
            if member.isfile():
                found = _cache_of(member.name)
                if found is not None:
                    sizes[found] = sizes.get(found, 0) + member.size
    return sizes


def scan_saved(archive: IO[bytes]) -> list[LayerCache]:
    """Cache bytes per layer of a `save` stream (docker archive or OCI layout)."""
    documents: dict[str, object] = {}
    layers: dict[str, dict[tuple[str, str], int]] = {}
    with tarfile.open(fileobj=archive, mode="r|") as outer:
        for member in outer:
            if not member.isfile():
                continue
            handle = outer.extractfile(member)
            if handle is None:
                continue
            if member.size < _MAX_JSON:  # configs and manifests; OCI blobs have no .json suffix
                data = handle.read()
                if data[:1] in (b"{", b"["):
                    try:
                        documents[member.name] = json.loads(data)
                    except ValueError:
                        pass
                    continue
                handle = io.BytesIO(data)
            try:
                layers[member.name] = _scan_layer(handle)
            except (tarfile.TarError, OSError, EOFError):
                continue
    return list(_attribute(documents, layers))


def _attribute(documents: dict[str, object], layers: dict[str, dict[tuple[str, str], int]]) -> Iterator[LayerCache]:
    manifest = documents.get("manifest.json")
    if not isinstance(manifest, list) or not manifest:
        return
    entry = manifest[0]
    config = documents.get(entry.get("Config", ""))
    history = [h for h in (config or {}).get("history", []) if not h.get("empty_layer")] if isinstance(
        config, dict) else []
    for index, name in enumerate(entry.get("Layers", [])):
        created_by = history[index].get("created_by", "") if index < len(history) else ""
        for (cache, path), size in sorted(layers.get(name, {}).items()):
            yield LayerCache(created_by, cache, path, size)
