"""The rule records and shipped profiles, compiled from their TOML sources into one JSON file.

Importing tomllib and parsing the records costs a one-file run more than its lint (about 6 ms),
so the run reads `compiled.json` instead. The TOML files stay the only source: the JSON carries
a checksum of them, and when an edited source no longer matches it, the sources are parsed
instead, so an edit shows at once; a test keeps the shipped file current.

Regenerate with `python -m chaimeleon_lint.compiled`.
"""

from __future__ import annotations

import functools
import json
import os
import zlib
from typing import Any

_HERE = os.path.dirname(os.path.abspath(__file__))
PROFILES_DIR = os.path.join(_HERE, "profiles")
COMPILED = os.path.join(_HERE, "compiled.json")


def rules_dir() -> str:
    """rules/ of a checkout, or the copy bundled into an installed wheel."""
    bundled = os.path.join(_HERE, "_rules")
    return bundled if os.path.isdir(bundled) else os.path.join(os.path.dirname(_HERE), "rules")


def sources() -> dict[str, list[str]]:
    """The TOML files compiled, by kind, in a fixed order."""
    rules = rules_dir()
    return {
        "rules": [os.path.join(rules, n) for n in sorted(os.listdir(rules), key=lambda n: (len(n), n))
                  if n.startswith("CHL") and n.endswith(".toml")],  # in id order: CHL903 before CHL1001
        "groups": [os.path.join(rules, "groups.toml")],
        "profiles": [os.path.join(PROFILES_DIR, n) for n in sorted(os.listdir(PROFILES_DIR)) if n.endswith(".toml")],
        "bases": [os.path.join(PROFILES_DIR, "bases", "public.toml")],
    }


def checksum(files: dict[str, list[str]]) -> int:
    """CRC-32 of the sources' names and bytes: reading the 45 small files costs a third of a millisecond."""
    crc = 0
    for paths in files.values():
        for path in paths:
            with open(path, "rb") as source:
                crc = zlib.crc32(os.path.basename(path).encode() + b"\0" + source.read(), crc)
    return crc


def build(files: dict[str, list[str]] | None = None) -> dict[str, Any]:
    """Parse the sources: {"checksum", "rules": {id: record}, "groups": {...}, "profiles": {name: profile},
    "bases": the public base images' accounts}."""
    import tomllib

    files = files or sources()

    def parsed(path: str) -> dict[str, Any]:
        with open(path, encoding="utf-8") as source:
            return tomllib.loads(source.read())

    return {
        "checksum": checksum(files),
        "rules": {os.path.basename(p)[:-5]: parsed(p) for p in files["rules"]},
        "groups": parsed(files["groups"][0]),
        "profiles": {os.path.basename(p)[:-5]: parsed(p) for p in files["profiles"]},
        "bases": parsed(files["bases"][0]),
    }


@functools.cache
def load() -> dict[str, Any]:
    """This installation's data, once per process."""
    return read(sources(), COMPILED)


def read(files: dict[str, list[str]], path: str) -> dict[str, Any]:
    """The compiled data at `path` when it matches the sources, else the sources parsed."""
    try:
        with open(path, encoding="utf-8") as compiled:
            data = json.load(compiled)
        if data.get("checksum") == checksum(files):
            return data
    except (OSError, ValueError):  # missing or damaged: the sources decide
        pass
    return build(files)


def render(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=1, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    with open(COMPILED + ".tmp", "w", encoding="utf-8") as out:
        out.write(render(build()))
    os.replace(COMPILED + ".tmp", COMPILED)
