"""Which packages give an image which abilities: SSH, VNC, a desktop, a browser, a web UI."""

from __future__ import annotations

import functools
import re

CAPABILITIES: dict[str, frozenset[str]] = {
    "ssh": frozenset({"openssh-server", "dropbear", "dropbear-bin", "tinysshd"}),
    "vnc": frozenset({"x11vnc", "tigervnc-standalone-server", "tigervnc-scraping-server", "tightvncserver",
                      "vnc4server", "turbovnc", "tigervnc-server", "tigervnc", "xvnc", "tightvnc"}),
    "desktop": frozenset({"lxde", "lxde-core", "lxqt", "lxqt-core", "xfce4", "xfce4-session", "kde-plasma-desktop",
                          "kde-standard", "gnome-session", "gnome-shell", "ubuntu-desktop", "xubuntu-desktop",
                          "lubuntu-desktop", "mate-desktop-environment", "mate-desktop-environment-core",
                          "cinnamon", "openbox", "fluxbox", "icewm", "budgie-desktop", "task-lxde-desktop",
                          "task-xfce-desktop", "lxsession"}),
    "supervisor": frozenset({"supervisor"}),
    "browser": frozenset({"firefox", "firefox-esr", "chromium", "chromium-browser", "google-chrome-stable",
                          "epiphany-browser", "midori", "falkon", "konqueror", "qutebrowser"}),
    "webui": frozenset({"jupyter", "jupyterlab", "notebook", "jupyter-notebook", "jupyterhub", "streamlit",
                        "gradio", "voila", "rstudio-server", "code-server", "jupyter-server"}),
}
INTERACTIVE = ("desktop", "vnc")
HTTP_PORTS = frozenset({80, 443, 3000, 5000, 6006, 7860, 8000, 8050, 8080, 8501, 8787, 8888})

_SPEC_END = re.compile(r"[\[<>=!~;@ ]")


def package_name(spec: str) -> str:
    """`jupyterlab[all]>=4` → `jupyterlab`; `firefox=1.2` → `firefox`; `Foo_Bar` → `foo-bar`."""
    name = _SPEC_END.split(spec, 1)[0].split(":", 1)[0]
    if "=" in name:
        name = name.split("=", 1)[0]
    return name.strip().lower().replace("_", "-")


@functools.lru_cache(maxsize=4096)
def capabilities_of(package: str) -> tuple[str, ...]:
    """What installing the package gives. Remembered: the same few hundred package specs come back
    in every Dockerfile of a repository, and reading one (a regex split) costs ten lookups."""
    return _BY_PACKAGE.get(package_name(package), ())


_BY_PACKAGE: dict[str, tuple[str, ...]] = {  # package → its capabilities, in CAPABILITIES order
    name: tuple(cap for cap, names in CAPABILITIES.items() if name in names)
    for name in frozenset().union(*CAPABILITIES.values())
}
