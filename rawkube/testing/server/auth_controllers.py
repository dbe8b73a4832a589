"""kube-controller-manager's auth-related controllers, simulated over the store.

* `ClusterRoleAggregationController` (pkg/controller/clusterroleaggregation): a ClusterRole with
  an ``aggregationRule`` gets the rules of every ClusterRole its selectors match, as a
  server-side apply by field manager ``clusterrole-aggregation-controller``.
* `ServiceAccountTokenController` (pkg/controller/serviceaccount/tokens_controller.go): a
  Secret of type ``kubernetes.io/service-account-token`` naming a ServiceAccount gets a legacy
  (non-expiring) token, the root CA and the namespace; one whose ServiceAccount is gone is
  deleted.

Each has ``tick() -> writes`` like the controllers in controllers.py, which the
ControllerManager runs.
"""

from __future__ import annotations

import base64
import copy
import logging
from typing import Any

from rawkube.testing.server import rbac
from rawkube.testing.server.errors import ResourceKey, now_rfc3339
from rawkube.testing.server.gc import apply_change, delete_object
from rawkube.testing.server.selectors import label_selector_predicate
from rawkube.testing.server.store import Store
from rawkube.testing.server.tokens import legacy_claims

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


SECRETS = ResourceKey("", "secrets")
SERVICE_ACCOUNTS = ResourceKey("", "serviceaccounts")
SA_TOKEN_TYPE = "kubernetes.io/service-account-token"
SA_NAME = "kubernetes.io/service-account.name"
SA_UID = "kubernetes.io/service-account.uid"
KCM_MANAGER = "kube-controller-manager"


class ServiceAccountTokenController:
    """Fills and garbage-collects legacy ServiceAccount token Secrets."""

    def __init__(self, store: Store, signer: Any, ca_pem: bytes | None) -> None:
        self.store = store
        self.signer = signer
        self.ca_pem = ca_pem
        self._seen: tuple[tuple[str, str, str], ...] = ()

    def tick(self) -> int:
        secrets, _ = self.store.list(SECRETS, copy_objects=False)
        tokens = [s for s in secrets if s.get("type") == SA_TOKEN_TYPE]
        if not tokens:
            return 0
        accounts, _ = self.store.list(SERVICE_ACCOUNTS, copy_objects=False)
        by_name = {(a["metadata"].get("namespace"), a["metadata"]["name"]): a for a in accounts}
        fingerprint = tuple(
            (
                str(o["metadata"].get("namespace")),
                o["metadata"]["name"],
                str(o["metadata"].get("resourceVersion")),
            )
            for o in tokens + accounts
        )
        if fingerprint == self._seen:
            return 0
        writes = 0
        for secret in tokens:
            meta = secret["metadata"]
            if meta.get("deletionTimestamp"):
                continue
            annotations = meta.get("annotations") or {}
            sa = by_name.get((meta.get("namespace"), annotations.get(SA_NAME)))
            wanted_uid = annotations.get(SA_UID)
            if sa is None or (wanted_uid and wanted_uid != sa["metadata"].get("uid")):
                writes += int(delete_object(self.store, SECRETS, secret))
                continue
            if (secret.get("data") or {}).get("token") and wanted_uid:
                continue
            writes += int(apply_change(self.store, SECRETS, secret, self._fill(sa)))
        if writes == 0:
            self._seen = fingerprint
        return writes

    def _fill(self, sa: Obj) -> Any:
        def change(draft: Obj) -> None:
            meta = draft["metadata"]
            had_data = bool(draft.get("data"))
            had_annotations = bool(meta.get("annotations"))
            data = draft.setdefault("data", {})
            added: Obj = {}
            if self.ca_pem is not None and "ca.crt" not in data:
                data["ca.crt"] = base64.b64encode(self.ca_pem).decode()
                added["f:ca.crt"] = {}
            if "namespace" not in data:
                data["namespace"] = base64.b64encode(meta["namespace"].encode()).decode()
                added["f:namespace"] = {}
            token = self.signer.sign(legacy_claims(sa, meta["name"]))
            data["token"] = base64.b64encode(token.encode()).decode()
            added["f:token"] = {}
            meta.setdefault("annotations", {})[SA_UID] = sa["metadata"].get("uid", "")
            fields: Obj = {"f:data": ({".": {}} if not had_data else {}) | added}
            annotation: Obj = {f"f:{SA_UID}": {}}
            if not had_annotations:
                annotation = {".": {}} | annotation
            fields["f:metadata"] = {"f:annotations": annotation}
            entry = {
                "manager": KCM_MANAGER,
                "operation": "Update",
                "apiVersion": "v1",
                "time": now_rfc3339(),
                "fieldsType": "FieldsV1",
                "fieldsV1": fields,
            }
            entries = [
                e for e in meta.get("managedFields") or [] if e.get("manager") != KCM_MANAGER
            ]
            entries.append(entry)
            meta["managedFields"] = sort_managed_fields(entries)

        return change


def sort_managed_fields(entries: list[Obj]) -> list[Obj]:
    """The order kube-apiserver keeps managedFields in (fieldmanager sortEncodedManagedFields):
    operation (Apply before Update), time, manager, apiVersion."""
    return sorted(
        entries,
        key=lambda e: (
            str(e.get("operation", "")),
            str(e.get("time", "")),
            str(e.get("manager", "")),
            str(e.get("apiVersion", "")),
        ),
    )
