"""`rawkube get`, `rawkube api-resources`, `rawkube version`: kubectl's read commands.

`get` does what kubectl does: resolve the resource argument through discovery and the RESTMapper
(`deploy` -> deployments.apps/v1), ask the server for a Table (`Accept: ...;as=Table`), and print
the server's own columns. `-w` then watches from the list's resourceVersion.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from rawkube.cli.common import age, config_from_args, print_table
from rawkube.config.types import Config


def _mapping(cfg: Config, resource: str) -> Any:
    from rawkube.discovery.client import DiscoveryClient

    return DiscoveryClient(cfg).rest_mapper().lookup(resource)


def _base_request(cfg: Config, mapping: Any, args: argparse.Namespace) -> Any:
    from rawkube.rest.client import RESTClient

    gvr = mapping.resource
    req = RESTClient(cfg, gvr.group, gvr.version).get().resource(gvr.resource)
    if mapping.namespaced and not args.all_namespaces:
        req = req.namespace(args.namespace or cfg.namespace or "default")
    if args.selector:
        req = req.param("labelSelector", args.selector)
    if args.field_selector:
        req = req.param("fieldSelector", args.field_selector)
    return req


def _qualified(mapping: Any) -> str:
    """kubectl's `kind.group` spelling used by `-o name`: deployment.apps, pod."""
    kind = mapping.gvk.kind.lower()
    return f"{kind}.{mapping.gvk.group}" if mapping.gvk.group else kind


def run_get(args: argparse.Namespace) -> int:
    cfg = config_from_args(args)
    mapping = _mapping(cfg, args.resource)
    req = _base_request(cfg, mapping, args)
    if args.name:
        req = req.name(args.name)
    out = sys.stdout
    if args.output in ("json", "yaml"):
        doc = req.do().json()
        if not args.show_managed_fields:
            _drop_managed_fields(doc)
        _dump(doc, args.output, out)
        resource_version = None if args.name else (doc.get("metadata") or {}).get("resourceVersion")
    elif args.output == "name":
        doc = req.do().json()
        items = [doc] if args.name else doc.get("items") or []
        for item in items:
            print(f"{_qualified(mapping)}/{item['metadata']['name']}", file=out)
        resource_version = None if args.name else (doc.get("metadata") or {}).get("resourceVersion")
    else:
        result = req.as_table().do().json()
        resource_version = _print_listing(result, mapping, args, out)
    if args.watch:
        _watch(cfg, mapping, args, resource_version, out)
    return 0


def _drop_managed_fields(doc: dict[str, Any]) -> None:
    """kubectl get leaves out metadata.managedFields unless --show-managed-fields is given
    (k8s.io/kubectl/pkg/cmd/get/get.go, ShowManagedFields)."""
    for obj in [doc, *(doc.get("items") or [])]:
        meta = obj.get("metadata") if isinstance(obj, dict) else None
        if isinstance(meta, dict):
            meta.pop("managedFields", None)


def _dump(doc: Any, fmt: str, out: Any) -> None:
    """kubectl's `-o json` / `-o yaml` of what the server sent.

    kubectl prints unstructured objects, which Go marshals with map keys sorted; JSON is
    indented by 4 spaces (printers/json.go), YAML comes from sigs.k8s.io/yaml (go-yaml).
    """
    if fmt == "json":
        json.dump(doc, out, indent=4, sort_keys=True, ensure_ascii=False)
        print(file=out)
    else:
        import yaml

        yaml.dump(doc, out, Dumper=_yaml_dumper(), default_flow_style=False, sort_keys=True)


_OTHER_TYPES = frozenset(
    f"tag:yaml.org,2002:{name}" for name in ("bool", "int", "float", "null", "timestamp")
)


def _yaml_dumper() -> Any:
    """A SafeDumper that quotes strings as go-yaml does: `resourceVersion: "1"`, not '1'.

    go-yaml (encode.go, stringv) double-quotes a string that would read back as another type
    (a number, a bool, a timestamp, null) and writes one with line breaks as a `|` block.
    """
    import yaml

    class Dumper(yaml.SafeDumper):
        def represent_str(self, data: str) -> Any:
            style = None
            if "\n" in data:
                style = "|"
            elif self.resolve(yaml.ScalarNode, data, (True, False)) in _OTHER_TYPES:
                style = '"'
            return self.represent_scalar("tag:yaml.org,2002:str", data, style=style)

    Dumper.add_representer(str, Dumper.represent_str)
    return Dumper


