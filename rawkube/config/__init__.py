"""Finding and loading the cluster configuration (client-go `tools/clientcmd` + `rest.InClusterConfig`)."""

from __future__ import annotations

from rawkube.config.types import AuthProviderConfig, Config, ExecConfig

__all__ = [
    "AuthProviderConfig",
    "Config",
    "ExecConfig",
    "load_config",
    "load_raw_kubeconfig",
    "in_cluster_config",
]


def __getattr__(name: str) -> object:
    # Loading functions import yaml; keep `import rawkube.config` cheap.
    if name == "load_config":
        from rawkube.config.kubeconfig import load_config

        return load_config
    if name == "load_raw_kubeconfig":
        from rawkube.config.kubeconfig import load_raw_kubeconfig

        return load_raw_kubeconfig
    if name == "in_cluster_config":
        from rawkube.config.incluster import in_cluster_config

        return in_cluster_config
    raise AttributeError(f"module 'rawkube.config' has no attribute {name!r}")
