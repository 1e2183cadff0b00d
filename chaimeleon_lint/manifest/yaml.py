"""Block-style YAML for manifests: mappings, sequences, strings, integers and booleans, nothing else.

The manifests are plain data, so a few lines replace a YAML library: a string that YAML could
read as something else (a number, `true`, `null`, a `key: value`) is written double-quoted with
JSON's escapes, which YAML reads the same way.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

_PLAIN = re.compile(r"[A-Za-z_/.][A-Za-z0-9_./@=+,-]*(?: [A-Za-z0-9_./@=+,-]+)*")
_WORDS = frozenset({"true", "false", "yes", "no", "on", "off", "null", "y", "n", "~"})


def scalar(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    text = str(value)
    if _PLAIN.fullmatch(text) and text.lower() not in _WORDS:
        return text
    return json.dumps(text, ensure_ascii=False)


def _lines(value: object, indent: str) -> Iterable[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, (dict, list)) and item:
                yield f"{indent}{scalar(key)}:"
                yield from _lines(item, indent + ("  " if isinstance(item, dict) else ""))
            else:
                yield f"{indent}{scalar(key)}: {_inline(item)}"
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, (dict, list)) and item:
                nested = list(_lines(item, indent + "  "))
                yield f"{indent}- {nested[0][len(indent) + 2:]}"
                yield from nested[1:]
            else:
                yield f"{indent}- {_inline(item)}"


def _inline(value: object) -> str:
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, list):
        return "[]"
    return scalar(value)


def dump(documents: Iterable[dict]) -> str:
    """The documents as one YAML stream, `---` between them."""
    return "---\n".join("\n".join(_lines(doc, "")) + "\n" for doc in documents)