def _print_listing(
    doc: dict[str, Any], mapping: Any, args: argparse.Namespace, out: Any
) -> str | None:
    """Print a Table (or, from a server without Table support, NAME/AGE) and return its RV."""
    resource_version = (doc.get("metadata") or {}).get("resourceVersion")
    show_ns = bool(args.all_namespaces and mapping.namespaced)
    if doc.get("kind") == "Table":
        columns = doc.get("columnDefinitions") or []
        keep = [
            i for i, c in enumerate(columns) if args.output == "wide" or c.get("priority", 0) == 0
        ]
        header = [str(columns[i]["name"]).upper() for i in keep]
        rows: list[list[str]] = []
        for row in doc.get("rows") or []:
            cells = [_cell(row["cells"][i]) for i in keep]
            if show_ns:
                meta = (row.get("object") or {}).get("metadata") or {}
                cells.insert(0, meta.get("namespace", ""))
            rows.append(cells)
        if show_ns:
            header.insert(0, "NAMESPACE")
    else:
        items = (
            [doc] if doc.get("kind") != "List" and "items" not in doc else doc.get("items") or []
        )
        header = (["NAMESPACE"] if show_ns else []) + ["NAME", "AGE"]
        rows = []
        for item in items:
            meta = item.get("metadata") or {}
            rows.append(
                ([meta.get("namespace", "")] if show_ns else [])
                + [meta.get("name", ""), age(meta.get("creationTimestamp"))]
            )
    if not rows:
        where = (
            ""
            if args.all_namespaces or not mapping.namespaced
            else " in " + (args.namespace or "the current namespace")
        )
        print(f"No resources found{where}.", file=sys.stderr)
        return resource_version
    print_table([header, *rows], out)
    return resource_version


def _cell(value: Any) -> str:
    if value is None:
        return "<none>"
    return str(value)


def _watch_row(obj: dict[str, Any], mapping: Any, show_ns: bool) -> list[str]:
    meta = obj.get("metadata") or {}
    row = [meta.get("namespace", "")] if show_ns else []
    row.append(meta.get("name", ""))
    if mapping.gvk.kind == "Pod":
        spec = obj.get("spec") or {}
        status = obj.get("status") or {}
        statuses = status.get("containerStatuses") or []
        ready = sum(1 for c in statuses if c.get("ready"))
        phase = "Terminating" if meta.get("deletionTimestamp") else status.get("phase", "Unknown")
        restarts = sum(int(c.get("restartCount") or 0) for c in statuses)
        row += [f"{ready}/{len(spec.get('containers') or [])}", phase, str(restarts)]
    row.append(age(meta.get("creationTimestamp")))
    return row


def _watch(cfg: Config, mapping: Any, args: argparse.Namespace, rv: str | None, out: Any) -> None:
    """Stream changes after the listing (kubectl get -w), bounded by --request-timeout."""
    req = _base_request(cfg, mapping, args)
    if args.name:
        req = req.param("fieldSelector", f"metadata.name={args.name}")
    if rv:
        req = req.param("resourceVersion", rv)
    timeout = args.request_timeout
    if timeout:
        req = req.param("timeoutSeconds", max(1, int(timeout)))
    deadline = time.monotonic() + timeout if timeout else None
    show_ns = bool(args.all_namespaces and mapping.namespaced)
    with req.watch() as events:
        for event in events:
            if event.type == "BOOKMARK":
                continue
            obj = event.object
            if args.output == "name":
                print(f"{_qualified(mapping)}/{obj['metadata']['name']}", file=out, flush=True)
            elif args.output in ("json", "yaml"):
                if not args.show_managed_fields:
                    _drop_managed_fields(obj)
                if args.output == "yaml":
                    print("---", file=out)  # kubectl's YAML printer separates documents
                _dump(obj, args.output, out)
                out.flush()
            else:
                cells = _watch_row(obj, mapping, show_ns)
                print("   ".join([*cells, event.type]), file=out, flush=True)
            if deadline is not None and time.monotonic() > deadline:
                break


def run_api_resources(args: argparse.Namespace) -> int:
    """NAME SHORTNAMES APIVERSION NAMESPACED KIND, from the preferred versions.

    Sorted by API group, then by name, as kubectl's sortableResource does by default
    (k8s.io/kubectl/pkg/cmd/apiresources/apiresources.go).
    """
    from rawkube.discovery.client import DiscoveryClient

    cfg = config_from_args(args)
    found = []
    for doc in DiscoveryClient(cfg).server_preferred_resources():
        group_version = doc["groupVersion"]
        group = group_version.rpartition("/")[0]
        for r in doc.get("resources") or []:
            found.append((group, r["name"], group_version, r))
    rows = [["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"]]
    for _, name, group_version, r in sorted(found, key=lambda row: (row[0], row[1])):
        rows.append(
            [
                name,
                ",".join(r.get("shortNames") or []),
                group_version,
                str(bool(r.get("namespaced"))).lower(),
                r.get("kind", ""),
            ]
        )
    print_table(rows, sys.stdout)
    return 0


def run_version(args: argparse.Namespace) -> int:
    from rawkube._version import __version__

    print(f"Client Version: rawkube {__version__}")
    if args.client:
        return 0
    from rawkube.discovery.client import DiscoveryClient

    info = DiscoveryClient(config_from_args(args)).server_version()
    print(f"Server Version: {info.get('gitVersion', '<unknown>')}")
    return 0
