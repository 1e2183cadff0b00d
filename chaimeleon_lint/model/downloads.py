"""Which shell commands and Python calls reach the network: installers, downloaders, HTTP clients.

A download is `certain` when its target is a literal remote address (or an installer that
always fetches), and not when the address is only known at run time: the platform's own
services are reached that way too, so those are for a reviewer to look at.
"""

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from urllib.parse import urlsplit

from chaimeleon_lint.model.effects.common import Invocation, getopt, unwrap
from chaimeleon_lint.model.effects.packages import PYTHON, classify, pip_argv
from chaimeleon_lint.records import NamedTuple
from chaimeleon_lint.source.python import OPAQUE, Literal, PyCall
from chaimeleon_lint.source.shell import Command, Word

_LOCAL_HOSTS = re.compile(r"^(localhost|127\.\d+\.\d+\.\d+|0\.0\.0\.0|::1|\[::1\])$", re.I)
_FETCHING = {
    "apt": {"install", "update", "upgrade", "dist-upgrade", "full-upgrade", "build-dep", "source", "download",
            "reinstall"},
    "pip": {"install", "download", "wheel"},
    "conda": {"install", "create", "update", "upgrade", "env create", "env update"},
    "poetry": {"install", "add", "update", "lock", "self"},
    "apk": {"add", "update", "upgrade", "fetch"},
    "yum": {"install", "update", "upgrade", "makecache", "groupinstall", "reinstall"},
}
_SUBCOMMANDS = {  # program → subcommands that fetch (empty: every call fetches)
    "curl": frozenset(), "wget": frozenset(), "aria2c": frozenset(), "gdown": frozenset(),
    "npm": frozenset({"install", "i", "ci", "update", "add", "upgrade"}),
    "yarn": frozenset({"add", "install", "upgrade"}),
    "pnpm": frozenset({"install", "i", "add", "update"}),
    "git": frozenset({"clone", "pull", "fetch", "submodule", "ls-remote"}),
    "huggingface-cli": frozenset({"download"}), "hf": frozenset({"download"}),
    "docker": frozenset({"pull"}), "podman": frozenset({"pull"}), "udocker": frozenset({"pull"}),
    "singularity": frozenset({"pull"}), "apptainer": frozenset({"pull"}),
    "kaggle": frozenset({"download"}),
}
_CLOUD_COPIES = {"aws": ("s3", frozenset({"cp", "sync", "mv"}), "s3://"),
                 "gsutil": ("", frozenset({"cp", "rsync", "mv"}), "gs://")}
_PROBES = frozenset({"ping", "nc", "ncat", "netcat", "nslookup", "host", "dig", "getent"})
_PYTHON_DOWNLOADERS = (  # dotted call name (a prefix when it ends with "."), and whether it takes a URL
    ("requests.", True), ("httpx.", True), ("aiohttp.ClientSession", True), ("urllib.request.urlopen", True),
    ("urllib.request.urlretrieve", True), ("urllib3.", True), ("http.client.HTTPConnection", True),
    ("http.client.HTTPSConnection", True), ("wget.download", True), ("gdown.download", True),
    ("torch.hub.load_state_dict_from_url", True), ("torch.hub.download_url_to_file", True),
    ("torchvision.datasets.utils.download_url", True), ("keras.utils.get_file", False),
    ("tensorflow.keras.utils.get_file", False), ("tensorflow_hub.", False), ("nltk.download", False),
    ("spacy.cli.download", False), ("pip.main", False), ("pip._internal.main", False),
)
_HUB_LOADERS = (  # (name or ".suffix", index and keyword of the hub id)
    (".from_pretrained", 0, "pretrained_model_name_or_path"), ("torch.hub.load", 0, "repo_or_dir"),
    ("huggingface_hub.snapshot_download", 0, "repo_id"), ("huggingface_hub.hf_hub_download", 0, "repo_id"),
    ("datasets.load_dataset", 0, "path"), ("sentence_transformers.SentenceTransformer", 0, "model_name_or_path"),
    ("timm.create_model", -1, "pretrained"), ("open_clip.create_model_and_transforms", -1, "pretrained"),
)


