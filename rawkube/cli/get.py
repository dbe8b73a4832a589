"""`rawkube get`: kubectl's most used command, over discovery, the RESTMapper and RESTClient.

What it accepts and prints follows kubectl 1.37 (k8s.io/kubectl/pkg/cmd/get/get.go, the
resource builder's ResourceTypeOrNameArgs, cli-runtime's printers), compared byte for byte
with kubectl's output in tests/cli/test_cli_kubectl_parity.py:

- `get TYPE[,TYPE...] [NAME...]` and `get TYPE/NAME...`; a TYPE is anything the RESTMapper
  resolves (`deploy`, `deployments.apps`, `deployment.v1.apps`) or a category (`all`:
  every resource whose discovery entry lists the category, client-go
  restmapper/category_expansion.go);
- human-readable output asks the server for a Table (`Accept: ...;as=Table`) and prints the
  server's columns; several resource types are printed as one table each, separated by an empty
  line, with `kind.group/` before each name when more than one kind was asked for;
  `No resources found in NS namespace.` on stderr when nothing was printed;
- `-o json|yaml` of more than one object (or of a list) is a `kind: List` whose items carry
  their apiVersion and kind; `-o name`, `-o jsonpath=...`, `-o custom-columns=...`;
- `-w` prints the listing, then one row per change, aligned with the first rows (tabwriter
  with remembered widths); `--output-watch-events` adds the EVENT column (or wraps objects as
  `{"type": ..., "object": ...}`); a single named object is printed once, then its changes
  (kubectl drops the watch's first, synthetic ADDED event).
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from typing import Any

from rawkube.cli.common import config_from_args, describe_error
from rawkube.config.types import Config

HELP = "list or get resources, like kubectl get"

_FORMATS = (
    "custom-columns",
    "custom-columns-file",
    "json",
    "jsonpath",
    "jsonpath-file",
    "name",
    "wide",
    "yaml",
)


class UsageError(Exception):
    """A mistake on the command line: printed as `error: ...`, exit code 1 (as kubectl)."""


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "args",
        nargs="*",
        metavar="TYPE[,TYPE...] [NAME...] | TYPE/NAME...",
        help="resource types (pods, deploy, deployments.apps, all, ...) and names",
    )
    p.add_argument("-A", "--all-namespaces", action="store_true", help="list across namespaces")
    p.add_argument("-l", "--selector", help="label selector, e.g. app=demo")
    p.add_argument("--field-selector", help="field selector, e.g. status.phase=Running")
    p.add_argument(
        "-o",
        "--output",
        help="output format: " + "|".join(_FORMATS) + " (jsonpath=TEMPLATE, "
        "custom-columns=HEADER:PATH,...)",
    )
    p.add_argument("--show-labels", action="store_true", help="add a LABELS column (table output)")
    p.add_argument(
        "-L",
        "--label-columns",
        action="append",
        default=[],
        metavar="KEY",
        help="add a column with this label's value (repeat or comma-separate)",
    )
    p.add_argument(
        "--show-managed-fields",
        action="store_true",
        help="keep metadata.managedFields in -o json/yaml (left out by default, as kubectl does)",
    )
    p.add_argument("-w", "--watch", action="store_true", help="watch for changes after listing")
    p.add_argument(
        "--output-watch-events",
        action="store_true",
        help="with -w: show the event type (ADDED, MODIFIED, DELETED) of each change",
    )


# -- what to get ---------------------------------------------------------------------------------


@dataclass
class Request:
    """One thing to GET: a whole collection (name None) or one object."""

    mapping: Any
    name: str | None = None


@dataclass
class Target:
    requests: list[Request]
    single_item: bool  # kubectl's singleItemImplied: print the object, not a List
    types: int  # how many resource types were asked for


def _split_unique(text: str) -> list[str]:
    """SplitResourceArgument: comma-separated, empty parts dropped, duplicates removed."""
    seen: list[str] = []
    for part in text.split(","):
        if part and part not in seen:
            seen.append(part)
    return seen


def _expand(text: str, disc: Any, mapper: Any) -> list[Any]:
    """The mappings for one comma-separated TYPE argument, categories expanded."""
    mappings: list[Any] = []
    categories: dict[str, list[str]] | None = None
    for part in _split_unique(text):
        if categories is None and part.lower() == part and "." not in part:
            categories = _categories(disc)
        if categories is not None and part in categories:
            for resource in categories[part]:
                mappings.append(mapper.lookup(resource))
            continue
        mappings.append(mapper.lookup(part))
    return mappings


def _categories(disc: Any) -> dict[str, list[str]]:
    """category -> `resource.group` strings in discovery order, first version of a group
    resource only (client-go restmapper discoveryCategoryExpander, then SplitResourceArgument's
    de-duplication)."""
    _, lists = disc.server_groups_and_resources()
    out: dict[str, list[str]] = {}
    for doc in lists:
        group = str(doc.get("groupVersion", "")).rpartition("/")[0]
        for r in doc.get("resources") or []:
            name = r.get("name", "")
            if "/" in name:
                continue
            qualified = f"{name}.{group}" if group else name
            for category in r.get("categories") or []:
                entries = out.setdefault(category, [])
                if qualified not in entries:
                    entries.append(qualified)
    return out


def resolve_target(args: list[str], disc: Any) -> Target:
    """ResourceTypeOrNameArgs: `TYPE[,TYPE] [NAME...]` or `TYPE/NAME...`."""
    if not args:
        raise UsageError(
            'You must specify the type of resource to get. Use "rawkube api-resources" for a '
            "complete list of supported resources."
        )
    mapper = disc.rest_mapper()
    slashed = [a for a in args if "/" in a]
    if slashed:
        if len(slashed) != len(args):
            raise UsageError(
                "there is no need to specify a resource type as a separate argument when "
                "passing arguments in resource/name form (e.g. 'rawkube get resource/"
                "<resource_name>' instead of 'rawkube get resource resource/<resource_name>'"
            )
        requests = []
        for arg in args:
            type_text, _, name = arg.partition("/")
            if not name:
                raise UsageError(
                    f"arguments in resource/name form must have a single resource and name: {arg}"
                )
            requests.append(Request(mapper.lookup(type_text), name))
        types = len({r.mapping.resource for r in requests})
        return Target(requests, single_item=len(args) == 1, types=types)
    type_text, names = args[0], args[1:]
    mappings = _expand(type_text, disc, mapper)
    if names:
        requests = [Request(m, n) for m in mappings for n in names]
    else:
        requests = [Request(m) for m in mappings]
    single = len(names) == 1 and "," not in type_text and len(mappings) == 1
    return Target(requests, single_item=single, types=len(mappings))


# -- output formats ------------------------------------------------------------------------------


@dataclass
class Output:
    kind: str  # table, wide, json, yaml, name, jsonpath, custom-columns
    template: str = ""


def parse_output(value: str | None) -> Output:
    if not value:
        return Output("table")
    name, eq, arg = value.partition("=")
    if name not in _FORMATS:
        raise UsageError(
            f'unable to match a printer suitable for the output format "{value}", allowed '
            f"formats are: {','.join(_FORMATS)}"
        )
    if name.endswith("-file"):
        try:
            with open(arg, encoding="utf-8") as fh:
                arg = fh.read()
        except OSError as err:
            raise UsageError(f"error reading template {arg}, {err.strerror or err}") from None
        name = name.removesuffix("-file")
    if name in ("jsonpath", "custom-columns") and not arg:
        raise UsageError(
            "template format specified but no template given"
            if name == "jsonpath"
            else "custom-columns format specified but no custom columns given"
        )
    if name in ("json", "yaml", "name", "wide") and eq:
        raise UsageError(f'unable to match a printer suitable for the output format "{value}"')
    return Output(name, arg)


# -- the command ---------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> int:
    try:
        output = parse_output(args.output)
        label_columns = tuple(
            key for value in args.label_columns for key in value.split(",") if key
        )
        if args.show_labels and output.kind not in ("table", "wide"):
            raise UsageError(f"--show-labels option cannot be used with {output.kind} printer")
        if args.output_watch_events and not args.watch:
            raise UsageError(
                "--output-watch-events option can only be used with --watch or --watch-only"
            )
        cfg = config_from_args(args)
        from rawkube.discovery.client import DiscoveryClient

        target = resolve_target(args.args, DiscoveryClient(cfg))
        if args.watch and target.types != 1:
            raise UsageError("you may only specify a single resource type")
    except UsageError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    namespace = args.namespace or cfg.namespace or "default"
    getter = _Getter(cfg, args, namespace)
    if args.watch:
        return _watch(getter, target, output, args, label_columns)
    if output.kind in ("table", "wide"):
        return _print_tables(getter, target, output, args, namespace, label_columns)
    return _print_generic(getter, target, output, args)


class _Getter:
    """The HTTP side: GET a collection or an object, as a Table or as plain JSON."""

    def __init__(self, cfg: Config, args: argparse.Namespace, namespace: str) -> None:
        from rawkube.rest.client import RESTClient

        self.cfg = cfg
        self.args = args
        self.namespace = namespace
        self._clients: dict[tuple[str, str], Any] = {}
        self._rest = RESTClient

    def request(self, req: Request, verb: str = "get") -> Any:
        gvr = req.mapping.resource
        key = (gvr.group, gvr.version)
        if key not in self._clients:
            self._clients[key] = self._rest(self.cfg, gvr.group, gvr.version)
        r = getattr(self._clients[key], verb)().resource(gvr.resource)
        if req.mapping.namespaced and not (self.args.all_namespaces and req.name is None):
            r = r.namespace(self.namespace)
        if req.name is not None and verb == "get":
            return r.name(req.name)
        if self.args.selector:
            r = r.param("labelSelector", self.args.selector)
        if self.args.field_selector:
            r = r.param("fieldSelector", self.args.field_selector)
        return r

    def fetch(self, req: Request, table: bool) -> dict[str, Any]:
        r = self.request(req)
        if table:
            r = r.as_table()
        doc: dict[str, Any] = r.do().json()
        return doc


def _fetch_all(
    getter: _Getter, target: Target, table: bool
) -> tuple[list[tuple[Request, dict[str, Any]]], list[str]]:
    """GET every request, going on after an error (kubectl's ContinueOnError)."""
    from rawkube.errors import StatusError

    found: list[tuple[Request, dict[str, Any]]] = []
    errors: list[str] = []
    for req in target.requests:
        try:
            found.append((req, getter.fetch(req, table)))
        except StatusError as err:
            if req.name is None:
                raise
            errors.append(describe_error(err) or str(err))
    return found, errors


class _TrackingWriter:
    """get.go's trackingWriterWrapper + separatorWriterWrapper: counts what was written and
    puts an empty line before the next table once `ready` is set."""

    def __init__(self, out: Any) -> None:
        self.out = out
        self.written = 0
        self.ready = False

    def write(self, text: str) -> None:
        if text and self.ready:
            self.out.write("\n")
            self.ready = False
        self.written += len(text)
        self.out.write(text)

    def flush(self) -> None:
        self.out.flush()


def _as_table(doc: dict[str, Any]) -> dict[str, Any]:
    """A server without Table support answered plain JSON: kubectl's NAME/AGE fallback."""
    if doc.get("kind") == "Table":
        return doc
    from rawkube.cli.common import age

    items = doc.get("items") if "items" in doc else [doc]
    return {
        "kind": "Table",
        "columnDefinitions": [
            {"name": "Name", "type": "string", "format": "name"},
            {"name": "Age", "type": "string"},
        ],
        "rows": [
            {
                "cells": [
                    (i.get("metadata") or {}).get("name", ""),
                    age((i.get("metadata") or {}).get("creationTimestamp")),
                ],
                "object": {"metadata": i.get("metadata") or {}},
            }
            for i in items or []
        ],
    }


def _print_tables(
    getter: _Getter,
    target: Target,
    output: Output,
    args: argparse.Namespace,
    namespace: str,
    label_columns: tuple[str, ...],
) -> int:
    from rawkube.cli.printers import TablePrinter, qualified_kind
    from rawkube.cli.tabwriter import TabWriter

    found, errors = _fetch_all(getter, target, table=True)
    with_kind = len(found) > 1 and len({req.mapping.gvk for req, _ in found}) > 1
    tracking = _TrackingWriter(sys.stdout)
    writer = TabWriter(tracking)
    printer: TablePrinter | None = None
    last: Any = None
    all_namespaced = not args.all_namespaces
    for req, doc in found:
        mapping = req.mapping
        all_namespaced = all_namespaced and mapping.namespaced
        if printer is None or last is None or mapping.resource != last.resource:
            writer.flush()
            writer.set_remembered_widths(None)
            if last is not None and tracking.written:
                tracking.ready = True
            gvk = mapping.gvk
            printer = TablePrinter(
                wide=output.kind == "wide",
                with_namespace=bool(args.all_namespaces and mapping.namespaced),
                kind=qualified_kind(_api_version(gvk), gvk.kind) if with_kind else "",
                label_columns=label_columns,
                show_labels=args.show_labels,
            )
            last = mapping
        printer.print_table(_as_table(doc), writer)
    writer.flush()
    if not tracking.written and not errors:
        if all_namespaced:
            print(f"No resources found in {namespace} namespace.", file=sys.stderr)
        else:
            print("No resources found", file=sys.stderr)
    for line in errors:
        print(line, file=sys.stderr)
    return 1 if errors else 0


def _api_version(gvk: Any) -> str:
    return f"{gvk.group}/{gvk.version}" if gvk.group else str(gvk.version)


def _items(req: Request, doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The objects of one answer, each with its apiVersion and kind (list items lack them)."""
    if req.name is not None:
        return [doc]
    gvk = req.mapping.gvk
    out = []
    for item in doc.get("items") or []:
        out.append({"apiVersion": _api_version(gvk), "kind": gvk.kind, **item})
    return out


def drop_managed_fields(obj: Any) -> None:
    """kubectl leaves out metadata.managedFields unless --show-managed-fields
    (k8s.io/kubectl/pkg/cmd/get/get.go, printers.OmitManagedFieldsPrinter)."""
    for o in [obj, *(obj.get("items") or [])] if isinstance(obj, dict) else []:
        meta = o.get("metadata") if isinstance(o, dict) else None
        if isinstance(meta, dict):
            meta.pop("managedFields", None)


def _print_generic(
    getter: _Getter, target: Target, output: Output, args: argparse.Namespace
) -> int:
    """printGeneric: one object, or every object in one `kind: List`."""
    found, errors = _fetch_all(getter, target, table=False)
    if errors and target.single_item:
        for line in errors:
            print(line, file=sys.stderr)
        return 1
    if target.single_item and found:
        doc: dict[str, Any] = found[0][1]
    else:
        doc = {
            "apiVersion": "v1",
            "items": [item for req, d in found for item in _items(req, d)],
            "kind": "List",
            "metadata": {"resourceVersion": ""},
        }
    try:
        sys.stdout.write(render(doc, output, args.show_managed_fields))
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    for line in errors:
        print(line, file=sys.stderr)
    return 1 if errors else 0


def render(doc: dict[str, Any], output: Output, show_managed_fields: bool) -> str:
    """One object or List in a non-table format."""
    from rawkube.cli import printers
    from rawkube.cli.jsonpath import JSONPath, JSONPathError

    if output.kind in ("json", "yaml"):
        if not show_managed_fields:
            drop_managed_fields(doc)
        return printers.dump_json(doc) if output.kind == "json" else printers.dump_yaml(doc)
    if output.kind == "name":
        items = doc.get("items") if doc.get("kind") == "List" else [doc]
        return "".join(printers.qualified_name(i) + "\n" for i in items or [])
    if output.kind == "jsonpath":
        try:
            return JSONPath(output.template).execute(doc)
        except JSONPathError as err:
            raise ValueError(f'error executing jsonpath "{output.template}": {err}') from None
    if output.kind == "custom-columns":
        import io

        from rawkube.cli.tabwriter import TabWriter

        buf = io.StringIO()
        writer = TabWriter(buf)
        printer = _custom_columns(output)
        items = doc.get("items") if doc.get("kind") == "List" else [doc]
        printer.print_objects(items or [], writer)
        writer.flush()
        return buf.getvalue()
    raise ValueError(f"unknown output format {output.kind}")  # pragma: no cover


def _custom_columns(output: Output) -> Any:
    from rawkube.cli.printers import CustomColumnsPrinter

    if "\n" in output.template.strip():  # from custom-columns-file
        return CustomColumnsPrinter.from_template(output.template)
    return CustomColumnsPrinter(output.template)


# -- watch ---------------------------------------------------------------------------------------


def _watch(
    getter: _Getter,
    target: Target,
    output: Output,
    args: argparse.Namespace,
    label_columns: tuple[str, ...],
) -> int:
    """get.go watch(): print what is there, then every change, until --request-timeout."""
    from rawkube.cli import printers
    from rawkube.cli.tabwriter import TabWriter

    req = target.requests[0]
    named = req.name is not None
    table = output.kind in ("table", "wide")
    doc = getter.fetch(req, table)
    events = args.output_watch_events
    out = sys.stdout
    writer = TabWriter(out)
    printer: Any = None
    if table:
        printer = printers.TablePrinter(
            wide=output.kind == "wide",
            with_namespace=bool(args.all_namespaces and req.mapping.namespaced),
            label_columns=label_columns,
            show_labels=args.show_labels,
        )
    elif output.kind == "custom-columns":
        printer = _custom_columns(output)
    yaml_docs = [0]

    def emit(obj: dict[str, Any], event_type: str) -> None:
        if table:
            printer.print_table(_as_table(obj), writer, event_type if events else "")
        elif output.kind == "custom-columns":
            shown = {"type": event_type, "object": obj} if events else obj
            printer.print_objects([shown], writer)
        elif events and output.kind in ("json", "yaml"):
            # a metav1.WatchEvent: kubectl prints it compact (JSON) or as it is (YAML), with
            # the object's managedFields
            if output.kind == "json":  # struct order: type, then object (keys sorted)
                from rawkube.cli.jsonpath import go_json

                out.write(f'{{"type":{go_json(event_type)},"object":{go_json(obj)}}}\n')
            else:
                _yaml_doc(printers.dump_yaml({"type": event_type, "object": obj}))
        elif output.kind == "yaml":
            if not args.show_managed_fields:
                drop_managed_fields(obj)
            _yaml_doc(printers.dump_yaml(obj))
        else:
            shown = {"type": event_type, "object": obj} if events else obj
            out.write(render(shown, output, args.show_managed_fields))
        writer.flush()
        out.flush()

    def _yaml_doc(text: str) -> None:
        yaml_docs[0] += 1
        if yaml_docs[0] > 1:  # printers/yaml.go: documents after the first get a separator
            out.write("---\n")
        out.write(text)

    if table:
        emit(doc, "ADDED")
        resource_version = (doc.get("metadata") or {}).get("resourceVersion")
    else:
        for item in _items(req, doc):
            emit(item, "ADDED")
        resource_version = (doc.get("metadata") or {}).get("resourceVersion")
    # A watch of one object starts at resourceVersion 0 and its first event is the synthetic
    # ADDED of what was just printed: skipped, as kubectl does.
    skip_first = named
    watch_req = getter.request(Request(req.mapping), verb="get")
    if named:
        watch_req = watch_req.param("fieldSelector", f"metadata.name={req.name}")
        watch_req = watch_req.param("resourceVersion", "0")
    elif resource_version:
        watch_req = watch_req.param("resourceVersion", resource_version)
    timeout = getattr(args, "request_timeout", None)
    if timeout:
        watch_req = watch_req.param("timeoutSeconds", max(1, int(timeout)))
    if table:
        watch_req = watch_req.as_table()
    deadline = time.monotonic() + timeout if timeout else None
    gvk = req.mapping.gvk
    with watch_req.watch() as stream:
        for event in stream:
            if event.type == "BOOKMARK":
                continue
            if skip_first:
                skip_first = False
            else:
                obj = event.object
                if not table and isinstance(obj, dict):
                    obj = {"apiVersion": _api_version(gvk), "kind": gvk.kind, **obj}
                emit(obj, event.type)
            if deadline is not None and time.monotonic() > deadline:
                break
    return 0
