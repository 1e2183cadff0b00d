"""The platform's run, described once (`runspec`) and used twice: the Kubernetes manifests, valid
against Kubernetes' own schemas, and the local smoke run, whose container must see what the
platform's pod sees. The pod itself runs here through `podman kube play`; the same facts are
asserted from inside the container there, in the docker smoke run and in the podman one."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from chaimeleon_lint.build.engine import STRICT, Engine, Mount, detect
from chaimeleon_lint.build.jobrun import lay_out, limits
from chaimeleon_lint.build.phase import BuildOptions, run_phase, split_attempts
from chaimeleon_lint.manifest.objects import manifests
from chaimeleon_lint.manifest.yaml import dump
from chaimeleon_lint.profile import load
from chaimeleon_lint.runspec import RunSpecError, describe, expand, guide_env_form, settings
from chaimeleon_lint.source.dockerfile import parse

yaml = pytest.importorskip("yaml")
kubernetes_validate = pytest.importorskip("kubernetes_validate")

PROFILES = ("chaimeleon", "eucaim")


def _valid(document: dict) -> None:
    """Kubernetes' OpenAPI schema of the document's kind, strict: an unknown field is an error."""
    kubernetes_validate.validate(document, kubernetes_validate.latest_version(), strict=True)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "chaimeleon_lint", *args], capture_output=True, text=True,
                          check=False, timeout=60)


# -- the description ---------------------------------------------------------------------------
@pytest.mark.parametrize("name", PROFILES)
def test_the_description_follows_the_profile(name: str) -> None:
    profile = load(name)
    spec = describe(profile, "reg/app:1", "batch", ["-i", "x"], [("A", "1")], ["d1", "d2"])
    home = profile.home
    assert (spec.uid, spec.gid, spec.fs_group, spec.groups) == (1000, 1000, 1000, (1001,))
    assert [(v.path, v.read_only) for v in spec.volumes] == [
        ("/mnt/datalake", True), (f"{home}/datasets/d1", True), (f"{home}/datasets/d2", True),
        (f"{home}/persistent-home", False), (f"{home}/persistent-shared-folder", False)]
    assert dict(spec.annotations)["chaimeleon.eu/datasetsIDs"] == "d1,d2"
    assert dict(spec.size.limits) == {"cpu": "8", "memory": "60Gi"} and spec.args == ("-i", "x")
    assert "uid 1000, gid 1000 + group 1001" in spec.summary() and f"{home}/datasets/d1 read-only" in spec.summary()


def test_no_dataset_no_datalake_and_placeholders_need_a_dataset() -> None:
    profile = load("chaimeleon")
    assert [v.what for v in describe(profile, "a:1").volumes] == ["persistent-home", "persistent-shared-folder"]
    assert expand(["{dataset}", "{output}/r/"], profile, "d") == (
        "/home/chaimeleon/datasets/d", "/home/chaimeleon/persistent-home/output/r/")
    with pytest.raises(RunSpecError, match="--dataset"):
        expand(["{dataset}"], profile, None)
    with pytest.raises(RunSpecError, match="unknown size 'huge'"):
        describe(profile, "a:1", size="huge")


def test_the_guides_env_form_is_named_for_what_it_does() -> None:
    assert "receives `--` and each NAME=VALUE as arguments" in (guide_env_form(["--", "IN=x"]) or "")
    assert guide_env_form(["-i", "x"]) is None and guide_env_form(["--", "-v"]) is None


@pytest.mark.parametrize(("attempts", "inside", "outside"), [
    (["dns py-repo-service.package-repos-proxy", "tcp 3141"], 2, 0),
    (["dns orthanc.platform.svc.cluster.local.", "tcp 8042"], 2, 0),
    (["dns py-repo-service.package-repos-proxy", "dns pypi.org", "tcp 443"], 1, 2),
    (["tcp 443"], 0, 1), (["dns download.pytorch.org"], 0, 1),
])
def test_network_attempts_the_platform_lets_through_are_not_findings(attempts: list[str], inside: int,
                                                                      outside: int) -> None:
    allowed, reported = split_attempts(attempts, load("chaimeleon"))
    assert (len(allowed), len(reported)) == (inside, outside)


def test_a_user_profile_without_run_settings_runs_as_the_default(tmp_path: Path) -> None:
    source = (Path(__file__).resolve().parent.parent / "chaimeleon_lint" / "profiles" / "eucaim.toml").read_text()
    mine = tmp_path / "node.toml"
    mine.write_text(source.split("\n[run]")[0].replace('name = "eucaim"', 'name = "node"') + "\n"
                    + "\n[[base]]" + source.split("\n[[base]]", 1)[1])
    assert settings(load(str(mine))) == settings(load("chaimeleon"))


def test_size_limits_here_are_capped_and_said() -> None:
    flags, notes = limits(settings(load("chaimeleon")).size("small-gpu"))
    assert flags[:2] == ["--memory", "60g"] and float(flags[3]) <= 8
    assert any("GPU" in n for n in notes)


def test_engine_flags_of_a_platform_equal_run() -> None:
    docker = Engine(("docker",))
    strict = docker.run_args("img", "c", "s", user="1000:1000", groups=(1001,), mounts=[Mount("/h", "/c", True)])
    equal = docker.run_args("img", "c", "s", user="1000:1000", groups=(1001,), extras=())
    assert all(flag in strict for flag in STRICT) and "--group-add" in strict and "1001" in strict
    assert not any(flag in equal for flag in ("--cap-drop", "no-new-privileges", "--pids-limit"))
    assert equal[equal.index("--network") + 1] == "none"  # never dropped


# -- the manifests -----------------------------------------------------------------------------
@pytest.mark.parametrize("name", PROFILES)
@pytest.mark.parametrize("kind,form", [("batch", "admitted"), ("batch", "jobman"), ("batch", "pod"),
                                       ("interactive", "admitted"), ("interactive", "pod")])
def test_manifests_are_valid_kubernetes(name: str, kind: str, form: str) -> None:
    spec = describe(load(name), "reg/app:1", kind, ["-o", "x: y", "yes", "01"] if kind == "batch" else [],
                    [("FLAG", "true")], ["87f3be56-4725"], ports=((2222, "sshd"), (5900, "vnc-gui")))
    text = dump(manifests(spec, form, "/srv/x", password="pw"))
    documents = list(yaml.safe_load_all(text))
    assert documents == manifests(spec, form, "/srv/x", password="pw")  # the YAML reads back as written
    for document in documents:
        _valid(document)
    kinds = [d["kind"] for d in documents]
    assert kinds == {("batch", "pod"): ["Pod"], ("interactive", "admitted"): ["Secret", "Deployment", "Service"],
                     ("interactive", "pod"): ["Secret", "Pod"]}.get((kind, form), ["Job"])
    pod = next(d for d in documents if d["kind"] in ("Job", "Pod", "Deployment"))
    pod_spec = pod["spec"] if pod["kind"] == "Pod" else pod["spec"]["template"]["spec"]
    container = pod_spec["containers"][0]
    if form == "jobman":  # what jobman writes: the webhook adds user, volumes and node selector
        assert "securityContext" not in pod_spec and "volumes" not in pod_spec
    else:
        assert pod_spec["securityContext"] == {"runAsUser": 1000, "runAsGroup": 1000, "fsGroup": 1000,
                                               "supplementalGroups": [1001]}
        mounts = {m["mountPath"]: m.get("readOnly", False) for m in container["volumeMounts"]}
        assert mounts[f"{load(name).home}/datasets/87f3be56-4725"] is True and mounts["/mnt/datalake"] is True
        assert mounts[f"{load(name).home}/persistent-home"] is False
    hardening = ("runAsNonRoot", "allowPrivilegeEscalation", "capabilities", "readOnlyRootFilesystem", "seccompProfile")
    assert not any(word in text for word in hardening)  # the platform sets none
    if kind == "batch":
        assert container["args"] == ["-o", "x: y", "yes", "01"] and "command" not in container
    else:
        assert [p["containerPort"] for p in container["ports"]] == [2222, 5900]


def test_the_schema_check_catches_a_wrong_field() -> None:
    document = manifests(describe(load("chaimeleon"), "reg/app:1"), "admitted")[0]
    document["spec"]["template"]["spec"]["containers"][0]["argz"] = ["x"]
    with pytest.raises(kubernetes_validate.ValidationError):
        _valid(document)


def test_manifest_command_from_a_dockerfile_and_its_errors(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parent.parent / "examples"
    done = _cli("manifest", str(root / "batch-app"), "--smoke-args", "-i {dataset} -o {output}/r/", "--dataset", "ds1",
                "--env", "A=1")
    assert done.returncode == 0, done.stderr
    job = yaml.safe_load(done.stdout)
    _valid(job)
    container = job["spec"]["template"]["spec"]["containers"][0]
    assert container["image"].startswith("harbor.chaimeleon-eu.i3m.upv.es/chaimeleon-library-batch/")
    assert container["args"] == ["-i", "/home/chaimeleon/datasets/ds1", "-o", "/home/chaimeleon/persistent-home/output/r/"]
    desktop = list(yaml.safe_load_all(_cli("manifest", str(root / "desktop-app")).stdout))
    assert [d["kind"] for d in desktop] == ["Secret", "Deployment", "Service"]
    eucaim = yaml.safe_load(_cli("manifest", str(root / "eucaim-batch-app")).stdout)
    assert "/home/ds/persistent-home" in json.dumps(eucaim)
    odd = tmp_path / "odd"
    odd.mkdir()
    (odd / "Dockerfile").write_text('FROM ubuntu:22.04\nLABEL name="Lung Segmentation" version="0.0.3 - testing"\n'
                                    'ENTRYPOINT ["python3", "/app/main.py"]\n')
    labelled = _cli("manifest", str(odd))
    assert yaml.safe_load(labelled.stdout)["spec"]["template"]["spec"]["containers"][0]["image"].endswith(
        "/lung-segmentation:latest")
    assert "'0.0.3 - testing' is no image tag" in labelled.stderr and "'Lung Segmentation' is no image name" in labelled.stderr
    for args, message in [(("nothere/Dockerfile",), "no such file"), (("img:1", "--size", "huge"), "unknown size"),
                          (("img:1", "--smoke-args", "{dataset}"), "--dataset"), (("img:1", "--env", "1X=2"), "NAME=VALUE"),
                          (("img:1", "--kind", "interactive", "--smoke-args", "x"), "takes no arguments"),
                          (("img:1", "--volumes", "rel"), "absolute"),
                          (("img:1", "--dataset", "../etc"), "one folder name"), (("img:1", "--smoke-args", "'open"), "quotation")]:
        failed = _cli("manifest", *args)
        assert failed.returncode == 2 and message in failed.stderr and not failed.stdout, (args, failed.stderr)
        assert "Traceback" not in failed.stderr


# -- on the engines ------------------------------------------------------------------------------
INSPECTOR = """\
FROM debian:bookworm
LABEL name="inspector" version="1.0"
RUN groupadd -g 1000 chaimeleon && useradd -m -u 1000 -g 1000 chaimeleon
RUN mkdir -p /home/chaimeleon/datasets /home/chaimeleon/persistent-home /home/chaimeleon/persistent-shared-folder \\
 && chown -R 1000:1000 /home/chaimeleon
