"""Finding, merging and reading kubeconfig files (client-go `tools/clientcmd`).

The rules mirrored here come from client-go:

- `loader.go` (`ClientConfigLoadingRules.Load`): an explicit path is read alone and must exist;
  otherwise every file of `$KUBECONFIG` (an `os.pathsep` list, duplicates dropped) is read in order,
  missing ones skipped, else `~/.kube/config`. **The first file to set a map key wins**: a cluster,
  user or context named in two files comes whole from the first one, and so does `current-context`.
  Relative paths resolve against the directory of the file that set them.
- `client_config.go` (`DirectClientConfig.ClientConfig`): pick the context, its cluster and user,
  apply overrides (`master_url` replaces the server and clears `tls-server-name`), and turn the
  user's fields into credentials with client-go's precedence.
  Credentials are only taken when the server is https (`rest.IsConfigTransportTLS`): client-go
  never sends a token over plain http.
- `validation.go`: the checks that make a kubeconfig unusable (no server, CA file and data both
  set, token and basic auth both set, a broken exec section...). One deliberate difference: a
  context naming a cluster or user that does not exist is an error here, where client-go falls
  back to an empty entry (anonymous), which hides typos.

Nothing here ever writes to a kubeconfig.
"""

from __future__ import annotations

import base64
import binascii
import copy
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from rawkube.config import blockyaml
from rawkube.config.types import (
    AuthProviderConfig,
    Config,
    ExecConfig,
    only_config_errors,
    redact_url,
)
from rawkube.errors import ConfigError, EmptyConfigError

__all__ = [
    "MergedKubeconfig",
    "RawKubeconfig",
    "merge_kubeconfigs",
    "default_kubeconfig_paths",
    "load_config",
    "load_raw_kubeconfig",
    "config_from_raw",
]

log = logging.getLogger("rawkube.config")

RECOMMENDED_HOME_FILE = os.path.join("~", ".kube", "config")
EXEC_INFO_EXTENSION = "client.authentication.k8s.io/exec"
_EXEC_DEFAULT_INTERACTIVE = {  # clientcmd api/v1 defaults.go: only the older versions get a default
    "client.authentication.k8s.io/v1beta1": "IfAvailable",
    "client.authentication.k8s.io/v1alpha1": "IfAvailable",
}

# Field name -> expected type, per kubeconfig section (clientcmd/api/v1/types.go).
_STR, _BOOL, _B64, _STRLIST, _MAP, _LIST = (
    "a string",
    "a boolean",
    "base64",
    "a list of strings",
    "a mapping",
    "a list",
)
_CLUSTER_FIELDS = {
    "server": _STR,
    "tls-server-name": _STR,
    "insecure-skip-tls-verify": _BOOL,
    "certificate-authority": _STR,
    "certificate-authority-data": _B64,
    "proxy-url": _STR,
    "disable-compression": _BOOL,
    "extensions": _LIST,
}
_USER_FIELDS = {
    "client-certificate": _STR,
    "client-certificate-data": _B64,
    "client-key": _STR,
    "client-key-data": _B64,
    "token": _STR,
    "tokenFile": _STR,
    "as": _STR,
    "as-uid": _STR,
    "as-groups": _STRLIST,
    "as-user-extra": _MAP,
    "username": _STR,
    "password": _STR,
    "auth-provider": _MAP,
    "exec": _MAP,
    "extensions": _LIST,
}
_CONTEXT_FIELDS = {"cluster": _STR, "user": _STR, "namespace": _STR, "extensions": _LIST}
_EXEC_FIELDS = {
    "command": _STR,
    "args": _STRLIST,
    "env": _LIST,
    "apiVersion": _STR,
    "installHint": _STR,
    "provideClusterInfo": _BOOL,
    "interactiveMode": _STR,
}
# Paths resolved against the directory of the file that set them (loader.go
# GetClusterFileReferences / GetAuthInfoFileReferences).
_CLUSTER_PATHS = ("certificate-authority",)
_USER_PATHS = ("client-certificate", "client-key", "tokenFile")
_SECTIONS = (
    ("clusters", "cluster", _CLUSTER_FIELDS),
    ("users", "user", _USER_FIELDS),
    ("contexts", "context", _CONTEXT_FIELDS),
)
_TOP_FIELDS = (
    "apiVersion",
    "kind",
    "preferences",
    "clusters",
    "users",
    "contexts",
    "current-context",
    "extensions",
)


