"""Per rule: a Dockerfile snippet → the exact lines that rule reports (0 lines = passes)."""

from __future__ import annotations

from typing import NamedTuple

import pytest

U = "RUN groupadd -g 1000 chaimeleon && useradd -m -u 1000 -g 1000 chaimeleon\n"
MK = "RUN mkdir -p /home/chaimeleon/datasets /home/chaimeleon/persistent-home /home/chaimeleon/persistent-shared-folder\n"
KNOWN = "FROM harbor.chaimeleon-eu.i3m.upv.es/chaimeleon-library-batch/ubuntu-python:0.3.1\n"
AUTH = ('LABEL authorization="This Dockerfile is intended to build a container image that will be publicly '
        'accessible in the CHAIMELEON images repository."\n')

WS = ('ARG TARGET_VERSION="unknown"\nARG CUDA_VERSION=""\nARG AI_TOOL=tensorflow\nFROM ubuntu:22.04\n'
      'LABEL name="ubuntu-python-${AI_TOOL}-desktop"\nLABEL version="${TARGET_VERSION}$CUDA_VERSION"\n')
"""The official workstation images' pattern: global ARGs used in a stage that never declares them."""


class Case(NamedTuple):
    rule: str
    name: str
    dockerfile: str
    lines: list[int | None]
    files: dict[str, str] = {}
    kind: str | None = None
    executable: tuple[str, ...] = ()


