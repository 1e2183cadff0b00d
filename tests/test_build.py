"""The build-and-test phase: command construction and parsing without an engine, then every
CHL8xx rule's bad and good example built and run on a real engine (skipped, with the reason,
where none answers; CI sets one up with .ci/engine)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tarfile
from pathlib import Path

import jsonschema
import pytest

from chaimeleon_lint import catalogue
from chaimeleon_lint.build.dataset import write_dataset
from chaimeleon_lint.build.engine import LABEL, Engine, Mount, detect
from chaimeleon_lint.build.layers import scan_saved
from chaimeleon_lint.build.phase import (BuildOptions, failing_line, parse_probe, probe_hits, run_line, run_phase,
                                         sudoers_hits)
from chaimeleon_lint.profile import DEFAULT
from chaimeleon_lint.profile import load as load_profile
from chaimeleon_lint.source.dockerfile import parse

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = parse("FROM debian:bookworm\nLABEL name=x\nRUN apt-get update\nUSER chaimeleon\nRUN false\n")


def test_podman_commands_are_safe_and_complete() -> None:
    podman = Engine(("podman", "--remote"))
    args = podman.command(*podman.run_args("img", "c1", "s1", entrypoint="/bin/sh", command=["x"],
                                           mounts=[Mount("/d", "/in", True)], resolver="/s/resolv.conf"))
    assert args[:3] == ["podman", "--remote", "run"]
    for flag in ("--network", "none", "--cap-drop", "ALL", "no-new-privileges", "--pids-limit", "--memory", "--rm",
                 f"{LABEL}=s1", "type=bind,source=/s/resolv.conf,target=/etc/resolv.conf,readonly",
                 "type=bind,source=/d,target=/in,readonly"):
        assert flag in args
    assert "--dns" not in args  # podman refuses it with --network none
    assert "--privileged" not in args and not any("docker.sock" in a for a in args)
    assert args[-2:] == ["img", "x"]
    build = podman.build_args("Dockerfile", "ctx", "t", "s1", ["A=1"], "final")
    assert build[-1] == "ctx" and ["--build-arg", "A=1"] == build[build.index("--build-arg"):][:2]
    assert "--target" in build and f"{LABEL}=s1" in build


def test_failing_line_from_either_builder() -> None:
    classic = ["Step 1/5 : FROM debian:bookworm", "Step 5/5 : RUN false", "returned a non-zero code: 1"]
    assert failing_line(classic, DOCKERFILE) == 5
    buildkit = ["#6 [3/3] RUN false", "Dockerfile:5", "--------------------", "ERROR: failed to solve"]
    assert failing_line(buildkit, DOCKERFILE) == 5
    buildah = ["STEP 1/5: FROM debian:bookworm", "STEP 5/5: RUN false",
               'error building at STEP "RUN false": while running runtime: exit status 1']
    assert failing_line(buildah, DOCKERFILE) == 5
    two_stages = parse("FROM a AS build\nRUN make\n\nFROM b\nCOPY --from=build /x /x\nRUN false\n")
    assert failing_line(["[1/2] STEP 2/2: RUN make", "[2/2] STEP 1/3: FROM b", "[2/2] STEP 3/3: RUN false",
                         "Error: building at STEP \"RUN false\""], two_stages) == 6
    assert failing_line(["network unreachable"], DOCKERFILE) is None


def test_layer_history_maps_to_its_run() -> None:
    assert run_line("/bin/sh -c apt-get update", DOCKERFILE) == 3
    assert run_line("RUN /bin/sh -c apt-get update # buildkit", DOCKERFILE) == 3
    assert run_line("/bin/sh -c #(nop)  LABEL name=x", DOCKERFILE) is None


def test_probe_output_to_findings() -> None:
    out = ("uid 1001\ngid 1001\ngroups chaimeleon sudo\n"
           "dir /home/chaimeleon/datasets 1 1000 1\ndir /home/chaimeleon/persistent-home 1 0 0\n"
           "dir /home/chaimeleon/persistent-shared-folder 0 ? 0\nsudo absent\n")
    rules = sorted((rule, hit.span.line if hit.span else None) for rule, hit in probe_hits(parse_probe(out), DOCKERFILE, load_profile(DEFAULT)))
    assert rules == [("CHL802", 4), ("CHL803", None), ("CHL803", None), ("CHL804", 4)]


@pytest.mark.parametrize(("sudoers", "fires"), [
    ("chaimeleon ALL=(ALL) NOPASSWD:ALL\n", True), ("#1000 ALL=(ALL) ALL\n", True), ("%#1000 ALL=(ALL) ALL\n", True),
    ("%video ALL=(ALL) ALL\n", True), ("ALL ALL=(ALL) NOPASSWD: /usr/bin/apt\n", True),
    ("# chaimeleon ALL=(ALL) ALL\n#includedir /etc/sudoers.d\n", False), ("root ALL=(ALL:ALL) ALL\n", False),
    ("%sudo ALL=(ALL:ALL) ALL\n", False), ("Defaults env_reset\n", False),
])
def test_sudoers_read_as_root_to_findings(sudoers: str, fires: bool) -> None:
    facts = parse_probe("uid 1000\nuser chaimeleon\ngid 1000\ngroups chaimeleon video\ngids 1000 44\n")
    output = "@@file /etc/sudoers\nroot ALL=(ALL:ALL) ALL\n\n@@file /etc/sudoers.d/app\n" + sudoers + "\n"
    hits = list(sudoers_hits(output, facts, DOCKERFILE))
    assert [(rule, hit.span.line if hit.span else None) for rule, hit in hits] == ([("CHL804", 4)] if fires else [])
    if fires:
        assert "/etc/sudoers.d/app grants" in hits[0][1].params["how"]


def test_sample_dataset_is_schema_valid_with_readable_dicom(tmp_path: Path) -> None:
    pydicom = pytest.importorskip("pydicom")
    index = write_dataset(tmp_path, "ds")
    schema = json.loads((ROOT / "chaimeleon_lint" / "schemas" / "dataset-index.schema.json").read_text())
    jsonschema.validate(json.loads((tmp_path / "index.json").read_text()), schema)
    assert json.loads((tmp_path / "eforms.json").read_text())
    for study in index:
        for series in study["series"]:
            files = sorted((tmp_path / study["path"] / series).glob("*.dcm"))
            assert len(files) == 3
            ds = pydicom.dcmread(files[0])
            assert ds.Modality == "CT" and ds.Rows == 8 and len(ds.PixelData) == 8 * 8 * 2
            assert ds.StudyInstanceUID == study["studyId"]


def _tar(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def test_saved_layers_name_the_cache_and_its_layer() -> None:
    layer1 = _tar({"etc/hostname": b"x"})
    layer2 = _tar({"var/lib/apt/lists/deb_Packages": b"p" * 3000, "var/lib/apt/lists/lock": b"",
                   "root/.cache/pip/http/a": b"w" * 10})
    config = {"history": [{"created_by": "/bin/sh -c #(nop) ADD file"}, {"created_by": "x", "empty_layer": True},
                          {"created_by": "/bin/sh -c apt-get update"}]}
    archive = _tar({"aaa/layer.tar": layer1, "bbb/layer.tar": layer2, "cfg.json": json.dumps(config).encode(),
                    "manifest.json": json.dumps([{"Config": "cfg.json", "Layers": ["aaa/layer.tar", "bbb/layer.tar"]}]).encode()})
    found = sorted((c.created_by, c.cache, c.path, c.size) for c in scan_saved(io.BytesIO(archive)))
    assert found == [("/bin/sh -c apt-get update", "apt lists", "/var/lib/apt/lists", 3000),
                     ("/bin/sh -c apt-get update", "pip cache", "/root/.cache/pip", 10)]


# -- with a real engine ----------------------------------------------------------------------
ENGINE = detect()
needs_engine = pytest.mark.skipif(ENGINE is None, reason="no container engine answers (run .ci/engine to start one)")
ENGINES = [e for e in (detect("docker"), detect("podman")) if e is not None]  # every one that answers
BUILD_EXAMPLES = [(spec.id, example) for spec in catalogue.load().rules.values() if spec.phase == "build"
                  for example in spec.examples]


@needs_engine
@pytest.mark.parametrize("engine", ENGINES, ids=[e.name for e in ENGINES])
@pytest.mark.parametrize("rule_id,example", BUILD_EXAMPLES, ids=[f"{r}-{e.verdict}" for r, e in BUILD_EXAMPLES])
def test_build_example_on_a_real_engine(tmp_path: Path, rule_id: str, example: catalogue.Example,
                                        engine: Engine) -> None:
    for name, content in example.files:
        (tmp_path / name).write_text(content)
    (tmp_path / "Dockerfile").write_text(example.dockerfile)
    options = BuildOptions(smoke_args=example.smoke_args, smoke_timeout=120, service_timeout=15)
    outcome = run_phase(engine, tmp_path / "Dockerfile", tmp_path, parse(example.dockerfile),
                        example.kind or "batch", options, lambda _: None)
    found = {}
    for rule, hit in outcome.hits:
        found.setdefault(rule, []).append(hit.span.line if hit.span else None)
    if example.verdict == "bad":
        assert sorted(found.get(rule_id, []), key=lambda n: n or 0) == list(example.lines), outcome.hits
    else:
        assert found == {}, outcome.hits
    # probe, sudoers read as root, smoke run or services; a failed smoke run once more, platform-equal
    assert outcome.containers <= (4 if rule_id in ("CHL807", "CHL809") and example.verdict == "bad" else 3)
    leftovers = subprocess.run([*engine.argv, "ps", "-aq", "--filter", f"label={LABEL}"],
                               capture_output=True, text=True).stdout.split()
    assert leftovers == []


@needs_engine
@pytest.mark.parametrize(("example", "platform"), [("batch-app", "chaimeleon"), ("eucaim-batch-app", "eucaim")])
def test_cli_builds_the_compliant_example_and_leaves_nothing_behind(example: str, platform: str) -> None:
    """The EUCAIM one is probed and run with its own user's mount directories (/home/ds/...)."""
    proc = subprocess.run([sys.executable, "-m", "chaimeleon_lint", "--build", "--smoke-args", "-i {dataset} -o {output}",
                           "--format", "json", str(ROOT / "examples" / example)], capture_output=True, text=True,
                          timeout=1200)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = json.loads(proc.stdout)
    assert report["findings"] == [] and report["platform"]["name"] == platform
    images = subprocess.run([*ENGINE.argv, "images", "-q", "--filter", f"label={LABEL}"],  # type: ignore[union-attr]
                            capture_output=True, text=True).stdout.split()
    assert images == []