def _unknown_fields(body: Any, known: Any) -> list[str]:
    """Notes for the keys of `body` that are not in `known`: "unknown field 'sever' (did you
    mean 'server'?)". clientcmd ignores unknown keys (a newer kubectl may write new ones), and so
    does rawkube; the notes are added to a "missing" error, which is what a typo causes."""
    if not isinstance(body, Mapping):
        return []
    notes = []
    for key in body:
        if isinstance(key, str) and key not in known:
            import difflib  # only for a typo: it is not a cheap import

            close = difflib.get_close_matches(key, list(known), n=1, cutoff=0.6)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            notes.append(f"unknown field {key!r}{hint}")
    return notes


def _noted(message: str, notes: list[str]) -> str:
    return "; ".join([message, *notes])


def _top_notes(raw: MergedKubeconfig, path: str | None = None) -> list[str]:
    return [f"{note} in {p}" for p, note in raw.unknown_fields if path in (None, p)]


def _one_of(section: str, names: Any) -> str:
    """`expected one of ['a', 'b']`, or `no clusters are defined` (never `one of []`)."""
    return f"expected one of {sorted(names)}" if names else f"no {section} are defined"


@dataclass
class MergedKubeconfig:
    """The merged kubeconfig (client-go `clientcmdapi.Config` after `Load`).

    `clusters`/`users`/`contexts` map a name to the entry's body as written (paths made absolute);
    `origins[("users", "alice")]` names the file that entry came from. `files` were read,
    `missing` were listed in `$KUBECONFIG` but absent (skipped, as client-go does).
    """

    clusters: dict[str, dict[str, Any]] = field(default_factory=dict)
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    contexts: dict[str, dict[str, Any]] = field(default_factory=dict)
    current_context: str = ""
    preferences: dict[str, Any] = field(default_factory=dict)
    extensions: list[Any] = field(default_factory=list)
    origins: dict[tuple[str, str], str] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    # (file, note) for top-level keys kubeconfig does not define: typos, named in errors
    unknown_fields: list[tuple[str, str]] = field(default_factory=list)

    def origin(self, section: str, name: str) -> str | None:
        """The file that defined `clusters`/`users`/`contexts` entry `name` (or `current-context`)."""
        return self.origins.get((section, name))

    def to_dict(self) -> dict[str, Any]:
        """The kubeconfig v1 document (`kubectl config view --raw` shape), secrets included."""
        out: dict[str, Any] = {
            "apiVersion": "v1",
            "kind": "Config",
            "preferences": copy.deepcopy(self.preferences),
        }
        for section, body_key, _ in _SECTIONS:
            entries = getattr(self, section)
            out[section] = [{"name": n, body_key: copy.deepcopy(b)} for n, b in entries.items()]
        out["current-context"] = self.current_context
        if self.extensions:
            out["extensions"] = copy.deepcopy(self.extensions)
        return out

    def __repr__(self) -> str:  # entries hold tokens and keys
        return (
            f"MergedKubeconfig(files={self.files!r}, current_context={self.current_context!r}, "
            f"clusters={sorted(self.clusters)!r}, users={sorted(self.users)!r}, contexts={sorted(self.contexts)!r})"
        )


# ---------------------------------------------------------------------------------------------
# Finding the files


def default_kubeconfig_paths(environ: Mapping[str, str] | None = None) -> list[str]:
    """`$KUBECONFIG` split on os.pathsep (empties and duplicates dropped), else ~/.kube/config.

    Mirrors `NewDefaultClientConfigLoadingRules` in client-go's loader.go.
    """
    env = os.environ if environ is None else environ
    value = env.get("KUBECONFIG", "")
    if value:
        seen: list[str] = []
        for p in value.split(os.pathsep):
            if p and p not in seen:
                seen.append(p)
        return seen
    return [os.path.expanduser(RECOMMENDED_HOME_FILE)]


class RawKubeconfig(dict[str, Any]):
    """The merged kubeconfig as a kubeconfig v1 document (a plain dict, secrets included), plus
    where it came from: `files`, `missing`, and `origin("users", name)` -> the file of an entry
    (client-go keeps this as `LocationOfOrigin`). What `kubectl config view --raw` prints."""

    def __init__(self, merged: MergedKubeconfig) -> None:
        super().__init__(merged.to_dict())
        self.merged = merged
        self.files = list(merged.files)
        self.missing = list(merged.missing)

    def origin(self, section: str, name: str) -> str | None:
        return self.merged.origin(section, name)

    def __repr__(self) -> str:  # the dict holds tokens and keys
        return "Raw" + repr(self.merged).removeprefix("Merged")

    __str__ = __repr__


@only_config_errors("the kubeconfig could not be read")
def load_raw_kubeconfig(
    kubeconfig: str | os.PathLike[str] | None = None, *, environ: Mapping[str, str] | None = None
) -> RawKubeconfig:
    """The merged kubeconfig document for tools such as `config view` (see `merge_kubeconfigs`)."""
    return RawKubeconfig(merge_kubeconfigs(kubeconfig, environ=environ))


