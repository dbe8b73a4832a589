"""Floor: urllib3 + json.loads by hand (what the official client is built on), no client at all."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import _common
from _common import Settings

if TYPE_CHECKING:  # bound for real inside imports(), so the import is what gets timed
    import json

    import urllib3

DEPLOYMENTS = "/apis/apps/v1/namespaces/{ns}/deployments"


class RawUrllib3:
    def imports(self) -> None:
        global urllib3, json
        import json

        import urllib3

    def connect(self, s: Settings, kubeconfig: str | None) -> Any:
        if kubeconfig:
            raise NotImplementedError("a floor reads no kubeconfig and runs no exec plugin")
        scheme, _, hostport = s.server.partition("://")
        host, _, port = hostport.partition(":")
        headers = {"Authorization": f"Bearer {s.token}", "Accept": "application/json"}
        if scheme == "https":
            return urllib3.HTTPSConnectionPool(
                host, int(port), headers=headers, maxsize=1, ca_certs=s.ca_file
            )
        return urllib3.HTTPConnectionPool(host, int(port), headers=headers, maxsize=1)

    def _json(self, h: Any, method: str, url: str, body: Any = None) -> Any:
        payload = None if body is None else json.dumps(body).encode()
        r = h.request(method, url, body=payload)
        if r.status >= 300:
            raise RuntimeError(f"{method} {url}: {r.status}")
        return json.loads(r.data)

    def get(self, h: Any, s: Settings) -> Any:
        obj = self._json(h, "GET", DEPLOYMENTS.format(ns=s.namespace) + "/" + s.name)
        obj["metadata"]["name"]
        return obj

    def list_typed(self, h: Any, s: Settings) -> Any:
        items = self._json(h, "GET", DEPLOYMENTS.format(ns=s.list_namespace()))["items"]
        for item in items:
            item["metadata"]["name"], item["spec"]["replicas"]
        return items

    list_dynamic = list_typed

    def watch(self, h: Any, s: Settings) -> int:
        count = 0
        url = DEPLOYMENTS.format(ns="watch") + "?watch=true"
        r = h.request("GET", url, preload_content=False, timeout=urllib3.Timeout(read=None))
        pending = b""
        for chunk in r.stream(65536):
            lines = (pending + chunk).split(b"\n")
            pending = lines.pop()
            for line in lines:
                if line:
                    ev = json.loads(line)
                    ev["type"], ev["object"]["metadata"]["name"]
                    count += 1
        r.release_conn()
        return count

    def crud(self, h: Any, s: Settings, i: int) -> None:
        url = DEPLOYMENTS.format(ns=s.namespace)
        created = self._json(h, "POST", url, _common.manifest(i))
        created["spec"]["replicas"] = 3
        name = _common.manifest(i)["metadata"]["name"]
        self._json(h, "PUT", url + "/" + name, created)
        self._json(h, "DELETE", url + "/" + name)


if __name__ == "__main__":
    _common.run(RawUrllib3())
