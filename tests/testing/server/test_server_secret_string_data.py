"""LocalAPIServer merges a Secret's write-only stringData into data, as kube-apiserver does."""

from __future__ import annotations

import base64

from rawkube.rest.client import RESTClient
from rawkube.testing import LocalAPIServer


def test_string_data_is_merged_into_data_and_not_stored() -> None:
    with LocalAPIServer(tls=False, controllers=False) as server:
        rc = RESTClient(server.config(), "", "v1")
        secret = {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "s"},
            "data": {
                "a": base64.b64encode(b"old").decode(),
                "b": base64.b64encode(b"kept").decode(),
            },
            "stringData": {"a": "new", "c": "plain"},
        }
        created = rc.post().namespace("default").resource("secrets").body(secret).do().json()
        stored = rc.get().namespace("default").resource("secrets").name("s").do().json()
        rc.close()
    for obj in (created, stored):
        assert "stringData" not in obj
        decoded = {k: base64.b64decode(v).decode() for k, v in obj["data"].items()}
        assert decoded == {"a": "new", "b": "kept", "c": "plain"}