@only_config_errors("the kubeconfig could not be read")
def merge_kubeconfigs(
    kubeconfig: str | os.PathLike[str] | None = None, *, environ: Mapping[str, str] | None = None
) -> MergedKubeconfig:
    """Read and merge kubeconfig files with client-go's loading rules (never writes to them).

    `kubeconfig` given: that file alone, and it must exist. Otherwise `$KUBECONFIG` (merged,
    first file wins per key) or `~/.kube/config`; missing files are skipped. When nothing at
    all was found the result has empty `files`: `load_config` then tries in-cluster.
    """
    raw = MergedKubeconfig()
    if kubeconfig is not None and os.fspath(kubeconfig):
        path = os.fspath(kubeconfig)
        if not os.path.exists(path):
            raise ConfigError(
                f"{path}: the kubeconfig file given explicitly does not exist. "
                "Check the path, or leave it out (no --kubeconfig, kubeconfig=None) to use "
                "$KUBECONFIG or ~/.kube/config."
            )
        _merge_file(raw, path)
        return raw
    for path in default_kubeconfig_paths(environ):
        if not os.path.exists(path):
            log.debug("kubeconfig %s does not exist: skipped (as client-go does)", path)
            raw.missing.append(path)
            continue
        _merge_file(raw, path)
    return raw


def _merge_file(raw: MergedKubeconfig, path: str) -> None:
    doc = _parse_file(path)
    raw.files.append(path)
    raw.unknown_fields += [(path, note) for note in _unknown_fields(doc, _TOP_FIELDS)]
    for section, body_key, fields in _SECTIONS:
        merged = getattr(raw, section)
        for name, body in _entries(doc, path, section, body_key, fields).items():
            if name in merged:  # first file wins, the whole entry (loader.go)
                continue
            merged[name] = body
            raw.origins[(section, name)] = path
    current = doc.get("current-context")
    if current is not None and not isinstance(current, str):
        raise _type_error(path, "current-context", _STR, current)
    if current and not raw.current_context:
        raw.current_context = current
        raw.origins[("current-context", current)] = path
    prefs = doc.get("preferences") or {}
    if not isinstance(prefs, dict):
        raise _type_error(path, "preferences", _MAP, prefs)
    for key, value in prefs.items():  # a struct: field by field, first non-empty value wins
        if key not in raw.preferences and value not in (None, "", False, [], {}):
            raw.preferences[key] = copy.deepcopy(value)
    ext = doc.get("extensions") or []
    if not isinstance(ext, list):
        raise _type_error(path, "extensions", _LIST, ext)
    # Named extensions: the first file to name one wins; a name that is not a string (a list
    # in a broken file) names nothing and is kept as it is.
    known = {_ext_name(e) for e in raw.extensions} - {None}
    raw.extensions.extend(e for e in ext if isinstance(e, dict) and _ext_name(e) not in known)


def _ext_name(ext: object) -> str | None:
    name = ext.get("name") if isinstance(ext, dict) else None
    return name if isinstance(name, str) else None


def _parse_file(path: str) -> dict[str, Any]:
    try:
        with open(path, "rb") as f:
            text = f.read()
    except OSError as e:
        raise ConfigError(f"{path}: cannot read the kubeconfig file: {e.strerror or e}") from None
    # The block YAML kubectl writes is read without importing PyYAML (~10 ms of a cold start);
    # anything else, and every error, is PyYAML's (rawkube/config/blockyaml.py).
    simple = blockyaml.load(text)
    if simple is not None:
        return simple
    import yaml  # lazily: `import rawkube` must stay cheap

    try:
        doc = _load_yaml(text, path)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(e, "problem", None) or type(e).__name__
        raise ConfigError(
            f"{path}: not valid YAML{where} ({problem}); expected a kubeconfig "
            "(apiVersion: v1, kind: Config, clusters/users/contexts lists)"
        ) from None
    except RecursionError:
        raise ConfigError(
            f"{path}: the YAML is nested too deeply to be a kubeconfig (a kubeconfig is a few "
            f"levels deep; at most {MAX_YAML_DEPTH} are accepted)"
        ) from None
    if doc is None:  # an empty file is an empty config, as in client-go
        return {}
    if not isinstance(doc, dict):
        raise ConfigError(
            f"{path}: expected a kubeconfig mapping at the top level, got {_kind(doc)}"
        )
    return doc


