"""The registry: how each kind of object is created, updated and deleted (kube-apiserver's
k8s.io/apiserver/pkg/registry + pkg/registry/<group>/<kind>).

* `generic.GenericStore` (registry/generic/registry/store.go): ONE store for every resource. It
  fills system metadata, runs the resource's `Strategy` hooks and the validating admission
  plugins, and writes through the storage layer (storage.py) with one ``guaranteed_update``.
* `strategy.Strategy` (rest.RESTCreateStrategy / RESTUpdateStrategy / RESTDeleteStrategy /
  ResetFieldsStrategy): the per-kind rules. The strategies live in ``strategies/<group>.py``,
  one class per kind (or kind family); `strategies.strategy_for(key)` finds one.
* `context.RequestContext`: who asks, for which resource, namespace, name and subresource.

The handlers (handlers.py) decode, default and track managedFields, then call the registry;
admission (admission/) runs between them as kube-apiserver's chain does: mutating plugins
before the registry, validating plugins inside it (after the strategy's validation).
"""
