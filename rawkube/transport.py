"""Build the httpx client for a Config (client-go `rest.HTTPClientFor` + `transport.New`).

What goes into the client, and where client-go does the same:
- base_url = the server URL, path prefix kept (`rest.DefaultServerUrlFor`);
- TLS: one shared `ssl.SSLContext` per TLS settings (`rawkube.tls`, client-go's TLS cache);
  `tls_server_name` rides on each request as httpcore's `sni_hostname` extension;
- authentication: an `httpx.Auth` flow from `rawkube.auth` (token, token file, basic, exec,
  oidc); client certificates from an exec plugin swap the TLS context when they change
  (client-go's `GetClientCertificate` callback);
- User-Agent (`rest.DefaultKubernetesUserAgent`), impersonation headers
  (`transport.NewImpersonatingRoundTripper`), `disable_compression`, `proxy_url`, HTTP/2;
- `config.transport` replaces the network transport, `config.wrap_transport` wraps it.

No rate limiting and no retries here: they live in `rest`.
"""

from __future__ import annotations

import importlib.util
import ipaddress
import os
import sys
import threading
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from rawkube._version import __version__
from rawkube.config.types import Config, only_config_errors
from rawkube.errors import ConfigError

__all__ = [
    "build_client",
    "build_async_client",
    "default_user_agent",
    "client_headers",
    "proxy_from_environment",
]

CONNECT_TIMEOUT = 30.0  # client-go's dialer timeout


def _machine() -> str:
    """platform.machine() without importing `platform` (~1 ms) where os.uname exists."""
    if hasattr(os, "uname"):
        return os.uname().machine
    import platform  # Windows

    return platform.machine()


def default_user_agent() -> str:
    """`rawkube/<version> (<os>/<arch>) python/<version>`, like client-go's DefaultKubernetesUserAgent."""
    arch = _machine().lower().replace("x86_64", "amd64").replace("aarch64", "arm64")
    py = ".".join(map(str, sys.version_info[:3]))
    return f"rawkube/{__version__} ({sys.platform}/{arch}) python/{py}"


def client_headers(config: Config) -> list[tuple[str, str | bytes]]:
    """Headers every request carries (a list: impersonated groups repeat the header)."""
    headers: list[tuple[str, str | bytes]] = [
        ("User-Agent", _header_value(config, "user-agent", config.user_agent))
        if config.user_agent
        else ("User-Agent", default_user_agent())
    ]
    if config.disable_compression:  # Go's DisableCompression: do not ask for gzip
        headers.append(("Accept-Encoding", "identity"))
    if config.impersonate_user:
        headers.append(("Impersonate-User", _header_value(config, "as", config.impersonate_user)))
        headers.extend(
            ("Impersonate-Group", _header_value(config, "as-groups", g))
            for g in config.impersonate_groups
        )
    return headers


def _header_value(config: Config, what: str, value: object) -> str | bytes:
    """A header value from the kubeconfig, as the bytes Go's net/http would send.

    Go sends a string's UTF-8 bytes as they are (`as: jürgen` reaches the API server as
    "jürgen"); httpx would refuse anything but ASCII with a UnicodeEncodeError. Control
    characters (a newline would split the header) are refused as Go's
    `httpguts.ValidHeaderFieldValue` refuses them, but here when the client is built.
    """
    if not isinstance(value, str):
        raise ConfigError(f"{config.source or 'config'}: {what}: expected a string")
    try:
        raw = value.encode("utf-8")
    except UnicodeEncodeError:
        raise ConfigError(
            f"{config.source or 'config'}: {what}: not valid text (a lone surrogate)"
        ) from None
    if any(b < 0x20 and b != 0x09 or b == 0x7F for b in raw):
        raise ConfigError(
            f"{config.source or 'config'}: {what}: control characters are not allowed in an "
            "HTTP header value"
        )
    return value if raw.isascii() else raw


def _timeout(config: Config) -> httpx.Timeout:
    # No overall timeout by default (watches stream for minutes), but a bounded connect.
    if config.timeout is None:
        return httpx.Timeout(None, connect=CONNECT_TIMEOUT)
    return httpx.Timeout(config.timeout, connect=min(config.timeout, CONNECT_TIMEOUT))