# A kubeconfig is a small document a few levels deep. Documents nested deeper than this, or whose
# YAML aliases would expand into more nodes than this beyond the ones written, are refused
# before anything is built from them: an 860-byte "billion laughs" kubeconfig otherwise loads
# fine (PyYAML shares aliased nodes) and then exhausts memory in the first json.dumps or
# redaction that walks it (issue 12, item 9). go-yaml, which client-go uses, refuses such
# documents too ("document contains excessive aliasing", gopkg.in/yaml decode.go).
MAX_YAML_DEPTH = 100
MAX_ALIAS_EXPANSION = 100_000


def _load_yaml(text: bytes, path: str) -> Any:
    """`yaml.safe_load`, after checking depth and alias expansion on the composed node graph."""
    import yaml

    if _flow_depth(text) > MAX_YAML_DEPTH:
        # Checked before parsing: PyYAML's scanner takes time quadratic in the depth of flow
        # collections ("[[[[...]]]]": 3000 levels cost seconds, a few KB more cost hours).
        raise ConfigError(
            f"{path}: the YAML is nested more than {MAX_YAML_DEPTH} levels deep; "
            "a kubeconfig is a few levels deep"
        )
    # libyaml's parser when PyYAML has it (the usual wheels do): the same nodes and errors,
    # ~10x faster on a kubeconfig's long base64 scalars than the pure-Python scanner.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_yaml_graph(node, path)
        return loader.construct_document(node)
    finally:
        loader.dispose()


def _flow_depth(text: bytes) -> int:
    """The deepest nesting of YAML flow collections (`[...]`, `{...}`) outside quoted scalars
    and comments; stops counting past MAX_YAML_DEPTH. A lexical over-estimate (brackets inside
    a block scalar count too), which only matters for a document with more brackets than a
    kubeconfig ever has."""
    if text.count(b"[") + text.count(b"{") <= MAX_YAML_DEPTH:
        return 0
    depth = deepest = 0
    quote = 0
    comment = False
    previous = 0x0A
    for byte in text:
        if comment:
            comment = byte != 0x0A
        elif quote:
            if byte == quote:
                quote = 0
        elif byte in (0x22, 0x27) and previous in b" \t\n[{,:":  # a quoted scalar starts
            quote = byte
        elif byte == 0x23 and previous in b" \t\n":  # "#" after white space: a comment
            comment = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > MAX_YAML_DEPTH:
                    break
        elif byte in (0x5D, 0x7D) and depth:
            depth -= 1
        previous = byte
    return deepest


def _check_yaml_graph(root: Any, path: str) -> None:
    """Refuse a composed YAML graph that is too deep, refers to itself, or expands too much.

    Iterative (a recursive walk is what a hostile document would overflow). Sizes are memoised
    per node, so a graph of shared aliases is measured in time linear in its distinct nodes.
    """
    import yaml

    size: dict[int, int] = {}
    distinct = 0
    stack: list[tuple[Any, int, bool]] = [(root, 1, False)]
    on_path: set[int] = set()
    while stack:
        node, depth, done = stack.pop()
        key = id(node)
        if done:
            on_path.discard(key)
            size[key] = 1 + sum(size[id(child)] for child in _children(node))
            continue
        if key in size:
            continue
        if key in on_path:
            raise ConfigError(f"{path}: a YAML alias refers to a node that contains it")
        if depth > MAX_YAML_DEPTH:
            raise ConfigError(
                f"{path}: the YAML is nested more than {MAX_YAML_DEPTH} levels deep; "
                "a kubeconfig is a few levels deep"
            )
        distinct += 1
        if not isinstance(node, yaml.ScalarNode):
            on_path.add(key)
        stack.append((node, depth, True))
        for child in _children(node):
            if id(child) not in size:
                stack.append((child, depth + 1, False))
    if size[id(root)] - distinct > MAX_ALIAS_EXPANSION:
        raise ConfigError(
            f"{path}: the YAML aliases expand to {size[id(root)]:,} nodes from {distinct:,} "
            f"written (more than {MAX_ALIAS_EXPANSION:,} extra); a kubeconfig does not need "
            "that, so it is refused (a YAML 'billion laughs' document)"
        )


def _children(node: Any) -> list[Any]:
    import yaml

    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _entries(
    doc: Mapping[str, Any], path: str, section: str, body_key: str, fields: Mapping[str, str]
) -> dict[str, dict[str, Any]]:
    """Check one named list (`clusters`, `users`, `contexts`) and return name -> body."""
    items = doc.get(section)
    if items is None:
        return {}
    if not isinstance(items, list):
        raise _type_error(path, section, "a list of {name, " + body_key + "} entries", items)
    out: dict[str, dict[str, Any]] = {}
    base = os.path.dirname(os.path.abspath(path))
    for i, item in enumerate(items):
        where = f"{section}[{i}]"
        if not isinstance(item, dict):
            raise _type_error(path, where, _MAP, item)
        name = item.get("name")
        if not isinstance(name, str) or not name:
            raise _type_error(path, f"{where}.name", "a non-empty string", name)
        if name in out:  # clientcmd v1 conversion refuses duplicate names in one file
            raise ConfigError(f"{path}: {where}.name: duplicate name {name!r} in {section}")
        body = item.get(body_key)
        if body is None:
            body = {}
        if not isinstance(body, dict):
            raise _type_error(path, f"{where}.{body_key}", _MAP, body)
        body = copy.deepcopy(body)
        _check_fields(path, f"{where}.{body_key}", body, fields)
        if section == "users":
            _check_user(path, f"{where}.{body_key}", body)
        _resolve_paths(body, section, base)
        out[name] = body
    return out


