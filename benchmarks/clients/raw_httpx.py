"""Floor: httpx + json.loads by hand, no Kubernetes client at all.

What any client built on httpx must at least pay: one `httpx.Client` with keep-alive, one
request per call, `json.loads` of the body. rawkube's GET loop and CRUD targets are set
against this floor.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import _common
from _common import Settings

if TYPE_CHECKING:  # bound for real inside imports(), so the import is what gets timed
    import json

    import httpx

DEPLOYMENTS = "/apis/apps/v1/namespaces/{ns}/deployments"


class RawHttpx:
    def imports(self) -> None:
        global httpx, json
        import json

        import httpx

    def connect(self, s: Settings, kubeconfig: str | None) -> Any:
        if kubeconfig:
            raise NotImplementedError("a floor reads no kubeconfig and runs no exec plugin")
        headers = {"Authorization": f"Bearer {s.token}", "Accept": "application/json"}
        return httpx.Client(base_url=s.server, headers=headers)

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