def proxy_from_environment(server: str, environ: Mapping[str, str] | None = None) -> str | None:
    """The proxy Go's `http.ProxyFromEnvironment` would pick for `server` (client-go's default
    when no proxy-url is set): HTTPS_PROXY / HTTP_PROXY by scheme, minus NO_PROXY matches,
    and never for localhost or loopback addresses."""
    env = os.environ if environ is None else environ
    url = httpx.URL(server)
    names = (
        ("HTTPS_PROXY", "https_proxy") if url.scheme == "https" else ("HTTP_PROXY", "http_proxy")
    )
    proxy = next((env[n] for n in names if env.get(n)), "")
    if not proxy or _is_loopback(url.host):
        return None
    if url.scheme != "https" and env.get("REQUEST_METHOD"):
        # httpoxy: under CGI, HTTP_PROXY can come from a request's `Proxy:` header, and the
        # credentials for a plain-http server would go to whoever sent it. Go refuses the same
        # way (golang.org/x/net/http/httpproxy, Config.CGI, "golang.org/s/cgihttpproxy").
        raise ConfigError(
            "refusing to use the HTTP_PROXY value in a CGI environment (REQUEST_METHOD is set); "
            "set proxy-url in the kubeconfig instead"
        )
    no_proxy = env.get("NO_PROXY") or env.get("no_proxy") or ""
    if any(
        _no_proxy_matches(entry.strip(), url.host, url.port)
        for entry in no_proxy.split(",")
        if entry.strip()
    ):
        return None
    return proxy if "://" in proxy else "http://" + proxy


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _no_proxy_matches(entry: str, host: str, port: int | None) -> bool:
    """One NO_PROXY entry (golang.org/x/net/http/httpproxy): *, an IP, a CIDR, or a domain
    (`example.com` and `.example.com` both match the domain and its subdomains)."""
    if entry == "*":
        return True
    if "/" in entry:
        try:
            return ipaddress.ip_address(host) in ipaddress.ip_network(entry, strict=False)
        except ValueError:
            return False
    name, _, entry_port = entry.rpartition(":") if entry.count(":") == 1 else (entry, "", "")
    if entry_port and port is not None and entry_port != str(port):
        return False
    name = name.lower().lstrip("*").lstrip(".")
    return host.lower() == name or host.lower().endswith("." + name)


def _proxy(config: Config) -> httpx.Proxy | None:
    if not config.proxy_url:
        from_env = proxy_from_environment(config.host)
        return httpx.Proxy(from_env) if from_env else None
    scheme = config.proxy_url.split("://", 1)[0].lower()
    if scheme.startswith("socks") and importlib.util.find_spec("socksio") is None:
        raise ConfigError(
            f"{config.source or 'config'}: proxy-url {scheme}:// needs SOCKS support: "
            "pip install 'httpx[socks]' (or use an http:// or https:// proxy)"
        )
    if scheme not in ("http", "https", "socks5", "socks5h"):
        raise ConfigError(
            f"{config.source or 'config'}: proxy-url scheme {scheme!r} is not supported; expected http, https or socks5"
        )
    return httpx.Proxy(config.proxy_url)


def _check_http2(config: Config) -> None:
    if config.http2 and importlib.util.find_spec("h2") is None:
        raise ConfigError("http2=True needs the h2 package: pip install 'rawkube[http2]'")


def _needs_tls(config: Config) -> bool:
    return config.host.lower().startswith("https://") or bool(
        config.proxy_url and config.proxy_url.lower().startswith("https://")
    )


def _ssl_context(config: Config, client_cert: tuple[bytes, bytes] | None = None) -> Any:
    if not _needs_tls(config):
        return False  # plain http: skip building (and loading trust stores for) a context
    from rawkube.tls import ssl_context_for

    return ssl_context_for(config, client_cert)


class _SNITransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Puts `tls_server_name` on each request: httpcore uses it for SNI and the hostname check."""

    def __init__(self, inner: Any, server_name: str) -> None:
        self._inner = inner
        self._server_name = server_name

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.extensions["sni_hostname"] = self._server_name
        return self._inner.handle_request(request)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        request.extensions["sni_hostname"] = self._server_name
        return await self._inner.handle_async_request(request)

    def close(self) -> None:
        self._inner.close()

    async def aclose(self) -> None:
        await self._inner.aclose()


class _ExecCertTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Uses the client certificate an exec plugin returned, rebuilding the network transport
    when it changes (client-go's exec authenticator sets `tls.Config.GetClientCertificate`)."""

    def __init__(
        self, plugin: Any, make: Callable[[tuple[bytes, bytes] | None], Any], base: Any
    ) -> None:
        self._plugin = plugin
        self._make = make
        self._lock = threading.Lock()
        self._pair: tuple[bytes, bytes] | None = None
        self._inner: Any = base  # no client certificate until the plugin returns one
        self._retired: list[Any] = []  # old transports may still stream responses

    def _transport_for(self, creds: Any) -> Any:
        pair = (creds.client_certificate, creds.client_key) if creds.client_certificate else None
        with self._lock:
            if pair != self._pair:
                self._retired.append(self._inner)
                self._inner, self._pair = self._make(pair), pair
            return self._inner

    def _attached(self, request: httpx.Request) -> Any:
        """The credential ExecAuth already fetched for this request (one cache read per request),
        or None when the request did not go through this plugin's auth flow."""
        # the key is auth.EXEC_CREDENTIAL_EXTENSION (not imported: auth is loaded lazily)
        attached = request.extensions.get("rawkube.exec_credential")
        if attached is not None and attached[0] is self._plugin:
            return attached[1]
        return None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        creds = self._attached(request) or self._plugin.get()
        return self._transport_for(creds).handle_request(request)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        creds = self._attached(request) or self._plugin.cached()
        if creds is None:
            import anyio.to_thread

            creds = await anyio.to_thread.run_sync(self._plugin.get)
        return await self._transport_for(creds).handle_async_request(request)

    def close(self) -> None:
        for t in [*self._retired, self._inner]:
            t.close()

    async def aclose(self) -> None:
        for t in [*self._retired, self._inner]:
            await t.aclose()


