"""`rawkube config view`: the merged kubeconfig (clientcmd's merge), as kubectl prints it.

kubectl (k8s.io/kubectl/pkg/cmd/config/view.go) prints the merged clientcmd v1 `Config`:
certificate and key data shortened to `DATA+OMITTED` (clientcmdapi.ShortenConfig), tokens and
passwords shown as `REDACTED` (RedactSecrets); YAML with sorted keys (sigs.k8s.io/yaml goes
through a map), JSON in the field order of the Go structs (clientcmd/api/v1/types.go), empty
optional fields left out and the exec plugin's defaults filled in. rawkube hides more than
kubectl does: an exec plugin's env values, an auth-provider's tokens and secrets, and the
password in a `user:password@` server URL are also REDACTED (there is no `--raw`).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from rawkube.config.types import redact

HELP = "inspect the merged kubeconfig: config view"
_VIEW_HELP = "print the merged kubeconfig (certificates omitted, secrets redacted)"
_OMITTED = "DATA+OMITTED"
_DATA_FIELDS = ("certificate-authority-data", "client-certificate-data", "client-key-data")

# Go struct field order and `omitempty` (clientcmd/api/v1/types.go); "!" = always printed.
_CLUSTER = (
    "server",
    "tls-server-name",
    "insecure-skip-tls-verify",
    "certificate-authority",
    "certificate-authority-data",
    "proxy-url",
    "disable-compression",
    "extensions",
)
_USER = (
    "client-certificate",
    "client-certificate-data",
    "client-key",
    "client-key-data",
    "token",
    "tokenFile",
    "as",
    "as-uid",
    "as-groups",
    "as-user-extra",
    "username",
    "password",
    "auth-provider",
    "exec",
    "extensions",
)
_CONTEXT = ("cluster", "user", "namespace", "extensions")
_EXEC = (
    "command",
    "args!",
    "env!",
    "apiVersion",
    "installHint",
    "provideClusterInfo!",
    "interactiveMode",
)
_EXEC_DEFAULT_INTERACTIVE = {  # clientcmd/api/v1/defaults.go
    "client.authentication.k8s.io/v1beta1": "IfAvailable",
    "client.authentication.k8s.io/v1alpha1": "IfAvailable",
}


def add_arguments(p: argparse.ArgumentParser) -> None:
    from rawkube.cli import global_flags

    config_sub = p.add_subparsers(dest="config_command", metavar="SUBCOMMAND")
    view = config_sub.add_parser("view", help=_VIEW_HELP, parents=[global_flags()])
    view.add_argument("--minify", action="store_true", help="only the current context's entries")
    view.add_argument("-o", "--output", choices=["yaml", "json"], default="yaml")


def run(args: argparse.Namespace) -> int:
    if args.config_command != "view":
        print("error: rawkube config supports one subcommand: view", file=sys.stderr)
        return 2
    return run_config_view(args)


def _ordered(body: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    """The fields of a struct in Go order: empty ones left out unless marked `!`, unknown ones
    dropped (Go's decoder ignores them)."""
    if not isinstance(body, dict):
        return {}
    out: dict[str, Any] = {}
    for spec in fields:
        name = spec.rstrip("!")
        value = body.get(name)
        if spec.endswith("!") or value not in (None, "", False, [], {}):
            out[name] = value
    return out


def _user(body: Any) -> dict[str, Any]:
    user = _ordered(body, _USER)
    exec_ = user.get("exec")
    if isinstance(exec_, dict):
        exec_ = {**exec_, "provideClusterInfo": bool(exec_.get("provideClusterInfo"))}
        default = _EXEC_DEFAULT_INTERACTIVE.get(str(exec_.get("apiVersion")))
        if default and not exec_.get("interactiveMode"):
            exec_["interactiveMode"] = default
        user["exec"] = _ordered(exec_, _EXEC)
    provider = user.get("auth-provider")
    if isinstance(provider, dict):
        user["auth-provider"] = _ordered(provider, ("name", "config"))
    return user


def _named(entries: Any, key: str, shape: Any) -> list[dict[str, Any]] | None:
    if not entries:
        return None  # a nil slice: `clusters: null`, as kubectl prints an empty config
    return [{"name": e.get("name"), key: shape(e.get(key))} for e in entries]


def view_document(raw: dict[str, Any]) -> dict[str, Any]:
    """What `kubectl config view` prints for the merged kubeconfig `raw` (Go struct order)."""
    doc: dict[str, Any] = {"kind": "Config", "apiVersion": "v1"}
    if raw.get("preferences"):
        doc["preferences"] = raw["preferences"]
    doc["clusters"] = _named(raw.get("clusters"), "cluster", lambda b: _ordered(b, _CLUSTER))
    doc["users"] = _named(raw.get("users"), "user", _user)
    doc["contexts"] = _named(raw.get("contexts"), "context", lambda b: _ordered(b, _CONTEXT))
    doc["current-context"] = raw.get("current-context") or ""
    if raw.get("extensions"):
        doc["extensions"] = raw["extensions"]
    return _shorten(redact(doc))


def _shorten(value: Any) -> Any:
    """ShortenConfig: certificate and key bytes print as DATA+OMITTED."""
    if isinstance(value, dict):
        return {k: _OMITTED if k in _DATA_FIELDS and v else _shorten(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shorten(v) for v in value]
    return value


def _minify(raw: dict[str, Any], context: str | None) -> dict[str, Any]:
    """Keep only the current (or given) context and the cluster and user it names."""
    name = context or raw.get("current-context")
    contexts = [c for c in raw.get("contexts") or [] if c.get("name") == name]
    ctx = (contexts[0].get("context") or {}) if contexts else {}
    return {
        **{k: v for k, v in raw.items() if k not in ("clusters", "users", "contexts")},
        "current-context": name,
        "contexts": contexts,
        "clusters": [c for c in raw.get("clusters") or [] if c.get("name") == ctx.get("cluster")],
        "users": [u for u in raw.get("users") or [] if u.get("name") == ctx.get("user")],
    }


def run_config_view(args: argparse.Namespace) -> int:
    from rawkube.cli.jsonpath import go_escape
    from rawkube.config.kubeconfig import load_raw_kubeconfig

    raw: dict[str, Any] = dict(load_raw_kubeconfig(kubeconfig=args.kubeconfig))
    if args.minify:
        raw = _minify(raw, args.context)
    shown = view_document(raw)
    if args.output == "json":
        print(go_escape(json.dumps(shown, indent=4, ensure_ascii=False)))
    else:
        from rawkube.cli.printers import dump_yaml

        sys.stdout.write(dump_yaml(shown))
    return 0