START_PY = "FROM ubuntu:22.04\n" + "COPY main.py /opt/main.py\nCMD [\"python3\", \"/opt/main.py\"]\n"
CASES = [
    # CHL101/103: labels, with ARG/ENV substitution
    Case("CHL101", "missing", "FROM ubuntu:22.04\n", [None]),
    Case("CHL101", "empty", 'FROM ubuntu:22.04\nLABEL name=""\n', [2]),
    Case("CHL101", "several-pairs-continuation", 'FROM ubuntu:22.04\nLABEL version=1 \\\n  name="x"\n', []),
    Case("CHL101", "inherited-from-earlier-stage", 'FROM ubuntu:22.04 AS base\nLABEL name=x\nFROM base\n', []),
    Case("CHL101", "only-in-builder-stage", 'FROM ubuntu:22.04 AS b\nLABEL name=x\nFROM ubuntu:22.04\n', [None]),
    Case("CHL103", "build-arg-without-default-is-present",
         'FROM ubuntu:22.04\nARG TARGET_VERSION\nLABEL version="${TARGET_VERSION}$CUDA_VERSION"\n', []),
    Case("CHL103", "default-with-dot", 'FROM ubuntu:22.04\nLABEL version=${V:-0.1}\n', []),
    Case("CHL103", "empty-through-arg", 'FROM ubuntu:22.04\nARG V=""\nLABEL version=$V\n', [3]),
    Case("CHL103", "legacy-space-form", 'FROM ubuntu:22.04\nLABEL version 1.0\n', []),
    # Variables resolve as the engine does: a global ARG is in scope in FROM lines only
    Case("CHL103", "workstation-global-args-out-of-scope", WS, [6]),
    Case("CHL101", "global-arg-out-of-scope", 'ARG N=tool\nFROM ubuntu:22.04\nLABEL name=$N\n', [3]),
    Case("CHL103", "global-arg-declared-again", 'ARG V=1.0\nFROM ubuntu:22.04\nARG V\nLABEL version=$V\n', []),
    Case("CHL103", "global-arg-without-default-declared-again",
         'ARG V\nFROM ubuntu:22.04\nARG V\nLABEL version=$V\n', []),
    Case("CHL103", "global-arg-in-a-later-stage-only", 'ARG V=1\nFROM ubuntu:22.04 AS b\nARG V\nFROM b\nLABEL version=$V\n', [5]),
    Case("CHL103", "env-of-an-earlier-stage", 'FROM ubuntu:22.04 AS b\nENV V=2.0\nFROM b\nLABEL version=$V\n', []),
    Case("CHL103", "undefined-on-known-base-is-empty", KNOWN + 'LABEL version="$NOT_SET"\n', [2]),
    Case("CHL103", "undefined-on-unknown-base-may-be-set", 'FROM ubuntu:22.04\nLABEL version="$BASE_SETS_IT"\n', []),
    Case("CHL103", "arg-declared-after-the-label", 'ARG V=1\nFROM ubuntu:22.04\nLABEL version=$V\nARG V\n', [3]),
    Case("CHL103", "default-form-of-out-of-scope", 'ARG V=1\nFROM ubuntu:22.04\nLABEL version=${V:-0.1}\n', []),
    # CHL102
    Case("CHL102", "uppercase", 'FROM ubuntu:22.04\nLABEL name="MyTool"\n', [2]),
    Case("CHL102", "resolved-from-arg", 'ARG N=My_Tool\nFROM ubuntu:22.04\nARG N\nLABEL name=$N\n', [4]),
    Case("CHL102", "good", 'FROM ubuntu:22.04\nLABEL name="ubuntu-python-pytorch"\n', []),
    Case("CHL102", "workstation-name-loses-its-middle", WS, [5]),
    Case("CHL102", "partly-unknown-literal-parts-fine", 'FROM ubuntu:22.04\nARG T\nLABEL name="ubuntu-python-${T}-desktop"\n', []),
    Case("CHL102", "partly-unknown-literal-parts-bad", 'FROM ubuntu:22.04\nARG T\nLABEL name="Ubuntu_${T}"\n', [3]),
    # CHL106
    Case("CHL106", "spaces-seen-in-the-catalogue", 'FROM ubuntu:22.04\nLABEL version="0.0.3 - testing"\n', [2]),
    Case("CHL106", "leading-dot", 'FROM ubuntu:22.04\nLABEL version=.1\n', [2]),
    Case("CHL106", "too-long", 'FROM ubuntu:22.04\nLABEL version=' + "1" * 129 + '\n', [2]),
    Case("CHL106", "cuda-suffix", 'FROM ubuntu:22.04\nLABEL version=3.1.0-cuda11_b2\n', []),
    Case("CHL106", "partly-unknown-fine", 'FROM ubuntu:22.04\nARG V\nARG CUDA\nLABEL version="${V}${CUDA}"\n', []),
    Case("CHL106", "partly-unknown-bad", 'FROM ubuntu:22.04\nARG V\nLABEL version="$V beta"\n', [3]),
    Case("CHL106", "empty-is-chl103", 'FROM ubuntu:22.04\nLABEL version=""\n', []),
    Case("CHL106", "out-of-scope-leaves-a-dash", 'ARG V=1\nFROM ubuntu:22.04\nLABEL version="${V}-rc"\n', [3]),
    # CHL104
    Case("CHL104", "mit-license-file", "FROM ubuntu:22.04\n", [], {"LICENSE": "MIT License\n\nPermission is hereby granted, free of charge, to any person"}),
    Case("CHL104", "spdx-id", "FROM ubuntu:22.04\n", [], {"COPYING": "SPDX-License-Identifier: Apache-2.0\n"}),
    Case("CHL104", "proprietary-license", "FROM ubuntu:22.04\n", [None], {"LICENSE": "Copyright 2024 ACME. All rights reserved.\n"}),
    Case("CHL104", "label-differs", 'FROM ubuntu:22.04\nLABEL authorization="ok to publish"\n', [2]),
    Case("CHL104", "label-guide-sentence", "FROM ubuntu:22.04\n" + AUTH, []),
    Case("CHL104", "license-at-the-repository-root", "FROM ubuntu:22.04\n", [], {"../.git/HEAD": "ref: refs/heads/main\n", "../LICENSE": "MIT License\n\nPermission is hereby granted, free of charge, to any person"}),
    Case("CHL104", "license-above-the-repository-root", "FROM ubuntu:22.04\n", [None], {".git/HEAD": "ref: refs/heads/main\n", "../LICENSE": "SPDX-License-Identifier: MIT\n"}),
    Case("CHL104", "no-repository-context-alone", "FROM ubuntu:22.04\n", [None], {"../LICENSE": "SPDX-License-Identifier: MIT\n"}),
    # CHL201
    Case("CHL201", "guide-template", "FROM ubuntu:22.04\n" + U, []),
    Case("CHL201", "known-base-tag-from-arg-without-default",
         "ARG CUDA\nFROM harbor.chaimeleon-eu.i3m.upv.es/chaimeleon-library-batch/ubuntu-python-tensorflow:1.0${CUDA}\n", []),
    Case("CHL201", "unknown-registry-is-not-known", "ARG REG\nFROM ${REG}/chaimeleon-library-batch/ubuntu-python:1\n", [None]),
    # Debian's adduser refuses a --gid that no group has ("adduser: The GID 1000 does not exist"), checked on a real build
    Case("CHL201", "adduser-debian-group-missing", "FROM ubuntu:22.04\nRUN adduser --disabled-password --gecos '' --uid 1000 --gid 1000 chaimeleon\n", [2]),
    Case("CHL201", "useradd-U-after-uid", "FROM debian:bookworm\nRUN useradd -m -u 1000 -U chaimeleon\n", []),
    Case("CHL201", "useradd-mU-combined", "FROM debian:bookworm\nRUN useradd -mU -u 1000 chaimeleon\n", []),
    Case("CHL201", "useradd-user-group-long", "FROM debian:bookworm\nRUN useradd --user-group --uid 1000 -m chaimeleon\n", []),
    Case("CHL201", "group-missing-by-number", "FROM debian:bookworm\nRUN useradd -u 1000 -g 1000 chaimeleon\n", [2]),
    Case("CHL201", "group-missing-by-name", "FROM debian:bookworm\nRUN groupadd -g 1000 chaimeleon \\\n && useradd -u 1000 -g chaimeleon -G research chaimeleon\n", [3]),
    Case("CHL201", "group-missing-unknown-base-cannot-tell", "FROM example.org/team/base:1\nRUN useradd -u 1000 -g 1000 chaimeleon\n", []),
    Case("CHL201", "system-groups-of-the-base", "FROM debian:bookworm\nRUN groupadd -g 1000 c && useradd -u 1000 -g 1000 -G users,video,audio c\n", []),
    Case("CHL201", "id-taken-ubuntu-24", "FROM ubuntu:24.04\nRUN groupadd -g 1000 chaimeleon && useradd -m -u 1000 -g 1000 chaimeleon\n", [2]),
    Case("CHL201", "id-taken-node-uid", "FROM node:20-bookworm\nRUN useradd -m -u 1000 chaimeleon\n", [2]),
    Case("CHL201", "id-taken-by-an-earlier-step", "FROM example.org/x:1\nRUN useradd -u 1000 a\nRUN useradd -u 1000 b\n", [3]),
    Case("CHL201", "id-taken-non-unique-allowed", "FROM ubuntu:24.04\nRUN groupadd -o -g 1000 chaimeleon && useradd -o -m -u 1000 -g 1000 chaimeleon\n", []),
    Case("CHL201", "id-freed-with-userdel", "FROM ubuntu:24.04\nRUN userdel -r ubuntu && groupadd -g 1000 chaimeleon && useradd -m -u 1000 -g 1000 chaimeleon\n", []),
    Case("CHL201", "id-renamed", "FROM ubuntu:noble\nRUN usermod -l chaimeleon -d /home/chaimeleon -m ubuntu && groupmod -n chaimeleon ubuntu\n", []),
    Case("CHL201", "jupyter-jovyan-gid-100", "FROM quay.io/jupyter/base-notebook:2024-01-01\nUSER root\n", [None]),
    Case("CHL201", "busybox-system-user", "FROM alpine:3.20\nRUN addgroup -g 1000 -S chaimeleon && adduser -u 1000 -S -G chaimeleon chaimeleon\n", []),
    Case("CHL201", "adduser-debian-with-group", "FROM ubuntu:22.04\nRUN addgroup --gid 1000 chaimeleon && adduser --disabled-password --uid 1000 --gid 1000 chaimeleon\n", []),
    Case("CHL201", "useradd-user-group-same-number", "FROM ubuntu:22.04\nRUN useradd -m -u 1000 chaimeleon\n", []),
    Case("CHL201", "busybox-adduser", "FROM alpine:3.19\nRUN addgroup -g 1000 chaimeleon && adduser -D -u 1000 -G chaimeleon chaimeleon\n", []),
    Case("CHL201", "wrong-gid", "FROM ubuntu:22.04\nRUN groupadd -g 1001 g && useradd -m -u 1000 -g 1001 chaimeleon\n", [2]),
    Case("CHL201", "no-uid", "FROM ubuntu:22.04\nRUN useradd -m chaimeleon\n", [2]),
    Case("CHL201", "uid-from-arg", "FROM ubuntu:22.04\nARG UID=1000\nRUN groupadd -g $UID chaimeleon && useradd -m -u ${UID} -g $UID chaimeleon\n", []),
    Case("CHL201", "known-base", KNOWN, []),
    Case("CHL201", "sh-c", "FROM ubuntu:22.04\nRUN sh -c 'groupadd -g 1000 c && useradd -u 1000 -g 1000 c'\n", []),
    # CHL202
    Case("CHL202", "other-name", "FROM ubuntu:22.04\nRUN groupadd -g 1000 app && \\\n    useradd -u 1000 -g 1000 app\n", [3]),
    Case("CHL202", "chaimeleon", "FROM ubuntu:22.04\n" + U, []),
    # CHL203
    Case("CHL203", "no-user", "FROM ubuntu:22.04\n" + U, [None]),
    Case("CHL203", "root-last", "FROM ubuntu:22.04\n" + U + "USER chaimeleon\nUSER root\n", [4]),
    Case("CHL203", "numeric", "FROM ubuntu:22.04\n" + U + "USER 1000:1000\n", []),
    Case("CHL203", "name-only", "FROM ubuntu:22.04\n" + U + "USER chaimeleon\n", []),
    Case("CHL203", "other-user", "FROM ubuntu:22.04\nRUN useradd -u 1001 app\nUSER app\n", [3]),
    Case("CHL203", "wrong-group", "FROM ubuntu:22.04\n" + U + "USER chaimeleon:root\n", [3]),
    Case("CHL203", "known-base-keeps-user", KNOWN + "RUN echo hi\n", []),
    Case("CHL203", "known-base-root-left", KNOWN + "USER root\nRUN apt-get update\n", [2]),
    Case("CHL203", "user-in-builder-only", "FROM ubuntu:22.04 AS b\n" + U + "USER chaimeleon\nFROM ubuntu:22.04\n" + U, [None]),
    Case("CHL203", "unknown-variable", "FROM ubuntu:22.04\nARG APP_USER\nUSER $APP_USER\n", []),
    # CHL204
    Case("CHL204", "usermod", "FROM ubuntu:22.04\n" + U + "RUN usermod -aG sudo chaimeleon\n", [3]),
    Case("CHL204", "useradd-G", "FROM ubuntu:22.04\nRUN groupadd -g 1000 c && useradd -u 1000 -g 1000 -G sudo,video c\n", [2]),
    Case("CHL204", "adduser-group", "FROM ubuntu:22.04\n" + U + "RUN adduser chaimeleon sudo\n", [3]),
    Case("CHL204", "gpasswd", "FROM ubuntu:22.04\n" + U + "RUN gpasswd -a chaimeleon wheel\n", [3]),
    Case("CHL204", "sudoers-echo", "FROM ubuntu:22.04\n" + U + "RUN echo 'chaimeleon ALL=(ALL) NOPASSWD: ALL' >> /etc/sudoers\n", [3]),
    Case("CHL204", "sudoers-heredoc", "FROM ubuntu:22.04\n" + U + "RUN <<EOF\ncat > /etc/sudoers.d/c <<EOT\nchaimeleon ALL=(ALL) ALL\nEOT\nEOF\n", [4]),
    Case("CHL204", "sudoers-limited", "FROM ubuntu:22.04\n" + U + "RUN echo 'chaimeleon ALL=(root) NOPASSWD: /usr/bin/apt-get' > /etc/sudoers.d/c\n", [3]),
    Case("CHL204", "sudoers-copied", "FROM ubuntu:22.04\n" + U + "COPY sudoers /etc/sudoers.d/c\n", [3], {"sudoers": "chaimeleon ALL=(ALL:ALL) NOPASSWD:ALL\n"}),
    Case("CHL204", "installing-sudo-is-not-granting", "FROM ubuntu:22.04\n" + U + "RUN apt-get install -y --no-install-recommends sudo\n", []),
    Case("CHL204", "other-user", "FROM ubuntu:22.04\n" + U + "RUN useradd -u 1001 admin && usermod -aG sudo admin\n", []),
    Case("CHL204", "in-init-script", "FROM ubuntu:22.04\n" + U + "COPY --chmod=755 run.sh /run.sh\nENTRYPOINT [\"/run.sh\"]\n", [3],
         {"run.sh": "#!/bin/sh\n\nusermod -aG sudo chaimeleon\n"}),
    Case("CHL204", "rootfs-copied-to-root-usermod-user", KNOWN.replace("ubuntu-python:", "ubuntu-python-desktop:") +
         "USER root\nCOPY rootfs /\nRUN chmod +x /usr/local/bin/init.sh\nUSER chaimeleon\nENTRYPOINT [\"/usr/local/bin/init.sh\"]\n",
         [3], {"rootfs/usr/local/bin/init.sh": "#!/bin/bash\nsudo true\nusermod -aG sudo $USER\n"}),
    Case("CHL204", "rootfs-slash-whoami", "FROM ubuntu:22.04\n" + U + "COPY rootfs/ /\nUSER chaimeleon\nENTRYPOINT [\"/opt/init.sh\"]\n",
         [2], {"rootfs/opt/init.sh": "#!/bin/sh\nusermod -aG sudo \"$(whoami)\"\n"}),
    Case("CHL204", "chown-copied-home", "FROM ubuntu:22.04\n" + U + "COPY --chown=chaimeleon:chaimeleon rootfs/home/chaimeleon /home/chaimeleon/\nUSER chaimeleon\nENTRYPOINT [\"/home/chaimeleon/.init/run.sh\"]\n",
         [2], {"rootfs/home/chaimeleon/.init/run.sh": "#!/bin/sh\ngpasswd -a $LOGNAME sudo\n"}),
    Case("CHL204", "user-reassigned-in-script", "FROM ubuntu:22.04\n" + U + "COPY rootfs /\nUSER chaimeleon\nENTRYPOINT [\"/opt/init.sh\"]\n",
         [], {"rootfs/opt/init.sh": "#!/bin/sh\nUSER=helper\nusermod -aG sudo $USER\n"}),
    Case("CHL403", "start-up-script-in-a-rootfs-copied-to-root", "FROM ubuntu:22.04\n" + U + "COPY rootfs /\nUSER chaimeleon\nENTRYPOINT [\"/opt/init.sh\"]\n",
         [], {"rootfs/opt/init.sh": "#!/bin/sh\necho\n"}),
    # CHL205
    Case("CHL205", "no-ssh-info", "FROM ubuntu:22.04\n" + U + 'RUN echo "chaimeleon:chaimeleon" | chpasswd\n', [3]),
    Case("CHL205", "ssh-no-rotation", "FROM ubuntu:22.04\n" + U + 'RUN apt-get install -y --no-install-recommends openssh-server\nRUN echo "chaimeleon:chaimeleon" | chpasswd\n', [4]),
    Case("CHL205", "guide-rotation-snippet",
         "FROM ubuntu:22.04\n" + U + 'RUN apt-get install -y --no-install-recommends openssh-server\nRUN echo "chaimeleon:chaimeleon" | chpasswd\nADD run.sh /home/chaimeleon/.init/run.sh\nRUN chmod +x /home/chaimeleon/.init/run.sh\nENTRYPOINT ["/home/chaimeleon/.init/run.sh"]\n', [],
         {"run.sh": '#!/bin/bash\nUSER=chaimeleon\nPREVIOUS_PASSWORD=chaimeleon\nPASSWORD=$(< /dev/urandom tr -dc _A-Z-a-z-0-9 | head -c${1:-16};echo;)\necho -e "$PREVIOUS_PASSWORD\\n$PASSWORD\\n$PASSWORD" | (passwd $USER)\n'}),
    Case("CHL205", "sourced-helper-rotates",
         "FROM ubuntu:22.04\n" + U + 'RUN apt-get install -y --no-install-recommends openssh-server && echo "chaimeleon:x" | chpasswd\nCOPY init/ /opt/init/\nENTRYPOINT ["bash", "/opt/init/run.sh"]\n', [],
         {"init/run.sh": ". /opt/init/pw.sh\n", "init/pw.sh": 'echo "chaimeleon:$SSH_PASSWORD" | chpasswd\n'}),
    # CHL206
    Case("CHL206", "apt-after-switch", "FROM ubuntu:22.04\n" + U + "USER chaimeleon\nRUN apt-get update && \\\n    apt-get install -y --no-install-recommends curl\n", [5]),
    Case("CHL206", "chmod-copied-file", "FROM ubuntu:22.04\n" + U + "ADD run.sh /home/chaimeleon/run.sh\nUSER chaimeleon\nRUN chmod +x /home/chaimeleon/run.sh\n", [5], {"run.sh": "echo\n"}),
    Case("CHL206", "chmod-copied-with-chown", "FROM ubuntu:22.04\n" + U + "ADD --chown=chaimeleon:chaimeleon run.sh /home/chaimeleon/run.sh\nUSER chaimeleon\nRUN chmod +x /home/chaimeleon/run.sh\n", [], {"run.sh": "echo\n"}),
    Case("CHL206", "write-under-etc", "FROM ubuntu:22.04\n" + U + "USER 1000\nRUN echo x > /etc/app.conf\n", [4]),
    Case("CHL206", "write-own-opt-dir", "FROM ubuntu:22.04\n" + U + "RUN mkdir /opt/app && chown chaimeleon /opt/app\nUSER chaimeleon\nRUN touch /opt/app/x\n", []),
    Case("CHL206", "sudo-is-root", "FROM ubuntu:22.04\n" + U + "USER chaimeleon\nRUN sudo apt-get install -y --no-install-recommends curl\n", []),
    Case("CHL206", "home-is-fine", "FROM ubuntu:22.04\n" + U + "USER chaimeleon\nRUN pip install --no-cache-dir --user numpy && mkdir ~/work\n", []),
    # CHL207
    Case("CHL207", "sudo", "FROM ubuntu:22.04\nRUN apt-get update && sudo apt-get install -y x\n", [2]),
    Case("CHL207", "sudo-in-sh-c", "FROM ubuntu:22.04\nRUN sh -c \"sudo rm -rf /tmp/x\"\n", [2]),
    Case("CHL207", "sudo-as-package", "FROM ubuntu:22.04\nRUN apt-get install -y sudo\n", []),
    Case("CHL207", "builder-stage-ignored", "FROM ubuntu:22.04 AS b\nRUN sudo true\nFROM ubuntu:22.04\n", []),
    # CHL301
    Case("CHL301", "guide-three-mkdirs", "FROM ubuntu:22.04\n" + U + "USER chaimeleon\nRUN mkdir -p /home/chaimeleon/datasets && \\\n    mkdir -p /home/chaimeleon/persistent-home && \\\n    mkdir -p /home/chaimeleon/persistent-shared-folder\n", []),
    Case("CHL301", "parent-only", "FROM ubuntu:22.04\nRUN mkdir -p /home/chaimeleon\n", [None, None, None]),
    Case("CHL301", "brace-under-dash", "FROM ubuntu:22.04\n" + U + "RUN mkdir -p /home/chaimeleon/{datasets,persistent-home,persistent-shared-folder}\n", [None, None, None]),
    Case("CHL301", "brace-under-bash", "FROM ubuntu:22.04\nSHELL [\"/bin/bash\", \"-c\"]\n" + U + "RUN mkdir -p /home/chaimeleon/{datasets,persistent-home,persistent-shared-folder}\n", []),
    Case("CHL301", "tilde-as-user", "FROM ubuntu:22.04\n" + U + "USER chaimeleon\nRUN mkdir -p ~/datasets ~/persistent-home ~/persistent-shared-folder\n", []),
    Case("CHL301", "tilde-as-root", "FROM ubuntu:22.04\n" + U + "RUN mkdir -p ~/datasets ~/persistent-home ~/persistent-shared-folder\n", [None, None, None]),
    Case("CHL301", "for-loop", "FROM ubuntu:22.04\n" + U + "RUN for d in datasets persistent-home persistent-shared-folder; do mkdir -p /home/chaimeleon/$d; done\n", []),
    Case("CHL301", "workdir-creates", "FROM ubuntu:22.04\nWORKDIR /home/chaimeleon/datasets\nWORKDIR /home/chaimeleon/persistent-home\nWORKDIR /home/chaimeleon/persistent-shared-folder\n", []),
    Case("CHL301", "known-base", KNOWN, []),
    Case("CHL301", "comment-in-continuation", "FROM ubuntu:22.04\nRUN mkdir -p /home/chaimeleon/datasets \\\n# shared\n  /home/chaimeleon/persistent-shared-folder\n", [None]),
    # CHL302
    Case("CHL302", "created-as-root", "FROM ubuntu:22.04\n" + U + MK, [3, 3, 3]),
    Case("CHL302", "created-as-root-then-chowned", "FROM ubuntu:22.04\n" + U + MK + "RUN chown -R chaimeleon:chaimeleon /home/chaimeleon\n", []),
    Case("CHL302", "created-as-user", "FROM ubuntu:22.04\n" + U + "USER chaimeleon:chaimeleon\n" + MK, []),
    Case("CHL302", "install-d-owner", "FROM ubuntu:22.04\n" + U + "RUN install -d -o chaimeleon -g chaimeleon /home/chaimeleon/datasets /home/chaimeleon/persistent-home /home/chaimeleon/persistent-shared-folder\n", []),
    Case("CHL302", "workdir-as-root", "FROM ubuntu:22.04\n" + U + "WORKDIR /home/chaimeleon/persistent-home\n", [3]),
    # CHL303
    Case("CHL303", "touch", "FROM ubuntu:22.04\nRUN mkdir -p /home/chaimeleon/datasets && touch /home/chaimeleon/datasets/x\n", [2]),
    Case("CHL303", "copy-into", "FROM ubuntu:22.04\nCOPY data.csv /home/chaimeleon/datasets/\n", [2], {"data.csv": "a\n"}),
    Case("CHL303", "env-output", "FROM ubuntu:22.04\nENV OUTPUT_DIR=/home/chaimeleon/datasets/out\n", [None]),
    Case("CHL303", "start-up-python-writes", START_PY, [3, 5, 6, 7, 8],
         {"main.py": "import pandas as pd, numpy as np, os, shutil\nfrom pathlib import Path\n"
                     "pd.DataFrame().to_csv('/home/chaimeleon/datasets/out.csv')\nopen('/home/chaimeleon/datasets/index.json')\n"
                     "open('/home/chaimeleon/datasets/log.txt', 'a')\nPath('/home/chaimeleon/datasets/x').write_text('y')\n"
                     "np.save('/home/chaimeleon/datasets/a.npy', 1)\nshutil.copy('/tmp/a', '/home/chaimeleon/datasets/a')\n"
                     "os.makedirs('/home/chaimeleon/persistent-home/results', exist_ok=True)\n"}),
    Case("CHL303", "start-up-python-reads-only", START_PY, [],
         {"main.py": "import json\njson.load(open('/home/chaimeleon/datasets/index.json', 'r'))\n"}),
    Case("CHL303", "start-up-shell-writes", "FROM ubuntu:22.04\n" + U + "COPY run.sh /opt/run.sh\nUSER chaimeleon\n"
         "ENTRYPOINT [\"/opt/run.sh\"]\n", [2, 3],
         {"run.sh": "#!/bin/sh\necho x > $HOME/datasets/a.txt\ncp /tmp/x ~/datasets/\ncat ~/datasets/index.json > /tmp/i\n"},
         executable=("run.sh",)),
    Case("CHL303", "default-arg", 'FROM ubuntu:22.04\nENTRYPOINT ["python3", "/app/main.py"]\nCMD ["-o", "/home/chaimeleon/datasets/results"]\n', [3]),
    Case("CHL303", "input-env-is-fine", "FROM ubuntu:22.04\nENV INPUT_DIR=/home/chaimeleon/datasets\n", []),
    Case("CHL303", "creating-the-dir-itself", "FROM ubuntu:22.04\n" + MK, []),
    # CHL304
    Case("CHL304", "app", "FROM ubuntu:22.04\nWORKDIR /app\n", [2]),
    Case("CHL304", "none", "FROM ubuntu:22.04\n", [None]),
    Case("CHL304", "home-via-env", "FROM ubuntu:22.04\nENV HOME_DIR=/home/chaimeleon\nWORKDIR $HOME_DIR\n", []),
    Case("CHL304", "relative-workdir", "FROM ubuntu:22.04\nWORKDIR /home\nWORKDIR chaimeleon\n", []),
    Case("CHL304", "known-base", KNOWN, []),
    # CHL501
    Case("CHL501", "pip3", "FROM ubuntu:22.04\nRUN pip3 install numpy\n", [2]),
    Case("CHL501", "python-m-pip", "FROM ubuntu:22.04\nRUN python3 -m pip install -r requirements.txt\n", [2]),
    Case("CHL501", "flag-before-subcommand", "FROM ubuntu:22.04\nRUN pip --no-cache-dir install numpy\n", []),
    Case("CHL501", "env", "FROM ubuntu:22.04\nENV PIP_NO_CACHE_DIR=1\nRUN pip install numpy\n", []),
    Case("CHL501", "env-after-run", "FROM ubuntu:22.04\nRUN pip install numpy\nENV PIP_NO_CACHE_DIR=1\n", [2]),
    Case("CHL501", "inline", "FROM ubuntu:22.04\nRUN PIP_NO_CACHE_DIR=1 pip install numpy\n", []),
    Case("CHL501", "exported", "FROM ubuntu:22.04\nRUN export PIP_NO_CACHE_DIR=1 && pip install numpy\n", []),
    Case("CHL501", "arg", "FROM ubuntu:22.04\nARG PIP_NO_CACHE_DIR=1\nRUN pip install numpy\n", []),
    Case("CHL501", "pip-config", "FROM ubuntu:22.04\nRUN pip config set global.no-cache-dir false\nRUN pip install numpy\n", []),
    Case("CHL501", "cache-mount", "FROM ubuntu:22.04\nRUN --mount=type=cache,target=/root/.cache/pip pip install numpy\n", []),
    Case("CHL501", "tmpfs-mount", "FROM ubuntu:22.04\nRUN --mount=type=tmpfs,target=/root/.cache pip install numpy\n", []),
    Case("CHL501", "cache-mount-of-the-home", "FROM ubuntu:22.04\nRUN --mount=type=cache,target=/root pip install numpy\n", []),
    Case("CHL501", "mount-of-another-users-cache", "FROM ubuntu:22.04\n" + U + "RUN --mount=type=cache,target=/home/chaimeleon/.cache pip install numpy\n", [3]),
    Case("CHL501", "bind-mount-is-no-cache", "FROM ubuntu:22.04\nRUN --mount=type=bind,target=/root/.cache/pip pip install numpy\n", [2]),
    Case("CHL501", "continuation-line", "FROM ubuntu:22.04\nRUN apt-get update && \\\n    pip install \\\n      numpy\n", [3]),
    Case("CHL501", "heredoc", "FROM ubuntu:22.04\nRUN <<EOF\nset -e\npip install numpy\nEOF\n", [4]),
    Case("CHL501", "bash-c", "FROM ubuntu:22.04\nRUN bash -c \"pip install numpy\"\n", [2]),
    Case("CHL501", "builder-stage-ignored", "FROM python:3.11 AS b\nRUN pip install numpy\nFROM python:3.11\n", []),
    Case("CHL501", "pip-download-is-not-install", "FROM ubuntu:22.04\nRUN pip download numpy\n", []),
    Case("CHL501", "echo-mention", "FROM ubuntu:22.04\nRUN echo 'pip install numpy'\n", []),
    # CHL502
    Case("CHL502", "apt", "FROM ubuntu:22.04\nRUN apt install -y curl\n", [2]),
    Case("CHL502", "option-form", "FROM ubuntu:22.04\nRUN apt-get install -y -o APT::Install-Recommends=false curl\n", []),
    Case("CHL502", "apt-config", "FROM ubuntu:22.04\nRUN echo 'APT::Install-Recommends \"false\";' > /etc/apt/apt.conf.d/99norec\nRUN apt-get install -y curl\n", []),
    Case("CHL502", "env-prefix-and-sudo", "FROM ubuntu:22.04\nRUN DEBIAN_FRONTEND=noninteractive sudo -E apt-get -y install curl\n", [2]),
    Case("CHL502", "flags-in-variable", "FROM ubuntu:22.04\nENV APT_FLAGS=--no-install-recommends\nRUN apt-get install -y $APT_FLAGS curl\n", []),
    Case("CHL502", "unknown-variable-not-guessed", "FROM ubuntu:22.04\nARG FLAGS\nRUN apt-get install -y $FLAGS curl\n", []),
    Case("CHL502", "apt-get-update-only", "FROM ubuntu:22.04\nRUN apt-get update\n", []),
    # CHL503
    Case("CHL503", "neither", "FROM python:3.11\nRUN poetry install --no-root\n", [2]),
    Case("CHL503", "only-pip-purge", "FROM python:3.11\nRUN poetry install && pip cache purge\n", [2]),
    Case("CHL503", "later-run-does-not-count", "FROM python:3.11\nRUN poetry install\nRUN pip cache purge && rm -rf ~/.cache/pypoetry/*\n", [2]),
    Case("CHL503", "guide", "FROM python:3.11\nRUN poetry install \\\n && pip cache purge && rm -rf ~/.cache/pypoetry/*\n", []),
    # CHL504
    Case("CHL504", "no-rm", "FROM ubuntu:22.04\nRUN apt-get update && apt-get install -y --no-install-recommends x\n", [2]),
    Case("CHL504", "rm", "FROM ubuntu:22.04\nRUN apt-get update && apt-get install -y --no-install-recommends x \\\n && rm -rf /var/lib/apt/lists/*\n", []),
    Case("CHL504", "rm-in-later-run", "FROM ubuntu:22.04\nRUN apt-get update\nRUN rm -rf /var/lib/apt/lists/*\n", [2]),
    Case("CHL504", "cache-mount", "FROM ubuntu:22.04\nRUN --mount=type=cache,target=/var/lib/apt/lists apt-get update\n", []),
    Case("CHL504", "tmpfs-mount-of-a-parent", "FROM ubuntu:22.04\nRUN --mount=type=tmpfs,target=/var/lib/apt apt-get update\n", []),
    Case("CHL504", "mount-below-the-lists-is-not-enough", "FROM ubuntu:22.04\nRUN --mount=type=cache,target=/var/lib/apt/lists/partial apt-get update\n", [2]),
    Case("CHL504", "aptitude", "FROM ubuntu:22.04\nRUN aptitude update && aptitude install -y x\n", [2]),
    Case("CHL504", "apt-update", "FROM ubuntu:22.04\nRUN apt update\n", [2]),
    Case("CHL504", "rm-of-a-parent", "FROM ubuntu:22.04\nRUN apt-get update && apt-get install -y --no-install-recommends x && rm -rf /var/lib/apt\n", []),
    # CHL505
    Case("CHL505", "mamba", "FROM mambaorg/micromamba:1.5.8\nRUN micromamba install -y -n base numpy\n", [2]),
    Case("CHL505", "env-create", "FROM continuumio/miniconda3:24.1.2-0\nRUN conda env create -f environment.yml && conda clean -afy\n", []),
    # CHL601
    Case("CHL601", "cmd-only", 'FROM ubuntu:22.04\nCMD ["python3", "main.py"]\n', [None]),
    Case("CHL601", "interactive-exempt", "FROM ubuntu:22.04\nRUN apt-get install -y --no-install-recommends lxde x11vnc\n", []),
    Case("CHL601", "kind-flag", "FROM ubuntu:22.04\n", [], kind="interactive"),
    Case("CHL601", "entrypoint-in-parent-stage", 'FROM ubuntu:22.04 AS base\nENTRYPOINT ["x"]\nFROM base\n', []),
    # CHL602
    Case("CHL602", "shell-form-continued", "FROM ubuntu:22.04\nENTRYPOINT python3 \\\n  /app/main.py\n", [2]),
    Case("CHL602", "broken-json-is-shell-form", "FROM ubuntu:22.04\nENTRYPOINT ['python3', 'main.py']\n", [2]),
    Case("CHL602", "overridden-by-exec-form", "FROM ubuntu:22.04\nENTRYPOINT python3 main.py\nENTRYPOINT [\"python3\", \"main.py\"]\n", []),
    # CHL603
    Case("CHL603", "executable-in-context", 'FROM ubuntu:22.04\nCOPY run.sh /run.sh\nENTRYPOINT ["/run.sh"]\n', [], {"run.sh": "echo\n"}, executable=("run.sh",)),
    Case("CHL603", "copy-chmod", 'FROM ubuntu:22.04\nCOPY --chmod=0755 run.sh /run.sh\nENTRYPOINT ["/run.sh"]\n', [], {"run.sh": "echo\n"}),
    Case("CHL603", "directory-copy", 'FROM ubuntu:22.04\nCOPY app/ /app/\nENTRYPOINT ["/app/run.sh"]\n', [3], {"app/run.sh": "echo\n"}),
    Case("CHL603", "directory-copy-chmod-R", 'FROM ubuntu:22.04\nCOPY app/ /app/\nRUN chmod -R a+x /app\nENTRYPOINT ["/app/run.sh"]\n', [], {"app/run.sh": "echo\n"}),
    Case("CHL603", "chmod-fails-as-user", 'FROM ubuntu:22.04\n' + U + 'COPY run.sh /run.sh\nUSER chaimeleon\nRUN chmod +x /run.sh\nENTRYPOINT ["/run.sh"]\n', [6], {"run.sh": "echo\n"}),
    Case("CHL603", "interpreter-needs-no-x", 'FROM ubuntu:22.04\nCOPY main.py /main.py\nENTRYPOINT ["python3", "/main.py"]\n', [], {"main.py": "print()\n"}),
    Case("CHL603", "relative-to-workdir", 'FROM ubuntu:22.04\nWORKDIR /app\nCOPY run.sh .\nENTRYPOINT ["./run.sh"]\n', [4], {"run.sh": "echo\n"}),
    # CHL604 / CHL605
    Case("CHL604", "desktop-missing-all", "FROM ubuntu:22.04\nRUN apt-get install -y --no-install-recommends lxde\n", [None, None, None]),
    Case("CHL604", "known-desktop-base", "FROM harbor.chaimeleon-eu.i3m.upv.es/chaimeleon-library/ubuntu-python-tensorflow-desktop:3.0.2\n", []),
    Case("CHL604", "batch-exempt", "FROM ubuntu:22.04\n", []),
    Case("CHL605", "jupyter-no-browser", "FROM ubuntu:22.04\nRUN apt-get install -y --no-install-recommends lxde x11vnc\nRUN pip install --no-cache-dir jupyterlab==4.1\n", [3]),
    Case("CHL605", "jupyter-with-browser", "FROM ubuntu:22.04\nRUN apt-get install -y --no-install-recommends lxde x11vnc firefox\nRUN pip install --no-cache-dir jupyterlab\n", []),
    Case("CHL605", "jupyter-on-known-desktop-base", "FROM harbor.chaimeleon-eu.i3m.upv.es/chaimeleon-library/ubuntu-python-tensorflow-desktop:3.0.2\nUSER root\nRUN pip install --no-cache-dir jupyter\n", []),
    Case("CHL605", "batch-with-port-exempt", "FROM ubuntu:22.04\nEXPOSE 8080\n", []),
    # CHL701
    Case("CHL701", "latest", "FROM ubuntu:latest\n", [1]),
    Case("CHL701", "registry-port-no-tag", "FROM localhost:5000/team/img\n", [1]),
    Case("CHL701", "digest", "FROM ubuntu@sha256:" + "a" * 64 + "\n", []),
    Case("CHL701", "arg-resolved", "ARG BASE=ubuntu\nFROM ${BASE}\n", [2]),
    Case("CHL701", "arg-with-tag", "ARG TAG=22.04\nFROM ubuntu:${TAG}\n", []),
    Case("CHL701", "unknown-arg-not-guessed", "ARG BASE\nFROM $BASE\n", []),
    Case("CHL701", "stage-and-scratch", "FROM ubuntu:22.04 AS b\nFROM b\nFROM scratch\n", []),
    Case("CHL701", "every-stage", "FROM python AS b\nFROM ubuntu:22.04\n", [1]),
    Case("CHL701", "platform-flag", "FROM --platform=linux/amd64 ubuntu\n", [1]),
    # CHL901
    Case("CHL901", "unknown-instruction", "FROM ubuntu:22.04\nRUNN echo\n", [2]),
    Case("CHL901", "missing-continuation", "FROM ubuntu:22.04\nRUN apt-get install -y \\\n    curl\n    wget\n", [4]),
    Case("CHL901", "unterminated-heredoc", "FROM ubuntu:22.04\nRUN <<EOF\necho\n", [2]),
    Case("CHL901", "broken-json", "FROM ubuntu:22.04\nCMD [\"python3\", 'x']\n", [2]),
    Case("CHL901", "no-from", "RUN echo\n", [1]),
    Case("CHL901", "unknown-pragma-id", "# chaimeleon-lint: ignore=CHL999\nFROM ubuntu:22.04\n", [1]),
    Case("CHL901", "heredoc-body-is-not-instructions", "FROM ubuntu:22.04\nRUN <<EOF\napt-get update\nEOF\n", []),
    Case("CHL901", "escape-backtick", "# escape=`\nFROM ubuntu:22.04\nRUN echo a `\n    b\n", []),
    Case("CHL901", "empty-continuation-line", "FROM ubuntu:22.04\nRUN echo a \\\n\n    b\n", []),
    Case("CHL901", "missing-copy-source-is-not-syntax", "FROM ubuntu:22.04\nCOPY gone.txt /opt/\n", []),
    # CHL902
    Case("CHL902", "missing", "FROM ubuntu:22.04\nCOPY gone.txt /opt/\n", [2]),
    Case("CHL902", "outside", "FROM ubuntu:22.04\nCOPY ../x /opt/\n", [2]),
    Case("CHL902", "dockerignored", "FROM ubuntu:22.04\nCOPY a.env /opt/\n", [2], {"a.env": "x\n", ".dockerignore": "*.env\n"}),
    Case("CHL902", "present", "FROM ubuntu:22.04\nCOPY a.txt /opt/\n", [], {"a.txt": "x\n"}),
    Case("CHL902", "from-stage-is-not-context", "FROM ubuntu:22.04 AS b\nFROM ubuntu:22.04\nCOPY --from=b /etc/hostname /opt/\n", []),
    Case("CHL902", "source-named-by-out-of-scope-arg", "ARG F=a.txt\nFROM ubuntu:22.04\nCOPY x$F /opt/\n", [3], {"xa.txt": "x\n"}),
    # CHL903
    Case("CHL903", "workstation-labels", WS, [5, 6, 6]),
    Case("CHL903", "declared-again", "ARG V=1\nFROM ubuntu:22.04\nARG V\nLABEL version=$V\nRUN echo $V\n", []),
    Case("CHL903", "from-line-is-in-scope", "ARG TAG=22.04\nFROM ubuntu:$TAG\n", []),
    Case("CHL903", "one-per-stage-and-name", "ARG D=/opt\nFROM ubuntu:22.04\nWORKDIR $D\nRUN ls $D\nFROM ubuntu:22.04\nENV X=${D}/x\n", [3, 6]),
    Case("CHL903", "shell-form-run", "ARG V=1\nFROM ubuntu:22.04\nRUN echo \"$V\"\n", [3]),
    Case("CHL903", "run-continuation", "ARG V=1\nFROM ubuntu:22.04\nRUN apt-get update && \\\n    echo ${V}\n", [3]),
    Case("CHL903", "sh-c", "ARG V=1\nFROM ubuntu:22.04\nRUN sh -c 'echo $V'\n", [3]),
    Case("CHL903", "heredoc", "ARG V=1\nFROM ubuntu:22.04\nRUN <<EOF\nset -e\necho $V\nEOF\n", [3]),
    Case("CHL903", "single-quoted-is-literal", "ARG V=1\nFROM ubuntu:22.04\nRUN echo '$V'\n", []),
    Case("CHL903", "escaped-dollar", "ARG V=1\nFROM ubuntu:22.04\nLABEL x=\\$V\n", []),
    Case("CHL903", "script-sets-it", "ARG V=1\nFROM ubuntu:22.04\nRUN V=2; echo $V\n", []),
    Case("CHL903", "script-exports-it", "ARG V=1\nFROM ubuntu:22.04\nRUN export V=2 && echo $V\n", []),
    Case("CHL903", "for-loop", "ARG V=1\nFROM ubuntu:22.04\nRUN for V in a b; do echo $V; done\n", []),
    Case("CHL903", "read", "ARG V=1\nFROM ubuntu:22.04\nRUN read -r V < /etc/hostname; echo $V\n", []),
    Case("CHL903", "local", "ARG V=1\nFROM ubuntu:22.04\nSHELL [\"/bin/bash\", \"-c\"]\nRUN f() { local V; echo $V; }; f\n", []),
    Case("CHL903", "prefix-assignment-is-not-seen", "ARG V=1\nFROM ubuntu:22.04\nRUN V=2 echo $V\n", [3]),
    Case("CHL903", "default-form-is-meant", "ARG V=1\nFROM ubuntu:22.04\nRUN echo ${V:-x}\n", []),
    Case("CHL903", "plus-form", "ARG V=1\nFROM ubuntu:22.04\nENV W=${V:+yes}\n", [3]),
    Case("CHL903", "cmd-shell-form", "ARG PORT=8080\nFROM ubuntu:22.04\nCMD python3 -m http.server $PORT\n", [3]),
    Case("CHL903", "exec-form-is-not-expanded", "ARG V=1\nFROM ubuntu:22.04\nCMD [\"echo\", \"$V\"]\n", []),
    Case("CHL903", "env-of-same-name-in-stage", "ARG V=1\nFROM ubuntu:22.04\nENV V=2\nRUN echo $V\n", []),
    Case("CHL903", "empty-workdir", "ARG APP_DIR=/opt/app\nFROM ubuntu:22.04\nWORKDIR $APP_DIR\n", [3]),
    Case("CHL903", "escape-directive", "# escape=`\nARG V=1\nFROM ubuntu:22.04\nLABEL a=`$V b=$V\n", [4]),
]


