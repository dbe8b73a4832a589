"""kube-controller-manager's auth-related controllers, simulated over the store.

* `ClusterRoleAggregationController` (pkg/controller/clusterroleaggregation): a ClusterRole with
  an ``aggregationRule`` gets the rules of every ClusterRole its selectors match, as a
  server-side apply by field manager ``clusterrole-aggregation-controller``.

Each has ``tick() -> writes`` like the controllers in controllers.py, which the
ControllerManager runs.
"""

from __future__ import annotations

import copy
import logging
from typing import Any

from rawkube.testing.server import rbac
from rawkube.testing.server.errors import ResourceKey, now_rfc3339
from rawkube.testing.server.gc import apply_change
from rawkube.testing.server.selectors import label_selector_predicate
from rawkube.testing.server.store import Store

log = logging.getLogger(__name__)
Obj = dict[str, Any]
CLUSTER_ROLES = ResourceKey(rbac.RBAC_GROUP, "clusterroles")
AGGREGATION_MANAGER = "clusterrole-aggregation-controller"


def _selects(selector: Obj, labels: dict[str, str]) -> bool:
    return label_selector_predicate(selector)(labels)


class ClusterRoleAggregationController:
    """Keeps aggregated ClusterRoles' rules equal to the union of the roles they select."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._seen: tuple[tuple[str, str], ...] = ()

    def tick(self) -> int:
        roles, _ = self.store.list(CLUSTER_ROLES, copy_objects=False)
        # Every ClusterRole event re-queues every aggregated role (enqueue()); nothing to do
        # while no ClusterRole changed.
        fingerprint = tuple(
            (str(r["metadata"]["name"]), str(r["metadata"].get("resourceVersion"))) for r in roles
        )
        if fingerprint == self._seen:
            return 0
        writes = 0
        for role in roles:
            wanted = rbac.aggregated_rules(role, roles, _selects)
            if wanted is None or rbac.same_rules(wanted, role.get("rules")):
                continue
            log.debug("aggregating clusterrole %s", role["metadata"]["name"])
            writes += int(apply_change(self.store, CLUSTER_ROLES, role, _set_rules(wanted)))
        if writes == 0:
            self._seen = fingerprint
        return writes


def _set_rules(rules: list[Obj]) -> Any:
    def change(draft: Obj) -> None:
        draft["rules"] = copy.deepcopy(rules)
        fields = draft["metadata"].setdefault("managedFields", [])
        entry = {
            "manager": AGGREGATION_MANAGER,
            "operation": "Apply",
            "apiVersion": f"{rbac.RBAC_GROUP}/v1",
            "time": now_rfc3339(),
            "fieldsType": "FieldsV1",
            "fieldsV1": {"f:rules": {}},
        }
        for i, old in enumerate(fields):
            if old.get("manager") == AGGREGATION_MANAGER and old.get("operation") == "Apply":
                fields[i] = entry
                break
        else:
            fields.insert(0, entry)

    return change
