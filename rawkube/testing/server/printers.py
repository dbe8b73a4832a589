"""The cells of each built-in kind's Table row: pkg/printers/internalversion/printers.go.

The server's table convertor prints wide (every column, GenerateOptions{Wide: true}); the
columns themselves (name, type, format, description, priority) are the real server's, recorded
into data/table-columns.json.gz by scripts/record_table_columns.py. Each function here is the
printer of one kind, cell for cell: strings, int64 numbers and booleans as the Go printer
appends them (the JSON types of the cells follow), durations as duration.HumanDuration.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

Obj = dict[str, Any]
Cells = Callable[[Obj], list[Any]]


def human_duration(seconds: float) -> str:
    """k8s.io/apimachinery/pkg/util/duration.HumanDuration."""
    s = int(seconds)
    if s < -1:
        return "<invalid>"
    if s < 0:
        return "0s"
    if s < 120:
        return f"{s}s"
    minutes = s // 60
    if minutes < 10:
        rest = s % 60
        return f"{minutes}m{rest}s" if rest else f"{minutes}m"
    if minutes < 180:
        return f"{minutes}m"
    hours = s // 3600
    if hours < 8:
        rest = minutes % 60
        return f"{hours}h{rest}m" if rest else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        rest = hours % 24
        return f"{hours // 24}d{rest}h" if rest else f"{hours // 24}d"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        days = (hours // 24) % 365
        return f"{hours // 24 // 365}y{days}d" if days else f"{hours // 24 // 365}y"
    return f"{hours // 24 // 365}y"


def _parse(timestamp: str) -> datetime:
    text = timestamp.rstrip("Z")
    fmt = "%Y-%m-%dT%H:%M:%S.%f" if "." in text else "%Y-%m-%dT%H:%M:%S"
    return datetime.strptime(text[:26], fmt).replace(tzinfo=timezone.utc)


def since(timestamp: str | None, now: datetime | None = None) -> str:
    """translateTimestampSince: <unknown> for a zero time."""
    if not timestamp:
        return "<unknown>"
    now = now or datetime.now(timezone.utc)
    return human_duration((now - _parse(timestamp)).total_seconds())


def _m(obj: Obj) -> Obj:
    meta: Obj = obj.get("metadata") or {}
    return meta


def _s(obj: Obj, key: str = "spec") -> Obj:
    value: Obj = obj.get(key) or {}
    return value


def _age(obj: Obj) -> str:
    return since(_m(obj).get("creationTimestamp"))


def format_labels(labels: dict[str, str] | None) -> str:
    """labels.FormatLabels: sorted k=v, <none> when empty."""
    text = ",".join(f"{k}={v}" for k, v in sorted((labels or {}).items()))
    return text or "<none>"


def format_selector(selector: Obj | None) -> str:
    """metav1.FormatLabelSelector (the requirements sorted by key)."""
    if selector is None:
        return "<none>"
    reqs: list[tuple[str, str]] = []
    for k, v in (selector.get("matchLabels") or {}).items():
        reqs.append((k, f"{k}={v}"))
    for expr in selector.get("matchExpressions") or []:
        key, op = expr.get("key", ""), expr.get("operator")
        values = ",".join(sorted(expr.get("values") or []))
        text = {
            "In": f"{key} in ({values})",
            "NotIn": f"{key} notin ({values})",
            "Exists": key,
            "DoesNotExist": f"!{key}",
        }.get(str(op), key)
        reqs.append((key, text))
    text = ",".join(t for _, t in sorted(reqs, key=lambda r: r[0]))
    return text or "<none>"


def containers_cells(containers: list[Obj] | None) -> tuple[str, str]:
    """layoutContainerCells: names and images, comma separated."""
    containers = containers or []
    return (
        ",".join(str(c.get("name", "")) for c in containers),
        ",".join(str(c.get("image", "")) for c in containers),
    )


def _template_containers(obj: Obj) -> list[Obj]:
    containers: list[Obj] = ((_s(obj).get("template") or {}).get("spec") or {}).get(
        "containers"
    ) or []
    return containers


def _bool_ptr(value: Any) -> str:
    if value is None:
        return "<unset>"
    return "True" if value else "False"


def _more(items: list[str], count: int, limit: int = 3, empty: str = "<unset>") -> str:
    """listWithMoreString."""
    text = ",".join(items[:limit])
    if count > limit:
        return f"{text} + {count - limit} more..."
    return text or empty


# -- core ----------------------------------------------------------------------------------------


def _pod(pod: Obj) -> list[Any]:
    spec, status = _s(pod), _s(pod, "status")
    containers = spec.get("containers") or []
    init_specs = {c.get("name"): c for c in spec.get("initContainers") or []}
    restartable = {n for n, c in init_specs.items() if c.get("restartPolicy") == "Always"}
    total = len(containers) + len(restartable)
    ready = 0
    restarts = 0
    phase = status.get("phase") or ""
    reason = status.get("reason") or phase
    for cond in status.get("conditions") or []:
        if cond.get("type") == "PodScheduled" and cond.get("reason") == "SchedulingGated":
            reason = "SchedulingGated"
    initializing = False
    restartable_restarts = 0
    for i, cs in enumerate(status.get("initContainerStatuses") or []):
        restarts += int(cs.get("restartCount") or 0)
        if cs.get("name") in restartable:
            restartable_restarts += int(cs.get("restartCount") or 0)
        state = cs.get("state") or {}
        terminated, waiting = state.get("terminated"), state.get("waiting")
        if terminated and int(terminated.get("exitCode") or 0) == 0:
            continue
        if cs.get("name") in restartable and cs.get("started"):
            if cs.get("ready"):
                ready += 1
            continue
        if terminated:
            if terminated.get("reason"):
                reason = "Init:" + terminated["reason"]
            elif terminated.get("signal"):
                reason = f"Init:Signal:{terminated['signal']}"
            else:
                reason = f"Init:ExitCode:{terminated.get('exitCode', 0)}"
        elif waiting and waiting.get("reason") and waiting["reason"] != "PodInitializing":
            reason = "Init:" + waiting["reason"]
        else:
            reason = f"Init:{i}/{len(init_specs)}"
        initializing = True
        break
    initialized = any(
        c.get("type") == "Initialized" and c.get("status") == "True"
        for c in status.get("conditions") or []
    )
    if not initializing or initialized:
        restarts = restartable_restarts
        has_running = False
        error_reason = ""
        for cs in reversed(status.get("containerStatuses") or []):
            restarts += int(cs.get("restartCount") or 0)
            state = cs.get("state") or {}
            waiting, terminated = state.get("waiting"), state.get("terminated")
            if waiting and waiting.get("reason"):
                reason = waiting["reason"]
            elif terminated:
                if terminated.get("reason"):
                    reason = terminated["reason"]
                elif terminated.get("signal"):
                    reason = f"Signal:{terminated['signal']}"
                else:
                    reason = f"ExitCode:{terminated.get('exitCode', 0)}"
                if int(terminated.get("exitCode") or 0) != 0:
                    error_reason = reason
            elif cs.get("ready") and state.get("running") is not None:
                has_running = True
                ready += 1
        if reason == "Completed":
            has_ready = any(
                c.get("type") == "Ready" and c.get("status") == "True"
                for c in status.get("conditions") or []
            )
            if has_running and has_ready:
                reason = "Running"
            elif error_reason:
                reason = error_reason
            elif has_running:
                reason = "NotReady"
    if _m(pod).get("deletionTimestamp") and status.get("reason") == "NodeLost":
        reason = "Unknown"
    elif _m(pod).get("deletionTimestamp") and phase not in ("Succeeded", "Failed"):
        reason = "Terminating"
    ips = status.get("podIPs") or []
    ip = (ips[0] or {}).get("ip") if ips else ""
    gates = spec.get("readinessGates") or []
    gate_text = "<none>"
    if gates:
        conds = {c.get("type"): c.get("status") for c in status.get("conditions") or []}
        true = sum(1 for g in gates if conds.get(g.get("conditionType")) == "True")
        gate_text = f"{true}/{len(gates)}"
    return [
        _m(pod).get("name"),
        f"{ready}/{total}",
        reason,
        str(restarts),
        _age(pod),
        ip or "<none>",
        spec.get("nodeName") or "<none>",
        status.get("nominatedNodeName") or "<none>",
        gate_text,
    ]


def pod_row_conditions(pod: Obj) -> list[Obj] | None:
    """printPod's row conditions: a finished Pod's row is marked Completed."""
    phase = _s(pod, "status").get("phase")
    if phase == "Succeeded":
        return [
            {
                "type": "Completed",
                "status": "True",
                "reason": "Succeeded",
                "message": "The pod has completed successfully.",
            }
        ]  # noqa: E501
    if phase == "Failed":
        return [
            {
                "type": "Completed",
                "status": "True",
                "reason": "Failed",
                "message": "The pod failed.",
            }
        ]
    return None


def _service(svc: Obj) -> list[Any]:
    spec = _s(svc)
    ips = spec.get("clusterIPs") or []
    kind = spec.get("type", "")
    external = "<unknown>"
    if kind in ("ClusterIP", "NodePort"):
        external = ",".join(spec.get("externalIPs") or []) or "<none>"
    elif kind == "LoadBalancer":
        ingress = ((_s(svc, "status").get("loadBalancer") or {}).get("ingress")) or []
        lb = sorted(
            {i.get("ip") or i.get("hostname") for i in ingress if i.get("ip") or i.get("hostname")}
        )
        results = list(lb) + list(spec.get("externalIPs") or [])
        external = ",".join(results) or "<pending>"
    elif kind == "ExternalName":
        external = spec.get("externalName", "")
    ports = ",".join(
        f"{p.get('port')}:{p['nodePort']}/{p.get('protocol', 'TCP')}"
        if p.get("nodePort")
        else f"{p.get('port')}/{p.get('protocol', 'TCP')}"
        for p in spec.get("ports") or []
    )
    return [
        _m(svc).get("name"),
        kind,
        ips[0] if ips else "<none>",
        external,
        ports or "<none>",
        _age(svc),
        format_labels(spec.get("selector")),
    ]


def _endpoints(ep: Obj) -> list[Any]:
    subsets = ep.get("subsets") or []
    text = "<none>"
    if subsets:
        items: list[str] = []
        count = 0
        for ss in subsets:
            addresses = ss.get("addresses") or []
            ports = ss.get("ports") or []
            if not ports:
                count += len(addresses)
                items += [a.get("ip", "") for a in addresses]
                continue
            for port in ports:
                count += len(addresses)
                for a in addresses:
                    ip = a.get("ip", "")
                    host = f"[{ip}]" if ":" in ip else ip
                    items.append(f"{host}:{port.get('port')}")
        text = ",".join(items[:3])
        if count > 3:
            text += f" + {count - 3} more..."
    return [_m(ep).get("name"), text, _age(ep)]


def _event(ev: Obj) -> list[Any]:
    """printEvent, on the internal Event: an events.k8s.io/v1 one is read through its
    conversion (regarding, note, deprecated* are the core fields)."""

    def field(core: str, v1: str) -> Any:
        return ev.get(core) if core in ev else ev.get(v1)

    first_stamp = field("firstTimestamp", "deprecatedFirstTimestamp")
    last_stamp = field("lastTimestamp", "deprecatedLastTimestamp")
    first = since(first_stamp) if first_stamp else since(ev.get("eventTime"))
    last = since(last_stamp) if last_stamp else first
    count = int(field("count", "deprecatedCount") or 0)
    series = ev.get("series")
    if series:
        last = since(series.get("lastObservedTime"))
        count = int(series.get("count") or 0)
    elif count == 0:
        count = 1
    involved = field("involvedObject", "regarding") or {}
    kind = str(involved.get("kind", "")).lower()
    target = f"{kind}/{involved['name']}" if involved.get("name") else kind
    source = field("source", "deprecatedSource") or {}
    component = source.get("component") or field("reportingComponent", "reportingController") or ""
    instance = source.get("host") or ev.get("reportingInstance") or ""
    return [
        last,
        ev.get("type", ""),
        ev.get("reason", ""),
        target,
        involved.get("fieldPath", ""),
        f"{component}, {instance}" if instance else component,
        str(field("message", "note") or "").strip(),
        first,
        count,
        _m(ev).get("name"),
    ]


def _node(node: Obj) -> list[Any]:
    conditions = {c.get("type"): c for c in _s(node, "status").get("conditions") or []}
    status: list[str] = []
    if "Ready" in conditions:
        status.append("Ready" if conditions["Ready"].get("status") == "True" else "NotReady")
    if not status:
        status.append("Unknown")
    if _s(node).get("unschedulable"):
        status.append("SchedulingDisabled")
    roles = sorted(
        {
            k[len("node-role.kubernetes.io/") :]
            for k in (_m(node).get("labels") or {})
            if k.startswith("node-role.kubernetes.io/") and k[len("node-role.kubernetes.io/") :]
        }
        | {v for k, v in (_m(node).get("labels") or {}).items() if k == "kubernetes.io/role" and v}
    )
    info = _s(node, "status").get("nodeInfo") or {}
    addresses = _s(node, "status").get("addresses") or []

    def address(kind: str) -> str:
        return next((a.get("address") for a in addresses if a.get("type") == kind), "<none>")

    kernel = info.get("kernelVersion") or "<unknown>"
    if info.get("architecture"):
        kernel += f" ({info['architecture']})"
    return [
        _m(node).get("name"),
        ",".join(status),
        ",".join(roles) or "<none>",
        _age(node),
        info.get("kubeletVersion", ""),
        address("InternalIP"),
        address("ExternalIP"),
        info.get("osImage") or "<unknown>",
        kernel,
        info.get("containerRuntimeVersion") or "<unknown>",
    ]


def _access_modes(modes: list[str] | None) -> str:
    """helper.GetAccessModesAsString."""
    short = {
        "ReadWriteOnce": "RWO",
        "ReadOnlyMany": "ROX",
        "ReadWriteMany": "RWX",
        "ReadWriteOncePod": "RWOP",
    }
    present = set(modes or [])
    return ",".join(short[m] for m in short if m in present)


def _pv(pv: Obj) -> list[Any]:
    spec = _s(pv)
    claim = spec.get("claimRef")
    claim_text = f"{claim.get('namespace', '')}/{claim.get('name', '')}" if claim else ""
    phase = _s(pv, "status").get("phase", "")
    if _m(pv).get("deletionTimestamp"):
        phase = "Terminating"
    storage_class = spec.get("storageClassName") or (_m(pv).get("annotations") or {}).get(
        "volume.beta.kubernetes.io/storage-class", ""
    )
    return [
        _m(pv).get("name"),
        str((spec.get("capacity") or {}).get("storage", "0")),
        _access_modes(spec.get("accessModes")),
        spec.get("persistentVolumeReclaimPolicy", ""),
        phase,
        claim_text,
        storage_class,
        spec.get("volumeAttributesClassName") or "<unset>",
        _s(pv, "status").get("reason", ""),
        _age(pv),
        spec.get("volumeMode") or "<unset>",
    ]


def _pvc(pvc: Obj) -> list[Any]:
    spec, status = _s(pvc), _s(pvc, "status")
    phase = status.get("phase", "")
    if _m(pvc).get("deletionTimestamp"):
        phase = "Terminating"
    capacity = modes = ""
    if spec.get("volumeName"):
        modes = _access_modes(status.get("accessModes"))
        capacity = str((status.get("capacity") or {}).get("storage", "0"))
    storage_class = (
        (_m(pvc).get("annotations") or {}).get("volume.beta.kubernetes.io/storage-class")
        or spec.get("storageClassName")
        or ""
    )
    return [
        _m(pvc).get("name"),
        phase,
        spec.get("volumeName", ""),
        capacity,
        modes,
        storage_class,
        spec.get("volumeAttributesClassName") or "<unset>",
        _age(pvc),
        spec.get("volumeMode") or "<unset>",
    ]


def _resource_quota(rq: Obj) -> list[Any]:
    status = _s(rq, "status")
    hard, used = status.get("hard") or {}, status.get("used") or {}
    requests: list[str] = []
    limits: list[str] = []
    for resource in sorted(hard):
        target = limits if resource.startswith("limits.") else requests
        target.append(f"{resource}: {used.get(resource, '0')}/{hard[resource]}")
    return [_m(rq).get("name"), ", ".join(requests), ", ".join(limits), _age(rq)]


def _component_status(cs: Obj) -> list[Any]:
    status, message, error = "Unknown", "", ""
    for cond in cs.get("conditions") or []:
        if cond.get("type") == "Healthy":
            status = "Healthy" if cond.get("status") == "True" else "Unhealthy"
            message, error = cond.get("message", ""), cond.get("error", "")
            break
    return [_m(cs).get("name"), status, message, error]


# -- workloads -----------------------------------------------------------------------------------


def _deployment(d: Obj) -> list[Any]:
    spec, status = _s(d), _s(d, "status")
    names, images = containers_cells(_template_containers(d))
    return [
        _m(d).get("name"),
        f"{int(status.get('readyReplicas') or 0)}/{int(spec.get('replicas') or 0)}",
        int(status.get("updatedReplicas") or 0),
        int(status.get("availableReplicas") or 0),
        _age(d),
        names,
        images,
        format_selector(spec.get("selector")),
    ]


def _replicaset(rs: Obj) -> list[Any]:
    spec, status = _s(rs), _s(rs, "status")
    names, images = containers_cells(_template_containers(rs))
    return [
        _m(rs).get("name"),
        int(spec.get("replicas") or 0),
        int(status.get("replicas") or 0),
        int(status.get("readyReplicas") or 0),
        _age(rs),
        names,
        images,
        format_selector(spec.get("selector")),
    ]


def _replication_controller(rc: Obj) -> list[Any]:
    spec, status = _s(rc), _s(rc, "status")
    names, images = containers_cells(_template_containers(rc))
    return [
        _m(rc).get("name"),
        int(spec.get("replicas") or 0),
        int(status.get("replicas") or 0),
        int(status.get("readyReplicas") or 0),
        _age(rc),
        names,
        images,
        format_labels(spec.get("selector")),
    ]


def _statefulset(sts: Obj) -> list[Any]:
    names, images = containers_cells(_template_containers(sts))
    ready = int(_s(sts, "status").get("readyReplicas") or 0)
    return [
        _m(sts).get("name"),
        f"{ready}/{int(_s(sts).get('replicas') or 0)}",
        _age(sts),
        names,
        images,
    ]


def _daemonset(ds: Obj) -> list[Any]:
    spec, status = _s(ds), _s(ds, "status")
    names, images = containers_cells(_template_containers(ds))
    node_selector = ((spec.get("template") or {}).get("spec") or {}).get("nodeSelector")
    return [
        _m(ds).get("name"),
        int(status.get("desiredNumberScheduled") or 0),
        int(status.get("currentNumberScheduled") or 0),
        int(status.get("numberReady") or 0),
        int(status.get("updatedNumberScheduled") or 0),
        int(status.get("numberAvailable") or 0),
        format_labels(node_selector),
        _age(ds),
        names,
        images,
        format_selector(spec.get("selector")),
    ]


def _has_condition(obj: Obj, kind: str) -> bool:
    return any(
        c.get("type") == kind and c.get("status") == "True"
        for c in _s(obj, "status").get("conditions") or []
    )


def _job(job: Obj) -> list[Any]:
    spec, status = _s(job), _s(job, "status")
    succeeded = int(status.get("succeeded") or 0)
    if spec.get("completions") is not None:
        completions = f"{succeeded}/{spec['completions']}"
    else:
        parallelism = int(spec.get("parallelism") or 0)
        completions = f"{succeeded}/1 of {parallelism}" if parallelism > 1 else f"{succeeded}/1"
    started, done = status.get("startTime"), status.get("completionTime")
    if not started:
        duration = ""
    elif not done:
        duration = since(started)
    else:
        duration = human_duration((_parse(done) - _parse(started)).total_seconds())
    if _has_condition(job, "Complete"):
        state = "Complete"
    elif _has_condition(job, "Failed"):
        state = "Failed"
    elif _m(job).get("deletionTimestamp"):
        state = "Terminating"
    elif _has_condition(job, "Suspended"):
        state = "Suspended"
    elif _has_condition(job, "FailureTarget"):
        state = "FailureTarget"
    elif _has_condition(job, "SuccessCriteriaMet"):
        state = "SuccessCriteriaMet"
    else:
        state = "Running"
    names, images = containers_cells(_template_containers(job))
    return [
        _m(job).get("name"),
        state,
        completions,
        duration,
        _age(job),
        names,
        images,
        format_selector(spec.get("selector")),
    ]


def _cronjob(cj: Obj) -> list[Any]:
    spec, status = _s(cj), _s(cj, "status")
    job_spec = (spec.get("jobTemplate") or {}).get("spec") or {}
    names, images = containers_cells(
        ((job_spec.get("template") or {}).get("spec") or {}).get("containers")
    )
    last = status.get("lastScheduleTime")
    return [
        _m(cj).get("name"),
        spec.get("schedule", ""),
        spec.get("timeZone") or "<none>",
        _bool_ptr(spec.get("suspend")),
        len(status.get("active") or []),
        since(last) if last else "<none>",
        _age(cj),
        names,
        images,
        format_selector(job_spec.get("selector")),
    ]


def _pod_template(pt: Obj) -> list[Any]:
    template = pt.get("template") or {}
    names, images = containers_cells((template.get("spec") or {}).get("containers"))
    return [
        _m(pt).get("name"),
        names,
        images,
        format_labels((template.get("metadata") or {}).get("labels")),
    ]


def _controller_revision(cr: Obj) -> list[Any]:
    owner = next((r for r in _m(cr).get("ownerReferences") or [] if r.get("controller")), None)
    name = "<none>"
    if owner is not None:
        group = str(owner.get("apiVersion", "")).rpartition("/")[0]
        kind = str(owner.get("kind", "")).lower()
        name = f"{kind}.{group}/{owner.get('name')}" if group else f"{kind}/{owner.get('name')}"
    return [_m(cr).get("name"), name, int(cr.get("revision") or 0), _age(cr)]


def _int_or_string(value: Any) -> str:
    return "N/A" if value is None else str(value)


def _pdb(pdb: Obj) -> list[Any]:
    spec = _s(pdb)
    return [
        _m(pdb).get("name"),
        _int_or_string(spec.get("minAvailable")),
        _int_or_string(spec.get("maxUnavailable")),
        int(_s(pdb, "status").get("disruptionsAllowed") or 0),
        _age(pdb),
    ]


def _hpa(hpa: Obj) -> list[Any]:
    spec, status = _s(hpa), _s(hpa, "status")
    ref = spec.get("scaleTargetRef") or {}
    metrics = spec.get("metrics") or []
    if spec.get("targetCPUUtilizationPercentage") is not None:  # autoscaling/v1
        current = status.get("currentCPUUtilizationPercentage")
        target = f"{current}%" if current is not None else "<unknown>"
        text = f"cpu: {target}/{spec['targetCPUUtilizationPercentage']}%"
    elif not metrics:
        text = "<none>"
    else:
        parts = []
        for metric in metrics[:2]:
            resource = metric.get("resource") or {}
            goal = resource.get("target") or {}
            value = goal.get("averageUtilization")
            shown = (
                f"{value}%"
                if value is not None
                else str(goal.get("averageValue") or goal.get("value") or "")
            )
            parts.append(
                f"{resource.get('name', metric.get('type', '')).lower() if resource else ''}: <unknown>/{shown}"
            )
        text = ", ".join(parts) + (f" + {len(metrics) - 2} more..." if len(metrics) > 2 else "")
    return [
        _m(hpa).get("name"),
        f"{ref.get('kind', '')}/{ref.get('name', '')}",
        text,
        str(spec["minReplicas"]) if spec.get("minReplicas") is not None else "<unset>",
        int(spec.get("maxReplicas") or 0),
        int(status.get("currentReplicas") or 0),
        _age(hpa),
    ]


# -- the rest ------------------------------------------------------------------------------------


def _endpointslice(es: Obj) -> list[Any]:
    ports = es.get("ports") or []
    port_items = [
        str(p["port"]) if p.get("port") is not None else (p.get("name") or "*") for p in ports
    ]
    addresses = [a for e in es.get("endpoints") or [] for a in e.get("addresses") or []]
    return [
        _m(es).get("name"),
        es.get("addressType", ""),
        _more(port_items, len(ports)),
        _more(addresses, len(addresses)),
        _age(es),
    ]


def _ingress(ing: Obj) -> list[Any]:
    spec = _s(ing)
    rules = spec.get("rules") or []
    hosts = [r["host"] for r in rules[:3] if r.get("host")]
    host_text = ",".join(hosts) or "*"
    if len(rules) > 3 and hosts:
        host_text += f" + {len(rules) - 3} more..."
    ingress = ((_s(ing, "status").get("loadBalancer") or {}).get("ingress")) or []
    address = ",".join(
        sorted(
            {i.get("ip") or i.get("hostname") for i in ingress if i.get("ip") or i.get("hostname")}
        )
    )
    return [
        _m(ing).get("name"),
        spec.get("ingressClassName") or "<none>",
        host_text,
        address,
        "80, 443" if spec.get("tls") else "80",
        _age(ing),
    ]


def _ingress_class(ic: Obj) -> list[Any]:
    name = str(_m(ic).get("name"))
    if (_m(ic).get("annotations") or {}).get(
        "ingressclass.kubernetes.io/is-default-class"
    ) == "true":
        name += " (default)"
    params = _s(ic).get("parameters")
    text = "<none>"
    if params:
        text = params.get("kind", "")
        if params.get("apiGroup"):
            text += "." + params["apiGroup"]
        text += "/" + params.get("name", "")
    return [name, _s(ic).get("controller", ""), text, _age(ic)]


def _binding(rb: Obj) -> list[Any]:
    ref = rb.get("roleRef") or {}
    users, groups, sas = [], [], []
    for subject in rb.get("subjects") or []:
        kind = subject.get("kind")
        if kind == "User":
            users.append(subject.get("name", ""))
        elif kind == "Group":
            groups.append(subject.get("name", ""))
        elif kind == "ServiceAccount":
            sas.append(f"{subject.get('namespace', '')}/{subject.get('name', '')}")
    return [
        _m(rb).get("name"),
        f"{ref.get('kind', '')}/{ref.get('name', '')}",
        _age(rb),
        ", ".join(users),
        ", ".join(groups),
        ", ".join(sas),
    ]


def _csr(csr: Obj) -> list[Any]:
    kinds = {c.get("type") for c in _s(csr, "status").get("conditions") or []}
    state = "Denied" if "Denied" in kinds else "Approved" if "Approved" in kinds else "Pending"
    if "Failed" in kinds:
        state += ",Failed"
    if _s(csr, "status").get("certificate"):
        state += ",Issued"
    spec = _s(csr)
    expiration = spec.get("expirationSeconds")
    return [
        _m(csr).get("name"),
        _age(csr),
        spec.get("signerName") or "<none>",
        spec.get("username", ""),
        human_duration(int(expiration)) if expiration is not None else "<none>",
        state,
    ]


def _storage_class(sc: Obj) -> list[Any]:
    name = str(_m(sc).get("name"))
    annotations = _m(sc).get("annotations") or {}
    if "true" in (
        annotations.get("storageclass.kubernetes.io/is-default-class"),
        annotations.get("storageclass.beta.kubernetes.io/is-default-class"),
    ):
        name += " (default)"
    return [
        name,
        sc.get("provisioner", ""),
        sc.get("reclaimPolicy") or "Delete",
        sc.get("volumeBindingMode") or "Immediate",
        bool(sc.get("allowVolumeExpansion") or False),
        _age(sc),
    ]


def _apiservice(svc: Obj) -> list[Any]:
    spec = _s(svc)
    ref = spec.get("service")
    service = f"{ref.get('namespace')}/{ref.get('name')}" if ref else "Local"
    available = "Unknown"
    for cond in _s(svc, "status").get("conditions") or []:
        if cond.get("type") == "Available":
            available = str(cond.get("status"))
            if cond.get("status") != "True":
                available += f" ({cond.get('reason')})"
    return [_m(svc).get("name"), service, available, _age(svc)]


def _param_ref(binding: Obj) -> str:
    ref = _s(binding).get("paramRef")
    if not ref:
        return "<unset>"
    if ref.get("name"):
        return f"{ref['namespace']}/{ref['name']}" if ref.get("namespace") else f"*/{ref['name']}"
    return format_selector(ref.get("selector")) if ref.get("selector") is not None else "<unset>"


def _param_kind(policy: Obj) -> str:
    kind = _s(policy).get("paramKind")
    return f"{kind.get('apiVersion', '')}/{kind.get('kind', '')}" if kind else "<unset>"


def _priority_level(pl: Obj) -> list[Any]:
    spec = _s(pl)
    limited = spec.get("limited")
    ncs: Any = "<none>"
    queues: Any = "<none>"
    hand: Any = "<none>"
    qll: Any = "<none>"
    if limited:
        ncs = int(limited.get("nominalConcurrencyShares") or 0)
        queuing = (limited.get("limitResponse") or {}).get("queuing")
        if queuing:
            queues = int(queuing.get("queues") or 0)
            hand = int(queuing.get("handSize") or 0)
            qll = int(queuing.get("queueLengthLimit") or 0)
    return [_m(pl).get("name"), spec.get("type", ""), ncs, queues, hand, qll, _age(pl)]


def _flow_schema(fs: Obj) -> list[Any]:
    spec = _s(fs)
    dangling = next(
        (
            str(c.get("status"))
            for c in _s(fs, "status").get("conditions") or []
            if c.get("type") == "Dangling"
        ),
        "?",
    )
    method = (spec.get("distinguisherMethod") or {}).get("type") or "<none>"
    return [
        _m(fs).get("name"),
        (spec.get("priorityLevelConfiguration") or {}).get("name", ""),
        int(spec.get("matchingPrecedence") or 0),
        method,
        _age(fs),
        dangling,
    ]


def _csidriver(d: Obj) -> list[Any]:
    spec = _s(d)
    tokens = spec.get("tokenRequests")
    return [
        _m(d).get("name"),
        True if spec.get("attachRequired") is None else bool(spec["attachRequired"]),
        bool(spec.get("podInfoOnMount") or False),
        bool(spec.get("storageCapacity") or False),
        ",".join(t.get("audience", "") for t in tokens) if tokens is not None else "<unset>",
        bool(spec.get("requiresRepublish") or False),
        ",".join(spec.get("volumeLifecycleModes") or []) or "<none>",
        _age(d),
    ]


def _ip_address(ip: Obj) -> list[Any]:
    ref = _s(ip).get("parentRef")
    text = "<none>"
    if ref:
        gr = (
            f"{ref.get('resource', '')}.{ref['group']}"
            if ref.get("group")
            else ref.get("resource", "")
        )
        text = (
            gr.lower()
            + (f"/{ref['namespace']}" if ref.get("namespace") else "")
            + f"/{ref.get('name', '')}"
        )
    return [_m(ip).get("name"), text]


def _resource_claim(rc: Obj) -> list[Any]:
    status = _s(rc, "status")
    states = []
    states.append("allocated" if status.get("allocation") else "pending")
    if status.get("reservedFor"):
        states.append("reserved")
    if _m(rc).get("deletionTimestamp"):
        states.append("deleted")
    return [_m(rc).get("name"), ",".join(states), _age(rc)]


def _name_age(obj: Obj) -> list[Any]:
    return [_m(obj).get("name"), _age(obj)]


def _created_at(obj: Obj) -> list[Any]:
    """The default table convertor (registry/rest/table.go): name and the creation time."""
    return [_m(obj).get("name"), _m(obj).get("creationTimestamp")]


PRINTERS: dict[tuple[str, str], Cells] = {
    ("", "pods"): _pod,
    ("", "podtemplates"): _pod_template,
    ("", "services"): _service,
    ("", "endpoints"): _endpoints,
    ("", "events"): _event,
    ("events.k8s.io", "events"): _event,
    ("", "nodes"): _node,
    ("", "namespaces"): lambda o: [_m(o).get("name"), _s(o, "status").get("phase", ""), _age(o)],
    ("", "secrets"): lambda o: [
        _m(o).get("name"),
        o.get("type", ""),
        len(o.get("data") or {}),
        _age(o),
    ],
    ("", "configmaps"): lambda o: [
        _m(o).get("name"),
        len(o.get("data") or {}) + len(o.get("binaryData") or {}),
        _age(o),
    ],
    ("", "serviceaccounts"): _name_age,
    ("", "persistentvolumes"): _pv,
    ("", "persistentvolumeclaims"): _pvc,
    ("", "replicationcontrollers"): _replication_controller,
    ("", "resourcequotas"): _resource_quota,
    ("", "componentstatuses"): _component_status,
    ("apps", "deployments"): _deployment,
    ("apps", "replicasets"): _replicaset,
    ("apps", "statefulsets"): _statefulset,
    ("apps", "daemonsets"): _daemonset,
    ("apps", "controllerrevisions"): _controller_revision,
    ("batch", "jobs"): _job,
    ("batch", "cronjobs"): _cronjob,
    ("autoscaling", "horizontalpodautoscalers"): _hpa,
    ("policy", "poddisruptionbudgets"): _pdb,
    ("discovery.k8s.io", "endpointslices"): _endpointslice,
    ("networking.k8s.io", "ingresses"): _ingress,
    ("networking.k8s.io", "ingressclasses"): _ingress_class,
    ("networking.k8s.io", "networkpolicies"): lambda o: [
        _m(o).get("name"),
        format_selector(_s(o).get("podSelector") or {}),
        _age(o),
    ],
    ("networking.k8s.io", "ipaddresses"): _ip_address,
    ("networking.k8s.io", "servicecidrs"): lambda o: [
        _m(o).get("name"),
        ",".join(_s(o).get("cidrs") or []),
        _age(o),
    ],
    ("rbac.authorization.k8s.io", "rolebindings"): _binding,
    ("rbac.authorization.k8s.io", "clusterrolebindings"): _binding,
    ("certificates.k8s.io", "certificatesigningrequests"): _csr,
    ("coordination.k8s.io", "leases"): lambda o: [
        _m(o).get("name"),
        _s(o).get("holderIdentity") or "",
        _age(o),
    ],
    ("scheduling.k8s.io", "priorityclasses"): lambda o: [
        _m(o).get("name"),
        int(o.get("value") or 0),
        bool(o.get("globalDefault") or False),
        _age(o),
        o.get("preemptionPolicy") or "",
    ],
    ("storage.k8s.io", "storageclasses"): _storage_class,
    ("storage.k8s.io", "csinodes"): lambda o: [
        _m(o).get("name"),
        len(_s(o).get("drivers") or []),
        _age(o),
    ],
    ("storage.k8s.io", "csidrivers"): _csidriver,
    ("storage.k8s.io", "volumeattachments"): lambda o: [
        _m(o).get("name"),
        _s(o).get("attacher", ""),
        (_s(o).get("source") or {}).get("persistentVolumeName") or "",
        _s(o).get("nodeName", ""),
        bool(_s(o, "status").get("attached") or False),
        _age(o),
    ],
    ("storage.k8s.io", "volumeattributesclasses"): lambda o: [
        _m(o).get("name"),
        o.get("driverName", ""),
        _age(o),
    ],
    ("node.k8s.io", "runtimeclasses"): lambda o: [_m(o).get("name"), o.get("handler", ""), _age(o)],
    ("apiregistration.k8s.io", "apiservices"): _apiservice,
    ("admissionregistration.k8s.io", "mutatingwebhookconfigurations"): lambda o: [
        _m(o).get("name"),
        len(o.get("webhooks") or []),
        _age(o),
    ],
    ("admissionregistration.k8s.io", "validatingwebhookconfigurations"): lambda o: [
        _m(o).get("name"),
        len(o.get("webhooks") or []),
        _age(o),
    ],
    ("admissionregistration.k8s.io", "validatingadmissionpolicies"): lambda o: [
        _m(o).get("name"),
        len(_s(o).get("validations") or []),
        _param_kind(o),
        _age(o),
    ],
    ("admissionregistration.k8s.io", "mutatingadmissionpolicies"): lambda o: [
        _m(o).get("name"),
        len(_s(o).get("mutations") or []),
        _param_kind(o),
        _age(o),
    ],
    ("admissionregistration.k8s.io", "validatingadmissionpolicybindings"): lambda o: [
        _m(o).get("name"),
        _s(o).get("policyName", ""),
        _param_ref(o),
        _age(o),
    ],
    ("admissionregistration.k8s.io", "mutatingadmissionpolicybindings"): lambda o: [
        _m(o).get("name"),
        _s(o).get("policyName", ""),
        _param_ref(o),
        _age(o),
    ],
    ("flowcontrol.apiserver.k8s.io", "flowschemas"): _flow_schema,
    ("flowcontrol.apiserver.k8s.io", "prioritylevelconfigurations"): _priority_level,
    ("resource.k8s.io", "resourceclaims"): _resource_claim,
    ("resource.k8s.io", "resourceclaimtemplates"): _name_age,
    ("resource.k8s.io", "deviceclasses"): _name_age,
    ("resource.k8s.io", "resourceslices"): lambda o: [
        _m(o).get("name"),
        _s(o).get("nodeName") or "",
        _s(o).get("driver", ""),
        (_s(o).get("pool") or {}).get("name", ""),
        _age(o),
    ],
}


def cells(group: str, resource: str, obj: Obj) -> list[Any]:
    """The row cells of ``obj`` (the default table's when the kind has no printer)."""
    printer = PRINTERS.get((group, resource), _created_at)
    return printer(obj)


__all__ = ["PRINTERS", "cells", "format_labels", "format_selector", "human_duration", "since"]