@pytest.mark.parametrize("case", CASES, ids=[f"{c.rule}-{c.name}" for c in CASES])
def test_rule(case: Case, run_lint) -> None:
    found = run_lint(case.dockerfile, case.files, case.kind, case.executable)
    assert found.get(case.rule, []) == case.lines


def test_every_rule_has_firing_and_passing_cases() -> None:
    from chaimeleon_lint import catalogue

    from test_network import CASES as NETWORK  # CHL4xx cases name the file as well as the line
    from test_toolbox import CASES as TOOLBOX  # CHL10xx cases are linted under their profile

    for rule_id in (r.id for r in catalogue.load().rules.values() if r.phase == "static"):
        lines = [c.lines for c in (*CASES, *TOOLBOX) if c.rule == rule_id]
        lines += [[n for r, _, n, _ in c.expected if r == rule_id] for c in NETWORK]
        assert any(lines) and any(not x for x in lines), rule_id


def test_pragma_suppresses_the_next_instruction_only(run_lint) -> None:
    found = run_lint("FROM ubuntu:22.04\n# chaimeleon-lint: ignore=CHL501,apt-no-install-recommends\n"
                     "RUN pip install a && apt-get install -y b\nRUN pip install c\n")
    assert found.get("CHL501") == [4] and "CHL502" not in found


