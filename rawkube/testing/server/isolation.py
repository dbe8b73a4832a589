"""Controller isolation: one bad object must not stop a controller, nor the others.

A client-go controller works one key at a time off a work queue; a sync that fails is logged
and the key requeued, while every other key goes on (k8s.io/client-go/util/workqueue,
utilruntime.HandleError). `Guard.run` gives each object's sync the same fate here: an
exception is caught, logged once per object and error (not on every tick), and the tick
carries on with the next object. When the object changes or the error goes away, a new
failure is logged again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger("rawkube.testing.server.controllers")


class Guard:
    """Per-object failure isolation for one controller (see the module docstring)."""

    def __init__(self, controller: str) -> None:
        self.controller = controller
        self._failing: dict[str, str] = {}  # object identity -> the error last logged
        self.failures = 0

    def run(self, obj: dict[str, Any], fn: Callable[..., int], *args: Any) -> int:
        meta = obj.get("metadata") or {}
        ident = str(meta.get("uid") or f"{meta.get('namespace')}/{meta.get('name')}")
        try:
            writes = fn(obj, *args)
        except Exception as exc:
            self.failures += 1
            signature = f"{meta.get('resourceVersion')}:{type(exc).__name__}:{exc}"
            if self._failing.get(ident) != signature:
                self._failing[ident] = signature
                where = "/".join(str(p) for p in (meta.get("namespace"), meta.get("name")) if p)
                # An API refusal (a Pod the admission plugins turn down, ...) is an expected
                # outcome, as a FailedCreate event is for kube-controller-manager: no traceback.
                from rawkube.testing.server.errors import APIError

                log.error(
                    "controller %s failed on %s (it goes on with the others): %s",
                    self.controller,
                    where,
                    exc,
                    exc_info=not isinstance(exc, APIError),
                )
            return 0
        self._failing.pop(ident, None)
        return int(writes)


__all__ = ["Guard"]
