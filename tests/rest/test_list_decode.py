"""LIST answers decoded while they arrive (rawkube/rest/listdecode.py, issue 15): the same
objects as `json.loads` of the whole body, without ever holding the whole body."""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import tracemalloc
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from rawkube import AsyncClientset, Clientset, Config, DynamicClient, GroupVersionResource
from rawkube.errors import DecodeError
from rawkube.rest import listdecode, trace
from rawkube.rest.listdecode import ListDecoder


def compact(doc: Any) -> bytes:
    return json.dumps(doc, separators=(",", ":")).encode()


def deployment(i: int) -> dict[str, Any]:
    # As the API server writes list items: no kind/apiVersion, "metadata" first.
    return {
        "metadata": {"name": f"d{i}", "namespace": "ns", "resourceVersion": str(100 + i)},
        "spec": {"replicas": i % 5, "template": {"spec": {"containers": [{"name": "c"}]}}},
        "status": {"conditions": [{"type": "Available", "status": "True"}]},
    }


def deployment_list(n: int) -> dict[str, Any]:
    return {
        "kind": "DeploymentList",
        "apiVersion": "apps/v1",
        "metadata": {"resourceVersion": "7"},
        "items": [deployment(i) for i in range(n)],
    }


def decode(body: bytes, step: int) -> tuple[Any, ListDecoder]:
    decoder = ListDecoder()
    decoder.reset(True)
    for i in range(0, len(body), step):
        decoder.feed(body[i : i + step])
    return decoder.close(), decoder


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(listdecode, "BATCH_BYTES", 200)


STATEFULSETS = {  # arrays of objects whose first key is "metadata" inside every item
    "kind": "StatefulSetList",
    "apiVersion": "apps/v1",
    "metadata": {"resourceVersion": "1"},
    "items": [
        {
            "metadata": {"name": f"s{i}"},
            "spec": {"volumeClaimTemplates": [{"metadata": {"name": n}} for n in "abc"]},
        }
        for i in range(40)
    ],
}
CUSTOM = {  # unstructured lists come with sorted keys: items before kind and metadata
    "apiVersion": "example.com/v1",
    "items": [
        {
            "apiVersion": "example.com/v1",
            "kind": "Widget",
            "metadata": {"name": f"w{i}"},
            "note": '},{"apiVersion":',  # the boundary pattern inside a string
        }
        for i in range(40)
    ],
    "kind": "WidgetList",
    "metadata": {"continue": "abc", "resourceVersion": "9"},
}


@pytest.mark.usefixtures("small_batches")
@pytest.mark.parametrize(
    "doc",
    [
        deployment_list(60),
        STATEFULSETS,
        CUSTOM,
        {"kind": "List", "items": []},
        {"kind": "List", "items": None},
        {"kind": "Deployment", "metadata": {"name": "x"}},
        [1, 2, 3],
        {"items": [{"metadata": {}}]},
    ],
    ids=[
        "deployments",
        "inner-boundaries",
        "sorted-keys",
        "empty",
        "null",
        "object",
        "array",
        "one",
    ],
)
@pytest.mark.parametrize("step", [1, 13, 4096])
def test_decodes_exactly_what_json_loads_gives(doc: Any, step: int) -> None:
    got, _ = decode(compact(doc), step)
    assert got == doc
    if isinstance(doc, dict):
        assert list(got) == list(doc), "keys keep their order"


@pytest.mark.usefixtures("small_batches")
def test_items_are_decoded_in_batches_while_feeding() -> None:
    _, decoder = decode(compact(deployment_list(100)), 64)
    assert decoder.batches > 10, "the items were decoded as they arrived, not at the end"
    _, decoder = decode(compact(STATEFULSETS), 64)
    assert decoder.batches > 5, "an array inside an item only costs a retry"


@pytest.mark.usefixtures("small_batches")
def test_pretty_printed_bodies_are_decoded_at_the_end() -> None:
    doc = deployment_list(20)
    got, decoder = decode(json.dumps(doc, indent=2).encode(), 50)
    assert got == doc and decoder.batches == 0


@pytest.mark.usefixtures("small_batches")
@pytest.mark.parametrize(
    "body",
    [
        compact(deployment_list(30))[:-40],  # cut short
        compact(deployment_list(30))[:-2] + b"}",  # items array not closed
        b'{"kind":"L","items":[{"metadata":1},{"metadata":2}]',
        b"not json",
    ],
)
def test_invalid_bodies_raise_value_error_and_restore_the_gc(body: bytes) -> None:
    assert gc.isenabled()
    decoder = ListDecoder()
    decoder.reset(True)
    decoder.feed(body)
    with pytest.raises(ValueError):
        decoder.close()
    assert gc.isenabled()