def test_file_ignore_pragma(run_lint) -> None:
    found = run_lint("# chaimeleon-lint: file-ignore=CHL101\nFROM ubuntu:22.04\n")
    assert "CHL101" not in found and "CHL103" in found


@pytest.mark.parametrize(("build_args", "lines"), [(None, []), ({}, [3]), ({"V": "1.0"}, []), ({"V": ""}, [3])])
def test_build_args_known_with_build(tmp_path, build_args, lines) -> None:
    """With --build the engine gets exactly the --build-arg values: an ARG without default that none
    sets is then "" (CHL103), not "present, value unknown"."""
    from chaimeleon_lint import catalogue
    from chaimeleon_lint.checks import collect
    from chaimeleon_lint.linter import Options, lint_source
    from chaimeleon_lint.source.text import decode

    path = tmp_path / "Dockerfile"
    path.write_text("FROM ubuntu:22.04\nARG V\nLABEL name=x version=$V\n")
    result = lint_source(decode(path.read_bytes(), "Dockerfile"), tmp_path,
                         Options(select=frozenset({"CHL103"}), build_args=build_args), catalogue.load(), collect(), path)
    assert [f.line for f in result.findings] == lines


def test_the_dockerfiles_of_one_repository_read_the_folders_above_them_once(tmp_path, monkeypatch) -> None:
    """The licence search of a run (CHL104) remembers each folder: a second context in the same
    repository reads only its own folder, and finds the licence at the root all the same."""
    from pathlib import Path

    from chaimeleon_lint.model import context as context_module

    (tmp_path / ".git").mkdir()
    (tmp_path / "LICENSE").write_text("SPDX-License-Identifier: MIT\n")
    read: list = []
    real = context_module._license_in
    monkeypatch.setattr(context_module, "_license_in", lambda folder: read.append(Path(folder).name) or real(folder))
    above = context_module.Above()
    for name in ("a", "b"):
        (tmp_path / "images" / name).mkdir(parents=True)
        assert context_module.Context(tmp_path / "images" / name, above=above).license() == "MIT"
    assert read == ["a", "images", tmp_path.name, "b"]