def _check_fields(
    path: str, where: str, body: Mapping[str, Any], fields: Mapping[str, str]
) -> None:
    for key, expected in fields.items():
        value = body.get(key)
        if value is None:
            continue
        ok = {
            _STR: isinstance(value, str),
            _BOOL: isinstance(value, bool),
            _B64: isinstance(value, str),
            _STRLIST: isinstance(value, list) and all(isinstance(v, str) for v in value),
            _MAP: isinstance(value, dict),
            _LIST: isinstance(value, list),
        }[expected]
        if not ok:
            raise _type_error(
                path, f"{where}.{key}", "base64 text" if expected == _B64 else expected, value
            )
        if expected == _B64:
            _b64decode(path, f"{where}.{key}", value)


def _check_user(path: str, where: str, body: dict[str, Any]) -> None:
    exec_ = body.get("exec")
    if isinstance(exec_, dict):
        _check_fields(path, f"{where}.exec", exec_, _EXEC_FIELDS)
        for j, var in enumerate(exec_.get("env") or []):
            if (
                not isinstance(var, dict)
                or not isinstance(var.get("name", ""), str)
                or not isinstance(var.get("value", ""), str)
            ):
                raise _type_error(
                    path, f"{where}.exec.env[{j}]", "a mapping {name: string, value: string}", var
                )
    provider = body.get("auth-provider")
    if isinstance(provider, dict):
        if not isinstance(provider.get("name"), str):
            raise _type_error(path, f"{where}.auth-provider.name", _STR, provider.get("name"))
        cfg = provider.get("config") or {}
        if not isinstance(cfg, dict) or not all(isinstance(v, str) for v in cfg.values()):
            raise _type_error(
                path, f"{where}.auth-provider.config", "a mapping of strings", "<redacted>"
            )


def _resolve_paths(body: dict[str, Any], section: str, base: str) -> None:
    keys = _CLUSTER_PATHS if section == "clusters" else _USER_PATHS if section == "users" else ()
    for key in keys:
        value = body.get(key)
        if value and not os.path.isabs(value):
            body[key] = os.path.normpath(os.path.join(base, value))  # Go filepath.Join cleans
    exec_ = body.get("exec") if section == "users" else None
    if isinstance(exec_, dict):
        command = exec_.get("command")
        # Only a command containing a path separator is a path; a bare name is looked up in $PATH.
        if command and os.sep in command and not os.path.isabs(command):
            exec_["command"] = os.path.normpath(os.path.join(base, command))


def _b64decode(path: str, where: str, value: str) -> bytes:
    try:
        return base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise ConfigError(
            f"{path}: {where}: expected base64-encoded data (standard alphabet, padded); "
            "got text that does not decode"
        ) from None


def _type_error(path: str, where: str, expected: str, value: Any) -> ConfigError:
    return ConfigError(f"{path}: {where}: expected {expected}, got {_kind(value)}")


def _kind(value: Any) -> str:
    # Never echo the value itself: it may be a token.
    names = {
        dict: "a mapping",
        list: "a list",
        str: "a string",
        bool: "a boolean",
        int: "an integer",
        float: "a number",
    }
    if value is None:
        return "nothing (null)"
    return names.get(type(value), type(value).__name__)


# ---------------------------------------------------------------------------------------------
# From the merged kubeconfig to a Config


