"""Build the httpx client for a Config (client-go `rest.TransportFor` + `transport.New`).

MINIMAL BOOTSTRAP VERSION: token/basic auth, CA file / insecure. Issue #2 replaces it with the
full version (tls.py, auth.py flows, exec plugins, proxy, http2), keeping these two functions.
"""

from __future__ import annotations

import platform
import sys

import httpx

from rawkube._version import __version__
from rawkube.config.types import Config


def default_user_agent() -> str:
    """`rawkube/<version> (<os>/<arch>) python/<version>`, like client-go's DefaultKubernetesUserAgent."""
    os_name = sys.platform if sys.platform != "linux" else "linux"
    arch = platform.machine().lower().replace("x86_64", "amd64").replace("aarch64", "arm64")
    py = ".".join(map(str, sys.version_info[:3]))
    return f"rawkube/{__version__} ({os_name}/{arch}) python/{py}"


def _headers(config: Config) -> dict[str, str]:
    headers = {"User-Agent": config.user_agent or default_user_agent()}
    if config.bearer_token:
        headers["Authorization"] = f"Bearer {config.bearer_token}"
    return headers


def build_client(config: Config) -> httpx.Client:
    """A sync httpx.Client whose base_url is the server (path prefix included)."""
    verify: bool | str = False if config.insecure else (config.ca_file or True)
    auth = (config.username, config.password or "") if config.username else None
    transport = config.transport or httpx.HTTPTransport(verify=verify)
    if config.wrap_transport is not None:
        transport = config.wrap_transport(transport)
    return httpx.Client(
        base_url=config.host, headers=_headers(config), auth=auth, transport=transport,
        timeout=config.timeout,
    )


def build_async_client(config: Config) -> httpx.AsyncClient:
    verify: bool | str = False if config.insecure else (config.ca_file or True)
    auth = (config.username, config.password or "") if config.username else None
    transport = config.transport or httpx.AsyncHTTPTransport(verify=verify)
    if config.wrap_transport is not None:
        transport = config.wrap_transport(transport)
    return httpx.AsyncClient(
        base_url=config.host, headers=_headers(config), auth=auth, transport=transport,
        timeout=config.timeout,
    )
