"""Peer: kr8s (async-first over httpx, objects wrapping the raw dict; sync API used here)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import _common
from _common import Settings

if TYPE_CHECKING:  # bound for real inside imports(), so the import is what gets timed
    import kr8s
    from kr8s.objects import Deployment


class Kr8s:
    def imports(self) -> None:
        global kr8s, Deployment
        import kr8s
        from kr8s.objects import Deployment

    def connect(self, s: Settings, kubeconfig: str | None) -> Any:
        # kr8s takes a URL but no token without a kubeconfig, so it always reads one: the
        # HTTPS static-token kubeconfig (plain HTTP for the diagnostic rows) unless a scenario
        # names another.
        default = s.kubeconfig if s.server.startswith("https:") else s.http_kubeconfig
        return kr8s.api(kubeconfig=kubeconfig or default)

    def get(self, h: Any, s: Settings) -> Any:
        obj = Deployment.get(s.name, namespace=s.namespace, api=h)
        obj.name  # noqa: B018 (read, so lazy decoders pay too)
        return obj

    def list_typed(self, h: Any, s: Settings) -> Any:
        items = list(h.get("deployments", namespace=s.list_namespace()))
        for item in items:
            item.name, item.spec.replicas  # noqa: B018 (read, so lazy decoders pay too)
        return items

    def list_dynamic(self, h: Any, s: Settings) -> Any:
        items = list(h.get("deployments", namespace=s.list_namespace(), raw=True))
        for item in items:
            item["metadata"]["name"], item["spec"]["replicas"]
        return items

    def watch(self, h: Any, s: Settings) -> int:
        count = 0
        for typ, obj in h.watch("deployments", namespace="watch"):
            typ, obj.name  # noqa: B018 (read, so lazy decoders pay too)
            count += 1
            if count == s.n:
                break
        return count

    def crud(self, h: Any, s: Settings, i: int) -> None:
        obj = Deployment(_common.manifest(i), api=h)
        obj.create()
        # kr8s has no replace/update: a merge PATCH is how its users change an object.
        obj.patch({"spec": {"replicas": 3}})
        obj.delete()


if __name__ == "__main__":
    _common.run(Kr8s())