@only_config_errors("the kubeconfig could not be read")
def load_config(
    kubeconfig: str | os.PathLike[str] | None = None,
    context: str | None = None,
    master_url: str | None = None,
    *,
    cluster: str | None = None,
    user: str | None = None,
    namespace: str | None = None,
) -> Config:
    """Find the cluster and credentials, as client-go's `clientcmd.BuildConfigFromFlags` does.

    Order: `kubeconfig` (must exist) > `$KUBECONFIG` (merged) > `~/.kube/config` > in-cluster
    service account. `master_url` replaces the context's server; `context`, `cluster`, `user` and
    `namespace` override what the kubeconfig selects. Raises `ConfigError` when nothing usable is
    found, naming every place tried.
    """
    raw = merge_kubeconfigs(kubeconfig)
    # client-go (DeferredLoadingClientConfig) tries in-cluster when the files say nothing at all.
    if raw.files and (raw.clusters or raw.contexts or raw.current_context or cluster):
        return config_from_raw(
            raw,
            context=context,
            master_url=master_url,
            cluster=cluster,
            user=user,
            namespace=namespace,
        )
    if master_url:
        # BuildConfigFromFlags: a master URL alone is a usable (anonymous) config, and it is
        # never combined with the pod's service-account token: that token belongs to the
        # in-cluster API server, not to whatever `master_url` names. client-go
        # tools/clientcmd/merged_client_builder.go (DeferredLoadingClientConfig.ClientConfig)
        # only falls back to in-cluster when the merged config equals the default one, and a
        # server override makes it differ.
        return Config(host=master_url, namespace=namespace or "default", source="master_url")
    label = "$KUBECONFIG entry" if os.environ.get("KUBECONFIG") else "default kubeconfig"
    tried = [f"{label} {p} (not found)" for p in raw.missing]
    tried += [
        _noted(f"{label} {p} (no clusters or contexts)", _top_notes(raw, p)) for p in raw.files
    ]
    from rawkube.config.incluster import in_cluster_config

    try:
        cfg = in_cluster_config()
    except ConfigError as e:
        tried.append(f"in-cluster service account: {e}")
    else:
        if namespace:
            cfg = cfg.copy(namespace=namespace)
        return cfg
    raise EmptyConfigError(
        "no Kubernetes configuration found. Tried:\n  - "
        + "\n  - ".join(tried)
        + "\nFix: set KUBECONFIG=/path/to/kubeconfig, write ~/.kube/config (e.g. `kind export "
        "kubeconfig`, `az aks get-credentials`, `gcloud container clusters get-credentials`), "
        "pass load_config(kubeconfig=...) or master_url=..., or run inside a pod with a service account."
    )


@only_config_errors("the kubeconfig could not be read")
def config_from_raw(
    raw: MergedKubeconfig,
    *,
    context: str | None = None,
    master_url: str | None = None,
    cluster: str | None = None,
    user: str | None = None,
    namespace: str | None = None,
) -> Config:
    """Select the context, cluster and user and build a Config (client-go `DirectClientConfig`)."""
    where = ", ".join(raw.files) or "the kubeconfig"
    ctx_name = context or raw.current_context
    ctx: dict[str, Any] = {}
    if ctx_name:
        if ctx_name not in raw.contexts:
            origin = (
                "given as context="
                if context
                else f"current-context in {raw.origin('current-context', ctx_name)}"
            )
            raise ConfigError(
                _noted(
                    f"{where}: context {ctx_name!r} ({origin}) not found in contexts; "
                    + _one_of("contexts", raw.contexts),
                    _top_notes(raw),
                )
            )
        ctx = raw.contexts[ctx_name]
    elif not (cluster or master_url):
        raise ConfigError(
            _noted(
                f"{where}: no current-context is set and no context was given; expected "
                "current-context or load_config(context=...) naming a context ("
                + _one_of("contexts", raw.contexts)
                + ")",
                _top_notes(raw),
            )
        )
    ctx_file = raw.origin("contexts", ctx_name) if ctx_name else where
    cluster_name = cluster or ctx.get("cluster") or ""
    user_name = user or ctx.get("user") or ""
    cluster_body = _pick(raw, "clusters", cluster_name, ctx_name, ctx_file, required=not master_url)
    user_body = _pick(raw, "users", user_name, ctx_name, ctx_file, required=False)
    cluster_file = raw.origin("clusters", cluster_name) or where
    user_file = raw.origin("users", user_name) or where

    cfg = Config(source=ctx_file or where, context_name=ctx_name or None)
    cfg.namespace = namespace or ctx.get("namespace") or "default"
    _apply_cluster(cfg, cluster_body, cluster_name, cluster_file, master_url)
    if _uses_tls(cfg):  # client-go only sends credentials to a TLS server (IsConfigTransportTLS)
        _apply_user(cfg, user_body, user_name, user_file, cluster_body)
    log.debug(
        "kubeconfig %s: context %r -> cluster %r (%s) user %r (%s), namespace %r",
        ", ".join(raw.files),
        ctx_name,
        cluster_name,
        redact_url(cfg.host),
        user_name,
        _auth_kind(cfg),
        cfg.namespace,
    )
    return cfg


