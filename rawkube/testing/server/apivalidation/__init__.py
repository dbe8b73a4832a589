"""kube-apiserver's checks of a written object, kind by kind: decoding (400) and validation (422).

Three pure entry points, used by the LocalAPIServer's write path:

- `decode_check(info, body)` -> `DecodeResult` | None: the body decoded into the kind's Go type
  (k8s.io/apimachinery/pkg/runtime/serializer/json): the 400 message and the strict-decoding
  errors (unknown / duplicate fields), see `decode`.
- `validate(info, obj)` -> causes: the kind's ``Validate`` (pkg/apis/<group>/validation), run
  on create after defaulting; `validate_update(info, new, old)` -> causes: ``ValidateUpdate``.
- `invalid_error(info, name, causes)`: the 422 Status (apimachinery/pkg/api/errors.NewInvalid).

Submodules are imported on first use: nothing here is loaded before a write needs it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rawkube.testing.server.apivalidation.decode import DecodeResult
    from rawkube.testing.server.errors import APIError
    from rawkube.testing.server.resources import ResourceInfo

Cause = dict[str, str]


def decode_check(info: ResourceInfo, body: Any) -> DecodeResult | None:
    """Decode ``body`` (raw JSON bytes, or an already parsed object) as the kind's Go type;
    None for kinds without a Go type (custom resources)."""
    from rawkube.testing.server.apivalidation import decode

    if info.crd:
        return None
    gotype = decode.go_type(info.api_version, info.kind)
    if gotype is None:
        return None
    if isinstance(body, (bytes, str)):
        try:
            body = decode.parse_exact(body)
        except ValueError:
            return None
    return decode.decode_body(gotype, body)


def decode_error_message(info: ResourceInfo, error: str) -> str:
    """The 400 message of a body that does not decode (runtime/serializer/json + the handlers)."""
    return f'{info.kind} in version "{info.version}" cannot be handled as a {info.kind}: {error}'


def patch_decode_error(shown: str, error: str) -> APIError:
    """The 422 of a patch whose result does not decode: the field "patch" with the patched
    object as the value (apiserver/pkg/endpoints/handlers/patch.go), kind and name left empty."""
    from rawkube.testing.server.apivalidation import fielderrors as fe

    return fe.invalid_status("", "", "", [fe.invalid("patch", shown, error)], bare=True)


def validate(info: ResourceInfo, obj: dict[str, Any]) -> list[Cause]:
    """The causes ``Validate`` of the kind's strategy reports for a new object."""
    from rawkube.testing.server.apivalidation import registry

    return registry.validate(info, obj)


def validate_update(info: ResourceInfo, new: dict[str, Any], old: dict[str, Any]) -> list[Cause]:
    """The causes ``ValidateUpdate`` of the kind's strategy reports for an update."""
    from rawkube.testing.server.apivalidation import registry

    return registry.validate_update(info, new, old)


def invalid_error(info: ResourceInfo, name: str, causes: list[Cause]) -> APIError:
    from rawkube.testing.server.apivalidation.fielderrors import invalid_status

    group = info.group
    if group == "events.k8s.io" and info.kind == "Event":
        group = ""  # one storage, core's: errors.NewInvalid gets the core GroupKind
    return invalid_status(info.kind, group, name, causes)
