"""Garbage collection and namespace deletion for the LocalAPIServer.

What happens after a DELETE is split, as in Kubernetes, between the API server and controllers:

- The store (store.py, like the apiserver's generic registry) only marks: DELETE with
  propagationPolicy=Foreground adds the `foregroundDeletion` finalizer, Orphan adds `orphan`,
  and an object with finalizers is kept with a deletionTimestamp. Background (the default for
  apps/v1) removes the owner at once.
- `GarbageCollector` (pkg/controller/garbagecollector/garbagecollector.go) does the rest:
  * dependents whose owners are all gone are deleted (Background: after the owner);
  * an owner with `foregroundDeletion` gets its dependents deleted first, and loses the
    finalizer (so the store removes it) only when no dependent with blockOwnerDeletion=true
    is left (Foreground: before the owner);
  * an owner with `orphan` has its ownerReference removed from every dependent, then loses the
    finalizer (Orphan: dependents kept).
- `NamespaceController` (pkg/controller/namespace/deletion/namespaced_resources_deleter.go)
  empties a Terminating namespace, then removes `kubernetes` from `spec.finalizers`.

Both are level-triggered: `tick()` reads one consistent snapshot of the store and issues the
writes that move it one step on. Calling it again after its writes continues the cascade.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rawkube.testing.server.isolation import Guard
from rawkube.testing.server.store import APIError, ResourceKey, Store, now_rfc3339

Obj = dict[str, Any]
log = logging.getLogger(__name__)

FOREGROUND = "foregroundDeletion"  # metav1.FinalizerDeleteDependents
ORPHAN = "orphan"  # metav1.FinalizerOrphanDependents
NAMESPACE_FINALIZER = "kubernetes"  # corev1.FinalizerKubernetes
NAMESPACES = ResourceKey("", "namespaces")


# ---------------------------------------------------------------------------------------------
# Writing back to the store, the way a controller writes through the API


class _Replaced(Exception):
    """The object was deleted and re-created under the same name since we read it."""


def apply_change(store: Store, key: ResourceKey, seen: Obj, change: Callable[[Obj], None]) -> bool:
    """Apply `change` to the live copy of `seen`; True if the store wrote a new version.

    Controllers in Kubernetes send an Update carrying the resourceVersion they read and retry
    on 409. Here `Store.mutate` does the read-modify-write under the store lock, so there is
    no conflict to retry; the uid check keeps the precondition that matters: never touch a
    different object that merely has the same name (a GC patch carries a uid precondition).
    """
    m = seen["metadata"]
    uid = m.get("uid")

    def guarded(draft: Obj) -> None:
        if draft["metadata"].get("uid") != uid:
            raise _Replaced
        change(draft)

    try:
        result = store.mutate(key, m.get("namespace") or "", m["name"], guarded)
    except _Replaced:
        return False
    except APIError as err:
        if err.code == 404:
            return False
        raise
    return result["metadata"].get("resourceVersion") != m.get("resourceVersion")


def delete_object(
    store: Store,
    key: ResourceKey,
    obj: Obj,
    *,
    policy: str | None = None,
    grace_period_seconds: int | None = None,
) -> bool:
    """DELETE with a uid precondition (as the GC does); True if the store wrote anything
    (removed the object or marked it terminating), False if it was gone or unchanged."""
    m = obj["metadata"]
    try:
        after, removed = store.delete(
            key,
            m.get("namespace") or "",
            m["name"],
            propagation_policy=policy,
            preconditions={"uid": m.get("uid")},
            grace_period_seconds=grace_period_seconds,
        )
    except APIError as err:
        if err.code in (404, 409):
            return False
        raise
    # A delete that only re-confirms a pending deletion (finalizers still there) writes nothing.
    return removed or after["metadata"].get("resourceVersion") != m.get("resourceVersion")


def _finalizers(obj: Obj) -> list[str]:
    return list(obj.get("metadata", {}).get("finalizers") or [])


def _deleting(obj: Obj) -> bool:
    return bool(obj.get("metadata", {}).get("deletionTimestamp"))


def remove_finalizer(store: Store, key: ResourceKey, obj: Obj, finalizer: str) -> bool:
    """Drop one finalizer; the store removes a deleting object once none are left."""

    def drop(draft: Obj) -> None:
        draft["metadata"]["finalizers"] = [f for f in _finalizers(draft) if f != finalizer]
        if not draft["metadata"]["finalizers"]:
            del draft["metadata"]["finalizers"]

    return apply_change(store, key, obj, drop)


# ---------------------------------------------------------------------------------------------
# A snapshot of the ownership graph (the GC's GraphBuilder, rebuilt each tick)


@dataclass(frozen=True)
class Item:
    """One stored object: where it lives and its (read-only) state."""

    key: ResourceKey
    obj: Obj

    @property
    def uid(self) -> str:
        return str(self.obj["metadata"].get("uid", ""))

    @property
    def owner_refs(self) -> list[Obj]:
        return list(self.obj["metadata"].get("ownerReferences") or [])

    def describe(self) -> str:
        m = self.obj["metadata"]
        where = f"{m['namespace']}/" if m.get("namespace") else ""
        return f"{self.key.qualified} {where}{m['name']}"


class Graph:
    """Objects by uid and the dependents of each owner uid (uidToNode + node.dependents)."""

    def __init__(self, items: list[Item]) -> None:
        self.by_uid: dict[str, Item] = {i.uid: i for i in items}
        self.dependents: dict[str, list[Item]] = defaultdict(list)
        for item in items:
            for ref in item.owner_refs:
                self.dependents[str(ref.get("uid"))].append(item)

    @classmethod
    def of(cls, store: Store) -> Graph:
        """A consistent snapshot: listed under the store lock, so an owner and a dependent
        created together are seen together (the real GC re-reads an owner before deciding it is
        absent; one snapshot gives the same safety). The objects are the store's own, not
        copies: never change them, write through `apply_change` / `delete_object`."""
        items: list[Item] = []
        with store.lock:
            resources = store.keys()  # a list of ResourceKey (Store is not a mapping)
            for key in resources:
                objects, _ = store.list(key, copy_objects=False)
                items.extend(Item(key, o) for o in objects)
        return cls(items)

    def blocking_dependents(self, owner: Item) -> list[Item]:
        """Dependents whose reference to `owner` has blockOwnerDeletion=true."""
        return [
            d
            for d in self.dependents.get(owner.uid, [])
            if any(r.get("uid") == owner.uid and r.get("blockOwnerDeletion") for r in d.owner_refs)
        ]


# ---------------------------------------------------------------------------------------------
# The garbage collector


class GarbageCollector:
    """pkg/controller/garbagecollector: cascading deletion by ownerReferences."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.guard = Guard("garbagecollector")

    def tick(self) -> int:
        """One pass over the graph; returns how many writes it made."""
        graph = Graph.of(self.store)
        writes = 0
        for item in list(graph.by_uid.values()):
            if _deleting(item.obj):
                writes += self.guard.run(
                    item.obj, lambda _o, i=item: self._process_deleting_owner(graph, i)
                )
            elif item.owner_refs:
                writes += self.guard.run(
                    item.obj, lambda _o, i=item: self._attempt_to_delete(graph, i)
                )
        return writes

    # attemptToOrphanWorker / processDeletingDependentsItem
    def _process_deleting_owner(self, graph: Graph, owner: Item) -> int:
        finalizers = _finalizers(owner.obj)
        if ORPHAN in finalizers:
            return self._orphan_dependents(graph, owner)
        if FOREGROUND in finalizers and not graph.blocking_dependents(owner):
            log.debug("gc: %s has no blocking dependents left, finishing", owner.describe())
            return int(remove_finalizer(self.store, owner.key, owner.obj, FOREGROUND))
        # Still waiting: its dependents are handled as items whose owner is "waiting".
        return 0

    def _orphan_dependents(self, graph: Graph, owner: Item) -> int:
        """Remove the owner from every dependent's ownerReferences, then the finalizer."""
        writes = 0
        for dependent in graph.dependents.get(owner.uid, []):
            log.debug("gc: orphaning %s from %s", dependent.describe(), owner.describe())
            writes += apply_change(
                self.store, dependent.key, dependent.obj, _without_owner_refs({owner.uid})
            )
        return writes + remove_finalizer(self.store, owner.key, owner.obj, ORPHAN)

    # attemptToDeleteItem
    def _attempt_to_delete(self, graph: Graph, item: Item) -> int:
        solid, dangling, waiting = self._classify(graph, item)
        if solid:
            if not dangling and not waiting:
                return 0
            # Keep the item (an owner still wants it) but drop references that would block or
            # point nowhere, so a Foreground owner is not stuck waiting for it.
            gone = {str(r.get("uid")) for r in dangling + waiting}
            return int(apply_change(self.store, item.key, item.obj, _without_owner_refs(gone)))
        if waiting and graph.dependents.get(item.uid):
            # An owner is deleting in the foreground and this item has dependents of its own:
            # delete it in the foreground too, so the wait cascades down the whole tree.
            policy = "Foreground"
        else:
            policy = _own_policy(item.obj)
        log.debug("gc: deleting %s (propagationPolicy=%s)", item.describe(), policy)
        return int(delete_object(self.store, item.key, item.obj, policy=policy))

    @staticmethod
    def _classify(graph: Graph, item: Item) -> tuple[list[Obj], list[Obj], list[Obj]]:
        """classifyReferences: owners that exist (solid), are gone (dangling), or are being
        deleted in the foreground (waitingForDependentsDeletion)."""
        solid: list[Obj] = []
        dangling: list[Obj] = []
        waiting: list[Obj] = []
        for ref in item.owner_refs:
            owner = graph.by_uid.get(str(ref.get("uid")))
            if owner is None:
                dangling.append(ref)
            elif _deleting(owner.obj) and FOREGROUND in _finalizers(owner.obj):
                waiting.append(ref)
            else:
                solid.append(ref)
        return solid, dangling, waiting


