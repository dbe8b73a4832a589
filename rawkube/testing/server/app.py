"""`LocalAPIServer`: the embedded Kubernetes API server, over real HTTP(S) on 127.0.0.1.

    with LocalAPIServer() as server:          # HTTPS, its own CA, a random port
        cfg = server.config()                 # a rawkube Config (client certificate)
        server.write_kubeconfig(path)         # for kubectl and rawkube alike

The pieces: `registry.generic.GenericStore` (the registry over storage.py: objects, watches),
`resources.ResourceTable` (what is served), `handlers.API` (the request handlers), the controllers (controllers.py) and, here, the HTTP
server itself: stdlib ``ThreadingHTTPServer``, one thread per connection, TLS via ``ssl`` with
the handshake in the connection's thread, authentication like kube-apiserver's
(client certificate signed by its CA, or a bearer token it knows; 401 otherwise).
"""

from __future__ import annotations

import base64
import logging
import os
import secrets
import socket
import ssl
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

import yaml

from rawkube.testing.server.auth import (
    ANONYMOUS_USER,
    MASTERS,
    Authorizer,
    UserInfo,
    bearer_token,
    forbidden,
    request_attributes,
)
from rawkube.testing.server.authenticators import Authenticators
from rawkube.testing.server.clock import SimulatedClock
from rawkube.testing.server.encoding import encode
from rawkube.testing.server.errors import APIError, ResourceKey
from rawkube.testing.server.handlers import API, new_audit_id
from rawkube.testing.server.impersonation import Impersonator, wanted_from_headers
from rawkube.testing.server.negotiation import status_in_protobuf
from rawkube.testing.server.registry.generic import GenericStore as Store
from rawkube.testing.server.registry.strategies import customresource
from rawkube.testing.server.request import Request, Response
from rawkube.testing.server.resources import ResourceTable
from rawkube.testing.server.streams import stream_hook
from rawkube.testing.server.tokens import TokenError

if TYPE_CHECKING:  # pragma: no cover
    from rawkube.config.types import Config
    from rawkube.testing.server.certs import PKI, CertPair

log = logging.getLogger(__name__)

UNAUTHORIZED = APIError(401, "Unauthorized", "Unauthorized")
# Namespaces every cluster starts with (kube-apiserver's system namespaces controller).
SYSTEM_NAMESPACES = ("default", "kube-node-lease", "kube-public", "kube-system")
# Fixed priority-and-fairness headers: the real server sends them on every response.
FLOWSCHEMA_UID = "2febd4cd-a6b3-4768-8c87-c0115955419e"
PRIORITY_LEVEL_UID = "c1f55a6e-5a4d-4b89-9d5f-1c2b3a4d5e6f"