class Download(NamedTuple):
    what: str  # the program or call, as a reviewer would name it
    line: int
    certain: bool  # False: the address is only known at run time
    mirror: bool = False  # pip pinned to the platform's PyPI mirror
    guard: int | None = None  # line of a connectivity test it runs under


def shell_downloads(commands: Iterable[Command], env: Mapping[str, Word], mirror: str = "") -> Iterator[Download]:
    """Downloads among shell commands, in order; connectivity tests that guard one are not repeated.
    `mirror` is the platform's PyPI mirror: a pip install from it is allowed (info)."""
    commands = list(commands)
    scope = dict(env)
    found: list[tuple[Command, Download]] = []
    for command in commands:
        if not command.argv:
            scope.update(command.assigns)
            continue
        download = _shell_download(command, {**scope, **dict(command.assigns)}, _hostname(mirror) if mirror else None)
        if download is not None:
            found.append((command, download))
    guards = {id(c) for c, _ in found for c in c.conditions if _probe(c)}
    for command, download in found:
        if id(command) in guards:
            continue  # `if curl -s pypi.org; then pip install ...`: the test is not the download
        guard = next((c.line for c in command.conditions if _probe(c)), None)
        yield Download(download.what, download.line, download.certain, download.mirror, guard)


def _probe(command: Command) -> bool:
    """A connectivity test: ping, nc, a name lookup, or curl/wget that keep nothing they fetch."""
    inv = unwrap(command)
    texts = [w.text for w in inv.args]
    saved = any(r.op in (">", ">>", "&>") and r.target is not None and r.target.text != "/dev/null"
                for r in command.redirects)
    if inv.name == "curl":
        return not saved and not any(t in ("-o", "-O", "--output", "--remote-name", "-J") or
                                     (t.startswith("-") and not t.startswith("--") and "o" in t.lower())
                                     for t in texts)
    if inv.name == "wget":
        return "--spider" in texts
    return inv.name in _PROBES


def _shell_download(command: Command, scope: Mapping[str, Word], mirror_host: str | None) -> Download | None:
    inv = unwrap(command)
    name = inv.name
    install = classify(inv, command, None)
    if install is not None:
        if install.action not in _FETCHING.get(install.manager, ()):
            return None
        if install.manager == "pip":
            return _pip(inv, install.program, command.line, scope, mirror_host)
        return Download(f"{install.program} {install.action}", command.line, True)
    python = _python_module_download(inv)
    if python is not None:
        return Download(python, command.line, True)
    args = [w for w in inv.args]
    if name in _SUBCOMMANDS:
        wanted = _SUBCOMMANDS[name]
        operands = [w for w in args if not w.text.startswith("-")]
        if wanted and not (operands and operands[0].text in wanted):
            return None
        what = f"{name} {operands[0].text}" if wanted else name
        if name in ("curl", "wget", "aria2c"):
            return _fetch(what, args, command.line)
        return Download(what, command.line, True)
    if name in _CLOUD_COPIES:
        service, verbs, scheme = _CLOUD_COPIES[name]
        words = [w.text for w in args if not w.text.startswith("-")]
        if service:
            words = words[1:] if words[:1] == [service] else []
        if words and words[0] in verbs and any(w.startswith(scheme) for w in words[1:]):
            return Download(f"{name} {' '.join(([service] if service else []) + [words[0]])}", command.line, True)
        return None
    if name in ("rsync", "scp", "sftp"):
        operands = [w for w in args if not w.text.startswith("-")]
        if any(_remote_operand(w) for w in operands[:-1]) or (name == "sftp" and operands):
            return Download(name, command.line, True)
    return None


def _pip(inv: Invocation, program: str, line: int, scope: Mapping[str, Word], mirror_host: str | None) -> Download | None:
    """`pip install`: none with `--no-index`; the mirror when --index-url or PIP_INDEX_URL names it."""
    args = pip_argv(inv) or ()
    opts = getopt(args, "i", frozenset({"index-url", "extra-index-url"}))
    if opts.has("no-index"):
        return None
    index = opts.last("i", "index-url") or scope.get("PIP_INDEX_URL")
    mirror = index is not None and index.known and mirror_host is not None and _hostname(index.text) == mirror_host and not opts.has(
        "extra-index-url")
    action = next((w.text for w in args if not w.text.startswith("-")), "install")
    return Download(f"{program} {action}", line, True, mirror=mirror)


