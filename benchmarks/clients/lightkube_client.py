"""Peer: lightkube (msgspec models over httpx2, an httpx fork), with its defaults (lazy=True)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import _common
from _common import Settings

if TYPE_CHECKING:  # bound for real inside imports(), so the import is what gets timed
    import lightkube
    from lightkube.resources.apps_v1 import Deployment


class Lightkube:
    def imports(self) -> None:
        global lightkube, Deployment
        import lightkube
        from lightkube.resources.apps_v1 import Deployment

    def connect(self, s: Settings, kubeconfig: str | None) -> Any:
        from lightkube.config.kubeconfig import KubeConfig
        from lightkube.config.models import Cluster, User

        if kubeconfig:
            config = KubeConfig.from_file(kubeconfig)
        else:
            config = KubeConfig.from_one(
                cluster=Cluster(server=s.server), user=User(token=s.token), namespace=s.namespace
            )
        return lightkube.Client(config=config)

    def get(self, h: Any, s: Settings) -> Any:
        obj = h.get(Deployment, s.name, namespace=s.namespace)
        obj.metadata.name  # noqa: B018 (read, so lazy decoders pay too)
        return obj

    def list_typed(self, h: Any, s: Settings) -> Any:
        items = list(h.list(Deployment, namespace=s.list_namespace()))
        for item in items:
            item.metadata.name, item.spec.replicas  # noqa: B018 (read, so lazy decoders pay too)
        return items

    def list_dynamic(self, h: Any, s: Settings) -> Any:
        from lightkube.generic_resource import create_namespaced_resource

        # A generic (dict-based) resource for the same URL; a distinct kind name, because
        # lightkube hands back the typed class when the kind is already registered.
        generic = create_namespaced_resource("apps", "v1", "BenchDeployment", "deployments")
        items = list(h.list(generic, namespace=s.list_namespace()))
        for item in items:
            item.metadata.name, item["spec"]["replicas"]
        return items

    def watch(self, h: Any, s: Settings) -> int:
        count = 0
        # lightkube re-opens a watch the server closed; stop after the stream's n events.
        for typ, obj in h.watch(Deployment, namespace="watch"):
            typ, obj.metadata.name  # noqa: B018 (read, so lazy decoders pay too)
            count += 1
            if count == s.n:
                break
        return count

    def crud(self, h: Any, s: Settings, i: int) -> None:
        from lightkube import codecs

        created = h.create(codecs.from_dict(_common.manifest(i)))
        created.spec.replicas = 3
        h.replace(created)
        h.delete(Deployment, created.metadata.name, namespace=s.namespace)


if __name__ == "__main__":
    _common.run(Lightkube())