class _HTTPServer(ThreadingHTTPServer):
    """One thread per connection; TLS handshakes happen in that thread, not in accept()."""

    daemon_threads = True
    # socketserver's default listen backlog is 5: twenty clients connecting at once (tests do)
    # overflow it and the kernel drops SYNs, which costs a 1 s retransmit each, or worse under
    # load. Go's net.Listen uses the system's somaxconn; so do we, roughly.
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], owner: LocalAPIServer) -> None:
        self.owner = owner
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        self.handler_threads: set[threading.Thread] = set()
        super().__init__(address, _Handler)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        with self.connections_lock:
            self.handler_threads.add(threading.current_thread())
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self.connections_lock:
                self.handler_threads.discard(threading.current_thread())

    def finish_request(self, request: Any, client_address: Any) -> None:
        context = self.owner._ssl_context
        if context is not None:
            try:
                request.settimeout(10)  # a client that never finishes the handshake
                request = context.wrap_socket(request, server_side=True)
                request.settimeout(None)
            except (OSError, ssl.SSLError):
                return
        with self.connections_lock:
            self.connections.add(request)
        try:
            self.RequestHandlerClass(request, client_address, self)  # type: ignore[arg-type]
        finally:
            with self.connections_lock:
                self.connections.discard(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.debug("connection from %s ended with an error", client_address, exc_info=True)

    def close_connections(self) -> None:
        """Wake every connection thread blocked on a read (keep-alive, watch) so it can end."""
        with self.connections_lock:
            connections = list(self.connections)
        for conn in connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class _Handler(BaseHTTPRequestHandler):
    """Turns HTTP/1.1 requests into `handlers.Request` and writes `handlers.Response`."""

    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes: without TCP_NODELAY, Nagle + delayed ACK add
    # ~40 ms to every response on loopback.
    disable_nagle_algorithm = True
    server: _HTTPServer
    server_version = "rawkube-local-apiserver"

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.address_string(), *args)

    def do_GET(self) -> None:
        self._serve()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_GET

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _serve(self) -> None:
        owner = self.server.owner
        body = self._read_body()
        audit_id = new_audit_id()
        accept = self.headers.get("Accept") or "*/*"
        self._write(status_in_protobuf(accept, self._respond(owner, body)), audit_id)

    def _respond(self, owner: LocalAPIServer, body: bytes) -> Response:
        user = owner._authenticate(self.headers.get("Authorization"), self.connection)
        if user is None:
            return Response(401, encode(UNAUTHORIZED.status()))
        try:
            user = owner._impersonate_and_authorize(
                user, self.headers.items(), self.command, self.path
            )
        except APIError as err:
            return Response(err.code, encode(err.status()))
        req = Request.build(self.command, self.path, dict(self.headers.items()), body, user)
        req.authorized = True
        try:
            return owner.api.handle(req)
        except Exception:  # a bug must answer 500, not drop the connection
            log.exception("internal error serving %s %s", self.command, self.path.split("?")[0])
            return Response(
                500,
                encode(
                    APIError(
                        500,
                        "InternalError",
                        "an error on the server has prevented the request from succeeding",
                    ).status()
                ),
            )

    def _write(self, resp: Response, audit_id: str) -> None:
        if resp.upgrade is not None:
            self._upgrade(resp)
            return
        self.send_response(resp.status)
        self.send_header("Audit-Id", audit_id)
        self.send_header("Cache-Control", "no-cache, private")
        if resp.status != 204:
            self.send_header("Content-Type", resp.content_type)
        self.send_header("X-Kubernetes-Pf-Flowschema-Uid", FLOWSCHEMA_UID)
        self.send_header("X-Kubernetes-Pf-Prioritylevel-Uid", PRIORITY_LEVEL_UID)
        for name, value in resp.headers:
            self.send_header(name, value)
        if resp.stream is None:
            self.send_header("Content-Length", str(len(resp.body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(resp.body)
            return
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.wfile.flush()
        self._write_stream(resp)

    def _upgrade(self, resp: Response) -> None:
        """101 Switching Protocols, then the connection belongs to the stream (streams.py)."""
        from rawkube.testing.server.streams import UpgradedConnection

        assert resp.upgrade is not None
        self.close_connection = True
        self.send_response(101)
        for name, value in resp.headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.flush()
        resp.upgrade(UpgradedConnection(self.connection, self.rfile, self.server.owner._stopping))

    def _write_stream(self, resp: Response) -> None:
        assert resp.stream is not None
        stream = resp.stream
        try:
            for chunk in stream:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError, OSError):
            self.close_connection = True
        finally:
            close = getattr(stream, "close", None)
            if close is not None:
                close()  # runs the generator's finally: the store subscription is released


class LocalAPIServer:
    """A Kubernetes API server for tests and demos: real HTTP(S), in-memory state.

    ``tls=False`` serves plain HTTP (bearer tokens only). ``token`` is the admin token (random if
    not given). ``data_dir`` keeps state across restarts (written atomically on every change).
    ``controllers=False`` runs without the Deployment/ReplicaSet/Pod/GC/namespace controllers
    and the simulated node (the namespace furniture is kept: the default ServiceAccount Pods
    need, kube-root-ca.crt, the ``kubernetes`` Service).
    ``anonymous_auth=False`` answers 401 to requests without credentials (kube-apiserver's
    ``--anonymous-auth=false``); by default they are served as ``system:anonymous``, whom the
    bootstrap RBAC policy lets read /version, /healthz, /livez and /readyz only.
    ``compaction_interval`` (seconds, None: never) is etcd's compaction schedule
    (``--etcd-compaction-interval``, 5 minutes): lists and continue tokens at revisions older
    than the last compaction are 410 Expired; ``history_limit`` is the watch cache's size.
    ``watch_list=True`` serves watch-list requests (``sendInitialEvents=true`` with bookmarks)
    as kube-apiserver does over an etcd with RequestWatchProgress (3.5.13+); by default they are
    refused as by the recorded server (etcd 3.5.1), and clients fall back to LIST + WATCH.
    ``clock`` is the wall clock CronJobs are scheduled by and Jobs' times are read from:
    ``server.clock.advance(3600)`` makes an hourly CronJob fire within a controller tick.
    Containers are simulated: what exec, attach and port-forward reach is up to the handlers
    below (server/streams.py says what each gets and what happens without one).
    """

    exec_handler = stream_hook("exec_handler")
    exec_stream_handler = stream_hook("exec_stream_handler")
    attach_handler = stream_hook("attach_handler")
    port_forward_handler = stream_hook("port_forward_handler")

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        tls: bool = True,
        token: str | None = None,
        data_dir: str | None = None,
        controllers: bool = True,
        history_limit: int = 1000,
        bookmark_interval: float = 60.0,
        anonymous_auth: bool = True,
        compaction_interval: float | None = 300.0,
        watch_list: bool = False,
    ) -> None:
        if not _is_loopback(host):
            # A test server with a well-known admin identity must never face a network.
            raise ValueError(
                f"LocalAPIServer binds loopback addresses only (127.0.0.1, ::1, localhost); got {host!r}"
            )
        self.host = host
        self.port = port
        self.tls = tls
        self.token = token or secrets.token_urlsafe(24)
        self.anonymous_auth = anonymous_auth
        self.authenticators = Authenticators(lambda: self.store)
        self.authenticators.add_static(self.token, UserInfo("admin", (MASTERS,)))
        self.data_dir = data_dir
        self._want_controllers = controllers
        self._history_limit = history_limit
        self._compaction_interval = compaction_interval
        self._bookmark_interval = bookmark_interval
        self._stopping = threading.Event()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._ssl_context: ssl.SSLContext | None = None
        self._pki: PKI | None = None
        self._client: CertPair | None = None
        self._controllers: Any = None
        self.store: Store = Store(
            history_limit=history_limit, compaction_interval=compaction_interval
        )
        self.resources = ResourceTable()
        self.api = API(self.store, self.resources, stopping=self._stopping)
        self.api.authn = self.authenticators
        self.api.watch_list = watch_list
        self._impersonator = Impersonator(lambda u, a: self._authorizer.authorize(u, a))
        self.clock = SimulatedClock()

    @property
    def _authorizer(self) -> Authorizer:
        return Authorizer(self.store)  # the store may be replaced by _load_state

    def __repr__(self) -> str:
        state = "running" if self._thread else "stopped"
        return f"LocalAPIServer({self.url if self._httpd else 'not started'}, {state})"

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self) -> LocalAPIServer:
        """Bind, start serving in a background thread and start the controllers."""
        if self._thread is not None:
            return self
        self._stopping.clear()
        self._load_state()
        if self.tls:
            self._ssl_context = self._make_ssl_context()
        self._httpd = _HTTPServer((self.host, self.port), self)
        self.port = self._httpd.server_address[1]
        self.api.server_address = f"{self.host}:{self.port}"
        self.api.bookmark_interval = self._bookmark_interval
        self.api.log_lines = _log_lines_provider()
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.1},
            name=f"rawkube-apiserver-{self.port}",
            daemon=True,
        )
        self._thread.start()
        self._start_controllers()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop serving: end watches, close connections, join every thread we started."""
        thread, httpd = self._thread, self._httpd
        if thread is None or httpd is None:
            return
        self._stopping.set()
        if self._controllers is not None:
            self._controllers.stop(timeout)
            self._controllers = None
        httpd.shutdown()
        httpd.close_connections()
        with httpd.connections_lock:
            handlers = list(httpd.handler_threads)
        for handler in handlers:
            handler.join(timeout)
        httpd.server_close()
        thread.join(timeout)
        self._thread = None
        self._httpd = None

    def __enter__(self) -> LocalAPIServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _load_state(self) -> None:
        if not self.data_dir:
            self._ensure_system_namespaces()
            return
        os.makedirs(self.data_dir, exist_ok=True)
        path = os.path.join(self.data_dir, "state.json")
        self.store = Store.load(
            path,
            history_limit=self._history_limit,
            data_dir=self.data_dir,
            compaction_interval=self._compaction_interval,
        )
        self.api.store = self.store
        crds, _ = self.store.list(ResourceKey("apiextensions.k8s.io", "customresourcedefinitions"))
        for crd in crds:
            customresource.serve(crd)
            self.resources.add_crd(crd)
        self._ensure_system_namespaces()

    def _ensure_system_namespaces(self) -> None:
        """What kube-apiserver's start-up hooks create: the system namespaces
        (pkg/controlplane/controller/systemnamespaces) and the bootstrap RBAC policy."""
        from rawkube.testing.server.bootstrap import ensure_bootstrap_policy
        from rawkube.testing.server.furniture import system_create

        for name in SYSTEM_NAMESPACES:
            if self.store.get(ResourceKey("", "namespaces"), "", name) is None:
                namespace = {"kind": "Namespace", "apiVersion": "v1", "metadata": {"name": name}}
                system_create(self.store, "", "v1", "namespaces", namespace, "kube-apiserver")
        ensure_bootstrap_policy(self.store)
        from rawkube.testing.server.furniture import ensure_system_priority_classes

        ensure_system_priority_classes(self.store)

    def _start_controllers(self) -> None:
        try:
            from rawkube.testing.server.controller_manager import ControllerManager
        except ImportError:  # pragma: no cover - controllers are optional for the core server
            log.warning("controllers unavailable; serving without them")
            return
        from rawkube.testing.server.auth_controllers import ServiceAccountTokenController

        # The namespace furniture (default ServiceAccount, kube-root-ca.crt, the kubernetes
        # Service) is there even with controllers=False: every cluster has it.
        manager = ControllerManager(
            self.store,
            ca_pem=self.ca_pem,
            apiserver=(self.host, self.port),
            workloads=self._want_controllers,
            wall_clock=self.clock,
        )
        if self._want_controllers:
            ca = self._pki.ca.cert_pem if self._pki is not None else None
            tokens = ServiceAccountTokenController(self.store, self.authenticators.signer, ca)
            manager.controllers.insert(-1, ("serviceaccount-token", tokens))
        self._controllers = manager.start()

    # -- TLS and authentication ----------------------------------------------------------------

    def _make_ssl_context(self) -> ssl.SSLContext:
        from rawkube.testing.server.certs import make_pki

        self._pki = make_pki((self.host, "localhost"))
        self._client = self._pki.issue_client("rawkube-admin", ("system:masters",))
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        # ssl only loads a certificate chain from a path: rawkube.tls loads it through an
        # anonymous in-memory file (memfd), so the server's key never touches a disk either.
        from rawkube.tls import load_client_cert

        load_client_cert(context, self._pki.server.cert_pem, self._pki.server.key_pem)
        context.load_verify_locations(cadata=self._pki.ca.cert_pem.decode())
        context.verify_mode = ssl.CERT_OPTIONAL  # a token is enough; a certificate too
        context.set_alpn_protocols(["http/1.1"])
        return context

    def _authenticate(self, authorization: str | None, conn: Any) -> UserInfo | None:
        """Who sent the request, or None (401): kube-apiserver's union of the bearer-token and
        x509 authenticators, then the anonymous one (--anonymous-auth=true, its default)."""
        outcome = bearer_token(authorization)
        if outcome is not None:
            # A bearer token was presented: it must be known (static or a service account's).
            return self._authenticate_token(outcome)
        if isinstance(conn, ssl.SSLSocket):
            der = conn.getpeercert(binary_form=True)
            if der:
                from rawkube.testing.server.certs import client_identity

                identity = client_identity(der)
                if identity is not None:
                    return UserInfo(identity[0], identity[1])
        return ANONYMOUS_USER if self.anonymous_auth else None

    def _impersonate_and_authorize(
        self, user: UserInfo, headers: Any, method: str, target: str
    ) -> UserInfo:
        """The filters after authentication (k8s.io/apiserver/pkg/server/config.go
        DefaultBuildHandlerChain): impersonation, then authorization of the request as its
        URL describes it (RequestInfo), before any routing. Raises the 400/403 APIError."""
        attrs = request_attributes(method, target)
        wanted = wanted_from_headers(list(headers))
        if wanted is not None:
            user = self._impersonator.impersonate(user, wanted, attrs)
        allowed, reason = self._authorizer.authorize(user, attrs)
        if not allowed:
            raise forbidden(user, attrs, reason)
        return user

    def _authenticate_token(self, token: str) -> UserInfo | None:
        try:
            user, _ = self.authenticators.authenticate_token(token)
        except TokenError:
            return None
        return user

    def add_token(
        self,
        token: str,
        user: str = "admin",
        groups: tuple[str, ...] = (MASTERS,),
        uid: str = "",
    ) -> None:
        """Accept another bearer token, as a static token file would. A user outside the
        ``system:masters`` group needs RBAC objects (Roles, bindings) to do more than discovery."""
        self.authenticators.add_static(token, UserInfo(user, tuple(groups), uid))

    def issue_client_cert(self, user: str, groups: tuple[str, ...] = ()) -> CertPair:
        """A client certificate signed by this server's CA (TLS servers only)."""
        if self._pki is None:
            raise RuntimeError("client certificates need a started TLS server")
        return self._pki.issue_client(user, groups)

    # -- client configuration ------------------------------------------------------------------

    @property
    def url(self) -> str:
        scheme = "https" if self.tls else "http"
        return f"{scheme}://{self.host}:{self.port}"

    @property
    def ca_pem(self) -> bytes | None:
        return self._pki.ca.cert_pem if self._pki else None

    def _check_user(self, user: str) -> str:
        if user not in ("cert", "token"):
            raise ValueError("user must be 'cert' or 'token'")
        if user == "cert" and not self.tls:
            return "token"  # plain HTTP has no client certificates
        return user

    def config(self, user: str = "cert") -> Config:
        """A rawkube `Config` for this server, with the CA and credentials kept in memory."""
        from rawkube.config.types import Config

        if self._thread is None:
            raise RuntimeError("start the server first")
        user = self._check_user(user)
        cfg = Config(host=self.url, namespace="default", qps=0, context_name="rawkube-local")
        if self._pki is not None:
            cfg.ca_data = self._pki.ca.cert_pem
        if user == "cert" and self._client is not None:
            cfg.cert_data = self._client.cert_pem
            cfg.key_data = self._client.key_pem
        else:
            cfg.bearer_token = self.token
        return cfg

    def kubeconfig(self, user: str = "cert", context: str = "rawkube-local") -> dict[str, Any]:
        """The kubeconfig document (clientcmd v1 Config) `write_kubeconfig` writes."""
        if self._thread is None:
            raise RuntimeError("start the server first")
        user = self._check_user(user)
        cluster: dict[str, Any] = {"server": self.url}
        if self._pki is not None:
            cluster["certificate-authority-data"] = _b64(self._pki.ca.cert_pem)
        credentials: dict[str, Any] = {}
        if user == "cert" and self._client is not None:
            credentials["client-certificate-data"] = _b64(self._client.cert_pem)
            credentials["client-key-data"] = _b64(self._client.key_pem)
        else:
            credentials["token"] = self.token
        return {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": context, "cluster": cluster}],
            "users": [{"name": f"{context}-{user}", "user": credentials}],
            "contexts": [
                {
                    "name": context,
                    "context": {
                        "cluster": context,
                        "user": f"{context}-{user}",
                        "namespace": "default",
                    },
                }
            ],
            "current-context": context,
            "preferences": {},
        }

    def write_kubeconfig(
        self,
        path: str,
        *,
        user: str = "cert",
        context: str = "rawkube-local",
        overwrite: bool = True,
    ) -> str:
        """Write a kubeconfig (mode 0600, atomically) that kubectl and rawkube both accept.

        `overwrite=False` never replaces anything already at `path` (a file, a directory or a
        symlink, even one created while writing): FileExistsError instead.
        """
        text = yaml.safe_dump(self.kubeconfig(user, context), sort_keys=False)
        directory = os.path.dirname(os.path.abspath(path))
        os.makedirs(directory, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".kubeconfig-")
        try:
            with os.fdopen(fd, "w") as fh:
                fh.write(text)
            os.chmod(tmp, 0o600)
            if overwrite:
                os.replace(tmp, path)
            else:
                _link_new(tmp, path, text)
                os.unlink(tmp)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        return path


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    import ipaddress

    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _link_new(tmp: str, path: str, text: str) -> None:
    """Give the finished file `tmp` the name `path` only if nothing has that name: a hard
    link is atomic and fails on any existing entry; where links are unsupported, an O_EXCL
    create (which refuses symlinks too) gets the text instead."""
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise
    except OSError:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(text)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _log_lines_provider() -> Any:
    try:
        from rawkube.testing.server.controllers import pod_log_lines
    except ImportError:  # pragma: no cover
        return None
    return pod_log_lines
