"""scripts/generate_protobuf.py: the field table is reproducible and agrees with the OpenAPI document."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from rawkube.models._registry import MODELS
from rawkube.protobuf import _codec
from rawkube.protobuf._codec import KINDS, LIST_WRAPPERS, MESSAGES

ROOT = Path(__file__).resolve().parents[2]


def _load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "generate_protobuf", ROOT / "scripts" / "generate_protobuf.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("generate_protobuf", module)
    spec.loader.exec_module(module)
    return module


gen = _load_generator()
SWAGGER: dict[str, Any] = json.loads((ROOT / "scripts/openapi/swagger.json").read_text())[
    "definitions"
]


def _definition(message: str) -> dict[str, Any] | None:
    name = "io.k8s." + message[len("k8s.io.") :]
    name = name.replace("apiextensions_apiserver", "apiextensions-apiserver")
    return SWAGGER.get(name.replace("kube_aggregator", "kube-aggregator"))


def test_the_committed_table_is_what_the_generator_writes() -> None:
    assert gen.build() == (ROOT / "rawkube/protobuf/fields.json").read_text()


def test_the_generator_reads_go_tags_pointers_and_inlined_structs() -> None:
    fields = {f[1]: f for f in MESSAGES["k8s.io.api.apps.v1.DeploymentSpec"]}
    # replicas is *int32 (written only when set), minReadySeconds a plain int32 with omitempty
    assert fields["replicas"][3] & gen.POINTER
    assert not fields["minReadySeconds"][3] & gen.POINTER
    assert fields["minReadySeconds"][3] & gen.OMITEMPTY
    # core/v1 Volume inlines VolumeSource in JSON (field 2 on the wire)
    volume = MESSAGES["k8s.io.api.core.v1.Volume"]
    assert [2, "", "k8s.io.api.core.v1.VolumeSource", gen.INLINE] in volume
    # the JSON name comes from the Go json tag, not the proto name
    webhooks = MESSAGES["k8s.io.api.admissionregistration.v1.ValidatingWebhookConfiguration"]
    assert any(f[0] == 2 and f[1] == "webhooks" for f in webhooks)
    schema = {f[1] for f in MESSAGES[_codec._APIEXT + "JSONSchemaProps"]}
    assert {"$ref", "$schema", "x-kubernetes-preserve-unknown-fields"} <= schema
    creation = {f[1]: f for f in MESSAGES[_codec._META + "ObjectMeta"]}["creationTimestamp"]
    assert creation[3] & gen.OMITZERO  # json:"creationTimestamp,omitempty,omitzero" (1.36)
    assert _codec._META + "Verbs" in LIST_WRAPPERS


def test_every_json_name_is_a_property_of_the_openapi_definition() -> None:
    checked = 0
    for message, fields in MESSAGES.items():
        definition = _definition(message)
        if definition is None or message in _codec._SPECIAL_OPS or message in LIST_WRAPPERS:
            continue
        properties = set(definition.get("properties", {}))
        for _number, json_name, _kind, flags in fields:
            if flags & gen.INLINE:
                continue
            assert json_name in properties, (message, json_name)
            checked += 1
    assert checked > 2000


def test_byte_fields_are_the_openapi_byte_strings() -> None:
    for message, fields in MESSAGES.items():
        definition = _definition(message)
        if definition is None:
            continue
        for _number, json_name, kind, flags in fields:
            prop = definition.get("properties", {}).get(json_name, {})
            if kind == "bytes" and not flags & gen.REPEATED:
                assert prop.get("format") == "byte", (message, json_name)


def test_every_built_in_kind_with_a_model_has_a_message() -> None:
    missing = []
    for (group, version, kind), _where in MODELS.items():
        api_version = f"{group}/{version}" if group else version
        if kind.endswith(("Options", "Event")) or api_version == "meta.k8s.io/v1":
            continue
        if _definition_gvk(group, version, kind) and _codec.message_for(api_version, kind) is None:
            missing.append((api_version, kind))
    assert missing == []
    assert KINDS["apps/v1"]["Deployment"] == "k8s.io.api.apps.v1.Deployment"
    assert KINDS["v1"]["Status"] == _codec._META + "Status"


def _definition_gvk(group: str, version: str, kind: str) -> bool:
    for definition in SWAGGER.values():
        for gvk in definition.get("x-kubernetes-group-version-kind", []):
            if (gvk["group"], gvk["version"], gvk["kind"]) == (group, version, kind):
                return True
    return False
