"""ListPager: list a large collection in pages (client-go `tools/pager/pager.go`).

A LIST of thousands of objects is one huge response. With `limit`, the server returns a page
and a `continue` token for the next one; all pages are a consistent snapshot at the first
page's resourceVersion. If the snapshot is compacted away before the last page (the token
"expires", 410), client-go falls back to one unpaginated LIST, and so does this pager.

    pager = ListPager(clientset.core_v1().pods().list)
    for pod in pager.iter_items(label_selector="app=web"):
        ...
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from rawkube.errors import is_gone

# client-go tools/pager: defaultPageSize = 500.
DEFAULT_PAGE_SIZE = 500


def _wire(obj: Any) -> dict[str, Any]:
    """The list's wire dict (models are views over it; Unstructured and dicts are it)."""
    to_dict = getattr(obj, "to_dict", None)
    data = to_dict() if callable(to_dict) else obj
    if not isinstance(data, dict):
        raise TypeError(f"a list call must return a list object, got {type(obj).__name__}")
    return data


def _items(obj: Any) -> list[Any]:
    """The page's items, as the caller's types (models when the list is a model)."""
    items = getattr(obj, "items", None)
    if items is not None and not callable(items):
        return list(items)
    return list(_wire(obj).get("items") or [])


def _continue_token(obj: Any) -> str:
    token = (_wire(obj).get("metadata") or {}).get("continue")
    return token if isinstance(token, str) else ""


class ListPager:
    """Pages through `list_fn(**options)` (a typed or dynamic client's `list`).

    `full_list_if_expired` (client-go `FullListIfExpired`, default on) re-lists without a
    limit when a later page fails with 410 Gone/Expired.
    """

    def __init__(
        self,
        list_fn: Callable[..., Any],
        *,
        page_size: int = DEFAULT_PAGE_SIZE,
        full_list_if_expired: bool = True,
    ) -> None:
        self.list_fn = list_fn
        self.page_size = page_size
        self.full_list_if_expired = full_list_if_expired
        self.pages_fetched = 0

    def pages(self, **options: Any) -> Iterator[Any]:
        """Yield each page as returned by `list_fn` (after a fallback: one full list)."""
        for page, _ in self._pages(options):
            yield page

    def _pages(self, options: dict[str, Any]) -> Iterator[tuple[Any, bool]]:
        """(page, is_full_list_fallback) pairs."""
        options = dict(options)
        if not options.get("limit"):
            options["limit"] = self.page_size
        requested_rv = options.get("resource_version")
        requested_match = options.get("resource_version_match")
        while True:
            try:
                page = self.list_fn(**options)
            except Exception as err:
                # Fall back only when a *later* page expired: a failing first page is the
                # caller's problem (client-go: `options.Continue == ""` returns the error).
                if not (is_gone(err) and self.full_list_if_expired and options.get("continue_")):
                    raise
                options.update(
                    limit=None,
                    continue_=None,
                    resource_version=requested_rv,
                    resource_version_match=requested_match,
                )
                self.pages_fetched += 1
                yield self.list_fn(**options), True
                return
            self.pages_fetched += 1
            yield page, False
            token = _continue_token(page)
            if not token:
                return
            # The server refuses resourceVersion together with continue: the token pins it.
            options.update(continue_=token, resource_version=None, resource_version_match=None)

    def iter_items(self, **options: Any) -> Iterator[Any]:
        """Every item of every page, one at a time (client-go `EachListItem`), in order.

        After a fallback to a full list, items already yielded are skipped (by namespace and
        name), so no item is delivered twice.
        """
        seen: set[tuple[str, str]] = set()
        for page, full in self._pages(options):
            for item in _items(page):
                key = _key(item)
                if full and key in seen:
                    continue
                seen.add(key)
                yield item

    def list(self, **options: Any) -> Any:
        """All pages as one list object of the pages' type: items concatenated.

        Like client-go's `ListPager.List`, the result carries the snapshot's resourceVersion
        and no continue token; a full list after expiry replaces the pages read so far.
        A typed client's pages give its XxxList model, a dynamic client's an Unstructured.
        """
        merged: dict[str, Any] = {}
        items: list[Any] = []
        last: Any = None
        for page, full in self._pages(options):
            last = page
            data = _wire(page)
            merged = {k: v for k, v in data.items() if k != "items"}
            if full:
                items = []
            items.extend(data.get("items") or [])
        metadata = dict(merged.get("metadata") or {})
        metadata.pop("continue", None)
        metadata.pop("remainingItemCount", None)
        merged["metadata"] = metadata
        merged["items"] = items
        return _like(last, merged)


def _like(page: Any, data: dict[str, Any]) -> Any:
    """`data` as the same kind of object as `page` (model, Unstructured or dict)."""
    from_dict = getattr(type(page), "from_dict", None)
    if callable(from_dict):
        return from_dict(data)
    if isinstance(page, dict):
        return type(page)(data)
    return data


def _key(item: Any) -> tuple[str, str]:
    data = item.to_dict() if callable(getattr(item, "to_dict", None)) else item
    meta = data.get("metadata") or {} if isinstance(data, dict) else {}
    return (str(meta.get("namespace") or ""), str(meta.get("name") or ""))


__all__ = ["DEFAULT_PAGE_SIZE", "ListPager"]