def _python_module_download(inv: Invocation) -> str | None:
    """`python -m nltk.downloader ...`, `python -m spacy download ...`."""
    if not PYTHON.match(inv.name):
        return None
    texts = [w.text for w in inv.args]
    if "-m" not in texts[:-1]:
        return None
    module, rest = texts[texts.index("-m") + 1], texts[texts.index("-m") + 2:]
    if module == "nltk.downloader" or (module == "spacy" and rest[:1] == ["download"]):
        return f"{inv.name} -m {module}"
    return None


def _fetch(what: str, args: list[Word], line: int) -> Download | None:
    """curl/wget: nothing when every address is local; not certain when one is only known at run time."""
    urls = [w for w in args if not w.text.startswith("-") and ("://" in w.text or "." in w.text or not w.known)]
    if not urls:
        return Download(what, line, certain=False)
    if all(w.known and _local(w.text) for w in urls):
        return None
    return Download(what, line, certain=all(w.known for w in urls if not _local(w.text)))


def _local(address: str) -> bool:
    if address.startswith("file:"):
        return True
    return bool(_LOCAL_HOSTS.match(_hostname(address if "://" in address else "//" + address)))


def _hostname(url: str) -> str:
    """The URL's host; empty when urllib cannot split it (`http://[x`: an unclosed IPv6 bracket)."""
    try:
        return urlsplit(url).hostname or ""
    except ValueError:
        return ""


def _remote_operand(word: Word) -> bool:
    """`host:path`, `user@host:path` or `rsync://`; not `./a:b` nor a Windows-looking `C:`."""
    text = word.text
    if text.startswith("rsync://"):
        return True
    head, colon, _ = text.partition(":")
    return bool(colon) and "/" not in head and len(head) > 1 and not _local(head.rpartition("@")[2])


def python_downloads(calls: Iterable[PyCall], exists: Callable[[str], bool]) -> Iterator[Download]:
    """Network calls in Python; `exists` tells whether a relative path names a file of the image."""
    for call in calls:
        hub = _hub_download(call, exists)
        if hub is not None:
            yield hub
            continue
        entry = next(((p, takes_url) for p, takes_url in _PYTHON_DOWNLOADERS if call.name == p or (
            p.endswith(".") and call.name.startswith(p) and not call.name.startswith(p + "exceptions"))), None)
        if entry is None or (entry[0].startswith("pip.") and not _pip_main_installs(call)):
            continue
        url = call.argument(0, "url") if entry[1] else None
        if isinstance(url, str) and _local(url):
            continue
        yield Download(call.name, call.line, certain=not entry[1] or isinstance(url, str))


def _pip_main_installs(call: PyCall) -> bool:
    args = call.argument(0, "args")
    return isinstance(args, tuple) and bool(args) and args[0] in ("install", "download")


def _hub_download(call: PyCall, exists: Callable[[str], bool]) -> Download | None:
    """`from_pretrained("org/model")` fires; a path literal does not; a variable is "cannot tell"."""
    for name, index, keyword in _HUB_LOADERS:
        if not (call.name.endswith(name) if name.startswith(".") else call.name == name):
            continue
        if call.keyword("local_files_only") is True or call.keyword("source") == "local":
            return None
        what = name.lstrip(".") if name.startswith(".") else name
        if index < 0:  # timm.create_model(..., pretrained=True): the flag says it
            flag = call.keyword(keyword)
            return Download(what, call.line, True) if flag not in (None, False, "") and flag is not OPAQUE else None
        value: Literal = call.argument(index, keyword)
        if value is None:
            return None
        if not isinstance(value, str):
            return Download(what, call.line, certain=False)
        if value.startswith(("/", "./", "../", "~")) or exists(value):
            return None
        return Download(f'{what}("{value}")', call.line, True)
    return None

