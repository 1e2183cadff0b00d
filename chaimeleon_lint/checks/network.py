"""CHL4xx: no Internet at run time."""

from __future__ import annotations

from collections.abc import Iterator

from chaimeleon_lint.checks import check
from chaimeleon_lint.findings import Hit, Span
from chaimeleon_lint.model.downloads import Download, python_downloads, shell_downloads
from chaimeleon_lint.model.effects.common import absolute
from chaimeleon_lint.model.image import Image, Script


def _hit(download: Download, span: Span, path: str | None = None,
         via: tuple[tuple[str | None, int], ...] = ()) -> Hit:
    guarded = "" if download.guard is None else (
        f" (it runs when the connectivity test on line {download.guard} succeeds, which it never does on the platform)")
    variant = "mirror" if download.mirror else None if download.certain else "unsure"
    return Hit(span, {"what": download.what, "guarded": guarded}, variant=variant, path=path, via=via)


@check("CHL401")
def runtime_download_in_entrypoint(image: Image) -> Iterator[Hit]:
    startup = image.startup
    if startup.launch_span is None:
        return
    for download in shell_downloads(startup.launch, image.final.pip_env(), image.platform.pypi_mirror):
        yield _hit(download, Span(*startup.launch_span))


@check("CHL402")
def runtime_download_in_script(image: Image) -> Iterator[Hit]:
    for script in image.startup.scripts:
        for download in _script_downloads(image, script):
            yield _hit(download, Span.at(download.line), script.context_path, script.chain(download.line))


def _script_downloads(image: Image, script: Script) -> Iterator[Download]:
    stage = image.final
    yield from shell_downloads(script.commands, stage.pip_env(), image.platform.pypi_mirror)
    if script.calls:
        cwd = stage.workdir or "/"
        yield from python_downloads(script.calls, lambda rel: stage.node(absolute(rel, cwd)) is not None)


@check("CHL403")
def entrypoint_not_in_context(image: Image) -> Iterator[Hit]:
    missing = image.startup.missing
    if missing is not None:
        where = "it comes from the base image or a build step" if missing.created is None else (
            f"line {missing.created} creates it")
        yield Hit(Span.at(missing.line), {"path": missing.path, "where": where})
