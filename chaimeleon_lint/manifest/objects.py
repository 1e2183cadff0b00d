"""The Kubernetes objects of a platform run, made from its `RunSpec` alone.

Forms:
- `admitted`: what runs, jobman's Job after the admission webhook (securityContext, volumes,
  resources, node selector), or an interactive app's Secret, Deployment and Service with the
  webhook's parts; the volumes are hostPath folders under a root (the platform's are CephFS,
  which the webhook writes itself), so the manifest runs on any one-node cluster.
- `jobman`: the Job as jobman submits it, before admission: no volumes, no securityContext. This
  is what to apply on the platform's own cluster, where the webhook adds the rest.
- `pod`: the admitted Job's pod as a Pod, which `podman kube play` runs.
"""

from __future__ import annotations

import secrets

from chaimeleon_lint.runspec import RunSpec

FORMS = ("admitted", "jobman", "pod")
_CONTAINER = "container-main"
VOLUMES = "/srv/chaimeleon-lint"  # the default root of the hostPath volumes


def manifests(spec: RunSpec, form: str = "admitted", volumes_root: str = VOLUMES,
              password: str | None = None) -> list[dict]:
    """The documents to apply, in order."""
    if spec.kind == "interactive":
        return _interactive(spec, form, volumes_root, password or secrets.token_urlsafe(12))
    if form == "pod":
        return [{"apiVersion": "v1", "kind": "Pod", "metadata": _metadata(spec),
                 "spec": _pod_spec(spec, volumes_root, admitted=True)}]
    admitted = form == "admitted"
    return [{"apiVersion": "batch/v1", "kind": "Job", "metadata": _metadata(spec),
             "spec": {"backoffLimit": 0, "template": {"metadata": {"labels": {"app": spec.app}},
                                                      "spec": _pod_spec(spec, volumes_root, admitted)}}}]


def _metadata(spec: RunSpec) -> dict:
    return {"name": spec.app, "labels": {"app": spec.app}, "annotations": dict(spec.annotations)}


def _pod_spec(spec: RunSpec, volumes_root: str, admitted: bool, service: bool = False) -> dict:
    container: dict = {"name": _CONTAINER, "image": spec.image}
    if spec.args:
        container["args"] = list(spec.args)
    if spec.env:
        container["env"] = [{"name": k, "value": v} for k, v in spec.env]
    container["resources"] = _resources(spec)  # jobman asks for the size; the webhook sets its own
    pod: dict = {"automountServiceAccountToken": False, "priorityClassName": spec.priority_class,
                 "restartPolicy": "Always" if service else "Never"}
    if not admitted:
        pod["containers"] = [container]
        return pod
    container["volumeMounts"] = [{"name": v.name, "mountPath": v.path, **({"readOnly": True} if v.read_only else {})}
                                 for v in spec.volumes]
    pod["nodeSelector"] = dict(spec.node_selector)
    pod["securityContext"] = {"runAsUser": spec.uid, "runAsGroup": spec.gid, "fsGroup": spec.fs_group,
                              "supplementalGroups": list(spec.groups)}
    pod["containers"] = [container]
    pod["volumes"] = [{"name": v.name, "hostPath": {"path": v.host(volumes_root), "type": "Directory"}}
                      for v in spec.volumes]
    return pod


def _resources(spec: RunSpec) -> dict:
    requests, limits = dict(spec.size.requests), dict(spec.size.limits)
    if spec.size.gpu:
        requests["nvidia.com/gpu"] = limits["nvidia.com/gpu"] = str(spec.size.gpu)
    return {"requests": requests, "limits": limits}


def _interactive(spec: RunSpec, form: str, volumes_root: str, password: str) -> list[dict]:
    """A helm chart's shape: the Secret with the desktop's password, the Deployment, the Service."""
    pod = _pod_spec(spec, volumes_root, admitted=form != "jobman", service=True)
    container = pod["containers"][0]
    secret_ref = {"secretKeyRef": {"name": spec.app, "key": "container-password"}}
    container["env"] = container.get("env", []) + [{"name": "PASSWORD", "valueFrom": secret_ref},
                                                   {"name": "VNC_PASSWORD", "valueFrom": secret_ref}]
    container["ports"] = [{"containerPort": port, "name": name} for port, name in spec.ports]
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": spec.app, "labels": {"app": spec.app}},
              "type": "Opaque", "stringData": {"container-password": password}}
    if form == "pod":
        return [secret, {"apiVersion": "v1", "kind": "Pod", "metadata": _metadata(spec), "spec": pod}]
    deployment = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": _metadata(spec),
                  "spec": {"replicas": 1, "selector": {"matchLabels": {"app": spec.app}},
                           "template": {"metadata": {"labels": {"app": spec.app}}, "spec": pod}}}
    documents = [secret, deployment]
    if spec.ports:
        documents.append({"apiVersion": "v1", "kind": "Service", "metadata": {"name": spec.app, "labels": {"app": spec.app}},
                          "spec": {"type": "ClusterIP", "selector": {"app": spec.app},
                                   "ports": [{"name": name, "port": port, "targetPort": port, "protocol": "TCP"}
                                             for port, name in spec.ports]}})
    return documents
