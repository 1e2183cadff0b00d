"""Deterministic Dockerfiles for the benchmarks: realistic pieces, varied sizes, with their contexts."""

from __future__ import annotations

import random
from pathlib import Path

_PACKAGES = ["curl", "git", "python3", "python3-pip", "libgl1", "openssh-server", "supervisor", "xvfb", "vim",
             "build-essential", "libglib2.0-0", "wget", "ca-certificates", "unzip", "x11vnc", "lxde"]
_PIP = ["pydicom", "numpy", "SimpleITK", "torch", "monai", "nibabel", "scikit-image", "pandas", "matplotlib"]


def _block(rng: random.Random, n: int) -> list[str]:
    """One piece of a Dockerfile, chosen like real ones mix them."""
    choice = rng.randrange(9)
    if choice == 0:
        packages = " ".join(rng.sample(_PACKAGES, rng.randint(1, 6)))
        flag = " --no-install-recommends" if rng.random() < 0.5 else ""
        return ["RUN apt-get update && \\", f"    apt-get install -y{flag} {packages} && \\",
                "    rm -rf /var/lib/apt/lists/*"]
    if choice == 1:
        flag = " --no-cache-dir" if rng.random() < 0.5 else ""
        return [f"RUN pip install{flag} {' '.join(rng.sample(_PIP, rng.randint(1, 4)))}"]
    if choice == 2:
        return [f"ENV STEP_{n}=/opt/step{n} PATH=/opt/step{n}/bin:$PATH"]
    if choice == 3:
        return [f"COPY file{n % 3}.txt /opt/app/file{n}.txt"]
    if choice == 4:
        return ["RUN <<EOF", "set -e", f"mkdir -p /opt/app/{n}", f"echo {n} > /opt/app/{n}/id", "EOF"]
    if choice == 5:
        return [f"ARG TOOL_{n}=1.{n}", f'LABEL tool{n}="${{TOOL_{n}}}"']
    if choice == 6:
        return [f"RUN sh -c 'for f in a b c; do echo $f >> /tmp/{n}.log; done' && chmod 644 /tmp/{n}.log"]
    if choice == 7:
        return [f"WORKDIR /opt/app/{n}", "# a comment between instructions"]
    return [f"RUN if [ -f /etc/os-release ]; then . /etc/os-release; fi && echo {n} \\",
            "    | tee /opt/app/version"]


def dockerfile(rng: random.Random, blocks: int, min_lines: int = 0) -> str:
    """A platform-style Dockerfile with `blocks` pieces (or enough for `min_lines`) in its root part."""
    lines = ["FROM ubuntu:22.04", 'LABEL name="bench-tool" version="0.1"', "USER root"]
    n = 0
    while n < blocks or len(lines) < min_lines:
        lines += _block(rng, n)
        n += 1
    lines += ["RUN groupadd -g 1000 chaimeleon && \\",
              "    useradd --create-home --shell /bin/bash --uid 1000 --gid 1000 chaimeleon",
              "USER chaimeleon:chaimeleon",
              "RUN mkdir -p /home/chaimeleon/datasets /home/chaimeleon/persistent-home "
              "/home/chaimeleon/persistent-shared-folder",
              "WORKDIR /home/chaimeleon", 'ENTRYPOINT ["python3", "/opt/app/main.py"]']
    return "\n".join(lines) + "\n"


def write_corpus(root: Path, count: int, seed: int = 1) -> list[Path]:
    """`count` Dockerfiles of 5 to about 600 lines, each in a folder with its context files."""
    rng = random.Random(seed)
    paths = []
    for i in range(count):
        folder = root / f"app{i:04d}"
        folder.mkdir(parents=True, exist_ok=True)
        for n in range(3):
            (folder / f"file{n}.txt").write_text(f"{i} {n}\n")
        size = int(rng.paretovariate(1.2) * 4) if rng.random() < 0.9 else rng.randint(50, 200)
        (folder / "Dockerfile").write_text(dockerfile(rng, min(size, 200)))
        paths.append(folder / "Dockerfile")
    return paths


def long_dockerfile(lines: int, seed: int = 2) -> str:
    """About `lines` lines of varied instructions, for the scaling measure."""
    return dockerfile(random.Random(seed), 0, min_lines=lines)
