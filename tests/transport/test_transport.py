"""The httpx client built from a Config (client-go rest.HTTPClientFor / transport.New)."""

from __future__ import annotations

import asyncio
import importlib.util
import re
import socket
import subprocess
import sys
import threading
from typing import Any

import httpx
import pytest

from rawkube.config.types import Config
from rawkube.errors import ConfigError
from rawkube.transport import (
    build_async_client,
    build_client,
    default_user_agent,
    proxy_from_environment,
)


def test_user_agent_format() -> None:
    assert re.fullmatch(
        r"rawkube/\d+\.\d+\.\d+\S* \([a-z0-9]+/[a-z0-9_]+\) python/\d+\.\d+\.\d+",
        default_user_agent(),
    )


class Seen:
    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(200, json={"ok": True})


class Wrapper(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """A recorder-like wrapper: sees every request before the inner transport."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.urls: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.urls.append(str(request.url))
        return self.inner.handle_request(request)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.urls.append(str(request.url))
        return await self.inner.handle_async_request(request)


def test_transport_replaced_and_wrapped_sync_and_async() -> None:
    seen = Seen()
    wrappers: list[Wrapper] = []

    def wrap(inner: Any) -> Wrapper:
        wrappers.append(Wrapper(inner))
        return wrappers[-1]

    cfg = Config(
        host="https://127.0.0.1:6443/base",
        transport=httpx.MockTransport(seen),
        wrap_transport=wrap,
        bearer_token="t",
    )
    with build_client(cfg) as client:
        client.get("api/v1/namespaces")

    async def main() -> None:
        async with build_async_client(cfg) as client:
            await client.get("apis")

    asyncio.run(main())
    assert [w.urls for w in wrappers] == [
        ["https://127.0.0.1:6443/base/api/v1/namespaces"],
        ["https://127.0.0.1:6443/base/apis"],
    ]
    assert [r.headers["Authorization"] for r in seen.requests] == ["Bearer t", "Bearer t"]


def test_tls_server_name_travels_as_sni_extension() -> None:
    seen = Seen()
    with build_client(
        Config(
            host="https://10.0.0.1",
            tls_server_name="kubernetes",
            transport=httpx.MockTransport(seen),
        )
    ) as client:
        client.get("/")
    assert seen.requests[0].extensions["sni_hostname"] == "kubernetes"


def test_headers_compression_and_impersonation() -> None:
    seen = Seen()
    cfg = Config(
        host="https://h",
        transport=httpx.MockTransport(seen),
        impersonate_user="jane",
        impersonate_groups=["dev", "ops"],
    )
    build_client(cfg).get("/")
    build_client(cfg.copy(disable_compression=True)).get("/")
    plain, uncompressed = seen.requests
    assert "gzip" in plain.headers["Accept-Encoding"]
    assert uncompressed.headers["Accept-Encoding"] == "identity"
    assert plain.headers["Impersonate-User"] == "jane"
    assert plain.headers.get_list("Impersonate-Group") == ["dev", "ops"]


def test_timeouts() -> None:
    assert build_client(Config(host="https://h", timeout=7.5)).timeout == httpx.Timeout(7.5)
    unbounded = build_client(Config(host="https://h")).timeout
    assert unbounded.read is None and unbounded.connect == 30.0  # watches may stream for long


def test_http_proxy_is_used() -> None:
    """proxy-url http:// : an https request goes through CONNECT to the proxy."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(5)
    first_line: list[bytes] = []

    def proxy() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.settimeout(5)
            first_line.append(conn.recv(4096).split(b"\r\n")[0])
            conn.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")

    thread = threading.Thread(target=proxy, daemon=True)
    thread.start()
    cfg = Config(
        host="https://10.1.2.3:6443",
        proxy_url=f"http://127.0.0.1:{listener.getsockname()[1]}",
        insecure=True,
    )
    with build_client(cfg) as client, pytest.raises(httpx.ProxyError):
        client.get("/version")
    thread.join(5)
    listener.close()
    assert first_line == [b"CONNECT 10.1.2.3:6443 HTTP/1.1"]


def test_socks_proxy_without_support(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "socksio" else real(name, *a)
    )
    with pytest.raises(
        ConfigError, match=r"proxy-url socks5:// needs SOCKS support: pip install 'httpx\[socks\]'"
    ):
        build_client(Config(host="https://h", proxy_url="socks5://127.0.0.1:1080"))


def test_http2_needs_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "h2" else real(name, *a)
    )
    with pytest.raises(ConfigError, match=r"rawkube\[http2\]"):
        build_client(Config(host="https://h", http2=True))