PRAGMA_CASES = [  # (Dockerfile, context files) → rule → lines, for the pragmas' forms
    ("FROM ubuntu:22.04\n# chaimeleon-lint: ignore=CHL501  # wheels cached by CI\nRUN pip install x\n", {}, "CHL501", []),
    ("FROM ubuntu:22.04\n# chaimeleon-lint: ignore CHL501\nRUN pip install x\n", {}, "CHL901", [2]),  # malformed
    ("FROM ubuntu:22.04\n# chaimeleon-lint: ignore CHL501\nRUN pip install x\n", {}, "CHL501", [3]),
    ("FROM ubuntu:22.04\n# chaimeleon-lint: file-ignore=label-version-missing\n", {}, "CHL103", []),
    ("FROM ubuntu:22.04\nCOPY run.sh /opt/run.sh\nENTRYPOINT [\"/opt/run.sh\"]\n",
     {"run.sh": "#!/bin/sh\n# chaimeleon-lint: ignore=CHL402  # the platform's mirror answers here\ncurl -sO https://x.org/m\n"
                "wget https://x.org/n\n"}, "CHL402", [4]),
    ("FROM ubuntu:22.04\nCOPY main.py /opt/main.py\nCMD [\"python3\", \"/opt/main.py\"]\n",
     {"main.py": "# chaimeleon-lint: file-ignore=runtime-download-in-script\nimport requests\nrequests.get('https://x.org')\n"},
     "CHL402", []),
]


@pytest.mark.parametrize(("dockerfile", "files", "rule", "lines"), PRAGMA_CASES,
                         ids=[f"pragma{n}" for n in range(len(PRAGMA_CASES))])
def test_pragmas(dockerfile: str, files: dict[str, str], rule: str, lines: list[int], run_lint) -> None:
    assert run_lint(dockerfile, files).get(rule, []) == lines