COPY facts.sh /usr/local/bin/facts.sh
USER 1000:1000
WORKDIR /home/chaimeleon
ENTRYPOINT ["/bin/sh", "/usr/local/bin/facts.sh"]
"""
FACTS = """\
h=/home/chaimeleon
echo "fact uid $(id -u)"
echo "fact gid $(id -g)"
echo "fact groups $(id -G)"
echo "fact args $(printf '%s|' "$@")"
echo "fact env ${GREETING:-unset}"
try() { if ( : > "$1/.probe" ) 2>/dev/null; then echo "fact $2 writable"; else echo "fact $2 refused"; fi; }
try "$h/datasets/sample-dataset" dataset
try /mnt/datalake datalake
try "$h/persistent-home" persistent-home
try "$h/persistent-shared-folder" shared-folder
[ -f "$h/datasets/sample-dataset/index.json" ] && echo "fact index present"
exit 3
"""
EXPECTED = {"uid": "1000", "gid": "1000", "groups": "1000 1001", "args": "a b|c|", "env": "hi",
            "dataset": "refused", "datalake": "refused", "persistent-home": "writable", "shared-folder": "writable",
            "index": "present"}
ENGINES = [e for e in (detect("docker"), detect("podman")) if e is not None]
needs_engines = pytest.mark.skipif(not ENGINES, reason="no container engine answers (run .ci/engine to start one)")


def _facts(text: str) -> dict[str, str]:
    return {k: v for line in text.splitlines() if line.startswith("fact ") for k, _, v in [line[5:].partition(" ")]}


def _inspector(folder: Path) -> Path:
    folder.mkdir(exist_ok=True)
    (folder / "facts.sh").write_text(FACTS)
    (folder / "Dockerfile").write_text(INSPECTOR)
    return folder / "Dockerfile"


@needs_engines
@pytest.mark.parametrize("engine", ENGINES, ids=[e.name for e in ENGINES])
def test_the_smoke_run_sees_what_the_platforms_pod_sees(tmp_path: Path, engine: Engine) -> None:
    dockerfile = _inspector(tmp_path)
    options = BuildOptions(smoke_args="'a b' c", smoke_env=(("GREETING", "hi"),), smoke_timeout=120)
    outcome = run_phase(engine, dockerfile, tmp_path, parse(INSPECTOR), "batch", options, lambda _: None)
    failed = [hit for rule, hit in outcome.hits if rule == "CHL807"]
    assert len(failed) == 1 and failed[0].variant is None, outcome.hits  # it exits 3 however it is run
    assert failed[0].params["what"] == "exited with 3"
    assert "a platform-equal run fails too" in failed[0].params["settings"]
    assert _facts(failed[0].params["tail"]) == EXPECTED
    assert any(note.startswith("smoke run as the platform: uid 1000, gid 1000 + group 1001") for note in outcome.notes)


PODMAN = detect("podman")


@pytest.mark.skipif(PODMAN is None, reason="podman does not answer (run .ci/engine to install it)")
def test_podman_kube_play_runs_the_manifests_pod_alike(tmp_path: Path) -> None:
    assert PODMAN is not None
    dockerfile = _inspector(tmp_path / "app")
    tag = "localhost/chaimeleon-lint-test/inspector:1.0"
    built = subprocess.run(["podman", "build", "-q", "-t", tag, "-f", str(dockerfile), str(dockerfile.parent)],
                           capture_output=True, text=True, timeout=600, check=False)
    assert built.returncode == 0, built.stderr
    spec = describe(load("chaimeleon"), tag, "batch", ["a b", "c"], [("GREETING", "hi")], ["sample-dataset"])
    lay_out(spec, tmp_path / "volumes")
    pod = tmp_path / "pod.yaml"
    pod.write_text(dump(manifests(spec, "pod", str(tmp_path / "volumes"))))
    container = f"{spec.app}-container-main"
    try:
        played = subprocess.run(["podman", "kube", "play", "--network", "none", str(pod)], capture_output=True,
                                text=True, timeout=300, check=False)
        assert played.returncode == 0, played.stderr
        waited = subprocess.run(["podman", "wait", container], capture_output=True, text=True, timeout=120, check=False)
        assert waited.stdout.strip() == "3"  # the exit code reaches the platform's pod status
        logs = subprocess.run(["podman", "logs", container], capture_output=True, text=True, timeout=60, check=False)
        assert _facts(logs.stdout + logs.stderr) == EXPECTED
    finally:
        subprocess.run(["podman", "kube", "down", str(pod)], capture_output=True, timeout=120, check=False)
        subprocess.run(["podman", "rmi", "-f", tag], capture_output=True, timeout=120, check=False)


def _setuid_image(name: str, entrypoint: str) -> str:
    """An image whose start needs a setuid-root program to work: what no-new-privileges takes away."""
    return (f'FROM debian:bookworm\nLABEL name="{name}" version="1.0"\n'
            "RUN groupadd -g 1000 chaimeleon && useradd -m -u 1000 -g 1000 chaimeleon\n"
            "RUN cp /usr/bin/id /usr/local/bin/rootid && chmod 4755 /usr/local/bin/rootid\n"
            f"USER 1000:1000\nENTRYPOINT {entrypoint}\n")


NEEDS_SETUID = _setuid_image("needs-setuid", '["/bin/sh", "-c", "test \\"$(rootid -u)\\" = 0"]')


@needs_engines
@pytest.mark.parametrize("engine", ENGINES, ids=[e.name for e in ENGINES])
def test_an_image_that_needs_only_what_the_platform_allows_is_a_warning_naming_why(tmp_path: Path,
                                                                                   engine: Engine) -> None:
    (tmp_path / "Dockerfile").write_text(NEEDS_SETUID)
    options = BuildOptions(smoke_args="", smoke_timeout=120)
    outcome = run_phase(engine, tmp_path / "Dockerfile", tmp_path, parse(NEEDS_SETUID), "batch", options, lambda _: None)
    failed = [hit for rule, hit in outcome.hits if rule == "CHL807"]
    assert [h.variant for h in failed] == ["stricter"], outcome.hits
    assert failed[0].params["extras"] == "no-new-privileges"  # setuid works without capabilities
    equal = run_phase(engine, tmp_path / "Dockerfile", tmp_path, parse(NEEDS_SETUID), "batch",
                      options._replace(platform_equal=True), lambda _: None)
    assert not [rule for rule, _ in equal.hits if rule == "CHL807"], equal.hits


DESKTOP_NEEDS_SETUID = _setuid_image(
    "needs-setuid-desktop", '["/bin/sh", "-c", "[ \\"$(rootid -u)\\" = 0 ] && [ -n \\"$PASSWORD\\" ] && exec perl '
    "-MIO::Socket::INET -e '@s = map { IO::Socket::INET->new(LocalPort => $_, Listen => 1, ReuseAddr => 1) or die } "
    "5900, 2222; sleep 600'; sleep 600\"]")


@needs_engines
@pytest.mark.parametrize("engine", ENGINES, ids=[e.name for e in ENGINES])
def test_a_desktop_that_starts_only_as_the_platform_allows_is_a_warning(tmp_path: Path, engine: Engine) -> None:
    (tmp_path / "Dockerfile").write_text(DESKTOP_NEEDS_SETUID)
    options = BuildOptions(smoke_timeout=120, service_timeout=10)
    outcome = run_phase(engine, tmp_path / "Dockerfile", tmp_path, parse(DESKTOP_NEEDS_SETUID), "interactive", options,
                        lambda _: None)
    closed = [hit for rule, hit in outcome.hits if rule == "CHL809"]
    assert [h.variant for h in closed] == ["stricter"], outcome.hits  # and PASSWORD was set, as the chart sets it
    assert closed[0].params["port"] == "5900/2222"


@pytest.mark.parametrize(("args", "message"), [(("--smoke-env", "1X=2"), "NAME=VALUE"),
                                               (("--size", "huge"), "unknown size 'huge'")])
def test_build_options_of_the_run_are_checked_before_anything_runs(args: tuple[str, ...], message: str) -> None:
    done = _cli("--build", *args, str(Path(__file__).resolve().parent.parent / "examples" / "batch-app"))
    assert done.returncode == 2 and message in done.stderr and not done.stdout and "Traceback" not in done.stderr
