"""ListPager: list a large collection in pages (client-go `tools/pager/pager.go`).

A LIST of thousands of objects is one huge response. With `limit`, the server returns a page
and a `continue` token for the next one; all pages are a consistent snapshot at the first
page's resourceVersion. If the snapshot is compacted away before the last page (the token
"expires", 410), client-go falls back to one unpaginated LIST, and so does this pager.

    pager = ListPager(clientset.core_v1().pods().list)
    for pod in pager.iter_items(label_selector="app=web"):
        ...

`AsyncListPager` is the same over an async client (`async for pod in pager.iter_items()`):
the same flow, driven with `await`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, Generic, TypeVar

from rawkube.errors import is_gone
from rawkube.flow import Call, Emit, Flow, aiterate, arun, iterate, run
from rawkube.meta import object_key

PagesT = TypeVar("PagesT")  # an iterator of pages/items, or an async one
ListT = TypeVar("ListT")  # the merged list, or an awaitable of it

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


def _like(page: Any, data: dict[str, Any]) -> Any:
    """`data` as the same kind of object as `page` (model, Unstructured or dict)."""
    from_dict = getattr(type(page), "from_dict", None)
    if callable(from_dict):
        return from_dict(data)
    if isinstance(page, dict):
        return type(page)(data)
    return data


class _Paging:
    """The options of the next request, page after page (pure; shared by sync and async)."""

    def __init__(self, options: dict[str, Any], page_size: int, full_list_if_expired: bool) -> None:
        self.options = dict(options)
        if not self.options.get("limit") and page_size:
            self.options["limit"] = page_size
        self.requested_rv = self.options.get("resource_version")
        self.requested_match = self.options.get("resource_version_match")
        self.full_list_if_expired = full_list_if_expired
        self.pending = True  # is there a page to ask for?
        self.full = False  # is it the full list after an expired token?

    def next_page(self, page: Any) -> None:
        """Prepare the request for the page after `page` (`pending` False when it was the last)."""
        token = "" if self.full else _continue_token(page)
        if not token:
            self.pending = False
            return
        # The server refuses resourceVersion together with continue: the token pins it.
        self.options.update(continue_=token, resource_version=None, resource_version_match=None)

    def fall_back(self, err: Exception) -> None:
        """After a failed page: prepare one full LIST, or re-raise.

        Only when a *later* page expired: a failing first page is the caller's problem
        (client-go returns the error when `options.Continue == ""`).
        """
        if not (is_gone(err) and self.full_list_if_expired and self.options.get("continue_")):
            raise err
        self.full = True
        self.options.update(
            limit=None,
            continue_=None,
            resource_version=self.requested_rv,
            resource_version_match=self.requested_match,
        )


class _Merge:
    """Pages merged into one list object, as client-go's `ListPager.List` builds it."""

    def __init__(self) -> None:
        self.head: dict[str, Any] = {}
        self.items: list[Any] = []
        self.last: Any = None
        self.seen: set[str] = set()

    def add(self, page: Any, full: bool) -> list[Any]:
        """Keep the page; nothing to emit (the merged list is the flow's result)."""
        data = _wire(page)
        self.last = page
        self.head = {k: v for k, v in data.items() if k != "items"}
        if full:
            self.items = []  # a full list after expiry replaces the pages read so far
        self.items.extend(data.get("items") or [])
        return []

    def new_items(self, page: Any, full: bool) -> list[Any]:
        """The page's items not yielded yet (after a fallback the full list repeats some)."""
        out = []
        for item in _items(page):
            key = object_key(item)
            if full and key in self.seen:
                continue
            self.seen.add(key)
            out.append(item)
        return out

    def result(self) -> Any:
        merged = dict(self.head)
        metadata = dict(merged.get("metadata") or {})
        metadata.pop("continue", None)
        metadata.pop("remainingItemCount", None)
        merged["metadata"] = metadata
        merged["items"] = self.items
        return _like(self.last, merged)


class _Pager(Generic[PagesT, ListT]):
    """Pages through `list_fn(**options)` (a typed or dynamic client's `list`), written once:
    the paging is one flow (`rawkube.flow`) whose only I/O is calling `list_fn`; `ListPager`
    drives it in place, `AsyncListPager` with `await`.

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

    def _run(self, flow: Flow[Any]) -> Any:  # pragma: no cover - each pager drives its way
        raise NotImplementedError

    def _iterate(self, flow: Flow[Any]) -> Any:  # pragma: no cover
        raise NotImplementedError

    def _flow(
        self, options: dict[str, Any], on_page: Callable[[Any, bool], list[Any]]
    ) -> Flow[None]:
        """Ask for page after page (after an expired later page: one full list), emitting
        what `on_page(page, is_full_list_fallback)` makes of each."""
        paging = _Paging(options, self.page_size, self.full_list_if_expired)
        while paging.pending:
            try:
                page = yield Call(self.list_fn, dict(paging.options))
            except Exception as err:
                paging.fall_back(err)  # re-raised unless a later page expired: then a full list
                continue
            self.pages_fetched += 1
            items = on_page(page, paging.full)
            if items:
                yield Emit(items)
            paging.next_page(page)

    def pages(self, **options: Any) -> PagesT:
        """Each page as returned by `list_fn` (after a fallback: one full list)."""
        pages: PagesT = self._iterate(self._flow(options, lambda page, full: [page]))
        return pages

    def iter_items(self, **options: Any) -> PagesT:
        """Every item of every page, one at a time (client-go `EachListItem`), in order.

        After a fallback to a full list, items already yielded are skipped (by namespace and
        name), so no item is delivered twice.
        """
        items: PagesT = self._iterate(self._flow(options, _Merge().new_items))
        return items

    def list(self, **options: Any) -> ListT:
        """All pages as one list object of the pages' type: items concatenated.

        Like client-go's `ListPager.List`, the result carries the snapshot's resourceVersion
        and no continue token. A typed client's pages give its XxxList model, a dynamic
        client's an Unstructured.
        """
        merge = _Merge()
        result: ListT = self._run(_merged(self._flow(options, merge.add), merge))
        return result


def _merged(pages: Flow[None], merge: _Merge) -> Flow[Any]:
    yield from pages
    return merge.result()


class ListPager(_Pager[Iterator[Any], Any]):
    """`ListPager(client.list)`: `pages()`, `iter_items()` iterate, `list()` returns."""

    def _run(self, flow: Flow[Any]) -> Any:
        return run(flow)

    def _iterate(self, flow: Flow[Any]) -> Iterator[Any]:
        return iterate(flow)


class AsyncListPager(_Pager[AsyncIterator[Any], Awaitable[Any]]):
    """`AsyncListPager(async_client.list)`: `async for` over `pages()` / `iter_items()`,
    `await pager.list()`."""

    def _run(self, flow: Flow[Any]) -> Awaitable[Any]:
        return arun(flow)

    def _iterate(self, flow: Flow[Any]) -> AsyncIterator[Any]:
        return aiterate(flow)


__all__ = ["DEFAULT_PAGE_SIZE", "AsyncListPager", "ListPager"]
