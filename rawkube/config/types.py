"""`Config`: what a client needs to reach and authenticate to one API server.

It mirrors client-go's `rest.Config` (k8s.io/client-go/rest/config.go) in snake_case.
A Config is plain data: building it does no I/O, and its repr never shows a secret.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ParamSpec, TypeVar

from rawkube.errors import ConfigError

# Fields whose values are secrets: never shown by repr/str, logs or exceptions.
SECRET_FIELDS = frozenset({"bearer_token", "password", "key_data", "cert_data"})
# Fields holding URLs, which may carry a `user:password@` part (a proxy's, most often).
URL_FIELDS = frozenset({"host", "proxy_url"})


def redact_url(url: str) -> str:
    """`url` with the password of a `user:password@` part replaced by `xxxxx`, as Go's
    `url.URL.Redacted` (net/url) prints it; anything else is returned unchanged."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    end = len(rest)
    for stop in "/?#":
        i = rest.find(stop)
        if i >= 0:
            end = min(end, i)
    authority = rest[:end]
    userinfo, at, hostport = authority.rpartition("@")
    if not at or ":" not in userinfo:
        return url
    user = userinfo.partition(":")[0]
    return f"{scheme}://{user}:xxxxx@{hostport}{rest[end:]}"


@dataclass
class ExecConfig:
    """An exec credential plugin (kubeconfig `users[].user.exec`, client-go `api.ExecConfig`)."""

    command: str
    api_version: str = "client.authentication.k8s.io/v1"
    args: list[str] = field(default_factory=list)
    env: list[dict[str, str]] = field(default_factory=list)  # [{"name":..., "value":...}]
    install_hint: str = ""
    provide_cluster_info: bool = False
    interactive_mode: str = "IfAvailable"  # Never | IfAvailable | Always
    # Cluster info passed in KUBERNETES_EXEC_INFO when provide_cluster_info is set
    # (the kubeconfig cluster's `extensions[client.authentication.k8s.io/exec].extension`).
    cluster_config: Any = None
    # rawkube extension (not in kubeconfig): stop a plugin that runs longer than this.
    # None = rawkube.auth.EXEC_TIMEOUT_SECONDS.
    timeout_seconds: float | None = None

    def __repr__(self) -> str:  # env values often carry secrets (cloud keys, tokens)
        env = [v.get("name", "") for v in self.env]
        return (
            f"ExecConfig(command={self.command!r}, api_version={self.api_version!r}, "
            f"args=<{len(self.args)} args>, env_names={env!r}, "
            f"provide_cluster_info={self.provide_cluster_info!r}, interactive_mode={self.interactive_mode!r})"
        )


@dataclass
class AuthProviderConfig:
    """A legacy auth-provider (kubeconfig `users[].user.auth-provider`)."""

    name: str
    config: dict[str, str] = field(default_factory=dict)

    def __repr__(self) -> str:  # the config holds id-tokens and refresh tokens
        return f"AuthProviderConfig(name={self.name!r}, config=<{len(self.config)} keys, redacted>)"


