"""Generated models: lossless round trips of the recorded objects, views, construction, repr.

Ground truth is `fixtures/real-apiserver/*.json`, recorded from a real Kubernetes 1.36 API server.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from rawkube.models import _base
from rawkube.models._base import Model, ModelList, Obj, ObjList, ObjMap
from rawkube.models._registry import MODELS, model_for
from rawkube.models.apps_v1 import Deployment, DeploymentList, DeploymentSpec
from rawkube.models.core_v1 import Container, ContainerPort, PodSpec, PodTemplateSpec, Secret
from rawkube.models.meta_v1 import LabelSelector, ListMeta, ObjectMeta

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "real-apiserver"

# Discovery documents carry no apiVersion (legacy discovery) or no kind (/version).
_UNVERSIONED = {"APIResourceList": "APIResourceList", "APIVersions": "APIVersions"}


def _recorded_objects() -> Iterator[tuple[str, dict[str, Any]]]:
    """Every JSON object the recording holds: request bodies, response bodies, watch events."""
    for path in sorted(FIXTURES.glob("*.json")):
        exchange = json.loads(path.read_text())
        bodies = [exchange["request"].get("body"), exchange["response"].get("body")]
        bodies += [line.get("object") for line in exchange["response"].get("body_lines") or []]
        for index, body in enumerate(bodies):
            if isinstance(body, str) and body.startswith("apiVersion:"):
                body = yaml.safe_load(body)  # 035: the YAML response is the same Deployment
            if isinstance(body, dict) and "base64" not in body:
                yield f"{path.stem}[{index}]", body


def _model_class(obj: dict[str, Any]) -> type[Model] | None:
    kind = obj.get("kind")
    if "apiVersion" not in obj:
        if kind in _UNVERSIONED:
            return model_for("", "v1", _UNVERSIONED[kind])
        if "gitVersion" in obj:  # GET /version: apimachinery pkg/version.Info
            from rawkube.models.meta_v1 import Info

            return Info
        return None
    group, _, version = obj["apiVersion"].rpartition("/")
    return model_for(group, version, kind) if isinstance(kind, str) else None


def _typed_objects() -> list[tuple[str, type[Model], dict[str, Any]]]:
    found = []
    for name, obj in _recorded_objects():
        cls = _model_class(obj)
        if cls is not None:
            found.append((name, cls, obj))
    return found


TYPED = _typed_objects()

# The recording itself sends a field no schema has (022/023: the unknown-field Warning and the
# fieldValidation=Strict 400); those request bodies must survive their model untouched.
DELIBERATELY_UNKNOWN = {
    "022-create-deployment-unknown-field-warn[0]": [".spec.bogusField"],
    "023-create-deployment-unknown-field-strict[0]": [".spec.bogusField"],
}


def _descriptors(cls: type[Model]) -> dict[str, tuple[str, Any]]:
    """wire name -> (attribute, descriptor) for a model class."""
    out: dict[str, tuple[str, Any]] = {}
    for klass in reversed(cls.__mro__):
        for attr, value in vars(klass).items():
            if isinstance(value, _base._Descriptor):
                out[value.wire] = (attr, value)
    return out


def _unknown_keys(cls: type[Model], data: dict[str, Any], where: str = "") -> list[str]:
    """Wire keys (at any depth) that the model tree does not declare."""
    missing: list[str] = []
    fields = _descriptors(cls)
    for key, value in data.items():
        if key not in fields:
            missing.append(f"{where}.{key}")
            continue
        _, desc = fields[key]
        if isinstance(desc, Obj) and isinstance(value, dict):
            missing += _unknown_keys(desc._cls or desc._resolve(), value, f"{where}.{key}")
        elif isinstance(desc, ObjList) and isinstance(value, list):
            target = desc._cls or desc._resolve()
            for i, item in enumerate(value):
                missing += _unknown_keys(target, item, f"{where}.{key}[{i}]")
        elif isinstance(desc, ObjMap) and isinstance(value, dict):
            target = desc._cls or desc._resolve()
            for k, item in value.items():
                missing += _unknown_keys(target, item, f"{where}.{key}[{k}]")
    return missing


def _touch(model: Model) -> None:
    """Read every declared field, recursively where present (must not change the wire dict)."""
    for wire, (attr, _desc) in _descriptors(type(model)).items():
        value = getattr(model, attr)
        if wire not in model.to_dict():
            continue  # an empty zero-value view; recursing would never end for JSONSchemaProps
        if isinstance(value, Model):
            _touch(value)
        elif isinstance(value, ModelList):
            for item in value:
                _touch(item)
        elif isinstance(value, _base.ModelMap):
            for item in value.values():
                _touch(item)


def _rebuild(model: Model) -> Model:
    """A new object built with the typed constructor from the typed attribute values."""
    kwargs: dict[str, Any] = {}
    for wire, (attr, _desc) in _descriptors(type(model)).items():
        if model.to_dict().get(wire) is None:
            continue
        value = getattr(model, attr)
        if isinstance(value, Model):
            value = _rebuild(value)
        elif isinstance(value, ModelList):
            value = [_rebuild(item) for item in value]
        elif isinstance(value, _base.ModelMap):
            value = {key: _rebuild(item) for key, item in value.items()}
        kwargs[attr] = value
    return type(model)(**kwargs)


# -- the recording is covered ------------------------------------------------------------------


def test_recording_has_typed_objects_of_many_kinds() -> None:
    kinds = {cls.__name__ for _, cls, _ in TYPED}
    assert len(TYPED) > 100
    assert {"Deployment", "DeploymentList", "Status", "Scale", "Pod", "Namespace"} <= kinds
    assert {"CustomResourceDefinition", "APIResourceList", "Info", "SelfSubjectReview"} <= kinds


@pytest.mark.parametrize(("name", "cls", "obj"), TYPED, ids=[t[0] for t in TYPED])
def test_recorded_object_round_trips_losslessly(
    name: str, cls: type[Model], obj: dict[str, Any]
) -> None:
    original = copy.deepcopy(obj)
    model = cls.from_dict(obj)
    _touch(model)
    out = model.to_dict()
    assert out == original
    # Byte-exact too: key order is the server's (what a fixture replay compares).
    assert json.dumps(out) == json.dumps(original)


@pytest.mark.parametrize(("name", "cls", "obj"), TYPED, ids=[t[0] for t in TYPED])
def test_recorded_object_fields_are_all_known_to_the_models(
    name: str, cls: type[Model], obj: dict[str, Any]
) -> None:
    """The generated schema covers everything the 1.36 server sends (no field only kept blindly)."""
    assert _unknown_keys(cls, obj) == DELIBERATELY_UNKNOWN.get(name, [])


@pytest.mark.parametrize(("name", "cls", "obj"), TYPED, ids=[t[0] for t in TYPED])
def test_recorded_object_rebuilt_through_typed_constructors_is_equal(
    name: str, cls: type[Model], obj: dict[str, Any]
) -> None:
    """Every descriptor converts both ways: typed read, then typed construction, gives the dict."""
    rebuilt = _rebuild(cls.from_dict(copy.deepcopy(obj))).to_dict()
    expected = _without_nulls(obj)
    for path in DELIBERATELY_UNKNOWN.get(name, []):
        *parents, leaf = path.strip(".").split(".")
        parent = expected
        for key in parents:
            parent = parent[key]
        del parent[leaf]  # a constructor only knows declared fields
    assert _without_type_meta_added(rebuilt, expected) == expected


def _without_nulls(value: Any) -> Any:
    """The server does send explicit nulls (e.g. `conditions: null` in a CRD status, or
    `selector: null` in a DELETED watch event); a constructor treats None as "leave out"."""
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


def _without_type_meta_added(built: Any, original: Any) -> Any:
    """Constructors fill apiVersion/kind; list items on the wire omit them (the list has them)."""
    if isinstance(built, dict) and isinstance(original, dict):
        return {
            k: _without_type_meta_added(v, original.get(k))
            for k, v in built.items()
            if k in original or k not in ("apiVersion", "kind")
        }
    if isinstance(built, list) and isinstance(original, list) and len(built) == len(original):
        return [_without_type_meta_added(b, o) for b, o in zip(built, original, strict=True)]
    return built


# -- unknown fields survive ------------------------------------------------------------------------


def _recorded_deployment() -> dict[str, Any]:
    exchange = json.loads((FIXTURES / "010-get-deployment.json").read_text())
    body: dict[str, Any] = exchange["response"]["body"]
    return body


def test_recorded_unknown_field_is_kept_through_the_model() -> None:
    exchange = json.loads((FIXTURES / "022-create-deployment-unknown-field-warn.json").read_text())
    body = exchange["request"]["body"]
    dep = Deployment.from_dict(copy.deepcopy(body))
    dep.spec.replicas = (dep.spec.replicas or 0) + 1
    out = dep.to_dict()
    assert out["spec"]["bogusField"] == body["spec"]["bogusField"]
    assert {**out["spec"], "replicas": body["spec"]["replicas"]} == body["spec"]


def test_unknown_fields_survive_typed_read_modify_write() -> None:
    wire = _recorded_deployment()
    # What a newer server might add, at the top, in a nested struct and inside a list element.
    wire["futureTopLevel"] = {"a": 1}
    wire["spec"]["futureSpecField"] = "x"
    wire["spec"]["template"]["spec"]["containers"][0]["futureContainerField"] = [1, 2]
    expected = copy.deepcopy(wire)

    dep = Deployment.from_dict(json.loads(json.dumps(wire)))  # as if decoded from the response
    dep.spec.replicas = 5
    dep.spec.template.spec.containers[0].image = "nginx:1.27"
    dep.metadata.labels = {"touched": "yes"}

    expected["spec"]["replicas"] = 5
    expected["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:1.27"
    expected["metadata"]["labels"] = {"touched": "yes"}
    sent = json.loads(json.dumps(dep.to_dict()))  # what update() would put on the wire
    assert sent == expected
    assert sent["futureTopLevel"] == {"a": 1}
    assert sent["spec"]["template"]["spec"]["containers"][0]["futureContainerField"] == [1, 2]


def test_unknown_field_inside_replaced_list_element_is_kept_when_list_is_reassigned() -> None:
    dep = Deployment.from_dict(_recorded_deployment())
    pod = dep.spec.template.spec
    pod.containers[0].to_dict()["futureField"] = True
    pod.containers = [*pod.containers, Container(name="sidecar", image="busybox")]
    raw = dep.to_dict()["spec"]["template"]["spec"]["containers"]
    assert raw[0]["futureField"] is True
    assert raw[1] == {"image": "busybox", "name": "sidecar"}


# -- views -----------------------------------------------------------------------------------------


def test_from_dict_is_a_view_not_a_copy() -> None:
    wire = _recorded_deployment()
    dep = Deployment.from_dict(wire)
    assert dep.to_dict() is wire
    assert dep.spec.to_dict() is wire["spec"]
    dep.spec.replicas = 7
    assert wire["spec"]["replicas"] == 7
    wire["spec"]["replicas"] = 8
    assert dep.spec.replicas == 8


def test_model_list_writes_through() -> None:
    lst = DeploymentList.from_dict({"apiVersion": "apps/v1", "kind": "DeploymentList", "items": []})
    lst.items.append(Deployment(metadata=ObjectMeta(name="a")))
    lst.items.insert(0, Deployment(metadata=ObjectMeta(name="b")))
    assert [d.metadata.name for d in lst.items] == ["b", "a"]
    lst.items[1] = Deployment(metadata=ObjectMeta(name="c"))
    del lst.items[0]
    assert lst.to_dict()["items"] == [
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "c"}}
    ]
    assert len(lst.items) == 1
    assert lst.items == [Deployment(metadata=ObjectMeta(name="c"))]
    assert isinstance(lst.items[0:1], list)


def test_assigning_none_removes_the_key_like_omitempty() -> None:
    spec = DeploymentSpec(replicas=3, paused=True)
    spec.paused = None
    assert spec.to_dict() == {"replicas": 3}
    del spec.replicas
    assert spec.to_dict() == {}


def test_absent_nested_fields_read_as_go_zero_values_without_changing_the_dict() -> None:
    wire: dict[str, Any] = {"apiVersion": "apps/v1", "kind": "Deployment"}
    dep = Deployment.from_dict(wire)
    assert dep.status.replicas is None  # *int32 nil inside a zero DeploymentStatus
    assert len(dep.spec.template.spec.containers) == 0  # nil slice
    assert list(dep.spec.template.spec.containers) == []
    assert dep.spec == DeploymentSpec()
    assert wire == {"apiVersion": "apps/v1", "kind": "Deployment"}  # reads wrote nothing


def test_first_write_through_absent_fields_builds_the_path() -> None:
    dep = Deployment()
    dep.spec.template.spec.containers.append(Container(name="web", image="nginx"))
    dep.spec.selector.match_labels = {"app": "web"}
    dep.metadata.name = "web"
    assert dep.to_dict() == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "spec": {
            "template": {"spec": {"containers": [{"image": "nginx", "name": "web"}]}},
            "selector": {"matchLabels": {"app": "web"}},
        },
        "metadata": {"name": "web"},
    }


def test_two_views_of_one_absent_field_write_to_the_same_dict() -> None:
    dep = Deployment()
    first, second = dep.spec, dep.spec
    first.replicas = 1
    second.paused = True
    assert dep.to_dict()["spec"] == {"replicas": 1, "paused": True}
    assert first == second


def test_explicit_null_reads_as_empty_and_is_replaced_on_write() -> None:
    # The server sends `selector: null` in a DELETED watch event of the recording (039).
    dep = Deployment.from_dict({"spec": {"selector": None}})
    assert dep.spec.selector.match_labels is None
    assert dep.to_dict() == {"spec": {"selector": None}}
    dep.spec.selector.match_labels = {"a": "b"}
    assert dep.to_dict() == {"spec": {"selector": {"matchLabels": {"a": "b"}}}}


def test_absent_map_of_models_attaches_on_first_store() -> None:
    from rawkube.models.apiextensions_v1 import JSONSchemaProps

    schema = JSONSchemaProps()
    assert len(schema.properties) == 0 and schema.to_dict() == {}
    schema.properties["size"] = JSONSchemaProps(type="integer")
    assert schema.to_dict() == {"properties": {"size": {"type": "integer"}}}


def test_map_of_models_is_a_view() -> None:
    from rawkube.models.apiextensions_v1 import JSONSchemaProps

    schema = JSONSchemaProps(type="object", properties={"size": JSONSchemaProps(type="integer")})
    assert schema.properties["size"].type == "integer"
    schema.properties["name"] = JSONSchemaProps(type="string")
    assert schema.to_dict() == {
        "properties": {"size": {"type": "integer"}, "name": {"type": "string"}},
        "type": "object",
    }


# -- construction ----------------------------------------------------------------------------------


def test_construction_fills_api_version_and_kind_and_maps_names() -> None:
    dep = Deployment(
        metadata=ObjectMeta(name="demo-deployment", labels={"app": "demo"}),
        spec=DeploymentSpec(
            replicas=2,
            selector=LabelSelector(match_labels={"app": "demo"}),
            template=PodTemplateSpec(
                metadata=ObjectMeta(labels={"app": "demo"}),
                spec=PodSpec(
                    containers=[
                        Container(
                            name="web",
                            image="nginx:1.12",
                            ports=[ContainerPort(name="http", protocol="TCP", container_port=80)],
                        )
                    ]
                ),
            ),
        ),
    )
    assert dep.to_dict() == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"labels": {"app": "demo"}, "name": "demo-deployment"},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "demo"}},
            "template": {
                "metadata": {"labels": {"app": "demo"}},
                "spec": {
                    "containers": [
                        {
                            "image": "nginx:1.12",
                            "name": "web",
                            "ports": [{"containerPort": 80, "name": "http", "protocol": "TCP"}],
                        }
                    ]
                },
            },
        },
    }
    # The recorded create request (008) sends the same object.
    sent = json.loads((FIXTURES / "008-create-deployment.json").read_text())["request"]["body"]
    assert sent["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"] == 80


def test_constructor_is_keyword_only_and_rejects_unknown_names() -> None:
    with pytest.raises(TypeError):
        Deployment(ObjectMeta(name="x"))  # type: ignore[call-arg, arg-type]
    with pytest.raises(TypeError):
        Deployment(metadta=ObjectMeta(name="x"))  # type: ignore[call-arg]


def test_keyword_and_builtin_clashes_get_a_trailing_underscore() -> None:
    from rawkube.models.apiextensions_v1 import JSONSchemaProps
    from rawkube.models.networking_v1 import NetworkPolicyIngressRule, NetworkPolicyPeer
    from rawkube.models.resource_v1 import DeviceAttribute

    meta = ListMeta.from_dict({"continue": "token-1", "resourceVersion": "42"})
    assert meta.continue_ == "token-1"
    assert meta.resource_version == "42"
    rule = NetworkPolicyIngressRule(from_=[NetworkPolicyPeer(ip_block=None)])
    assert rule.to_dict() == {"from": [{}]}
    props = JSONSchemaProps(not_=JSONSchemaProps(type="string"), ref="#/x", schema="s")
    assert props.to_dict() == {"not": {"type": "string"}, "$ref": "#/x", "$schema": "s"}
    attr = DeviceAttribute(int_=3, bool_=True)
    assert attr.to_dict() == {"int": 3, "bool": True}
    flagged = JSONSchemaProps(x_kubernetes_int_or_string=True)
    assert flagged.to_dict() == {"x-kubernetes-int-or-string": True}


def test_int_or_string_and_quantity_stay_wire_values() -> None:
    from rawkube.models.apps_v1 import RollingUpdateDeployment
    from rawkube.models.core_v1 import ResourceRequirements

    ru = RollingUpdateDeployment(max_surge="25%", max_unavailable=1)
    assert ru.to_dict() == {"maxSurge": "25%", "maxUnavailable": 1}
    res = ResourceRequirements(limits={"cpu": "500m", "memory": "1Gi"})
    assert res.limits == {"cpu": "500m", "memory": "1Gi"}


def test_time_fields_keep_the_wire_string_and_parse_on_request() -> None:
    dep = Deployment.from_dict(_recorded_deployment())
    stamp = dep.metadata.creation_timestamp
    assert isinstance(stamp, str) and stamp.endswith("Z")
    parsed = _base.parse_time(stamp)
    assert parsed.tzinfo is not None and parsed.utcoffset() == dt.timedelta(0)
    assert _base.format_time(parsed) == stamp
    micro = "2026-11-25T01:02:03.123456Z"
    assert _base.format_time(_base.parse_time(micro), micro=True) == micro


# -- equality and repr -----------------------------------------------------------------------------


def test_equality_compares_wire_content_and_type() -> None:
    a = Deployment(metadata=ObjectMeta(name="x"))
    b = Deployment.from_dict(
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "x"}}
    )
    assert a == b
    assert a != Deployment(metadata=ObjectMeta(name="y"))
    assert ObjectMeta(name="x") != Container(name="x")
    assert a != a.to_dict()
    with pytest.raises(TypeError):
        hash(a)


def test_deepcopy_is_independent() -> None:
    a = Deployment.from_dict(_recorded_deployment())
    b = copy.deepcopy(a)
    assert a == b
    b.spec.replicas = 42
    assert a != b


def test_repr_is_short_and_readable() -> None:
    dep = Deployment.from_dict(_recorded_deployment())
    assert repr(dep) == "Deployment(name='demo-deployment', namespace='default')"
    port = ContainerPort(container_port=80, protocol="TCP")
    assert repr(port) == "ContainerPort(container_port=80, protocol='TCP')"
    assert repr(dep.metadata).startswith(
        "ObjectMeta(name='demo-deployment', namespace='default', creation_timestamp="
    )
    text = repr(dep.spec)
    assert text.startswith("DeploymentSpec(") and len(text) < 200


def test_repr_never_shows_credentials() -> None:
    from rawkube.models.authentication_v1 import TokenRequestStatus, TokenReviewSpec

    secret_value = "c3VwZXItc2VjcmV0LXRva2Vu"
    assert secret_value not in repr(TokenReviewSpec(token=secret_value))
    assert secret_value not in repr(TokenRequestStatus(token=secret_value))
    assert secret_value not in repr(Secret(data={"token": secret_value}))
    assert secret_value not in repr(
        Secret(metadata=ObjectMeta(name="s"), string_data={"password": secret_value})
    )


def test_repr_masks_credential_fields_but_not_metadata() -> None:
    """`metadata` contains "data" but is no credential: a list's repr showed metadata='***'."""
    from rawkube.models.apps_v1 import DeploymentList
    from rawkube.models.core_v1 import SecretList

    lst = DeploymentList.from_dict({"metadata": {"resourceVersion": "7"}, "items": []})
    assert repr(lst) == "DeploymentList(metadata={...}, items=[0 items])"
    secrets = SecretList.from_dict({"metadata": {}, "items": [{"data": {"k": "c2VjcmV0"}}]})
    assert "***" not in repr(secrets)
    secret = Secret(data={"k": "c2VjcmV0"}, type="Opaque")
    assert repr(secret) == "Secret(type='Opaque', data='***')"


