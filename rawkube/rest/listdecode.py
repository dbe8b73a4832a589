"""Decoding a JSON list answer while it arrives, so the whole body is never held (issue 15).

`json.loads` of a LIST body needs the body's bytes, a str copy of them and the decoded objects
at the same moment: for 10,000 Deployments (31 MB) that is 31 + 31 + 150 MB, and the two copies
are a third of the peak. `ListDecoder` is fed the body chunk by chunk (sans-IO: the executor's
`ReadBody` step feeds it) and decodes the `items` in batches of about a megabyte as they
complete, dropping their bytes; the peak is the decoded objects plus a batch.

How a batch boundary is found without a JSON parser in Python: the API server writes a list
as `{...,"items":[{"metadata":...},{"metadata":...}],...}` with no white space, and a list's
items all start with the same first key. `},{"metadata":` (`},` plus the first item's opening)
can only appear in JSON text between two objects of one array: the `"` before `metadata` cannot
be inside a string (it would end it, and `metadata":` cannot follow a string). So the bytes up
to such a match are whole items, unless the match is between two objects of an array inside an
item (a StatefulSet's `volumeClaimTemplates`): then that prefix is not valid JSON (the item is
still open), the decode fails, and the previous match is tried. A body that does not look like
that (pretty-printed, `items` missing or null, not an object) is kept whole and decoded at the
end, exactly as before. The result is the same dict `json.loads` gives (keys in the same order).

Batches are decoded with orjson when it is installed (it reads the buffer in place and shares
dict keys across calls), else with the stdlib (keys are shared within a batch); the cyclic GC is
paused while a big list is decoded, as `rawkube._json` does for big bodies.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

from rawkube import _json

_ITEMS = b'"items":['
# Decode the items gathered so far once this many bytes are buffered.
BATCH_BYTES = 1 << 20
# How far into the body `"items":[` may start (a list's kind, apiVersion and metadata come
# first, or only apiVersion when the keys are sorted, as for custom resources).
_HEAD_LIMIT = 64 * 1024
# Matches tried per batch before giving up on batching (each failure re-parses a batch).
_MAX_MISSES = 4


def _loads(data: bytes | bytearray | memoryview) -> Any:
    orjson = _json.fast()  # a streamed LIST is worth importing it for
    if orjson is not None:
        return orjson.loads(data)
    return json.loads(bytes(data))


class ListDecoder:
    """Sans-IO: `feed(chunk)` the body of a JSON answer, `close()` returns it decoded.

    Any JSON answer may be fed: one that is not a list in the API server's compact form is
    simply kept and decoded by `close()` (with `rawkube._json.loads`). `close()` raises
    `ValueError` for a body that is not valid JSON (the caller words the `DecodeError`); `raw`
    is the part of the body still held (for the excerpt of that error).
    """

    def __init__(self) -> None:
        self.reset()

    def reset(self, engaged: bool = False) -> None:
        """Forget everything fed so far (a new attempt of the request; `engaged`: its body is
        fed here, `rest.steps.ReadBody` decides)."""
        if getattr(self, "_gc_paused", False):
            self.abort()
        self.engaged = engaged
        self._buf = bytearray()
        self._head: dict[str, Any] | None = None  # the keys before `items`, once found
        self._streaming = True  # False: keep everything, decode at the end
        self._boundary = b""  # b'},{"metadata":'
        self._items: list[Any] = []
        self._size = 0
        self._gc = contextlib.ExitStack()
        self._gc_paused = False
        self.batches = 0  # how many batches were decoded before the end (tests, benchmarks)

    @property
    def raw(self) -> bytes:
        return bytes(self._buf)

    def feed(self, chunk: bytes) -> None:
        self._buf += chunk
        self._size += len(chunk)
        if self._size >= _json.BIG_BODY and not self._gc_paused:
            self._gc.enter_context(_json.gc_paused())
            self._gc_paused = True
        if not self._streaming:
            return
        if self._head is None and not self._find_head():
            return
        if not self._boundary and not self._find_boundary():
            return
        if len(self._buf) >= BATCH_BYTES:
            self._batch()

    def _find_head(self) -> bool:
        i = self._buf.find(_ITEMS)
        if i < 0:
            if len(self._buf) > _HEAD_LIMIT:
                self._streaming = False
            return False
        head = bytes(self._buf[:i])
        if not (head == b"{" or (head.startswith(b"{") and head.endswith(b","))):
            self._streaming = False
            return False
        try:
            decoded = json.loads(head + b'"items":[]}')
        except ValueError:
            self._streaming = False
            return False
        del decoded["items"]
        self._head = decoded
        # What stays buffered is the items array's contents, after a "[" of our own.
        self._buf[: i + len(_ITEMS)] = b"["
        return True

    def _find_boundary(self) -> bool:
        if len(self._buf) < 3:
            return False
        if not self._buf.startswith(b'[{"'):
            self._streaming = False  # an empty list, or not the compact form
            return False
        end = self._buf.find(b'":', 3)
        if end < 0:
            return False
        self._boundary = b"}," + bytes(self._buf[1 : end + 2])
        return True

    def _batch(self) -> None:
        buf = self._buf
        end = len(buf)
        for _ in range(_MAX_MISSES):
            q = buf.rfind(self._boundary, 1, end)
            if q < 0:
                return  # no whole item yet: wait for more
            buf[q + 1] = 0x5D  # "]" in place of the "," after the last whole item
            try:
                with memoryview(buf) as view:
                    items = _loads(view[: q + 2])
            except ValueError:
                buf[q + 1] = 0x2C  # an array inside an item: try the match before
                end = q
                continue
            self._items.extend(items)
            del buf[1 : q + 2]  # keep our "["
            self.batches += 1
            return
        self._streaming = False  # something unexpected: keep the rest, decode at the end

    def close(self) -> Any:
        """The decoded answer (None for an empty body)."""
        try:
            if self._head is None:
                return _json.loads(bytes(self._buf)) if self._buf else None
            # The rest of the items and of the list: `{"items":[` + `{...}],"kind":...}`.
            self._buf[:1] = b'{"items":['
            tail = _loads(self._buf)
            if not isinstance(tail, dict) or not isinstance(tail.get("items"), list):
                raise ValueError("the rest of a list body is not its items")
            self._items.extend(tail.pop("items"))
            return {**self._head, "items": self._items, **tail}
        finally:
            self.abort()

    def abort(self) -> None:
        """The body will not be finished (an error): let the GC run again."""
        self._gc.close()
        self._gc_paused = False


__all__ = ["BATCH_BYTES", "ListDecoder"]
