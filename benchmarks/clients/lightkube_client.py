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
                cluster=Cluster(server=s.server, certificate_auth=s.ca_file or None),
                user=User(token=s.token),
                namespace=s.namespace,
            )
        return lightkube.Client(config=config)

    def prepare(self, h: Any, s: Settings) -> None:
        if s.scenario.startswith("list_paged_"):
            # First-use imports belong to the cold-start rows, not to the scale rows.
            import lightkube.resources.core_v1  # noqa: F401

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

    def list_paged(self, h: Any, s: Settings) -> Any:
        from lightkube.resources.core_v1 import Pod

        items = list(h.list(Pod, namespace=s.pods_namespace(), chunk_size=s.page_size))
        for item in items:
            item.metadata.name, item.spec.nodeName  # noqa: B018 (read, so lazy decoders pay too)
        return items

    async def watch_many(self, s: Settings, received: Any) -> int:
        import asyncio

        from lightkube.resources.core_v1 import Pod

        client = lightkube.AsyncClient(config=self.connect_config(s))
        all_received = asyncio.Event()
        state = {"waiting": s.watches, "events": 0}

        async def one() -> None:
            count = 0
            stream = client.watch(Pod, namespace=s.podwatch_namespace())
            async for typ, obj in stream:
                typ, obj.metadata.name  # noqa: B018 (read, so lazy decoders pay too)
                count += 1
                if count == s.n:
                    break
            state["events"] += count
            state["waiting"] -= 1
            if not state["waiting"]:
                received()
                all_received.set()
            await all_received.wait()
            await stream.aclose()

        await asyncio.gather(*(one() for _ in range(s.watches)))
        await client.close()
        return state["events"]

    def connect_config(self, s: Settings) -> Any:
        from lightkube.config.kubeconfig import KubeConfig
        from lightkube.config.models import Cluster, User

        return KubeConfig.from_one(
            cluster=Cluster(server=s.server, certificate_auth=s.ca_file or None),
            user=User(token=s.token),
            namespace=s.namespace,
        )

    def crud(self, h: Any, s: Settings, i: int) -> None:
        from lightkube import codecs

        created = h.create(codecs.from_dict(_common.manifest(i)))
        created.spec.replicas = 3
        h.replace(created)
        h.delete(Deployment, created.metadata.name, namespace=s.namespace)


if __name__ == "__main__":
    _common.run(Lightkube())
