"""A real HTTPS server on 127.0.0.1 for tests: TLS, optional client-certificate checking,
and a record of every request it received.

    with TLSServer(server_cert, ca=ca, require_client_cert=True) as srv:
        srv.url                      # https://127.0.0.1:<port>
        srv.requests[-1].headers     # what reached the server
        srv.responder = lambda req: (401, {}, b"")   # program the answers

Every socket has a timeout and the serving thread stops on exit, so no test can hang on it.
"""

from __future__ import annotations

import json
import ssl
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tests.helpers.certs import CA, Issued

SOCKET_TIMEOUT = 5.0


@dataclass
class Received:
    """One request as the server saw it."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    client_cn: str | None
    sni: str | None = None


Responder = Callable[[Received], tuple[int, dict[str, str], bytes]]


def echo(req: Received) -> tuple[int, dict[str, str], bytes]:
    """Default answer: 200 with what the server received (minus the body)."""
    body = {"method": req.method, "path": req.path, "client_cn": req.client_cn, "sni": req.sni}
    return 200, {"Content-Type": "application/json"}, json.dumps(body).encode()


@dataclass
class _State:
    requests: list[Received] = field(default_factory=list)
    responder: Responder = echo


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        self.request.settimeout(SOCKET_TIMEOUT)
        self.request.do_handshake()  # here, in the handler thread, not in the accept loop
        super().setup()

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        peer = self.request.getpeercert()
        cn = None
        if peer:
            for rdn in peer.get("subject", ()):
                for key, value in rdn:
                    if key == "commonName":
                        cn = value
        received = Received(
            self.command,
            self.path,
            {k: v for k, v in self.headers.items()},
            body,
            cn,
            getattr(self.request, "rawkube_sni", None),
        )
        self.server.state.requests.append(received)
        status, headers, payload = self.server.state.responder(received)
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        return


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    state: _State

    def handle_error(self, request: Any, client_address: Any) -> None:
        return  # refused handshakes are expected in these tests


class TLSServer:
    """HTTPS on 127.0.0.1:<random port> with `server` as its certificate."""

    def __init__(
        self,
        server: Issued,
        *,
        ca: CA | None = None,
        require_client_cert: bool = False,
        responder: Responder = echo,
    ) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="rawkube-tls-server-")
        cert_path, key_path = server.write(Path(self._tmp.name))
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert_path, key_path)
        if ca is not None:
            ctx.load_verify_locations(cadata=ca.cert_pem.decode())
            ctx.verify_mode = ssl.CERT_REQUIRED if require_client_cert else ssl.CERT_OPTIONAL
        self.state = _State(responder=responder)
        ctx.sni_callback = self._remember_sni  # type: ignore[assignment]  # typeshed: SSLObject only
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.state = self.state
        self._httpd.socket = ctx.wrap_socket(
            self._httpd.socket, server_side=True, do_handshake_on_connect=False
        )
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @staticmethod
    def _remember_sni(sock: ssl.SSLSocket, name: str | None, ctx: ssl.SSLContext) -> None:
        sock.rawkube_sni = name  # type: ignore[attr-defined]  # read back by the handler

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self._httpd.server_address[1]}"

    @property
    def requests(self) -> list[Received]:
        return self.state.requests

    @property
    def responder(self) -> Responder:
        return self.state.responder

    @responder.setter
    def responder(self, fn: Responder) -> None:
        self.state.responder = fn

    def __enter__(self) -> TLSServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)
        self._tmp.cleanup()
