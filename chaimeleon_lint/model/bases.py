"""Public base images and the accounts they ship (data: profiles/bases/public.toml).

`groupadd -g 1000` fails on `ubuntu:24.04` (its `ubuntu` user and group have id 1000), and
`useradd -g 1000` fails on `debian:bookworm` (no group 1000): the engine decides, so the model
starts a stage on such a base with the base's own users and groups, and knows that no other
group exists there.
"""

import fnmatch
import functools

from chaimeleon_lint import compiled
from chaimeleon_lint.model.image import Account
from chaimeleon_lint.records import NamedTuple

_PREFIXES = ("docker.io/library/", "index.docker.io/library/", "docker.io/", "index.docker.io/")


class PublicBase(NamedTuple):
    """What a public base image ships: every group (name → gid) and the accounts beyond root's."""

    groups: dict[str, int]
    accounts: tuple[Account, ...]


def _literal(pattern: str) -> str:
    """The part of a glob before its first wildcard: a name that does not start with it cannot match."""
    cut = min((i for i in (pattern.find(c) for c in "*?[") if i >= 0), default=len(pattern))
    return pattern[:cut]


@functools.cache
def _entries() -> tuple[tuple[tuple[tuple[str, str], ...], PublicBase], ...]:
    data = compiled.load()["bases"]
    families = {name: dict(_pair(g) for g in groups) for name, groups in data["families"].items()}
    found = []
    for entry in data["image"]:
        groups = dict(families[entry["family"]])
        accounts = []
        for spec in entry["accounts"]:
            name, uid, gid = spec.split(":")
            if uid == gid:  # a user group of its own (jovyan's is `users`)
                groups.setdefault(name, int(gid))
            accounts.append(Account(name, int(uid), int(gid), frozenset(), f"/home/{name}", None))
        found.append((tuple((_literal(p), p) for p in entry["patterns"]), PublicBase(groups, tuple(accounts))))
    return tuple(found)


def _pair(spec: str) -> tuple[str, int]:
    name, gid = spec.split(":")
    return name, int(gid)


def public_base(reference: str) -> PublicBase | None:
    """The accounts of the public image a FROM names, when it is one the data lists."""
    name = reference.split("@", 1)[0].lower()
    for prefix in _PREFIXES:
        if name.startswith(prefix):
            name = name[len(prefix):]
            break
    # the literal look first: fnmatch compiles each pattern it is given, a millisecond for them all
    return next((base for patterns, base in _entries()
                 if any(name.startswith(literal) and fnmatch.fnmatchcase(name, p) for literal, p in patterns)), None)