def test_cli_build_without_engine_prints_the_static_report_then_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text((ROOT / "examples" / "noncompliant" / "Dockerfile").read_text())
    proc = subprocess.run([sys.executable, "-m", "chaimeleon_lint", "--force-build", "--engine", "podman",
                           "--format", "json", str(tmp_path)],
                          capture_output=True, text=True, timeout=120, env={"PATH": "/nonexistent"})
    assert proc.returncode == 2 and "nothing was built: --build: no container engine answers" in proc.stderr
    assert "CHL103" in {f["rule"] for f in json.loads(proc.stdout)["findings"]}  # the static findings all the same


def test_build_findings_honour_the_dockerfiles_pragmas(tmp_path: Path) -> None:
    """`file-ignore=` and `ignore=` before an instruction also silence what the build phase finds."""
    from chaimeleon_lint.checks import collect
    from chaimeleon_lint.findings import Hit, Span
    from chaimeleon_lint.linter import Options, lint_source, with_hits
    from chaimeleon_lint.source.text import decode

    text = ("# chaimeleon-lint: file-ignore=image-size\nFROM ubuntu:22.04\n"
            "# chaimeleon-lint: ignore=CHL801\nRUN false\nRUN true\n")
    result = lint_source(decode(text.encode(), "Dockerfile"), None, Options(), catalogue.load(), collect())
    hits = [("CHL806", Hit(None, {"what": "1 GB over the budget"}, variant="budget")),
            ("CHL801", Hit(Span.at(4), {"tail": "x"})), ("CHL801", Hit(Span.at(5), {"tail": "x"}))]
    joined = with_hits(result, hits, [], Options(), catalogue.load(), built=True)
    assert [(f.rule, f.line) for f in joined.findings if f.rule.startswith("CHL8")] == [("CHL801", 5)]
