"""Floor: httpx + json.loads by hand, no Kubernetes client at all.

What any client built on httpx must at least pay: one `httpx.Client` with keep-alive, one
request per call, `json.loads` of the body. Over HTTPS it builds the `ssl.SSLContext` for the
server's CA itself, as every client must; given a kubeconfig it reads it with `yaml.safe_load`
and takes the server, the CA data and the token from it (what "doing the same" as a client's
kubeconfig loading takes at the least). rawkube's cold-start, GET loop and CRUD targets are set
against this floor; its informer row holds the Pods as plain `json.loads` dicts keyed by
namespace/name, the memory an informer is measured against.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import _common
from _common import Settings

if TYPE_CHECKING:  # bound for real inside imports(), so the import is what gets timed
    import json

    import httpx

DEPLOYMENTS = "/apis/apps/v1/namespaces/{ns}/deployments"
PODS = "/api/v1/namespaces/{ns}/pods"


def _from_kubeconfig(path: str) -> tuple[str, str, Any]:
    """server, token and SSLContext from a kubeconfig's current context."""
    import base64
    import ssl

    import yaml

    with open(path, "rb") as f:
        doc = yaml.safe_load(f)
    ctx_name = doc["current-context"]
    context = next(c["context"] for c in doc["contexts"] if c["name"] == ctx_name)
    cluster = next(c["cluster"] for c in doc["clusters"] if c["name"] == context["cluster"])
    user = next(u["user"] for u in doc["users"] if u["name"] == context["user"])
    ca = base64.b64decode(cluster["certificate-authority-data"]).decode()
    return cluster["server"], user["token"], ssl.create_default_context(cadata=ca)


def _verify(s: Settings) -> Any:
    import ssl

    return ssl.create_default_context(cafile=s.ca_file) if s.ca_file else True


class RawHttpx:
    def imports(self) -> None:
        global httpx, json
        import json

        import httpx

    def connect(self, s: Settings, kubeconfig: str | None) -> Any:
        if kubeconfig == s.exec_kubeconfig:
            raise NotImplementedError("a floor runs no exec plugin")
        if kubeconfig:
            server, token, verify = _from_kubeconfig(kubeconfig)
        else:
            server, token, verify = s.server, s.token, _verify(s)
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        return httpx.Client(base_url=server, headers=headers, verify=verify)

    def get(self, h: Any, s: Settings) -> Any:
        r = h.get(DEPLOYMENTS.format(ns=s.namespace) + "/" + s.name)
        r.raise_for_status()
        obj = json.loads(r.content)
        obj["metadata"]["name"]
        return obj

    def list_typed(self, h: Any, s: Settings) -> Any:
        r = h.get(DEPLOYMENTS.format(ns=s.list_namespace()))
        r.raise_for_status()
        items = json.loads(r.content)["items"]
        for item in items:  # touch what a caller reads, as the typed clients are made to
            item["metadata"]["name"], item["spec"]["replicas"]
        return items

    list_dynamic = list_typed

    def _pages(self, h: Any, s: Settings) -> Any:
        params = {"limit": str(s.page_size)}
        while True:
            r = h.get(PODS.format(ns=s.pods_namespace()), params=params)
            r.raise_for_status()
            page = json.loads(r.content)
            yield page["items"]
            token = page["metadata"].get("continue")
            if not token:
                return
            params["continue"] = token

    def list_paged(self, h: Any, s: Settings) -> Any:
        items = []
        for page in self._pages(h, s):
            for item in page:
                item["metadata"]["name"], item["spec"]["nodeName"]
            items.extend(page)
        return items

    def informer_start(self, h: Any, s: Settings) -> Any:
        cache = {}
        for page in self._pages(h, s):
            for item in page:
                meta = item["metadata"]
                cache[meta["namespace"] + "/" + meta["name"]] = item
        return cache

    def informer_get(self, cache: Any, key: str) -> str:
        pod = cache[key]
        pod["spec"]["containers"][0]["image"]
        ip: str = pod["status"]["podIP"]
        return ip

    def informer_stop(self, cache: Any) -> None:
        pass

    async def watch_many(self, s: Settings, received: Any) -> int:
        import asyncio

        headers = {"Authorization": f"Bearer {s.token}", "Accept": "application/json"}
        # No cap on connections (httpx's default is 100): one per watch, as client-go's.
        limits = httpx.Limits(max_connections=None, max_keepalive_connections=25)
        client = httpx.AsyncClient(
            base_url=s.server, headers=headers, verify=_verify(s), limits=limits, timeout=None
        )
        url = PODS.format(ns=s.podwatch_namespace())
        all_received = asyncio.Event()
        state = {"waiting": s.watches, "events": 0}

        async def one() -> None:
            count = 0
            async with client.stream("GET", url, params={"watch": "true"}) as r:
                async for line in r.aiter_lines():
                    if line:
                        ev = json.loads(line)
                        ev["type"], ev["object"]["metadata"]["name"]
                        count += 1
                        if count == s.n:
                            break
                state["events"] += count
                state["waiting"] -= 1
                if not state["waiting"]:
                    received()
                    all_received.set()
                await all_received.wait()

        await asyncio.gather(*(one() for _ in range(s.watches)))
        await client.aclose()
        return state["events"]

    def watch(self, h: Any, s: Settings) -> int:
        count = 0
        url = DEPLOYMENTS.format(ns="watch")
        with h.stream("GET", url, params={"watch": "true"}, timeout=None) as r:
            for line in r.iter_lines():
                if line:
                    ev = json.loads(line)
                    ev["type"], ev["object"]["metadata"]["name"]
                    count += 1
        return count

    def crud(self, h: Any, s: Settings, i: int) -> None:
        url = DEPLOYMENTS.format(ns=s.namespace)
        created = json.loads(h.post(url, content=json.dumps(_common.manifest(i))).content)
        created["spec"]["replicas"] = 3
        name = _common.manifest(i)["metadata"]["name"]
        h.put(url + "/" + name, content=json.dumps(created)).raise_for_status()
        h.delete(url + "/" + name).raise_for_status()


if __name__ == "__main__":
    _common.run(RawHttpx())
