"""Authentication as `httpx.Auth` flows (client-go `transport/round_trippers.go`, `token_source.go`,
`plugin/pkg/client/auth/exec/exec.go`).

Every flow is written once, as a generator (`_RefreshingAuth._flow`) that yields either a request
to send or a `_Fetch` step asking for credentials. The sync and async drivers differ only in how
they perform a `_Fetch`: the async one runs a slow fetch (an exec plugin) in a worker thread, so
the event loop never blocks on a subprocess.

Precedence (client-go `rest/transport.go` + `transport.HTTPWrappersForConfig`, and the exec
plugin's `UpdateTransportConfig`): bearer token / token file, else basic auth; a client
certificate, token or basic auth switches an exec plugin off; exec or auth-provider last.
A request that already carries `Authorization` is sent untouched, as in client-go.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import re
import sys
import threading
import time
from collections.abc import AsyncGenerator, Callable, Generator
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import httpx

from rawkube._record import record
from rawkube.config.types import Config, ExecConfig
from rawkube.errors import AuthError, ConfigError

if TYPE_CHECKING:
    import subprocess

__all__ = [
    "BearerAuth",
    "BasicAuth",
    "TokenFileAuth",
    "ExecAuth",
    "ExecCredential",
    "ExecPlugin",
    "OIDCAuth",
    "auth_for_config",
    "exec_plugin_for",
    "uses_exec",
    "TOKEN_FILE_REFRESH_SECONDS",
    "EXEC_TIMEOUT_SECONDS",
]

log = logging.getLogger("rawkube.auth")

TOKEN_FILE_REFRESH_SECONDS = 60.0  # client-go transport/token_source.go: re-read every minute
EXEC_TIMEOUT_SECONDS = 60.0  # client-go has no bound; a hung plugin would hang every request
_EXEC_INFO_ENV = "KUBERNETES_EXEC_INFO"
# httpx request extension: (ExecPlugin, ExecCredential) the auth flow put on this request.
EXEC_CREDENTIAL_EXTENSION = "rawkube.exec_credential"
_EXEC_VERSIONS = ("client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1")


@record()
class _Fetch:
    """A flow step: "give me current credentials"; `stale` = the ones the server just refused."""

    stale: Any = None


class _RefreshingAuth(httpx.Auth):
    """Base flow: attach credentials, and after a 401 refresh them and replay the request once."""

    def _current(self, stale: Any) -> Any:
        """Credentials to use (blocking allowed). `stale` set: the server refused those."""
        raise NotImplementedError

    def _cached(self, stale: Any) -> Any:
        """Credentials without blocking, or None when `_current` must run (in a thread, if async)."""
        return None

    def _apply(self, request: httpx.Request, creds: Any) -> None:
        """Put the credentials on the request (normally its Authorization header)."""
        raise NotImplementedError

    def _flow(self, request: httpx.Request) -> Generator[httpx.Request | _Fetch, Any, None]:
        if "Authorization" in request.headers:  # set by the caller: respect it (client-go does)
            yield request
            return
        replayable = _replayable(request)  # decided before sending: sending consumes a stream
        creds = yield _Fetch()
        self._apply(request, creds)
        response: httpx.Response = yield request
        if response.status_code != 401:
            return
        # Refresh even when this request cannot be replayed: the next one gains.
        fresh = yield _Fetch(stale=creds)
        if replayable and fresh is not None and fresh != creds:
            self._apply(request, fresh)
            yield request

    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        flow = self._flow(request)
        step = next(flow)
        try:
            while True:
                if isinstance(step, _Fetch):
                    step = flow.send(self._current(step.stale))
                else:
                    step = flow.send((yield step))
        except StopIteration:
            return

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        flow = self._flow(request)
        step = next(flow)
        try:
            while True:
                if isinstance(step, _Fetch):
                    creds = self._cached(step.stale)
                    if creds is None:
                        import anyio.to_thread

                        creds = await anyio.to_thread.run_sync(self._current, step.stale)
                    step = flow.send(creds)
                else:
                    step = flow.send((yield step))
        except StopIteration:
            return


def _replayable(request: httpx.Request) -> bool:
    """A request can be sent again when its body is in memory (not a one-shot stream)."""
    try:
        request.content  # noqa: B018 - raises RequestNotRead for streaming bodies
    except httpx.RequestNotRead:
        return False
    return True


class StaticAuth(httpx.Auth):
    """Credentials that never change and never answer a 401 with a retry: one Authorization
    header, set unless the request has one. `rawkube.rest` reads `header` and sets it itself,
    without stepping through an auth flow (four steps fewer per request, issue 12's per-GET
    cost); `auth_flow` does the same for plain httpx use."""

    header: str

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if "Authorization" not in request.headers:
            request.headers["Authorization"] = self.header
        yield request


class BearerAuth(StaticAuth):
    """A fixed bearer token (client-go `bearerAuthRoundTripper` with a static token)."""

    def __init__(self, token: str) -> None:
        self.header = f"Bearer {token}"

    def __repr__(self) -> str:
        return "BearerAuth(<redacted>)"


class BasicAuth(StaticAuth):
    """Username and password (client-go `basicAuthRoundTripper`)."""

    def __init__(self, username: str, password: str) -> None:
        raw = f"{username}:{password}".encode()
        self.header = "Basic " + base64.b64encode(raw).decode("ascii")
        self._username = username

    def __repr__(self) -> str:
        return f"BasicAuth(username={self._username!r}, password=<redacted>)"


class TokenFileAuth(_RefreshingAuth):
    """A bearer token read from a file that rotates (client-go `cachingTokenSource` over a file,
    `transport.NewBearerAuthWithRefreshRoundTripper`).

    The file is read on first use, then again at most every `refresh_seconds` and right after
    a 401. The file's value wins over the kubeconfig's `token` (`fallback`), which is used only
    while the file cannot be read; a file that disappears keeps its last good token.
    """

    def __init__(
        self,
        path: str,
        *,
        fallback: str | None = None,
        refresh_seconds: float = TOKEN_FILE_REFRESH_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.path = path
        self._refresh = refresh_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._fallback = fallback or None
        self._token: str | None = None
        self._read_at = float("-inf")

    def _fresh(self) -> bool:
        return self._token is not None and self._clock() - self._read_at < self._refresh

    def _cached(self, stale: Any) -> Any:
        with self._lock:
            return self._token if stale is None and self._fresh() else None

    def _current(self, stale: Any) -> Any:
        with self._lock:
            if stale is not None and self._token is not None and stale != self._token:
                return self._token  # another request already re-read it
            if stale is None and self._fresh():
                return self._token
            try:
                with open(self.path, encoding="utf-8") as f:
                    token = f.read().strip()
            except OSError as e:
                last = self._token or self._fallback
                if last:  # keep the last good token, as client-go does
                    return last
                raise AuthError(
                    f"{self.path}: cannot read the bearer token file: {e.strerror or e}"
                ) from None
            if token != self._token:
                log.debug("bearer token file %s: new token loaded", self.path)
            self._token, self._read_at = token, self._clock()
            return token

    def _apply(self, request: httpx.Request, creds: Any) -> None:
        request.headers["Authorization"] = f"Bearer {creds}"

    def __repr__(self) -> str:
        return f"TokenFileAuth(path={self.path!r})"


# ---------------------------------------------------------------------------------------------
# Exec credential plugins


@record()
class ExecCredential:
    """What a plugin returned (`ExecCredential.status`): a token and/or a client cert and key."""

    token: str | None = None
    client_certificate: bytes | None = None
    client_key: bytes | None = None
    expires_at: float | None = None  # seconds since the epoch; None = never expires

    def __repr__(self) -> str:
        kinds = [
            k
            for k, v in (("token", self.token), ("client_certificate", self.client_certificate))
            if v
        ]
        return f"ExecCredential({'+'.join(kinds) or 'empty'}, expires_at={self.expires_at!r})"


class ExecPlugin:
    """Runs one exec plugin and caches its credential; shared by every client with the same
    exec config and cluster (client-go's `globalCache` of `Authenticator`s in exec.go)."""

    def __init__(
        self,
        config: ExecConfig,
        cluster: dict[str, Any] | None = None,
        *,
        timeout: float = EXEC_TIMEOUT_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if config.api_version not in _EXEC_VERSIONS:
            raise ConfigError(
                f"exec plugin {config.command!r}: apiVersion {config.api_version!r} is not supported; "
                f"expected one of {', '.join(_EXEC_VERSIONS)}"
            )
        self.config = config
        self.cluster = cluster
        self.timeout = timeout
        self.clock = clock
        self.runs = 0
        self._lock = threading.Lock()
        self._creds: ExecCredential | None = None

    def _valid(self) -> ExecCredential | None:
        creds = self._creds
        if creds is None or (creds.expires_at is not None and self.clock() >= creds.expires_at):
            return None
        return creds

    def cached(self) -> ExecCredential | None:
        """The cached credential if still valid, without running anything."""
        return self._valid()

    def get(self) -> ExecCredential:
        """The cached credential, running the plugin when there is none or it expired."""
        creds = self._valid()  # the common case needs no lock: reading one attribute is atomic
        if creds is not None:
            return creds
        with self._lock:
            creds = self._valid()
            if creds is None:
                creds = self._creds = self._run()
            return creds

    def refresh(self, stale: ExecCredential) -> ExecCredential:
        """After a 401 with `stale`: run again, unless another request already did."""
        with self._lock:
            if self._creds is stale or self._creds is None:
                self._creds = self._run()
            return self._creds

    def _environ(self, interactive: bool) -> dict[str, str]:
        env = dict(os.environ)
        env.update({v["name"]: v.get("value", "") for v in self.config.env})
        spec: dict[str, Any] = {"interactive": interactive}
        if self.config.provide_cluster_info and self.cluster is not None:
            spec["cluster"] = self.cluster
        info = {"apiVersion": self.config.api_version, "kind": "ExecCredential", "spec": spec}
        env[_EXEC_INFO_ENV] = json.dumps(info, separators=(",", ":"))
        return env

    def _interactive(self) -> bool:
        mode = self.config.interactive_mode
        tty = sys.stdin is not None and sys.stdin.isatty()
        if mode == "Always" and not tty:
            raise AuthError(
                self._explain(
                    "needs an interactive terminal (interactiveMode: Always) but standard input is not a terminal"
                )
            )
        return mode != "Never" and tty

    def _run(self) -> ExecCredential:
        import subprocess  # here, not at module level: a token or certificate never needs it

        interactive = self._interactive()
        argv = [self.config.command, *self.config.args]
        try:
            proc = subprocess.Popen(
                argv,
                stdin=None if interactive else subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=None if interactive else subprocess.PIPE,
                env=self._environ(interactive),
                start_new_session=not interactive,  # so a timeout can stop its children too
            )
        except FileNotFoundError:
            raise AuthError(
                self._explain(f"executable {self.config.command!r} not found")
            ) from None
        except OSError as e:
            raise AuthError(
                self._explain(f"could not start {self.config.command!r}: {e.strerror or e}")
            ) from None
        self.runs += 1
        try:
            out, err = proc.communicate(timeout=self.timeout)
        except subprocess.TimeoutExpired:
            _kill(proc)
            raise AuthError(
                self._explain(
                    f"{self.config.command!r} did not finish within {self.timeout:g} s and was stopped"
                )
            ) from None
        stderr = (err or b"").decode("utf-8", "replace").strip()
        if proc.returncode != 0:
            raise AuthError(
                self._explain(f"{self.config.command!r} exited with code {proc.returncode}", stderr)
            )
        if stderr:  # client-go passes the plugin's stderr through to the user
            print(stderr, file=sys.stderr)
        creds = self._parse(out)
        log.debug("exec plugin %s: run %d gave %r", self.config.command, self.runs, creds)
        return creds

    def _parse(self, out: bytes) -> ExecCredential:
        try:
            doc = json.loads(out)
        except ValueError:
            raise AuthError(
                self._explain("did not print an ExecCredential JSON object on stdout")
            ) from None
        if not isinstance(doc, dict) or doc.get("kind") != "ExecCredential":
            raise AuthError(
                self._explain("printed JSON that is not an ExecCredential (kind: ExecCredential)")
            )
        if doc.get("apiVersion") != self.config.api_version:
            raise AuthError(
                self._explain(
                    f"is configured for {self.config.api_version} but returned apiVersion {doc.get('apiVersion')!r}"
                )
            )
        status = doc.get("status")
        if not isinstance(status, dict):
            raise AuthError(self._explain("returned an ExecCredential without status"))
        token = status.get("token") or None
        cert = status.get("clientCertificateData") or None
        key = status.get("clientKeyData") or None
        if bool(cert) != bool(key):
            raise AuthError(
                self._explain(
                    "returned only one of clientCertificateData and clientKeyData; expected both"
                )
            )
        if not token and not cert:
            raise AuthError(
                self._explain("returned neither a token nor a client certificate and key")
            )
        expires = status.get("expirationTimestamp")
        return ExecCredential(
            token=token,
            client_certificate=cert.encode() if cert else None,
            client_key=key.encode() if key else None,
            expires_at=_parse_time(expires, self) if expires else None,
        )

    def _explain(self, problem: str, stderr: str = "") -> str:
        msg = f"exec credential plugin: {problem}"
        if stderr:
            # A failing plugin may print its environment (or a half-built token request): the
            # kubeconfig's env values for it are secrets rawkube knows, so they never show.
            for value in sorted({v.get("value") or "" for v in self.config.env}, key=len)[::-1]:
                if len(value) >= 4:
                    stderr = stderr.replace(value, "<redacted>")
            msg += f"\nplugin stderr:\n{stderr[-2000:]}"
        if self.config.install_hint:
            msg += f"\n\n{self.config.install_hint}"
        return msg

    def __repr__(self) -> str:
        return f"ExecPlugin(command={self.config.command!r}, api_version={self.config.api_version!r}, runs={self.runs})"


def _kill(proc: subprocess.Popen[bytes]) -> None:
    import signal
    import subprocess

    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (OSError, AttributeError):
        proc.kill()
    try:
        proc.communicate(timeout=5)
    except subprocess.TimeoutExpired:  # pragma: no cover - a grandchild kept the pipes open
        pass


_RFC3339 = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)$", re.IGNORECASE)


def _parse_time(value: Any, plugin: ExecPlugin) -> float:
    m = _RFC3339.match(value) if isinstance(value, str) else None
    if not m:
        raise AuthError(
            plugin._explain(
                f"returned expirationTimestamp {value!r}; expected RFC 3339 (2006-01-02T15:04:05Z)"
            )
        )
    zone = "+00:00" if m.group(3).upper() == "Z" else m.group(3)
    stamp = datetime.fromisoformat(m.group(1) + zone)
    fraction = float(m.group(2)) if m.group(2) else 0.0
    return stamp.astimezone(timezone.utc).timestamp() + fraction


_plugins: dict[str, ExecPlugin] = {}
_oidc: dict[str, OIDCAuth] = {}
_plugins_lock = threading.Lock()


def exec_cluster_info(config: Config) -> dict[str, Any]:
    """The `spec.cluster` sent in KUBERNETES_EXEC_INFO (client-go `rest.ConfigToExecCluster`)."""
    cluster: dict[str, Any] = {"server": config.host}
    if config.tls_server_name:
        cluster["tls-server-name"] = config.tls_server_name
    if config.insecure:
        cluster["insecure-skip-tls-verify"] = True
    ca = config.ca_data
    if not ca and config.ca_file:
        try:
            with open(config.ca_file, "rb") as f:
                ca = f.read()
        except OSError as e:
            raise ConfigError(
                f"{config.ca_file}: cannot read the CA for the exec plugin: {e.strerror or e}"
            ) from None
    if ca:
        cluster["certificate-authority-data"] = base64.b64encode(ca).decode("ascii")
    if config.proxy_url:
        cluster["proxy-url"] = config.proxy_url
    if config.disable_compression:
        cluster["disable-compression"] = True
    if config.exec_provider is not None and config.exec_provider.cluster_config is not None:
        cluster["config"] = config.exec_provider.cluster_config
    return cluster


def exec_plugin_for(config: Config) -> ExecPlugin:
    """The shared ExecPlugin for this exec config and cluster (one cache per distinct pair)."""
    assert config.exec_provider is not None
    e = config.exec_provider
    timeout = e.timeout_seconds or EXEC_TIMEOUT_SECONDS
    cluster = exec_cluster_info(config) if e.provide_cluster_info else None
    key = json.dumps(
        [
            e.command,
            e.api_version,
            e.args,
            e.env,
            e.provide_cluster_info,
            e.interactive_mode,
            cluster,
            timeout,
        ],
        sort_keys=True,
        default=str,
    )
    with _plugins_lock:
        plugin = _plugins.get(key)
        if plugin is None:
            plugin = _plugins[key] = ExecPlugin(e, cluster, timeout=timeout)
        return plugin


def clear_exec_cache() -> None:
    """Forget every cached exec-plugin and oidc credential (tests, or after a re-login)."""
    with _plugins_lock:
        _plugins.clear()
        _oidc.clear()


class ExecAuth(_RefreshingAuth):
    """Bearer token from an exec plugin; cached until expiry, re-run once after a 401."""

    def __init__(self, plugin: ExecPlugin) -> None:
        self.plugin = plugin

    def _cached(self, stale: Any) -> Any:
        return self.plugin.cached() if stale is None else None

    def _current(self, stale: Any) -> Any:
        return self.plugin.get() if stale is None else self.plugin.refresh(stale)

    def _apply(self, request: httpx.Request, creds: Any) -> None:
        if creds.token:
            request.headers["Authorization"] = f"Bearer {creds.token}"
        else:  # a certificate-only credential authenticates in the TLS handshake instead
            request.headers.pop("Authorization", None)
        # The exec-certificate transport (rawkube.transport) reads the same credential from
        # here instead of consulting the plugin's cache a second time for this request.
        request.extensions[EXEC_CREDENTIAL_EXTENSION] = (self.plugin, creds)

    def __repr__(self) -> str:
        return f"ExecAuth({self.plugin!r})"


# ---------------------------------------------------------------------------------------------
# Choosing the flow


def _has_cert_auth(config: Config) -> bool:
    return bool((config.cert_data or config.cert_file) and (config.key_data or config.key_file))


def uses_exec(config: Config) -> bool:
    """The exec plugin is used only when no token, basic auth or client cert is set (exec.go)."""
    return (
        config.exec_provider is not None
        and not (config.bearer_token or config.bearer_token_file)
        and not (config.username or config.password)
        and not _has_cert_auth(config)
    )


def auth_for_config(
    config: Config, *, clock: Callable[[], float] = time.monotonic
) -> httpx.Auth | None:
    """The auth flow client-go would build for this Config, or None (anonymous / cert only)."""
    if config.exec_provider is not None and config.auth_provider is not None:
        raise ConfigError(
            f"{config.source or 'config'}: execProvider and authProvider cannot be used in combination"
        )
    has_token = bool(config.bearer_token or config.bearer_token_file)
    if has_token and (config.username or config.password):
        raise ConfigError(
            f"{config.source or 'config'}: username/password or bearer token may be set, but not both"
        )
    if config.bearer_token_file:
        return TokenFileAuth(config.bearer_token_file, fallback=config.bearer_token, clock=clock)
    if config.bearer_token:
        return BearerAuth(config.bearer_token)
    if config.username or config.password:
        return BasicAuth(config.username or "", config.password or "")
    if uses_exec(config):
        return ExecAuth(exec_plugin_for(config))
    if config.auth_provider is not None and not _has_cert_auth(config):
        return _auth_provider(config)
    return None


def _auth_provider(config: Config) -> httpx.Auth:
    assert config.auth_provider is not None
    name = config.auth_provider.name
    if name != "oidc":
        raise ConfigError(
            f"{config.source or 'config'}: auth-provider {name!r} is not supported (client-go removed the "
            "in-tree gcp and azure providers); use an exec credential plugin instead, e.g. "
            "gke-gcloud-auth-plugin, kubelogin or aws eks get-token (users[].user.exec)"
        )
    settings = config.auth_provider.config
    # Shared like client-go's provider cache (keyed by cluster, issuer and client id), so a
    # refreshed token serves every client of that cluster.
    key = json.dumps([config.host, settings.get("idp-issuer-url"), settings.get("client-id")])
    with _plugins_lock:
        auth = _oidc.get(key)
        if auth is None:
            auth = _oidc[key] = OIDCAuth(settings, source=config.source or "config")
        return auth


# ---------------------------------------------------------------------------------------------
# auth-provider: oidc (client-go plugin/pkg/client/auth/oidc/oidc.go)

OIDC_EXPIRY_DELTA = 10.0  # oidc.go expiryDelta: treat a token as expired 10 s early


class OIDCAuth(_RefreshingAuth):
    """Sends the kubeconfig's OIDC `id-token`; when it has expired (or the server answers 401)
    and a `refresh-token` is set, gets a new one from the issuer's token endpoint (OpenID
    discovery + OAuth2 refresh_token grant).

    Unlike client-go, refreshed tokens are kept in memory only: rawkube never writes to a
    kubeconfig. For new setups, prefer an exec plugin such as kubelogin (oidc-login).
    """

    def __init__(
        self,
        settings: dict[str, str],
        *,
        source: str = "config",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._settings = dict(settings)  # a copy: refreshes never touch the caller's Config
        self._source = source
        self._clock = clock
        self._lock = threading.Lock()
        for key in ("idp-issuer-url", "client-id"):
            if not self._settings.get(key):
                raise ConfigError(f"{source}: auth-provider oidc: config.{key} is required")
        if not self._settings.get("id-token") and not self._settings.get("refresh-token"):
            raise ConfigError(
                f"{source}: auth-provider oidc has neither id-token nor refresh-token; log in "
                "again, or switch to an exec credential plugin such as kubelogin (oidc-login)"
            )

    def _valid_token(self) -> str | None:
        token = self._settings.get("id-token") or ""
        if token and _jwt_expiry(token, self._source) > self._clock() + OIDC_EXPIRY_DELTA:
            return token
        return None

    def _cached(self, stale: Any) -> Any:
        with self._lock:
            return self._valid_token() if stale is None else None

    def _current(self, stale: Any) -> Any:
        with self._lock:
            current = self._settings.get("id-token")
            if stale is not None and current and current != stale:
                return current  # another request already refreshed
            token = self._valid_token() if stale is None else None
            if token is not None:
                return token
            if not self._settings.get("refresh-token"):
                if stale is not None:
                    return stale  # nothing to refresh with: let the 401 stand
                raise AuthError(
                    f"{self._source}: oidc id-token expired and there is no refresh-token; log in "
                    "again (e.g. kubectl oidc-login) or use an exec plugin such as kubelogin"
                )
            return self._refresh()

    def _apply(self, request: httpx.Request, creds: Any) -> None:
        request.headers["Authorization"] = f"Bearer {creds}"

    def _refresh(self) -> str:
        with httpx.Client(verify=self._idp_tls(), timeout=30.0, trust_env=False) as client:
            endpoint = self._token_endpoint(client)
            form = {"grant_type": "refresh_token", "refresh_token": self._settings["refresh-token"]}
            basic = (self._settings["client-id"], self._settings.get("client-secret", ""))
            try:
                response = client.post(endpoint, data=form, auth=basic)
            except httpx.HTTPError as e:
                raise AuthError(
                    f"oidc: refreshing the id-token at {endpoint} failed: {e}"
                ) from None
        if response.status_code != 200:
            raise AuthError(
                f"oidc: failed to refresh token: {endpoint} answered {response.status_code}"
            )
        body = _json_object(response)
        id_token = body.get("id_token")
        if not isinstance(id_token, str) or not id_token:
            raise AuthError(
                'oidc: token response did not contain an id_token; either the scope "openid" '
                "was not requested at login, or the provider does not return id_tokens on refresh"
            )
        self._settings["id-token"] = id_token
        if body.get("refresh_token"):  # providers may rotate the refresh token
            self._settings["refresh-token"] = body["refresh_token"]
        log.debug("oidc: id-token refreshed at %s", endpoint)
        return id_token

    def _token_endpoint(self, client: httpx.Client) -> str:
        issuer = self._settings["idp-issuer-url"].rstrip("/")
        url = issuer + "/.well-known/openid-configuration"
        try:
            response = client.get(url)
        except httpx.HTTPError as e:
            raise AuthError(
                f"oidc: cannot reach the issuer's discovery document {url}: {e}"
            ) from None
        if response.status_code != 200:
            raise AuthError(
                f"oidc: failed to query metadata endpoint {url}: {response.status_code}"
            )
        endpoint = _json_object(response).get("token_endpoint")
        if not isinstance(endpoint, str) or not endpoint:
            raise AuthError(f"oidc: discovery document {url} has no token_endpoint")
        return endpoint

    def _idp_tls(self) -> Any:
        import ssl

        ca_data = self._settings.get("idp-certificate-authority-data")
        ca_file = self._settings.get("idp-certificate-authority")
        if not (ca_data or ca_file):
            return ssl.create_default_context()
        try:
            ctx = ssl.create_default_context(cafile=ca_file or None)
        except (OSError, ssl.SSLError) as e:
            raise ConfigError(
                f"{self._source}: auth-provider oidc: idp-certificate-authority {ca_file}: "
                f"cannot load it ({getattr(e, 'strerror', None) or e})"
            ) from None
        if ca_data:
            try:
                ctx.load_verify_locations(cadata=base64.b64decode(ca_data).decode("ascii"))
            except (ValueError, ssl.SSLError):
                raise ConfigError(
                    f"{self._source}: auth-provider oidc: idp-certificate-authority-data is not base64 PEM"
                ) from None
        return ctx

    def __repr__(self) -> str:
        return f"OIDCAuth(issuer={self._settings.get('idp-issuer-url')!r})"


def _json_object(response: httpx.Response) -> dict[str, Any]:
    """An OIDC provider's JSON object answer; anything else is an AuthError, not a traceback
    (the body is not quoted: a token endpoint's answer may hold tokens)."""
    try:
        doc = response.json()
    except ValueError:
        doc = None
    if not isinstance(doc, dict):
        raise AuthError(f"oidc: {response.request.url} did not answer with a JSON object")
    return doc


def _jwt_expiry(token: str, source: str) -> float:
    """The `exp` claim of a JWT, unverified (the API server verifies; we only need the time)."""
    parts = token.split(".")
    try:
        if len(parts) != 3:
            raise ValueError
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
        return float(payload["exp"])
    except (ValueError, KeyError, TypeError):
        raise AuthError(
            f"{source}: auth-provider oidc: id-token is not a valid JWT with an exp claim"
        ) from None