@dataclass(repr=False)
class Config:
    """Connection settings for one API server (client-go `rest.Config`)."""

    host: str = "http://localhost:8080"
    namespace: str = "default"
    # Authentication (precedence as in client-go: client cert, token / token file, basic, exec).
    bearer_token: str | None = None
    bearer_token_file: str | None = None
    username: str | None = None
    password: str | None = None
    exec_provider: ExecConfig | None = None
    auth_provider: AuthProviderConfig | None = None
    impersonate_user: str | None = None
    impersonate_groups: list[str] = field(default_factory=list)
    # TLS. *_data are PEM bytes (already base64-decoded), *_file are paths.
    ca_data: bytes | None = None
    ca_file: str | None = None
    cert_data: bytes | None = None
    cert_file: str | None = None
    key_data: bytes | None = None
    key_file: str | None = None
    tls_server_name: str | None = None
    insecure: bool = False
    # Transport.
    proxy_url: str | None = None
    disable_compression: bool = False
    http2: bool = False
    qps: float = 5.0  # client-go default; <= 0 disables client-side rate limiting
    burst: int = 10
    timeout: float | None = None  # seconds for a whole request; None = no client timeout
    user_agent: str | None = None
    # Content negotiation (client-go ContentConfig): `content_type` is what object bodies are
    # sent as ("application/json" when None; "application/vnd.kubernetes.protobuf" for built-in
    # kinds, custom resources falling back to JSON); `accept_content_types` is the Accept header
    # (e.g. "application/vnd.kubernetes.protobuf,application/json"; None: `content_type`).
    content_type: str | None = None
    accept_content_types: str | None = None
    # Seams for tests, record/replay and tracing (client-go `Transport` / `WrapTransport`).
    # `transport` replaces the network transport (an httpx.BaseTransport or AsyncBaseTransport);
    # `wrap_transport` wraps whichever transport is used (e.g. a recorder).
    transport: Any = None
    wrap_transport: Callable[[Any], Any] | None = None
    # Where the config came from (for error messages): e.g. "/home/me/.kube/config".
    source: str | None = None
    context_name: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        parts = []
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name in SECRET_FIELDS:
                if value is None:
                    continue
                parts.append(f"{f.name}=<redacted>")
            elif (
                value is None
                or value == f.default
                or (f.default_factory is not dataclasses.MISSING and value == f.default_factory())
            ):
                continue
            elif isinstance(value, bytes):  # PEM blobs: their size says enough
                parts.append(f"{f.name}=<{len(value)} bytes>")
            elif f.name in URL_FIELDS and isinstance(value, str):
                parts.append(f"{f.name}={redact_url(value)!r}")
            else:
                parts.append(f"{f.name}={value!r}")
        return "Config(" + ", ".join(parts) + ")"

    __str__ = __repr__

    def copy(self, **changes: Any) -> Config:
        """A shallow copy with some fields replaced (client-go `rest.CopyConfig`)."""
        return dataclasses.replace(self, **changes)


# Exceptions that mean "this input broke an assumption of the code" rather than "this input is
# wrong in a way the code checks": the public entry points (load_config, build_client) turn them
# into a ConfigError and say that it is a rawkube bug. The fuzz tests fail when one of these is
# ever the cause of a ConfigError, so this net is never the fix, only the last guard.
INTERNAL_ERRORS: tuple[type[Exception], ...] = (
    TypeError,
    ValueError,
    KeyError,
    AttributeError,
    IndexError,
    RecursionError,
    OverflowError,
)

_P = ParamSpec("_P")
_R = TypeVar("_R")


def only_config_errors(what: str) -> Callable[[Callable[_P, _R]], Callable[_P, _R]]:
    """Let only `ConfigError` out of the decorated function (issue 12, item 8): anything in
    `INTERNAL_ERRORS` becomes one, with the original as `__cause__` and no part of its message
    (it could quote a secret)."""

    def decorate(fn: Callable[_P, _R]) -> Callable[_P, _R]:
        @functools.wraps(fn)
        def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
            try:
                return fn(*args, **kwargs)
            except ConfigError:
                raise
            except INTERNAL_ERRORS as err:
                raise ConfigError(
                    f"{what} ({type(err).__name__} in {fn.__name__}); this is a rawkube bug: "
                    "please report it with the shape of the configuration, not its secrets"
                ) from err

        return wrapper

    return decorate


def redact(
    value: Any,
    keys: Sequence[str] = (
        "token",
        "password",
        "client-key-data",
        "client-certificate-data",
        "id-token",
        "refresh-token",
        "client-secret",
    ),
) -> Any:
    """Return a copy of a kubeconfig-like structure with secret values replaced.

    An exec plugin's `env` values are redacted too (they often carry keys; `ExecConfig`'s repr
    shows only their names), although `kubectl config view` prints them; so is the password
    of a `user:password@` part in a `server` or `proxy-url`.
    """
    if isinstance(value, Mapping):
        return {k: _redact_item(k, v, keys) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v, keys) for v in value]
    return value


def _redact_item(key: Any, value: Any, keys: Sequence[str]) -> Any:
    if key in keys and value:
        return "REDACTED"
    if key in ("server", "proxy-url") and isinstance(value, str):  # a user:password@ part
        return redact_url(value)
    if key == "env" and isinstance(value, list):
        return [
            {**var, "value": "REDACTED"} if isinstance(var, Mapping) and var.get("value") else var
            for var in value
        ]
    return redact(value, keys)