def test_light_client_imports_neither_yaml_nor_cryptography() -> None:
    """Building a client from a Config (CA + token) needs no yaml and no cryptography."""
    code = (
        "import sys, rawkube\n"
        "from tests.helpers.certs import CA\n"
        "pem = CA().cert_pem\n"
        "for m in [m for m in sys.modules if m.startswith(('cryptography', 'yaml'))]: del sys.modules[m]\n"
        "from rawkube.transport import build_client\n"
        "c = build_client(rawkube.Config(host='https://127.0.0.1:1', ca_data=pem, bearer_token='t'))\n"
        "print(sorted({m.split('.')[0] for m in sys.modules if m.startswith(('cryptography', 'yaml'))}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("server", "env", "expected"),
    [
        ("https://10.0.0.1:6443", {"HTTPS_PROXY": "proxy:3128"}, "http://proxy:3128"),
        (
            "https://10.0.0.1:6443",
            {"https_proxy": "http://p:1", "HTTP_PROXY": "http://other:2"},
            "http://p:1",
        ),
        ("http://10.0.0.1:8080", {"HTTPS_PROXY": "http://p:1"}, None),
        ("https://127.0.0.1:6443", {"HTTPS_PROXY": "http://p:1"}, None),  # loopback: never
        ("https://localhost:6443", {"HTTPS_PROXY": "http://p:1"}, None),
        (
            "https://api.corp.example:6443",
            {"HTTPS_PROXY": "http://p:1", "NO_PROXY": "corp.example"},
            None,
        ),
        (
            "https://api.corp.example:6443",
            {"HTTPS_PROXY": "http://p:1", "NO_PROXY": ".corp.example"},
            None,
        ),
        (
            "https://api.corp.example:6443",
            {"HTTPS_PROXY": "http://p:1", "NO_PROXY": "other.example"},
            "http://p:1",
        ),
        ("https://10.1.2.3:6443", {"HTTPS_PROXY": "http://p:1", "no_proxy": "10.0.0.0/8"}, None),
        (
            "https://11.1.2.3:6443",
            {"HTTPS_PROXY": "http://p:1", "no_proxy": "10.0.0.0/8"},
            "http://p:1",
        ),
        ("https://h:6443", {"HTTPS_PROXY": "http://p:1", "NO_PROXY": "*"}, None),
        ("https://h:6443", {"HTTPS_PROXY": "http://p:1", "NO_PROXY": "h:443"}, "http://p:1"),
    ],
)
def test_proxy_from_environment(server: str, env: dict[str, str], expected: str | None) -> None:
    """Go's http.ProxyFromEnvironment, client-go's default when proxy-url is unset."""
    assert proxy_from_environment(server, env) == expected


def test_one_async_client_holds_more_open_watches_than_httpx_would_pool() -> None:
    # Go's http.Transport has no per-host connection cap and client-go keeps 25 idle
    # (apimachinery util/net/http.go SetTransportDefaults); with httpx's default cap of 100,
    # the 101st open watch of one client waited for a connection forever (issue 15).
    from rawkube import AsyncClientset

    watches = 110
    event = b'{"type":"ADDED","object":{"kind":"Pod","metadata":{"name":"p","namespace":"n"}}}\n'

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n" % (len(event), event)
        )
        await writer.drain()
        await reader.read()  # stays open, as a quiet cluster's watch, until the client hangs up
        writer.close()

    async def main() -> int:
        server = await asyncio.start_server(serve, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        cs = AsyncClientset(Config(host=f"http://127.0.0.1:{port}", qps=0))
        pods = cs.core_v1().pods("n")
        all_in = asyncio.Event()
        got: list[str] = []

        async def one() -> None:
            watch = pods.watch()
            async for ev in watch:
                got.append(ev.object.metadata.name)
                break
            if len(got) == watches:
                all_in.set()
            await all_in.wait()  # every watch stays open until all have their event
            await watch.stop()

        try:
            await asyncio.wait_for(asyncio.gather(*(one() for _ in range(watches))), 30)
        finally:
            await cs.aclose()
            server.close()
        return len(got)

    assert asyncio.run(main()) == watches