def test_docstrings_come_from_the_spec() -> None:
    assert Deployment.__doc__ == "Deployment enables declarative updates for Pods and ReplicaSets."
    assert Container.__doc__ is not None and Container.__doc__.startswith("A single application")


# -- registry and lazy imports ---------------------------------------------------------------------


def test_registry_maps_every_kind_to_its_class() -> None:
    assert MODELS[("apps", "v1", "Deployment")] == ("rawkube.models.apps_v1", "Deployment")
    assert model_for("apps", "v1", "Deployment") is Deployment
    assert model_for("", "v1", "Secret") is Secret
    assert model_for("example.com", "v1", "Widget") is None
    for (_group, version, kind), (module, name) in MODELS.items():
        assert module.startswith("rawkube.models.") and name
        assert kind and version


def test_importing_apps_v1_does_not_import_other_model_modules() -> None:
    code = (
        "import sys, rawkube.models.apps_v1 as m\n"
        "print(sorted(n for n in sys.modules if n.startswith('rawkube.models')))\n"
        "d = m.Deployment.from_dict({'metadata': {'name': 'x'}})\n"
        "assert d.metadata.name == 'x'\n"
        "print(sorted(n for n in sys.modules if n.startswith('rawkube.models')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    ).stdout.splitlines()
    assert out[0] == "['rawkube.models', 'rawkube.models._base', 'rawkube.models.apps_v1']"
    # meta_v1 is imported only when a Deployment's metadata is first read.
    assert "rawkube.models.meta_v1" in out[1] and "rawkube.models.core_v1" not in out[1]


def test_package_exports_helpers_and_registry_lazily() -> None:
    import rawkube.models as models

    assert models.model_for("batch", "v1", "Job").__name__ == "Job"
    assert models.MODELS[("", "v1", "Pod")] == ("rawkube.models.core_v1", "Pod")
    assert models.parse_time("2026-11-25T01:00:19Z").year == 2026
    with pytest.raises(AttributeError):
        models.no_such_name  # noqa: B018
