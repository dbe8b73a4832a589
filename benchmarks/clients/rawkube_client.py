"""rawkube: the typed Clientset for the typed scenarios, DynamicClient for `list_dynamic`.

Client-side rate limiting is switched off (`qps=0`): client-go's default of 5 QPS would make
the loops measure the limiter, and no peer limits at all. Everything else is rawkube's default.
Set BENCH_BLOCK_ORJSON=1 to measure the stdlib-json path (rawkube/_json.py falls back to it),
BENCH_PROTOBUF=1 to ask for (and send) the Kubernetes protobuf encoding.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import _common
from _common import Settings

if TYPE_CHECKING:  # bound for real inside imports(), so the import is what gets timed
    from rawkube import Clientset, Config


class Rawkube:
    def imports(self) -> None:
        global Clientset, Config
        from rawkube import Clientset, Config

    def _config(self, s: Settings, kubeconfig: str | None) -> Any:
        if kubeconfig:
            from rawkube import load_config

            config = load_config(kubeconfig=kubeconfig)
            config.qps = 0
        else:
            config = Config(
                host=s.server,
                bearer_token=s.token,
                ca_file=s.ca_file or None,
                namespace=s.namespace,
                qps=0,
            )
        if os.environ.get("BENCH_PROTOBUF"):  # as kubectl's typed clients ask (client-go)
            config.content_type = "application/vnd.kubernetes.protobuf"
            config.accept_content_types = "application/vnd.kubernetes.protobuf,application/json"
        return config

    def connect(self, s: Settings, kubeconfig: str | None) -> Any:
        config = self._config(s, kubeconfig)
        cs = Clientset(config)
        return {"config": config, "cs": cs, "deployments": cs.apps_v1().deployments(s.namespace)}

    def prepare(self, h: Any, s: Settings) -> None:
        if s.scenario.startswith(("list_paged_", "informer_")):
            # First-use imports belong to the cold-start rows, not to the scale rows.
            import rawkube.models.core_v1
            import rawkube.tools.informer
            import rawkube.tools.pager  # noqa: F401
        if s.scenario == "list_dynamic":
            from rawkube import DynamicClient, GroupVersionResource

            gvr = GroupVersionResource("apps", "v1", "deployments")
            h["dynamic"] = DynamicClient(h["config"]).resource(gvr)

    def get(self, h: Any, s: Settings) -> Any:
        obj = h["deployments"].get(s.name)
        obj.metadata.name  # noqa: B018 (read, so lazy decoders pay too)
        return obj

    def list_typed(self, h: Any, s: Settings) -> Any:
        items = h["cs"].apps_v1().deployments(s.list_namespace()).list().items
        for item in items:
            item.metadata.name, item.spec.replicas  # noqa: B018 (read, so lazy decoders pay too)
        return items

    def list_dynamic(self, h: Any, s: Settings) -> Any:
        items = h["dynamic"].namespace(s.list_namespace()).list()["items"]
        for item in items:
            item["metadata"]["name"], item["spec"]["replicas"]
        return items

    def watch(self, h: Any, s: Settings) -> int:
        count = 0
        for ev in h["cs"].apps_v1().deployments("watch").watch():
            ev.type, ev.object.metadata.name  # noqa: B018 (read, so lazy decoders pay too)
            count += 1
            if count == s.n:
                break
        return count

    def list_paged(self, h: Any, s: Settings) -> Any:
        from rawkube.tools.pager import ListPager

        pods = h["cs"].core_v1().pods(s.pods_namespace())
        items = ListPager(pods.list, page_size=s.page_size).list().items
        for item in items:
            item.metadata.name, item.spec.node_name  # noqa: B018 (read, so lazy decoders pay too)
        return items

    def informer_start(self, h: Any, s: Settings) -> Any:
        from rawkube.tools.informer import Informer

        informer = Informer(h["cs"].core_v1().pods(s.pods_namespace()), page_size=s.page_size)
        informer.start()
        if not informer.wait_for_cache_sync(timeout=600):
            raise RuntimeError("the informer did not sync")
        if len(informer.store) != s.list_size:
            raise RuntimeError(f"the informer holds {len(informer.store)} pods")
        return informer

    def informer_get(self, informer: Any, key: str) -> str:
        pod = informer.store.get_by_key(key)
        pod.spec.containers[0].image  # noqa: B018 (typed access to nested fields)
        ip: str = pod.status.pod_ip
        return ip

    def informer_stop(self, informer: Any) -> None:
        informer.stop()

    async def watch_many(self, s: Settings, received: Any) -> int:
        import asyncio

        from rawkube import AsyncClientset

        cs = AsyncClientset(self._config(s, None))
        pods = cs.core_v1().pods(s.podwatch_namespace())
        all_received = asyncio.Event()
        state = {"waiting": s.watches, "events": 0}

        async def one() -> None:
            watch = pods.watch()
            count = 0
            async for ev in watch:
                ev.type, ev.object.metadata.name  # noqa: B018 (read, so lazy decoders pay too)
                count += 1
                if count == s.n:
                    break
            state["events"] += count
            state["waiting"] -= 1
            if not state["waiting"]:
                received()  # every watch is open and got its events: time and RSS now
                all_received.set()
            await all_received.wait()
            await watch.stop()

        await asyncio.gather(*(one() for _ in range(s.watches)))
        await cs.aclose()
        return state["events"]

    def crud(self, h: Any, s: Settings, i: int) -> None:
        from rawkube.models.apps_v1 import Deployment

        deployments = h["deployments"]
        created = deployments.create(Deployment.from_dict(_common.manifest(i)))
        created.spec.replicas = 3
        deployments.update(created)
        deployments.delete(created.metadata.name)


if __name__ == "__main__":
    _common.run(Rawkube())
