"""Configuration from inside a pod (client-go `rest.InClusterConfig`).

The API server address comes from the `KUBERNETES_SERVICE_HOST`/`_PORT` variables the kubelet
sets; the credentials from the projected service-account volume. The token there rotates (about
hourly), so the Config keeps `bearer_token_file` and the auth flow re-reads it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from rawkube.config.types import Config
from rawkube.errors import ConfigError

SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"


def in_cluster_config(
    *,
    token_file: str | None = None,
    ca_file: str | None = None,
    namespace_file: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> Config:
    """The Config for the pod's service account; paths and environment injectable for tests."""
    env = os.environ if environ is None else environ
    host, port = env.get("KUBERNETES_SERVICE_HOST", ""), env.get("KUBERNETES_SERVICE_PORT", "")
    if not host or not port:
        raise ConfigError(
            "not running in a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must "
            "both be set (the kubelet sets them in every pod)"
        )
    token_file = token_file or os.path.join(SERVICE_ACCOUNT_DIR, "token")
    ca_file = ca_file or os.path.join(SERVICE_ACCOUNT_DIR, "ca.crt")
    namespace_file = namespace_file or os.path.join(SERVICE_ACCOUNT_DIR, "namespace")
    try:
        with open(token_file, encoding="utf-8") as f:
            token = f.read().strip()
    except OSError as e:
        raise ConfigError(
            f"{token_file}: cannot read the service-account token ({e.strerror or e}); "
            "is automountServiceAccountToken disabled for this pod?"
        ) from None
    except ValueError:  # not UTF-8 text
        raise ConfigError(f"{token_file}: the service-account token is not text") from None
    return Config(
        host=f"https://{_join_host_port(host, port)}",
        namespace=_namespace(env, namespace_file),
        bearer_token=token,
        bearer_token_file=token_file,
        # client-go logs and carries on without a CA when ca.crt is unreadable; so do we.
        ca_file=ca_file if os.path.isfile(ca_file) else None,
        source="in-cluster",
    )


def _join_host_port(host: str, port: str) -> str:
    """IPv6 literals need brackets in a URL (Go's net.JoinHostPort)."""
    return f"[{host}]:{port}" if ":" in host and not host.startswith("[") else f"{host}:{port}"


def _namespace(env: Mapping[str, str], namespace_file: str) -> str:
    """POD_NAMESPACE, then the service account's namespace file, then "default" (clientcmd)."""
    if env.get("POD_NAMESPACE"):
        return env["POD_NAMESPACE"]
    try:
        with open(namespace_file, encoding="utf-8") as f:
            return f.read().strip() or "default"
    except (OSError, ValueError):
        return "default"