def _auth_kind(cfg: Config) -> str:
    """Which credential the Config carries, for debug logs (never the value)."""
    kinds = [
        name
        for name, present in (
            ("token file", cfg.bearer_token_file),
            ("token", cfg.bearer_token and not cfg.bearer_token_file),
            ("basic", cfg.username or cfg.password),
            ("client certificate", cfg.cert_data or cfg.cert_file),
            ("exec plugin", cfg.exec_provider),
            ("auth-provider", cfg.auth_provider),
        )
        if present
    ]
    return " + ".join(kinds) or "anonymous"


def _pick(
    raw: MergedKubeconfig,
    section: str,
    name: str,
    ctx_name: str,
    ctx_file: str | None,
    *,
    required: bool,
) -> dict[str, Any]:
    entries: dict[str, dict[str, Any]] = getattr(raw, section)
    if not name:
        if required:
            raise ConfigError(
                _noted(
                    f"{ctx_file}: contexts[{ctx_name!r}].context.{section[:-1]}: expected the "
                    f"name of a {section[:-1]} ({_one_of(section, entries)}), got nothing",
                    _unknown_fields(raw.contexts.get(ctx_name), _CONTEXT_FIELDS),
                )
            )
        return {}
    if name not in entries:
        # client-go silently treats a missing user as anonymous; a named-but-absent entry is
        # almost always a typo, so rawkube says so.
        raise ConfigError(
            _noted(
                f"{ctx_file}: context {ctx_name!r} refers to {section[:-1]} {name!r}, which is "
                f"not defined in {section} of {', '.join(raw.files)}; {_one_of(section, entries)}",
                _top_notes(raw),
            )
        )
    return entries[name]


def _apply_cluster(
    cfg: Config, body: Mapping[str, Any], name: str, path: str, master_url: str | None
) -> None:
    at = f"{path}: clusters[{name!r}].cluster"
    server = master_url or body.get("server") or ""
    if not server:
        raise ConfigError(
            _noted(
                f"{at}.server: expected the API server URL (e.g. https://127.0.0.1:6443), "
                "got nothing",
                _unknown_fields(body, _CLUSTER_FIELDS),
            )
        )
    cfg.tls_server_name = None if master_url else body.get("tls-server-name") or None
    cfg.insecure = bool(body.get("insecure-skip-tls-verify", False))
    ca_file, ca_b64 = body.get("certificate-authority"), body.get("certificate-authority-data")
    if ca_file and ca_b64:  # validation.go: both set is an error
        raise ConfigError(
            f"{at}: certificate-authority-data and certificate-authority are both set; expected only one"
        )
    if ca_b64:
        cfg.ca_data = _b64decode(
            path, f"clusters[{name!r}].cluster.certificate-authority-data", ca_b64
        )
    if ca_file:
        _check_readable(ca_file, f"{at}.certificate-authority")
        cfg.ca_file = ca_file
    if cfg.insecure and (cfg.ca_file or cfg.ca_data):  # client-go transport.go tlsConfigFor
        raise ConfigError(
            f"{at}: insecure-skip-tls-verify is set together with a certificate authority; "
            "specifying a root certificates file with the insecure flag is not allowed (client-go). Remove one."
        )
    cfg.proxy_url = body.get("proxy-url") or None
    if cfg.proxy_url:
        _check_proxy_url(cfg.proxy_url, f"{at}.proxy-url")
    cfg.disable_compression = bool(body.get("disable-compression", False))
    cfg.host = _default_scheme(server, cfg)


def _default_scheme(server: str, cfg: Config) -> str:
    """A server without a scheme gets https when TLS settings exist, else http (rest.DefaultServerURL)."""
    if "://" in server:
        return server
    tls = bool(cfg.ca_file or cfg.ca_data or cfg.insecure)
    return ("https://" if tls else "http://") + server


def _uses_tls(cfg: Config) -> bool:
    return cfg.host.lower().startswith("https://")


def _check_proxy_url(url: str, where: str) -> None:
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme not in ("http", "https", "socks5", "socks5h"):
        raise ConfigError(
            f"{where}: expected an http://, https:// or socks5:// URL, got scheme {scheme or '(none)'!r}"
        )


def _check_readable(path: str, where: str) -> None:
    try:
        with open(path, "rb"):
            pass
    except OSError as e:
        raise ConfigError(f"{where}: cannot read {path}: {e.strerror or e}") from None
    except ValueError as e:  # a NUL byte, or a lone surrogate no file name can hold
        raise ConfigError(f"{where}: {path!r} is not a usable file name ({e})") from None