def test_the_gc_is_paused_during_a_big_list_and_restored_after(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(listdecode._json, "BIG_BODY", 1000)
    decoder = ListDecoder()
    decoder.reset(True)
    decoder.feed(compact(deployment_list(20))[:2000])
    assert not gc.isenabled(), "many objects are being made: no collection until the end"
    decoder.abort()
    assert gc.isenabled()
    decoder.reset(True)
    decoder.feed(compact(deployment_list(20))[:2000])
    decoder.reset(True)  # a retried attempt starts afresh, and the GC with it
    assert gc.isenabled()


def test_peak_memory_is_the_objects_not_the_body() -> None:
    """The reason for all this: `json.loads` holds the bytes, a str copy and the objects at
    once; the streamed decode holds the objects and about a batch."""
    body = compact(deployment_list(20000))  # ~4 MB
    chunks = [body[i : i + 65536] for i in range(0, len(body), 65536)]

    def peak(fn: Any) -> tuple[int, int]:
        tracemalloc.start()
        tracemalloc.reset_peak()
        result = fn()
        size, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        del result
        return size, top

    def streamed() -> Any:
        decoder = ListDecoder()
        decoder.reset(True)
        for chunk in chunks:
            decoder.feed(chunk)
        return decoder.close()

    def whole() -> Any:
        body = b"".join(chunks)  # held, as an httpx Response holds its content
        return json.loads(body), body

    kept, streamed_peak = peak(streamed)
    loaded, loads_peak = peak(whole)
    loaded -= len(body)
    assert streamed_peak < kept + 2 * listdecode.BATCH_BYTES + 1_000_000
    assert loads_peak > loaded + 2 * len(body) * 0.9, "json.loads: bytes + str + objects"
    assert streamed_peak < loads_peak - len(body)


# -- through the clients --------------------------------------------------------------------------


def chunked(body: bytes, size: int = 65536) -> Iterator[bytes]:
    for i in range(0, len(body), size):
        yield body[i : i + size]


def serve_list(doc: Any, seen: list[httpx.Request]) -> httpx.MockTransport:
    body = compact(doc)

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(
            200,
            headers={"content-type": "application/json"},
            stream=httpx.ByteStream(body) if len(body) < 10 else _Stream(body),
        )

    return httpx.MockTransport(handler)


class _Stream(httpx.SyncByteStream, httpx.AsyncByteStream):
    def __init__(self, body: bytes) -> None:
        self.body = body

    def __iter__(self) -> Iterator[bytes]:
        yield from chunked(self.body)

    async def __aiter__(self) -> Any:
        for chunk in chunked(self.body):
            yield chunk


def config(transport: httpx.MockTransport) -> Config:
    return Config(host="https://127.0.0.1:6443", transport=transport, qps=0)


def test_typed_and_dynamic_lists_are_the_same_objects(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(listdecode, "BATCH_BYTES", 4096)
    doc = deployment_list(300)
    seen: list[httpx.Request] = []
    cs = Clientset(config(serve_list(doc, seen)))
    listed = cs.apps_v1().deployments("ns").list()
    assert listed.to_dict() == doc
    assert [d.spec.replicas for d in listed.items] == [i % 5 for i in range(300)]
    dynamic = DynamicClient(config(serve_list(doc, seen)))
    rows = dynamic.resource(GroupVersionResource("apps", "v1", "deployments")).namespace("ns")
    assert rows.list() == doc
    assert all(r.url.path.endswith("/namespaces/ns/deployments") for r in seen)


def test_async_lists_are_decoded_the_same_way(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(listdecode, "BATCH_BYTES", 4096)
    doc = deployment_list(300)

    async def main() -> Any:
        async with AsyncClientset(config(serve_list(doc, []))) as cs:
            return await cs.apps_v1().deployments("ns").list(timeout=30)

    assert asyncio.run(main()).to_dict() == doc


def test_a_body_that_is_not_json_is_a_decode_error_with_the_token_masked() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        body = b'{"kind":"DeploymentList","items":[{"metadata":{}}, oops token=s3cret'
        return httpx.Response(200, headers={"content-type": "application/json"}, content=body)

    cfg = Config(
        host="https://127.0.0.1:6443",
        transport=httpx.MockTransport(handler),
        bearer_token="s3cret",
        qps=0,
    )
    with pytest.raises(DecodeError, match="not valid JSON") as err:
        Clientset(cfg).apps_v1().deployments("ns").list()
    assert "s3cret" not in str(err.value)


def test_with_bodies_traced_the_list_is_read_whole(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """-v 8 logs response bodies, so the body is kept (and shown) as before."""
    doc = deployment_list(3)
    monkeypatch.setattr(trace, "_verbosity", 8)
    with caplog.at_level(logging.INFO, logger="rawkube.http"):
        listed = Clientset(config(serve_list(doc, []))).apps_v1().deployments("ns").list()
    assert listed.to_dict() == doc
    assert any('"name":"d2"' in r.getMessage() for r in caplog.records)


def test_result_raw_of_a_streamed_list_is_the_same_json() -> None:
    from rawkube.rest.client import RESTClient

    doc = deployment_list(50)
    rc = RESTClient(config(serve_list(doc, [])), "apps", "v1")
    result = rc.get().namespace("ns").resource("deployments").streamed_list().do()
    assert result.json() == doc
    assert json.loads(result.raw()) == doc
