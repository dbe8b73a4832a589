"""``pods/ephemeralcontainers``: the subresource ``kubectl debug`` writes to add a debugging
container to a running Pod (pkg/registry/core/pod/storage/storage.go EphemeralContainersREST,
served by the generic GET/PUT/PATCH of handlers.py like ``status``).

* `prepare_for_update` is podEphemeralContainersStrategy.PrepareForUpdate
  (pkg/registry/core/pod/strategy.go dropNonEphemeralContainerUpdates): the stored Pod with only
  ``spec.ephemeralContainers`` taken from the request (metav1.ResetObjectMetaForStatus keeps the
  stored labels, annotations, finalizers, owners).
* `validate_update` is corevalidation.ValidatePodEphemeralContainersUpdate: the Pod's metadata
  and spec as for an update, each ephemeral container as validateEphemeralContainers checks it
  (validateContainerCommon, a name unique across every container, a target container that
  exists and is not ephemeral, only the allowed fields, no subPath), and no existing ephemeral
  container removed or changed (the "may not be changed" message ends with diff.Diff of the
  internal structs: apivalidation/godiff.py).
"""

from __future__ import annotations

import copy
from typing import Any

from rawkube.testing.server.apivalidation import core as corev
from rawkube.testing.server.apivalidation import fielderrors as fe
from rawkube.testing.server.apivalidation import godiff
from rawkube.testing.server.apivalidation import meta as m
from rawkube.testing.server.apivalidation.fielderrors import Cause
from rawkube.testing.server.apivalidation.meta import d, lst, s
from rawkube.testing.server.errors import Obj
from rawkube.testing.server.field import go_quote

SUBRESOURCE = "ephemeralcontainers"
_EPHEMERAL = "k8s.io/kubernetes/pkg/apis/core.EphemeralContainer"

# validation.go allowedEphemeralContainerFields: EphemeralContainerCommon's fields in Go order;
# True: allowed; False: "cannot be set for an Ephemeral Container" when not the zero value.
_FIELDS: tuple[tuple[str, bool], ...] = (
    ("name", True),
    ("image", True),
    ("command", True),
    ("args", True),
    ("workingDir", True),
    ("ports", False),
    ("envFrom", True),
    ("env", True),
    ("resources", False),
    ("resizePolicy", False),
    ("restartPolicy", False),
    ("restartPolicyRules", False),
    ("volumeMounts", True),
    ("volumeDevices", True),
    ("livenessProbe", False),
    ("readinessProbe", False),
    ("startupProbe", False),
    ("lifecycle", False),
    ("terminationMessagePath", True),
    ("terminationMessagePolicy", True),
    ("imagePullPolicy", True),
    ("securityContext", True),
    ("stdin", True),
    ("stdinOnce", True),
    ("tty", True),
)


def prepare_for_update(obj: Obj, old: Obj) -> None:
    """dropNonEphemeralContainerUpdates (in place on ``obj``): the stored Pod, its metadata
    included (ResetObjectMetaForStatus), with the request's ephemeral containers and
    resourceVersion (the update's precondition)."""
    wanted = (obj.get("spec") or {}).get("ephemeralContainers")
    rv = (obj.get("metadata") or {}).get("resourceVersion")
    obj.clear()
    obj.update(copy.deepcopy(old))
    spec = obj.setdefault("spec", {})
    if wanted:
        spec["ephemeralContainers"] = wanted
    else:
        spec.pop("ephemeralContainers", None)
    if rv is not None:
        obj["metadata"]["resourceVersion"] = rv


def _is_zero(value: Any) -> bool:
    return value in (None, "", 0, False, [], {})


def _validate_containers(spec: Any) -> list[Cause]:
    """validateEphemeralContainers."""
    causes: list[Cause] = []
    ephemeral = lst(spec, "ephemeralContainers")
    if not ephemeral:
        return causes
    volumes, _ = corev.validate_volumes(lst(spec, "volumes"), "spec.volumes")
    host_users = d(spec, "securityContext").get("hostUsers") is not False
    others = {s(c, "name") for c in lst(spec, "containers") + lst(spec, "initContainers")}
    names = set(others)
    for i, ctr in enumerate(ephemeral):
        path = f"spec.ephemeralContainers[{i}]"
        causes.extend(corev._container_common(ctr, volumes, path, host_users))
        name = s(ctr, "name")
        if name in names:
            causes.append(fe.duplicate(f"{path}.name", name))
        else:
            names.add(name)
        target = s(ctr, "targetContainerName")
        if target and target not in others:
            causes.append(fe.not_found(f"{path}.targetContainerName", target))
        for key, allowed in _FIELDS:
            if not allowed and not _is_zero(ctr.get(key)):
                causes.append(
                    fe.forbidden(f"{path}.{key}", "cannot be set for an Ephemeral Container")
                )
        for j, mount in enumerate(lst(ctr, "volumeMounts")):
            for key in ("subPath", "subPathExpr"):
                if s(mount, key):
                    causes.append(
                        fe.forbidden(
                            f"{path}.volumeMounts[{j}].{key}",
                            "cannot be set for an Ephemeral Container",
                        )
                    )
    return causes


def validate_update(new: Obj, old: Obj) -> list[Cause]:
    """ValidatePodEphemeralContainersUpdate."""
    causes = m.validate_object_meta_update(new, old)
    causes.extend(corev.validate_pod(new, create=False))
    causes.extend(_validate_containers(d(new, "spec")))
    if "kubernetes.io/config.mirror" in (d(old, "metadata").get("annotations") or {}):
        return [fe.forbidden("", "static pods do not support ephemeral containers")]
    current = {s(c, "name"): c for c in lst(d(new, "spec"), "ephemeralContainers")}
    for before in lst(d(old, "spec"), "ephemeralContainers"):
        name = s(before, "name")
        after = current.get(name)
        if after is None:
            causes.append(
                fe.forbidden(
                    "spec.ephemeralContainers",
                    f"existing ephemeral containers {go_quote(name)} may not be removed\n",
                )
            )
        elif after != before:
            causes.append(
                fe.forbidden(
                    "spec.ephemeralContainers",
                    f"existing ephemeral containers {go_quote(name)} may not be changed\n"
                    + godiff.diff(_EPHEMERAL, before, after),
                )
            )
    return causes


__all__ = ["SUBRESOURCE", "prepare_for_update", "validate_update"]
