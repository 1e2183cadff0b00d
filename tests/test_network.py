"""CHL401–CHL403: what the container downloads at start-up, found by following it into the context.

Each case is a context (Dockerfile and files) → the exact (rule, file, line, severity) of the
CHL4xx findings; files are given relative to the context.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import NamedTuple

import pytest
from click.testing import CliRunner

from chaimeleon_lint import catalogue
from chaimeleon_lint.checks import collect
from chaimeleon_lint.cli import main
from chaimeleon_lint.linter import Options, lint_source
from chaimeleon_lint.source.text import decode

APP = "FROM ubuntu:22.04\nCOPY --chmod=755 . /app/\nWORKDIR /app\n"  # ENTRYPOINT/CMD go on line 4
MIRROR = "http://py-repo-service.package-repos-proxy:3141/root/pypi/+simple/"


class Net(NamedTuple):
    name: str
    dockerfile: str
    files: dict[str, str]
    expected: list[tuple[str, str, int | None, str]]  # rule, path, line, severity
    kind: str | None = None


def run_sh(body: str) -> dict[str, str]:
    return {"run.sh": "#!/bin/bash\n" + textwrap.dedent(body).lstrip("\n")}


ENTRY = APP + 'ENTRYPOINT ["/app/run.sh"]\n'
MAIN = {"main.py": "print('ready')\n"}

CASES = [
    # CHL401: the launch itself
    Net("exec-sh-c", APP + 'ENTRYPOINT ["sh", "-c", "pip install x && exec python3 main.py"]\n', MAIN,
        [("CHL401", "Dockerfile", 4, "error")]),
    Net("shell-form", APP + "CMD apt-get update && apt-get install -y curl && python3 main.py\n", MAIN,
        [("CHL401", "Dockerfile", 4, "error"), ("CHL401", "Dockerfile", 4, "error")]),
    # an address urllib cannot split (an unclosed IPv6 bracket) is still a download, not a crash
    Net("unsplittable-url", APP + "CMD curl -O http://[fe80::1/x && pip install --index-url http://[x/ y\n", {},
        [("CHL401", "Dockerfile", 4, "error"), ("CHL401", "Dockerfile", 4, "error")]),
    Net("cmd-after-tini", APP + 'ENTRYPOINT ["tini", "--"]\nCMD ["git", "clone", "https://github.com/a/b"]\n', {},
        [("CHL401", "Dockerfile", 5, "error")]),
    Net("multi-line-shell-form", APP + "CMD echo start \\\n && wget https://example.org/x.bin\n", {},
        [("CHL401", "Dockerfile", 4, "error")]),
    Net("localhost-is-not-internet",
        APP + 'CMD ["sh", "-c", "until curl -s http://localhost:8888/api; do sleep 1; done; exec app"]\n', {}, []),
    Net("url-in-variable-is-info", APP + 'CMD ["sh", "-c", "curl -fsS \\"$API_URL\\"/register"]\n', {},
        [("CHL401", "Dockerfile", 4, "info")]),
    Net("mirror-is-info", APP + f"CMD pip install -i {MIRROR} pydicom && python3 main.py\n", MAIN,
        [("CHL401", "Dockerfile", 4, "info")]),
    Net("mirror-through-env", APP + f"ENV PIP_INDEX_URL={MIRROR}\nCMD pip install pydicom\n", {},
        [("CHL401", "Dockerfile", 5, "info")]),
    Net("mirror-through-pip-conf", APP + "COPY pip.conf /etc/pip.conf\nCMD pip install pydicom\n",
        {"pip.conf": f"[global]\nindex-url = {MIRROR}\ntrusted-host = py-repo-service.package-repos-proxy\n"},
        [("CHL401", "Dockerfile", 5, "info")]),
    Net("mirror-through-user-pip-conf", APP + f"RUN mkdir -p /root/.config/pip && printf '[global]\\nindex-url = {MIRROR}\\n' > /root/.config/pip/pip.conf\nCMD pip install pydicom\n",
        {}, [("CHL401", "Dockerfile", 5, "info")]),
    Net("mirror-through-pip-config-set", APP + f"RUN pip config set global.index-url {MIRROR}\nCMD pip install pydicom\n",
        {}, [("CHL401", "Dockerfile", 5, "info")]),
    # the platform's ubuntu-python puts its pip.conf at ~/.config/pip.conf, where pip does not look
    # (`pip config debug` in a built image lists ~/.pip/pip.conf and ~/.config/pip/pip.conf only)
    Net("known-base-pip-conf-is-not-read", "FROM harbor.chaimeleon-eu.i3m.upv.es/chaimeleon-library-batch/ubuntu-python:0.3.1\n"
        "USER root\nCOPY --chmod=755 run.sh /opt/run.sh\nUSER chaimeleon\nENTRYPOINT [\"/opt/run.sh\"]\n",
        run_sh("pip install --user pydicom\n"), [("CHL402", "run.sh", 2, "error")]),
    Net("pip-conf-at-a-place-pip-ignores", APP + "COPY pip.conf /root/.config/pip.conf\nCMD pip install pydicom\n",
        {"pip.conf": f"[global]\nindex-url = {MIRROR}\n"}, [("CHL401", "Dockerfile", 5, "error")]),
    Net("pip-conf-elsewhere-is-not-the-mirror", APP + "COPY pip.conf /etc/pip.conf\nCMD pip install pydicom\n",
        {"pip.conf": "[global]\nindex-url = https://pypi.org/simple\n"}, [("CHL401", "Dockerfile", 5, "error")]),
    Net("extra-index-is-not-the-mirror", APP + f"CMD pip install --extra-index-url {MIRROR} x\n", {},
        [("CHL401", "Dockerfile", 4, "error")]),
    Net("no-index-is-offline", APP + "CMD pip install --no-index --find-links /wheels x\n", {}, []),
    Net("exec-form-does-not-expand", APP + 'CMD ["echo", "$(curl https://x)"]\n', {}, []),
    Net("plain-program", APP + 'ENTRYPOINT ["python3", "main.py"]\n', MAIN, []),
    Net("launch-script-missing", APP + "CMD pip install x && ./app\n", {},
        [("CHL401", "Dockerfile", 4, "error"), ("CHL403", "Dockerfile", 4, "info")]),
    # CHL402: shell scripts, followed transitively
    Net("script-pip", ENTRY, run_sh("pip install pydicom\nexec python3 main.py\n"),
        [("CHL402", "run.sh", 2, "error")]),
    Net("chain-source-call-bash", ENTRY,
        {**run_sh(". ./lib.sh\nbash /app/tools/fetch.sh\n"), "lib.sh": "true\n",
         "tools/fetch.sh": "#!/bin/sh\necho fetching\naws s3 cp s3://bucket/model.bin /tmp/\n"},
        [("CHL402", "tools/fetch.sh", 3, "error")]),
    Net("program-on-path", APP + 'COPY --chmod=755 fetch-data /usr/local/bin/fetch-data\nENTRYPOINT ["/app/run.sh"]\n',
        {**run_sh("fetch-data\n"), "fetch-data": "#!/bin/sh\nhuggingface-cli download org/model\n"},
        [("CHL402", "fetch-data", 2, "error")]),
    Net("function-called", ENTRY, run_sh("setup() {\n  npm install\n}\nsetup\n"), [("CHL402", "run.sh", 3, "error")]),
    Net("function-never-called", ENTRY, run_sh("unused() {\n  npm install\n}\necho hi\n"), []),
    Net("function-from-sourced-library", ENTRY,
        {**run_sh("source lib.sh\nprepare\n"), "lib.sh": "prepare() { scp user@host:/data/x.tgz /tmp/; }\n"},
        [("CHL402", "lib.sh", 1, "error")]),
    Net("guarded-download-fires-once-per-download", ENTRY,
        run_sh("""
            if curl --connect-timeout 4 pypi.org 2> /dev/null; then
                pip3 install --upgrade pip > /dev/null 2>&1
                pip3 install --upgrade keyrings.alt > /dev/null 2>&1
            fi
            """), [("CHL402", "run.sh", 3, "error"), ("CHL402", "run.sh", 4, "error")]),
    Net("else-branch-is-not-guarded-and-probe-alone-fires", ENTRY,
        run_sh("if ping -c1 8.8.8.8; then echo online; else echo offline; fi\nwget -q https://x.org/a\n"),
        [("CHL402", "run.sh", 3, "error")]),
    Net("cycle", ENTRY, {**run_sh("source b.sh\n"), "b.sh": "source run.sh\ngit pull\n"},
        [("CHL402", "b.sh", 2, "error")]),
    Net("self-loop", ENTRY, run_sh("exec /app/run.sh \"$@\"\n"), []),
    Net("remote-rsync-only", ENTRY, run_sh("rsync -a /data/ /backup/\nrsync -a host.example.org:/d/ /tmp/\n"),
        [("CHL402", "run.sh", 3, "error")]),
    Net("mirror-in-script", ENTRY, run_sh(f"pip install --index-url {MIRROR} x\n"), [("CHL402", "run.sh", 2, "info")]),
    Net("dockerignored-script-not-read", ENTRY, {**run_sh("pip install x\n"), ".dockerignore": "run.sh\n"},
        [("CHL403", "Dockerfile", 4, "info")]),
    # CHL402: Python, through aliases and imports that resolve inside the context
    Net("python-alias-requests", APP + 'CMD ["python3", "main.py"]\n',
        {"main.py": "import requests as r\nr.get('https://example.org/x')\n"}, [("CHL402", "main.py", 2, "error")]),
    Net("python-from-import-alias", APP + 'CMD ["python3", "main.py"]\n',
        {"main.py": "from urllib.request import urlopen as get\n\nget('https://example.org/w.bin')\n"},
        [("CHL402", "main.py", 3, "error")]),
    Net("python-localhost", APP + 'CMD ["python3", "main.py"]\n',
        {"main.py": "import requests\nrequests.post('http://127.0.0.1:8080/ready')\n"}, []),
    Net("python-transitive-imports", APP + 'CMD ["python3", "-m", "app.main"]\n',
        {"app/__init__.py": "", "app/main.py": "from .models import load\nload()\n",
         "app/models/__init__.py": "from app.models.hub import load\n",
         "app/models/hub.py": ("from transformers import AutoModel\n\ndef load():\n"
                               "    return AutoModel.from_pretrained('microsoft/BiomedVLP-CXR-BERT')\n")},
        [("CHL402", "app/models/hub.py", 4, "error")]),
    Net("python-path-literal-does-not-fire", APP + 'CMD ["python3", "main.py"]\n',
        {"main.py": ("from transformers import AutoModel\nAutoModel.from_pretrained('/opt/weights')\n"
                     "AutoModel.from_pretrained('./weights')\nAutoModel.from_pretrained('~/w')\n"
                     "AutoModel.from_pretrained('weights')\n"
                     "AutoModel.from_pretrained('org/m', local_files_only=True)\n"),
         "weights/config.json": "{}\n"}, []),
    Net("python-non-literal-is-info", APP + 'CMD ["python3", "main.py"]\n',
        {"main.py": "import sys\nfrom huggingface_hub import snapshot_download\nsnapshot_download(sys.argv[1])\n"},
        [("CHL402", "main.py", 3, "info")]),
    Net("python-subprocess-pip", APP + 'CMD ["python3", "main.py"]\n',
        {"main.py": ("import subprocess, sys, os\nsubprocess.check_call([sys.executable, '-m', 'pip', 'install', 'x'])\n"
                     "os.system('apt-get install -y curl')\nsubprocess.run(['ls', '-l'])\n")},
        [("CHL402", "main.py", 2, "error"), ("CHL402", "main.py", 3, "error")]),
    Net("python-catalogue-calls", APP + 'CMD ["python3", "main.py"]\n',
        {"main.py": ("import nltk, torch\nimport tensorflow as tf\nnltk.download('punkt')\n"
                     "torch.hub.load('pytorch/vision', 'resnet50')\ntf.keras.utils.get_file('x', 'https://e.org/x')\n"
                     "import wget\nwget.download('https://e.org/y')\n")},
        [("CHL402", "main.py", n, "error") for n in (3, 4, 5, 7)]),
    Net("python-shebang-script", ENTRY, {"run.sh": "#!/usr/bin/env python3\nimport httpx\nhttpx.get('https://x.org')\n"},
        [("CHL402", "run.sh", 3, "error")]),
    Net("python-import-cycle", APP + 'CMD ["python3", "a.py"]\n',
        {"a.py": "import b\n", "b.py": "import a\nimport requests\nrequests.get('https://x.org')\n"},
        [("CHL402", "b.py", 3, "error")]),
    Net("python-syntax-error-is-skipped", APP + 'CMD ["python3", "main.py"]\n', {"main.py": "def (:\n"}, []),
    # CHL402: supervisor programs of interactive images
    Net("supervisor-program",
        APP + "RUN apt-get install -y --no-install-recommends supervisor x11vnc openssh-server lxde\n"
              "COPY app.conf /etc/supervisor/conf.d/app.conf\n",
        {"app.conf": "[program:init]\ncommand=/app/init.sh --fast\n", "init.sh": "#!/bin/sh\nconda install -y x\n"},
        [("CHL402", "init.sh", 2, "error")]),
    Net("supervisor-started-by-entrypoint", ENTRY,
        {**run_sh("exec supervisord -n -c /app/sv.conf\n"),
         "sv.conf": "[supervisord]\nnodaemon=true\n[program:x]\ncommand=bash -c \"git clone https://g.org/r\"\n"},
        [("CHL402", "sv.conf", 4, "error")]),
    # CHL403: the start-up script is not in the context
    Net("from-base-image", "FROM ubuntu:22.04\nENTRYPOINT [\"/home/chaimeleon/.init/run.sh\"]\n", {},
        [("CHL403", "Dockerfile", 2, "info")]),
    Net("written-by-run", "FROM ubuntu:22.04\nRUN printf '#!/bin/sh\\n' > /start.sh\nCMD /start.sh\n", {},
        [("CHL403", "Dockerfile", 3, "info")]),
    Net("system-program-is-not-a-script", "FROM ubuntu:22.04\nCMD [\"/usr/sbin/sshd\", \"-D\"]\n", {}, []),
    Net("binary-in-context-is-not-missing", APP + 'ENTRYPOINT ["/app/server"]\n', {"server": "\x00ELF\x00"}, []),
]


def lint_dir(tmp: Path, dockerfile: str, files: dict[str, str], kind: str | None = None):
    tmp.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        (tmp / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp / name).write_text(content)
    (tmp / "Dockerfile").write_text(dockerfile)
    return lint_source(decode((tmp / "Dockerfile").read_bytes(), str(tmp / "Dockerfile")), tmp,
                       Options(kind=kind), catalogue.load(), collect(), tmp / "Dockerfile")


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_startup_downloads(tmp_path: Path, case: Net) -> None:
    result = lint_dir(tmp_path, case.dockerfile, case.files, case.kind)
    found = [(f.rule, Path(f.path).resolve().relative_to(tmp_path.resolve()).as_posix(), f.line, f.severity.label)
             for f in result.findings if f.rule.startswith("CHL4")]
    assert sorted(found) == sorted(case.expected)


def test_finding_carries_the_chain_from_the_entrypoint(tmp_path: Path, monkeypatch) -> None:
    files = {**run_sh("source lib/common.sh\nexec python3 app.py\n"), "lib/common.sh": "true\n",
             "app.py": "import helpers\nhelpers.fetch()\n",
             "helpers.py": "import requests\n\ndef fetch():\n    requests.get('https://example.org/w')\n"}
    lint_dir(tmp_path, ENTRY, files)
    monkeypatch.chdir(tmp_path)
    out = CliRunner().invoke(main, ["--format", "json", "."])
    finding = next(f for f in json.loads(out.output)["findings"] if f["rule"] == "CHL402")
    assert finding["path"] == "helpers.py" and finding["line"] == 4
    assert finding["via"] == [{"path": "Dockerfile", "line": 4}, {"path": "run.sh", "line": 3},
                              {"path": "app.py", "line": 1}, {"path": "helpers.py", "line": 4}]
    text = CliRunner().invoke(main, ["--no-color", "."]).output
    assert "via: Dockerfile:4 → run.sh:3 → app.py:1 → helpers.py:4" in text


def test_guarded_message_names_the_test(tmp_path: Path) -> None:
    result = lint_dir(tmp_path, ENTRY, run_sh("if wget -q --spider https://pypi.org; then\n  pip install x\nfi\n"))
    [finding] = [f for f in result.findings if f.rule == "CHL402"]
    assert "connectivity test on line 2" in finding.message


def test_start_up_sudo_carries_the_chain(tmp_path: Path) -> None:
    result = lint_dir(tmp_path, "FROM ubuntu:22.04\n" + "RUN useradd -u 1000 chaimeleon\n" + ENTRY[18:],
                      run_sh("usermod -aG sudo chaimeleon\n"))
    [finding] = [f for f in result.findings if f.rule == "CHL204"]
    assert [line for _, line in finding.via] == [5, 2]


def test_bounded_on_a_long_chain(tmp_path: Path) -> None:
    files = {f"s{i}.sh": f"#!/bin/sh\n. ./s{i + 1}.sh\n" for i in range(200)}
    files["s200.sh"] = "curl -O https://example.org/x\n"
    result = lint_dir(tmp_path, APP + 'ENTRYPOINT ["/app/s0.sh"]\n', files)
    assert not [f for f in result.findings if f.rule == "CHL402"]  # beyond the depth bound: not read
