"""Peer: the official `kubernetes` client (OpenAPI-generated, pydantic models, urllib3)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import _common
from _common import Settings

if TYPE_CHECKING:  # bound for real inside imports(), so the import is what gets timed
    from kubernetes import client, config


class Official:
    def imports(self) -> None:
        global client, config
        from kubernetes import client, config

    def connect(self, s: Settings, kubeconfig: str | None) -> Any:
        if kubeconfig:
            api_client = config.new_client_from_config(config_file=kubeconfig)
        else:
            cfg = client.Configuration(host=s.server)
            cfg.ssl_ca_cert = s.ca_file or None
            cfg.api_key = {"authorization": s.token}
            cfg.api_key_prefix = {"authorization": "Bearer"}
            api_client = client.ApiClient(cfg)
        return {"apps": client.AppsV1Api(api_client), "api_client": api_client}

    def prepare(self, h: Any, s: Settings) -> None:
        if s.scenario == "list_dynamic":  # discovery happens here, outside the timed LIST
            from kubernetes.dynamic import DynamicClient

            dyn = DynamicClient(h["api_client"])
            h["dynamic"] = dyn.resources.get(api_version="apps/v1", kind="Deployment")

    def get(self, h: Any, s: Settings) -> Any:
        obj = h["apps"].read_namespaced_deployment(s.name, s.namespace)
        obj.metadata.name  # noqa: B018 (read, so lazy decoders pay too)
        return obj

    def list_typed(self, h: Any, s: Settings) -> Any:
        items = h["apps"].list_namespaced_deployment(s.list_namespace()).items
        for item in items:
            item.metadata.name, item.spec.replicas  # noqa: B018 (read, so lazy decoders pay too)
        return items

    def list_dynamic(self, h: Any, s: Settings) -> Any:
        items = h["dynamic"].get(namespace=s.list_namespace()).items
        for item in items:
            item.metadata.name, item.spec.replicas  # noqa: B018 (read, so lazy decoders pay too)
        return items

    def watch(self, h: Any, s: Settings) -> int:
        from kubernetes import watch

        count = 0
        w = watch.Watch()
        for ev in w.stream(h["apps"].list_namespaced_deployment, "watch"):
            ev["type"], ev["object"].metadata.name
            count += 1
            if count == s.n:
                w.stop()
                break
        return count

    def crud(self, h: Any, s: Settings, i: int) -> None:
        apps = h["apps"]
        body = client.V1Deployment.from_dict(_common.manifest(i))
        created = apps.create_namespaced_deployment(s.namespace, body)
        created.spec.replicas = 3
        apps.replace_namespaced_deployment(created.metadata.name, s.namespace, created)
        apps.delete_namespaced_deployment(created.metadata.name, s.namespace)


if __name__ == "__main__":
    _common.run(Official())
