"""`chaimeleon-lint init`: a new application directory that the platform accepts as it is."""

from __future__ import annotations

import json
import re
from pathlib import Path

from chaimeleon_lint.profile import DEFAULT, load

TEMPLATES = Path(__file__).resolve().parent / "templates"
_HIDDEN = {"dockerignore": ".dockerignore", "chaimeleon-lint.toml": ".chaimeleon-lint.toml"}
_EXECUTABLE = frozenset({"run.sh"})


class ScaffoldError(Exception):
    """Nothing was written: the directory is unusable or a file would be overwritten."""


def image_name(directory: Path) -> str:
    """The folder's name as the catalogue spells names: lowercase letters, digits and hyphens."""
    name = re.sub(r"[^a-z0-9]+", "-", directory.resolve().name.lower()).strip("-")
    return name or "my-tool"


def plan(directory: Path, kind: str, platform: str = DEFAULT) -> dict[str, str]:
    """File name → content, with the image name filled in, in the words of the platform (a profile
    name or file; the templates are written for the default one); `kind` is batch or interactive."""
    profile = load(platform)
    sources = [p for p in sorted((TEMPLATES / kind).iterdir()) if p.is_file()] + [TEMPLATES / "dockerignore"]
    name = image_name(directory)
    files = {_HIDDEN.get(p.name, p.name): profile.translate(p.read_text(encoding="utf-8")).replace("@NAME@", name)
             for p in sources}
    if platform != DEFAULT:  # the configuration names it, so every later run uses it
        config = files[_HIDDEN["chaimeleon-lint.toml"]]
        files[_HIDDEN["chaimeleon-lint.toml"]] = config.replace("kind = ", f"platform = {json.dumps(platform)}\nkind = ", 1)
    return files


def write(directory: Path, kind: str, platform: str = DEFAULT) -> list[Path]:
    """Write every file or none: existing files are never overwritten."""
    files = plan(directory, kind, platform)
    if directory.exists() and not directory.is_dir():
        raise ScaffoldError(f"{directory}: exists and is not a directory")
    existing = sorted(name for name in files if (directory / name).exists() or (directory / name).is_symlink())
    if existing:
        raise ScaffoldError(f"{directory}: would overwrite {', '.join(existing)}; nothing written")
    written: list[Path] = []
    try:
        directory.mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            target = directory / name
            with open(target, "x", encoding="utf-8") as handle:
                handle.write(text)
            written.append(target)
            target.chmod(0o755 if name in _EXECUTABLE else 0o644)
    except OSError as exc:
        for path in written:
            path.unlink(missing_ok=True)
        raise ScaffoldError(f"{directory}: cannot write: {exc.strerror or exc}; nothing written") from None
    return written