def _own_policy(obj: Obj) -> str:
    """Honour a finalizer the item already carries, else Background (attemptToDeleteItem)."""
    finalizers = _finalizers(obj)
    if ORPHAN in finalizers:
        return "Orphan"
    if FOREGROUND in finalizers:
        return "Foreground"
    return "Background"


def _without_owner_refs(uids: set[str]) -> Callable[[Obj], None]:
    def change(draft: Obj) -> None:
        refs = [
            r for r in draft["metadata"].get("ownerReferences") or [] if r.get("uid") not in uids
        ]
        if refs:
            draft["metadata"]["ownerReferences"] = refs
        else:
            draft["metadata"].pop("ownerReferences", None)

    return change


# ---------------------------------------------------------------------------------------------
# The namespace controller


class NamespaceController:
    """Empties Terminating namespaces, then lets them go (pkg/controller/namespace)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.guard = Guard("namespace")

    def tick(self) -> int:
        namespaces, _ = self.store.list(NAMESPACES, copy_objects=False)
        writes = 0
        for ns in namespaces:
            if _deleting(ns) and NAMESPACE_FINALIZER in _spec_finalizers(ns):
                writes += self.guard.run(ns, self._sync)
        return writes

    def _sync(self, ns: Obj) -> int:
        name = ns["metadata"]["name"]
        writes = 0
        remaining: dict[str, int] = {}
        resources = self.store.keys()
        for key in resources:
            objects, _ = self.store.list(key, name, copy_objects=False)
            for obj in objects:
                if obj["metadata"].get("namespace") != name:
                    continue  # a cluster-scoped resource
                remaining[key.qualified] = remaining.get(key.qualified, 0) + 1
                if not _deleting(obj):
                    # deleteCollection per resource with the default (Background) propagation.
                    writes += delete_object(self.store, key, obj, policy="Background")
        writes += apply_change(self.store, NAMESPACES, ns, _namespace_conditions(remaining))
        if not remaining:
            log.debug("namespace %s is empty: removing its %r finalizer", name, NAMESPACE_FINALIZER)
            writes += apply_change(self.store, NAMESPACES, ns, _finalize_namespace)
        return writes


def _spec_finalizers(ns: Obj) -> list[str]:
    return list((ns.get("spec") or {}).get("finalizers") or [])


def _finalize_namespace(draft: Obj) -> None:
    """namespaces/finalize: drop `kubernetes`; with no finalizers left the store removes it."""
    spec = draft.setdefault("spec", {})
    spec["finalizers"] = [f for f in spec.get("finalizers") or [] if f != NAMESPACE_FINALIZER]
    if not spec["finalizers"]:
        del spec["finalizers"]


def _namespace_conditions(remaining: dict[str, int]) -> Callable[[Obj], None]:
    """The Terminating namespace's status conditions, as the namespace controller reports
    them (`kubectl describe ns` shows these while content is being removed)."""
    left = ", ".join(f"{res} has {n} resource instances" for res, n in sorted(remaining.items()))
    wanted = [
        (
            "NamespaceDeletionDiscoveryFailure",
            "False",
            "ResourcesDiscovered",
            "All resources successfully discovered",
        ),
        (
            "NamespaceDeletionGroupVersionParsingFailure",
            "False",
            "ParsedGroupVersions",
            "All legacy kube types successfully parsed",
        ),
        (
            "NamespaceDeletionContentFailure",
            "False",
            "ContentDeleted",
            "All content successfully deleted, may be waiting on finalization",
        ),
        (
            "NamespaceContentRemaining",
            "True" if remaining else "False",
            "SomeResourcesRemain" if remaining else "ContentRemoved",
            f"Some resources are remaining: {left}"
            if remaining
            else "All content successfully removed",
        ),
        (
            "NamespaceFinalizersRemaining",
            "False",
            "ContentHasNoFinalizers",
            "All content-preserving finalizers finished",
        ),
    ]

    def change(draft: Obj) -> None:
        status = draft.setdefault("status", {})
        old = {c.get("type"): c for c in status.get("conditions") or []}
        conditions = []
        for type_, value, reason, message in wanted:
            prev = old.get(type_)
            if prev and (prev.get("status"), prev.get("reason"), prev.get("message")) == (
                value,
                reason,
                message,
            ):
                conditions.append(prev)
                continue
            conditions.append(
                {
                    "type": type_,
                    "status": value,
                    "lastTransitionTime": now_rfc3339(),
                    "reason": reason,
                    "message": message,
                }
            )
        status["conditions"] = conditions

    return change


__all__ = [
    "GarbageCollector",
    "Graph",
    "Item",
    "NamespaceController",
    "apply_change",
    "delete_object",
    "remove_finalizer",
]