# Connections to the server: as many at once as requests need (Go's http.Transport has no
# per-host cap, MaxConnsPerHost 0; httpx's default cap of 100 left the 101st open watch of one
# client waiting for a connection forever), idle ones closed after 5 s. client-go keeps 25
# idle per host (k8s.io/apimachinery/pkg/util/net/http.go SetTransportDefaults), but a cap on
# idle connections is unsafe with httpcore 1.0.x: its pool compares max_keepalive_connections
# with ALL connections (encode/httpcore#1000), so beyond 25 in use every pass closes every
# connection that looks idle, including one it has just handed to another thread's request
# (encode/httpcore#1110; so does making room at max_connections). The socket is then closed
# under a request in flight: the request fails ("connection reset by peer"), or, once the fd
# number is reused by a new connection, its bytes go to that one (the server's "tlsv1 alert
# decode error" on a fresh handshake: tests/test_concurrency.py under load). Without caps no
# pass closes a connection, except those idle past the expiry.
LIMITS = httpx.Limits(max_connections=None, max_keepalive_connections=None, keepalive_expiry=5.0)


def _network_transport(config: Config, *, is_async: bool) -> Any:
    """The transport that talks to the network, honouring `config.transport` and exec certs."""
    if config.transport is not None:
        return config.transport
    _check_http2(config)
    proxy = _proxy(config)
    cls: Any = httpx.AsyncHTTPTransport if is_async else httpx.HTTPTransport

    def make(client_cert: tuple[bytes, bytes] | None) -> Any:
        return cls(
            verify=_ssl_context(config, client_cert),
            http2=config.http2,
            proxy=proxy,
            limits=LIMITS,
        )

    from rawkube.auth import exec_plugin_for, uses_exec

    base = make(None)  # built now, so a bad CA or key fails here rather than on first use
    if uses_exec(config) and _needs_tls(config):
        return _ExecCertTransport(exec_plugin_for(config), make, base)
    return base


def _transport(config: Config, *, is_async: bool) -> Any:
    transport = _network_transport(config, is_async=is_async)
    if config.tls_server_name:
        transport = _SNITransport(transport, config.tls_server_name)
    if config.wrap_transport is not None:
        transport = config.wrap_transport(transport)
    return transport


def _client_kwargs(config: Config, *, is_async: bool) -> dict[str, Any]:
    from rawkube.auth import auth_for_config

    return {
        "base_url": config.host,
        "headers": client_headers(config),
        "auth": auth_for_config(config),
        "transport": _transport(config, is_async=is_async),
        "timeout": _timeout(config),
        # Proxies from the environment are resolved above, as Go does; httpx's own env
        # handling (netrc, SSL_CERT_FILE) stays off so the Config alone decides.
        "trust_env": False,
    }


def _bad_url(config: Config, err: httpx.InvalidURL) -> ConfigError:
    """A server or proxy URL httpx cannot parse: a ConfigError naming it (password hidden)."""
    from rawkube.config.types import redact_url

    urls = f"server {redact_url(config.host)!r}"
    if config.proxy_url:
        urls += f" or proxy-url {redact_url(config.proxy_url)!r}"
    return ConfigError(
        f"{config.source or 'config'}: {urls} is not a valid URL ({err}); "
        "expected e.g. https://127.0.0.1:6443"
    )


@only_config_errors("the configuration could not be used to build a client")
def build_client(config: Config) -> httpx.Client:
    """A sync httpx.Client whose base_url is the server (path prefix included)."""
    try:
        return httpx.Client(**_client_kwargs(config, is_async=False))
    except httpx.InvalidURL as err:
        raise _bad_url(config, err) from None


@only_config_errors("the configuration could not be used to build a client")
def build_async_client(config: Config) -> httpx.AsyncClient:
    """The async twin of `build_client`, with the same auth flows and TLS context."""
    try:
        return httpx.AsyncClient(**_client_kwargs(config, is_async=True))
    except httpx.InvalidURL as err:
        raise _bad_url(config, err) from None
