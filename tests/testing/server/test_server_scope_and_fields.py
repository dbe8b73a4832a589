"""LocalAPIServer routes and field selectors as kube-apiserver has them.

- A cluster-scoped resource has no route under /namespaces/{ns}/: 404 (requestinfo.go +
  the installer registers cluster-scoped storage only at the root).
- A field selector may use only the labels the resource supports (pkg/registry/*/strategy.go
  ToSelectableFields; metadata.name and metadata.namespace everywhere): else 400
  "field label not supported".
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from rawkube.testing import LocalAPIServer


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    with LocalAPIServer(tls=False) as server:
        cfg = server.config()
        headers = {"Authorization": f"Bearer {cfg.bearer_token}"} if cfg.bearer_token else {}
        with httpx.Client(base_url=cfg.host, headers=headers, timeout=10) as client:
            yield client


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/namespaces/default/nodes",
        "/api/v1/namespaces/default/namespaces",
        "/apis/apiextensions.k8s.io/v1/namespaces/default/customresourcedefinitions",
    ],
)
def test_cluster_scoped_resource_under_a_namespace_is_not_found(
    http: httpx.Client, path: str
) -> None:
    response = http.get(path)
    assert response.status_code == 404
    assert response.json()["reason"] == "NotFound"


def test_cluster_scoped_resource_at_the_root_is_listed(http: httpx.Client) -> None:
    assert http.get("/api/v1/nodes").json()["kind"] == "NodeList"


def test_unsupported_field_label_is_a_bad_request(http: httpx.Client) -> None:
    response = http.get(
        "/apis/apps/v1/namespaces/default/deployments", params={"fieldSelector": "spec.bogus=x"}
    )
    assert response.status_code == 400
    status = response.json()
    assert status["reason"] == "BadRequest"
    # apps/v1 has no field label conversion: runtime.DefaultMetaV1FieldSelectorConversion
    # (recording differential/lists/field-selector-supported-fields)
    assert status["message"] == (
        '"spec.bogus" is not a known field selector: only "metadata.name", "metadata.namespace"'
    )

    watch = http.get(
        "/api/v1/namespaces/default/configmaps",
        params={"watch": "true", "fieldSelector": "data.x=1", "timeoutSeconds": "1"},
    )
    assert watch.status_code == 400


@pytest.mark.parametrize(
    ("path", "selector"),
    [
        ("/api/v1/namespaces/default/pods", "status.phase=Running,spec.nodeName=n1"),
        ("/api/v1/namespaces/default/secrets", "type=Opaque"),
        ("/api/v1/namespaces", "status.phase=Active"),
        ("/apis/apps/v1/namespaces/default/deployments", "metadata.name=x"),
        ("/api/v1/namespaces/default/configmaps", "metadata.namespace=default"),
    ],
)
def test_supported_field_labels_are_accepted(http: httpx.Client, path: str, selector: str) -> None:
    assert http.get(path, params={"fieldSelector": selector}).status_code == 200
