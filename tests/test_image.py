"""`chaimeleon-lint image REF...`: the Dockerfile rebuilt from an image's history and configuration,
and audits of images built on the real engine."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from chaimeleon_lint.build.engine import detect
from chaimeleon_lint.build.recorded import dockerfile, instruction

ROOT = Path(__file__).resolve().parent.parent
ENGINES = [e for e in (detect("docker"), detect("podman")) if e is not None]
needs_engine = pytest.mark.skipif(not ENGINES, reason="no container engine answers (bash .ci/engine starts one)")


@pytest.mark.parametrize(("created_by", "expected"), [
    ("/bin/sh -c apt-get update", "RUN apt-get update"),  # classic builder
    ('|2 A=1 B= /bin/sh -c echo "$A" > /x', 'RUN echo "$A" > /x'),  # classic, with build args
    ("RUN /bin/sh -c pip install x # buildkit", "RUN pip install x"),  # BuildKit
    ("RUN |1 V=2 /bin/sh -c make # buildkit", "RUN make"),
    ("/bin/sh -c #(nop)  USER chaimeleon", "USER chaimeleon"),  # docker
    ("/bin/sh -c #(nop) WORKDIR /home/chaimeleon", "WORKDIR /home/chaimeleon"),  # podman
    ("USER chaimeleon:chaimeleon", "USER chaimeleon:chaimeleon"),  # BuildKit
    ("/bin/sh -c #(nop)  EXPOSE 8888", "EXPOSE 8888"),
    ("/bin/sh -c #(nop)  LABEL name=a b", None),  # quotes lost: from the configuration instead
    ("/bin/sh -c #(nop)  ENV A=1", None),
    ("/bin/sh -c #(nop) COPY file:0123 in /opt/ ", None),  # no context to read
    ("/bin/sh -c #(nop)  CMD [\"bash\"]", None),  # the configuration's is the one in force
    ("", None),
])
def test_history_entries(created_by: str, expected: str | None) -> None:
    assert instruction(created_by) == expected


def test_rebuilt_dockerfile_takes_values_from_the_configuration() -> None:
    config = {"Env": ["PATH=/usr/bin", 'Q=say "hi" $x'], "Labels": {"version": "1.0 beta", "name": "tool"},
              "User": "", "WorkingDir": "/opt", "Entrypoint": ["/bin/sh", "-c", "python3 main.py"], "Cmd": None}
    text = dockerfile("reg.example/tool:1", ["/bin/sh -c #(nop)  USER chaimeleon", "/bin/sh -c useradd x"], config)
    assert text.splitlines() == [
        "FROM reg.example/tool:1", 'ENV PATH="/usr/bin"', 'ENV Q="say \\"hi\\" \\$x"', "USER chaimeleon",
        "RUN useradd x", 'LABEL name="tool"', 'LABEL version="1.0 beta"', "USER root", "WORKDIR /opt",
        "ENTRYPOINT python3 main.py"]


def test_a_file_is_not_an_image_reference(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM x\n")
    proc = subprocess.run([sys.executable, "-m", "chaimeleon_lint", "image", "Dockerfile"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "Dockerfile is a file: `chaimeleon-lint image` takes image references" in proc.stderr


BAD = '''FROM debian:bookworm
LABEL name="bad-tool" version="1.0"
RUN apt-get update && apt-get install -y sudo && groupadd -g 1000 chaimeleon && useradd -m -u 1000 -g 1000 -G sudo chaimeleon
RUN mkdir -p /home/chaimeleon/datasets /home/chaimeleon/persistent-home /home/chaimeleon/persistent-shared-folder && chown -R 1000:1000 /home/chaimeleon
WORKDIR /home/chaimeleon
ENTRYPOINT ["ls"]
'''


def audit(engine_name: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "chaimeleon_lint", "image", "--engine", engine_name, "--format", "json",
                           *args], cwd=cwd, capture_output=True, text=True, timeout=900)


@needs_engine
@pytest.mark.parametrize("engine", ENGINES, ids=[e.name for e in ENGINES])
def test_audit_of_an_image_with_root_sudo_and_apt_lists(tmp_path: Path, engine) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "Dockerfile").write_text(BAD)
    tag = f"chaimeleon-lint-test/bad-{uuid.uuid4().hex[:8]}:1"
    built = engine.run(["build", "-t", tag, str(tmp_path)], timeout=900)
    assert built.returncode == 0, built.stderr
    try:
        proc = audit(engine.name, tag, cwd=tmp_path)
        assert proc.returncode == 1, proc.stderr
        report = json.loads(proc.stdout)
        found = {(f["rule"], f["line"]) for f in report["findings"]}
        rules = {rule for rule, _ in found}
        assert {"CHL802", "CHL804", "CHL806"} <= rules  # the probe, the sudoers and the layers
        lines = {rule: line for rule, line in found}
        assert {"CHL204", "CHL502", "CHL504", "CHL203"} <= rules  # the history and the configuration
        assert lines["CHL204"] == lines["CHL502"] == lines["CHL504"] is not None  # the RUN of the history
        assert lines["CHL203"] is None  # no USER: the configuration's user is root
        assert not rules & {"CHL104", "CHL201", "CHL301", "CHL403", "CHL901"}
        assert all(f["path"] == tag for f in report["findings"])
        assert engine.run(["ps", "-aq", "--filter", "label=chaimeleon-lint.session"], timeout=60).stdout.strip() == ""
        assert engine.run(["image", "inspect", tag], timeout=60).returncode == 0, "the audited image stays"
    finally:
        engine.run(["rmi", "-f", tag], timeout=120)


@needs_engine
def test_audit_runs_the_smoke_run_on_a_compliant_image(tmp_path: Path) -> None:
    engine = ENGINES[0]
    tag = f"chaimeleon-lint-test/batch-{uuid.uuid4().hex[:8]}:1"
    built = engine.run(["build", "-t", tag, str(ROOT / "examples" / "batch-app")], timeout=1800)
    assert built.returncode == 0, built.stderr
    try:
        proc = audit(engine.name, "--smoke-args", "-i {dataset} -o {output}", "--format", "text", tag, cwd=tmp_path)
        assert proc.returncode == 0, proc.stdout
        assert "smoke" in proc.stdout and "0 error(s), 0 warning(s), 0 info" in proc.stdout
        failing = audit(engine.name, "--smoke-args", "--no-such-option", tag, cwd=tmp_path)
        assert [f["rule"] for f in json.loads(failing.stdout)["findings"]] == ["CHL807"]
    finally:
        engine.run(["rmi", "-f", tag], timeout=120)


@needs_engine
def test_an_image_that_is_not_there_is_named(tmp_path: Path) -> None:
    proc = audit(ENGINES[0].name, "chaimeleon-lint-test/absent:0", "chaimeleon-lint-test/absent:1", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.count("no such image in") == 2 and proc.stdout == ""