def _apply_user(
    cfg: Config, body: Mapping[str, Any], name: str, path: str, cluster_body: Mapping[str, Any]
) -> None:
    """The user's credentials with client-go's precedence (`getUserIdentificationPartialConfig`)."""
    at = f"{path}: users[{name!r}].user"
    token, token_file = body.get("token"), body.get("tokenFile")
    username, password = body.get("username"), body.get("password")
    if (token or token_file) and (username or password):  # validation.go: one method only
        raise ConfigError(
            f"{at}: both a token and username/password are set; expected only one authentication method"
        )
    if token:
        cfg.bearer_token = token
        cfg.bearer_token_file = token_file or None  # the file still refreshes the token later
    elif token_file:
        _check_readable(token_file, f"{at}.tokenFile")
        cfg.bearer_token_file = token_file
    _apply_client_cert(cfg, body, name, path)
    if username or password:
        cfg.username, cfg.password = username or "", password or ""
    if (body.get("as-groups") or body.get("as-uid") or body.get("as-user-extra")) and not body.get(
        "as"
    ):
        raise ConfigError(
            f"{at}.as: expected a user to impersonate when as-groups/as-uid/as-user-extra are set"
        )
    if body.get("as"):
        cfg.impersonate_user = body["as"]
    cfg.impersonate_groups = list(body.get("as-groups") or [])
    provider, exec_ = body.get("auth-provider"), body.get("exec")
    if provider and exec_:
        raise ConfigError(
            f"{at}: auth-provider cannot be combined with an exec plugin; expected only one"
        )
    if provider:
        cfg.auth_provider = AuthProviderConfig(
            name=provider["name"], config=dict(provider.get("config") or {})
        )
    if exec_:
        cfg.exec_provider = _exec_config(exec_, f"{at}.exec", cluster_body)


def _apply_client_cert(cfg: Config, body: Mapping[str, Any], name: str, path: str) -> None:
    at = f"{path}: users[{name!r}].user"
    where = f"users[{name!r}].user"
    for file_key, data_key in (
        ("client-certificate", "client-certificate-data"),
        ("client-key", "client-key-data"),
    ):
        if body.get(file_key) and body.get(data_key):
            raise ConfigError(f"{at}: {data_key} and {file_key} are both set; expected only one")
    if not (body.get("client-certificate") or body.get("client-certificate-data")):
        return
    if body.get("client-certificate-data"):
        cfg.cert_data = _b64decode(
            path, f"{where}.client-certificate-data", body["client-certificate-data"]
        )
    if body.get("client-key-data"):
        cfg.key_data = _b64decode(path, f"{where}.client-key-data", body["client-key-data"])
    for key, attr in (("client-certificate", "cert_file"), ("client-key", "key_file")):
        if body.get(key):
            _check_readable(body[key], f"{at}.{key}")
            setattr(cfg, attr, body[key])
    if not (cfg.key_data or cfg.key_file):
        raise ConfigError(
            f"{at}: a client certificate is set but no client-key or client-key-data; expected both"
        )


def _exec_config(body: Mapping[str, Any], at: str, cluster_body: Mapping[str, Any]) -> ExecConfig:
    """validation.go `validateAuthInfo` exec rules, then an ExecConfig."""
    api_version = body.get("apiVersion") or ""
    if not body.get("command"):
        raise ConfigError(f"{at}.command: expected the plugin command, got nothing")
    if not api_version:
        raise ConfigError(
            f"{at}.apiVersion: expected e.g. client.authentication.k8s.io/v1, got nothing"
        )
    mode = body.get("interactiveMode") or _EXEC_DEFAULT_INTERACTIVE.get(api_version, "")
    if mode not in ("Never", "IfAvailable", "Always"):
        raise ConfigError(
            f"{at}.interactiveMode: expected Never, IfAvailable or Always "
            f"(required for {api_version}), got {repr(mode) if mode else 'nothing'}"
        )
    env: list[dict[str, str]] = []
    for i, var in enumerate(body.get("env") or []):
        if not var.get("name"):
            raise ConfigError(
                f"{at}.env[{i}].name: expected an environment variable name, got nothing"
            )
        env.append({"name": var["name"], "value": var.get("value", "")})
    extension = None
    for ext in cluster_body.get("extensions") or []:
        if isinstance(ext, dict) and ext.get("name") == EXEC_INFO_EXTENSION:
            extension = ext.get("extension")
    return ExecConfig(
        command=body["command"],
        api_version=api_version,
        args=list(body.get("args") or []),
        env=env,
        install_hint=_strip_ansi(body.get("installHint") or ""),
        provide_cluster_info=bool(body.get("provideClusterInfo", False)),
        interactive_mode=mode,
        cluster_config=extension,
    )


def _strip_ansi(text: str) -> str:
    """client-go strips terminal escape codes from installHint (cleanANSIEscapeCodes)."""
    import re

    return re.sub(r"\x1b\[[0-9;?]*[ -/]*[@-~]", "", text)
