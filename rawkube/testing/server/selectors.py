"""Label and field selectors, as the apiserver parses them from ``?labelSelector=`` / ``?fieldSelector=``.

Label selectors follow k8s.io/apimachinery/pkg/labels/selector.go: comma-separated requirements,
each equality-based (``a=b``, ``a==b``, ``a!=b``) or set-based (``a in (x,y)``, ``a notin (x)``,
``a`` exists, ``!a`` does not exist). Field selectors follow .../fields/selector.go: only ``=``,
``==`` and ``!=`` on dotted paths such as ``metadata.name`` or ``status.phase``.
A malformed selector is a 400 BadRequest, as on the real server.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from rawkube.testing.server.errors import APIError

Predicate = Callable[[Mapping[str, str]], bool]

# -- label selectors: a port of labels/selector.go's Lexer and Parser ---------------------------

_SPECIAL = "=!(),><"
_WHITESPACE = " \t\r\n"
_TOKENS = {
    ")": "closepar",
    ",": "comma",
    "!": "notexists",
    "==": "doubleequals",
    "=": "equals",
    ">": "gt",
    "in": "in",
    "<": "lt",
    "!=": "notequals",
    "notin": "notin",
    "(": "openpar",
}
_BINARY_OPERATORS = "in, notin, =, ==, !=, gt, lt"


def _lex(text: str) -> list[tuple[str, str]]:
    """labels.Lexer: (token, literal) pairs ending with ("end", "")."""
    items: list[tuple[str, str]] = []
    pos, n = 0, len(text)
    while True:
        while pos < n and text[pos] in _WHITESPACE:
            pos += 1
        if pos >= n:
            items.append(("end", ""))
            return items
        if text[pos] in _SPECIAL:
            buffer, last = "", ("", "")
            while pos < n and text[pos] in _SPECIAL:
                buffer += text[pos]
                if buffer in _TOKENS:
                    last = (_TOKENS[buffer], buffer)
                    pos += 1
                elif last[0]:
                    break
                else:
                    pos += 1
            if not last[0]:
                items.append(("error", f"error expected: keyword found '{buffer}'"))
            else:
                items.append(last)
            continue
        start = pos
        while pos < n and text[pos] not in _SPECIAL and text[pos] not in _WHITESPACE:
            pos += 1
        word = text[start:pos]
        items.append((_TOKENS.get(word, "identifier"), word))


class _SelectorError(Exception):
    pass


def _field_error(field: str, body: str) -> str:
    """field.Error.Error(): "<field>: <body>"."""
    return f"{field}: {body}"


class _LabelParser:
    """labels.Parser: the left recursive descent over the lexed items."""

    def __init__(self, text: str) -> None:
        self.items = _lex(text)
        self.pos = 0

    def lookahead(self, values: bool = True) -> tuple[str, str]:
        tok, lit = self.items[self.pos]
        if values and tok in ("in", "notin"):
            tok = "identifier"
        return tok, lit

    def consume(self, values: bool = True) -> tuple[str, str]:
        tok, lit = self.lookahead(values)
        self.pos += 1
        return tok, lit

    def parse(self) -> list[tuple[str, str, list[str]]]:
        requirements: list[tuple[str, str, list[str]]] = []
        while True:
            tok, lit = self.lookahead()
            if tok in ("identifier", "notexists"):
                try:
                    requirements.append(self.requirement())
                except _SelectorError as err:
                    raise _SelectorError(f"unable to parse requirement: {err}") from None
                tok, lit = self.consume()
                if tok == "end":
                    return requirements
                if tok == "comma":
                    tok2, lit2 = self.lookahead()
                    if tok2 not in ("identifier", "notexists"):
                        raise _SelectorError(f"found '{lit2}', expected: identifier after ','")
                else:
                    raise _SelectorError(f"found '{lit}', expected: ',' or 'end of string'")
            elif tok == "end":
                return requirements
            else:
                raise _SelectorError(f"found '{lit}', expected: !, identifier, or 'end of string'")

    def requirement(self) -> tuple[str, str, list[str]]:
        operator = ""
        tok, literal = self.consume()
        if tok == "notexists":
            operator = "!"
            tok, literal = self.consume()
        if tok != "identifier":
            raise _SelectorError(f"found '{literal}', expected: identifier")
        key = literal
        key_errors = _label_key_errors(key)
        if key_errors:
            # The parser's path is a nil *field.Path, which fmt prints as "<nil>".
            raise _SelectorError(_field_error("<nil>", key_errors))
        if self.lookahead()[0] in ("end", "comma"):
            return _new_requirement(key, operator or "exists", [])
        if operator == "!":
            return _new_requirement(key, "!", [])
        tok, lit = self.consume(values=False)
        ops = {
            "in": "in",
            "equals": "=",
            "doubleequals": "==",
            "gt": "gt",
            "lt": "lt",
            "notin": "notin",
            "notequals": "!=",
        }
        if tok not in ops:
            raise _SelectorError(f"found '{lit}', expected: {_BINARY_OPERATORS}")
        op = ops[tok]
        values = self.set_values() if op in ("in", "notin") else self.exact_value()
        return _new_requirement(key, op, sorted(values))

    def set_values(self) -> set[str]:
        tok, lit = self.consume()
        if tok != "openpar":
            raise _SelectorError(f"found '{lit}' expected: '('")
        tok, lit = self.lookahead()
        if tok in ("identifier", "comma"):
            values = self.identifiers()
            if self.consume()[0] != "closepar":
                raise _SelectorError(f"found '{lit}', expected: ')'")
            return values
        if tok == "closepar":
            self.consume()
            return {""}
        raise _SelectorError(f"found '{lit}', expected: ',', ')' or identifier")

    def identifiers(self) -> set[str]:
        values: set[str] = set()
        while True:
            tok, lit = self.consume()
            if tok == "identifier":
                values.add(lit)
                tok2, lit2 = self.lookahead()
                if tok2 == "comma":
                    continue
                if tok2 == "closepar":
                    return values
                raise _SelectorError(f"found '{lit2}', expected: ',' or ')'")
            if tok == "comma":
                if not values:
                    values.add("")
                tok2, _ = self.lookahead()
                if tok2 in ("closepar", "comma"):
                    values.add("")
                    if tok2 == "closepar":
                        return values
                continue
            raise _SelectorError(f"found '{lit}', expected: ',', or identifier")

    def exact_value(self) -> set[str]:
        tok, _ = self.lookahead()
        if tok in ("end", "comma"):
            return {""}
        tok, lit = self.consume()
        if tok == "identifier":
            return {lit}
        raise _SelectorError(f"found '{lit}', expected: identifier")


def _label_key_errors(key: str) -> str:
    from rawkube.testing.server.apivalidation.fielderrors import invalid
    from rawkube.testing.server.apivalidation.meta import is_qualified_name

    errs = is_qualified_name(key)
    return invalid("", key, "; ".join(errs))["message"] if errs else ""


def _new_requirement(key: str, op: str, values: list[str]) -> tuple[str, str, list[str]]:
    """labels.NewRequirement's checks (the value rules; the key was checked by the parser)."""
    from rawkube.testing.server.apivalidation.fielderrors import invalid
    from rawkube.testing.server.apivalidation.meta import is_label_value

    errors: list[str] = []
    if op in ("gt", "lt"):
        for i, value in enumerate(values):
            try:
                int(value, 10)
            except ValueError:
                cause = invalid(
                    f"values[{i}]", value, "for 'Gt', 'Lt' operators, the value must be an integer"
                )
                errors.append(_field_error(cause["field"], cause["message"]))
    for i, value in enumerate(values):
        errs = is_label_value(value)
        if errs:
            cause = invalid(f"values[{i}][{key}]", value, "; ".join(errs))
            errors.append(_field_error(cause["field"], cause["message"]))
    if errors:
        text = errors[0] if len(errors) == 1 else "[" + ", ".join(errors) + "]"
        raise _SelectorError(text)
    return key, op, values


def _matcher(requirement: tuple[str, str, list[str]]) -> Predicate:
    key, op, values = requirement
    wanted = set(values)
    if op in ("=", "==", "in"):
        return lambda labels: key in labels and labels[key] in wanted
    if op in ("!=", "notin"):
        return lambda labels: key not in labels or labels[key] not in wanted
    if op == "exists":
        return lambda labels: key in labels
    if op == "!":
        return lambda labels: key not in labels

    def compare(labels: Mapping[str, str]) -> bool:
        try:
            have = int(labels[key], 10)
        except (KeyError, ValueError):
            return False
        limit = int(values[0], 10)
        return have > limit if op == "gt" else have < limit

    return compare


def parse_label_requirements(text: str | None) -> list[tuple[str, str, list[str]]]:
    """labels.Parse as (key, operator, values) requirements; 400 BadRequest with the parser's
    message for a malformed selector."""
    if not text:
        return []
    try:
        return _LabelParser(text).parse()
    except _SelectorError as err:
        raise APIError(400, "BadRequest", str(err)) from None


def parse_label_selector(text: str | None) -> Predicate:
    """A predicate over a labels mapping; an empty selector matches everything."""
    matchers = [_matcher(r) for r in parse_label_requirements(text)]
    if not matchers:
        return lambda labels: True
    return lambda labels: all(m(labels) for m in matchers)


def label_selector_predicate(selector: Mapping[str, Any] | None) -> Predicate:
    """A predicate for a metav1.LabelSelector object (matchLabels + matchExpressions).

    Used for Deployment/ReplicaSet selectors. A null selector matches nothing, an empty one
    everything (metav1.LabelSelectorAsSelector).
    """
    if selector is None:
        return lambda labels: False
    match_labels = dict(selector.get("matchLabels") or {})
    expressions = list(selector.get("matchExpressions") or [])

    def predicate(labels: Mapping[str, str]) -> bool:
        if any(labels.get(k) != v for k, v in match_labels.items()):
            return False
        for expr in expressions:
            key, op, values = expr.get("key"), expr.get("operator"), expr.get("values") or []
            if op == "In" and labels.get(key) not in values:
                return False
            if op == "NotIn" and labels.get(key) in values:
                return False
            if op == "Exists" and key not in labels:
                return False
            if op == "DoesNotExist" and key in labels:
                return False
        return True

    return predicate


def field_value(obj: Mapping[str, Any], path: str) -> str | None:
    """The string form of a dotted field of an object (None when absent)."""
    value: Any = obj
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    if isinstance(value, bool):
        return "true" if value else "false"
    return None if value is None else str(value)


# -- field selectors: fields/selector.go and the per-kind field label conversions -------------

# The field labels each kind's conversion function accepts (AddFieldLabelConversionFunc in
# pkg/apis/<group>/<version>/conversion.go), keyed by (group, resource), with the message of its
# refusal ({} is the label). Kinds without one use runtime.DefaultMetaV1FieldSelectorConversion.
_CORE_SUPPORTED = "field label not supported: {}"
FIELD_LABELS: dict[tuple[str, str], tuple[dict[str, str], str]] = {}


def _labels(group: str, resource: str, labels: list[str], message: str = _CORE_SUPPORTED) -> None:
    FIELD_LABELS[(group, resource)] = ({label: label for label in labels}, message)


_labels(
    "",
    "pods",
    ["metadata.name", "metadata.namespace", "spec.nodeName", "spec.restartPolicy"]
    + ["spec.schedulerName", "spec.serviceAccountName", "spec.hostNetwork", "status.phase"]
    + ["status.podIP", "status.podIPs", "status.nominatedNodeName"],
)
FIELD_LABELS[("", "pods")][0]["spec.host"] = "spec.nodeName"  # old v1 clients
_labels("", "nodes", ["metadata.name", "spec.unschedulable"])
_labels("", "replicationcontrollers", ["metadata.name", "metadata.namespace", "status.replicas"])
_labels(
    "",
    "events",
    [f"involvedObject.{f}" for f in ("kind", "namespace", "name", "uid", "apiVersion")]
    + ["involvedObject.resourceVersion", "involvedObject.fieldPath", "reason"]
    + ["reportingComponent", "source", "type", "metadata.namespace", "metadata.name"],
)
_labels("", "namespaces", ["status.phase", "metadata.name"])
_labels("", "secrets", ["type", "metadata.namespace", "metadata.name"])
_labels("", "services", ["metadata.namespace", "metadata.name", "spec.clusterIP", "spec.type"])
_labels(
    "batch",
    "jobs",
    ["metadata.name", "metadata.namespace", "status.successful"],
    "field label {!q} not supported for Job",
)
_labels("certificates.k8s.io", "certificatesigningrequests", ["metadata.name", "spec.signerName"])
_labels(
    "resource.k8s.io",
    "resourceslices",
    ["metadata.name", "spec.nodeName", "spec.driver"],
    "field label not supported for resource.k8s.io/v1, Kind=ResourceSlice: {}",
)
FIELD_LABELS[("events.k8s.io", "events")] = (
    {
        "reason": "reason",
        **{f"regarding.{f}": f"involvedObject.{f}" for f in ("kind", "namespace", "name")},
        **{f"regarding.{f}": f"involvedObject.{f}" for f in ("uid", "apiVersion")},
        "regarding.resourceVersion": "involvedObject.resourceVersion",
        "regarding.fieldPath": "involvedObject.fieldPath",
        "reportingController": "reportingComponent",
        "type": "type",
        "metadata.namespace": "metadata.namespace",
        "metadata.name": "metadata.name",
    },
    _CORE_SUPPORTED,
)
COMMON_FIELDS = frozenset({"metadata.name", "metadata.namespace"})


def convert_field_label(group: str, resource: str, label: str) -> str:
    """Scheme.ConvertFieldLabel: the label the registry matches on, or a 400 BadRequest."""
    known = FIELD_LABELS.get((group, resource))
    if known is None:
        if label in COMMON_FIELDS:
            return label
        raise APIError(
            400,
            "BadRequest",
            f'"{label}" is not a known field selector: only "metadata.name", "metadata.namespace"',
        )
    mapping, message = known
    if label not in mapping:
        quoted = '"' + label.replace("\\", "\\\\").replace('"', '\\"') + '"'
        raise APIError(400, "BadRequest", message.replace("{!q}", quoted).format(label))
    return mapping[label]


def selectable_fields(group: str, resource: str) -> frozenset[str]:
    """The field labels a field selector may use on this resource (before conversion)."""
    known = FIELD_LABELS.get((group, resource))
    return frozenset(known[0]) if known is not None else COMMON_FIELDS


def field_labels(info: Any) -> frozenset[str]:
    """The field labels of a served resource: a custom resource's are metadata.name,
    metadata.namespace and its CRD version's selectableFields (apiextensions-apiserver
    pkg/registry/customresource/strategy.go selectableFields)."""
    custom = getattr(info, "custom", None)
    if custom is not None:
        return COMMON_FIELDS | frozenset(custom.field_labels)
    return selectable_fields(info.group, info.resource)


def field_set(group: str, resource: str, obj: Mapping[str, Any]) -> dict[str, str]:
    """The registry's GetAttrs field set (pkg/registry/<group>/<kind>/strategy.go
    ToSelectableFields): what a field selector matches against, after conversion."""
    meta = obj.get("metadata") or {}
    fields = {"metadata.name": str(meta.get("name") or "")}
    if meta.get("namespace") is not None:
        fields["metadata.namespace"] = str(meta.get("namespace") or "")
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    if (group, resource) == ("", "pods"):
        ips = status.get("podIPs") or []
        fields.update(
            {
                "spec.nodeName": str(spec.get("nodeName") or ""),
                "spec.restartPolicy": str(spec.get("restartPolicy") or ""),
                "spec.schedulerName": str(spec.get("schedulerName") or ""),
                "spec.serviceAccountName": str(spec.get("serviceAccountName") or ""),
                "spec.hostNetwork": "true" if spec.get("hostNetwork") else "false",
                "status.phase": str(status.get("phase") or ""),
                "status.podIP": str((ips[0] or {}).get("ip") or "") if ips else "",
                "status.nominatedNodeName": str(status.get("nominatedNodeName") or ""),
            }
        )
    elif (group, resource) in (("", "events"), ("events.k8s.io", "events")):
        involved = obj.get("involvedObject") or obj.get("regarding") or {}
        reporting = str(obj.get("reportingComponent") or obj.get("reportingController") or "")
        source = str(
            (obj.get("source") or obj.get("deprecatedSource") or {}).get("component") or ""
        )
        for f in ("kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath"):
            fields[f"involvedObject.{f}"] = str(involved.get(f) or "")
        fields.update(
            {
                "reason": str(obj.get("reason") or ""),
                "reportingComponent": reporting,
                "source": source or reporting,
                "type": str(obj.get("type") or ""),
            }
        )
    elif (group, resource) == ("", "secrets"):
        fields["type"] = str(obj.get("type") or "")
    elif (group, resource) == ("", "namespaces"):
        fields["status.phase"] = str(status.get("phase") or "")
    elif (group, resource) == ("", "nodes"):
        fields["spec.unschedulable"] = "true" if spec.get("unschedulable") else "false"
    elif (group, resource) == ("", "services"):
        fields["spec.clusterIP"] = str(spec.get("clusterIP") or "")
        fields["spec.type"] = str(spec.get("type") or "")
    elif (group, resource) in (("", "replicationcontrollers"), ("apps", "replicasets")):
        fields["status.replicas"] = str(int(status.get("replicas") or 0))
    elif (group, resource) == ("batch", "jobs"):
        fields["status.successful"] = str(int(status.get("succeeded") or 0))
    elif (group, resource) == ("certificates.k8s.io", "certificatesigningrequests"):
        fields["spec.signerName"] = str(spec.get("signerName") or "")
    elif (group, resource) in (("", "persistentvolumes"), ("", "persistentvolumeclaims")):
        fields["name"] = str(meta.get("name") or "")  # "a bug", kept for compatibility
    elif (group, resource) == ("resource.k8s.io", "resourceslices"):
        fields["spec.nodeName"] = str(spec.get("nodeName") or "")
        fields["spec.driver"] = str(spec.get("driver") or "")
    return fields


def _split_terms(text: str) -> list[str]:
    """fields.splitTerms: commas not escaped by a backslash separate terms."""
    terms, start, in_slash = [], 0, False
    for i, ch in enumerate(text):
        if in_slash:
            in_slash = False
        elif ch == "\\":
            in_slash = True
        elif ch == ",":
            terms.append(text[start:i])
            start = i + 1
    terms.append(text[start:])
    return terms


def _unescape(value: str) -> str:
    """fields.UnescapeValue."""
    if not any(c in value for c in "\\,="):
        return value
    out, in_slash = [], False
    for ch in value:
        if in_slash:
            if ch not in "\\,=":
                raise APIError(
                    400,
                    "BadRequest",
                    f"invalid field selector: invalid escape sequence: \\{ch}",
                )
            out.append(ch)
            in_slash = False
        elif ch == "\\":
            in_slash = True
        elif ch in ",=":
            raise APIError(
                400,
                "BadRequest",
                f"invalid field selector: unescaped character in value: {ord(ch)}",
            )
        else:
            out.append(ch)
    if in_slash:
        raise APIError(400, "BadRequest", "invalid field selector: invalid escape sequence: \\")
    return "".join(out)


def parse_field_terms(text: str | None) -> list[tuple[str, str, str]]:
    """fields.ParseSelector as sorted (field, operator, value) terms; 400 when malformed."""
    if not text:
        return []
    terms: list[tuple[str, str, str]] = []
    for part in sorted(_split_terms(text)):
        if not part:
            continue
        for i in range(len(part)):
            op = next((o for o in ("!=", "==", "=") if part.startswith(o, i)), None)
            if op is not None:
                terms.append(
                    (part[:i], "!=" if op == "!=" else "=", _unescape(part[i + len(op) :]))
                )
                break
        else:
            raise APIError(
                400, "BadRequest", f"invalid selector: '{text}'; can't understand '{part}'"
            )
    return terms


def parse_field_selector(
    text: str | None, allowed: frozenset[str] | None = None, resource: tuple[str, str] | None = None
) -> Callable[[Mapping[str, Any]], bool]:
    """A predicate over whole objects for a field selector. With ``resource`` (group,
    resource) the labels are converted as the kind's scheme does and matched against its
    field set; with only ``allowed``, plain dotted paths limited to those labels."""
    terms = parse_field_terms(text)
    if not terms:
        return lambda obj: True
    if resource is not None:
        converted = [(convert_field_label(*resource, f), op, v) for f, op, v in terms]

        def by_set(obj: Mapping[str, Any]) -> bool:
            fields = field_set(resource[0], resource[1], obj)
            return all((fields.get(f, "") == v) != (op == "!=") for f, op, v in converted)

        return by_set
    for path, _, _ in terms:
        if allowed is not None and path not in allowed:
            raise APIError(400, "BadRequest", f"field label not supported: {path}")

    def predicate(obj: Mapping[str, Any]) -> bool:
        for path, op, value in terms:
            actual = field_value(obj, path)
            # An absent field compares as "" (fields.Set of an object has every supported key).
            if ((actual or "") == value) == (op == "!="):
                return False
        return True

    return predicate


def selector_to_string(selector: Mapping[str, Any] | None) -> str:
    """A metav1.LabelSelector as kubectl prints it (``app=demo,tier in (a,b)``)."""
    if not selector:
        return "<none>"
    parts = [f"{k}={v}" for k, v in sorted((selector.get("matchLabels") or {}).items())]
    for expr in selector.get("matchExpressions") or []:
        op = expr.get("operator")
        key = expr.get("key")
        if op in ("In", "NotIn"):
            parts.append(f"{key} {op.lower()} ({','.join(expr.get('values') or [])})")
        elif op == "Exists":
            parts.append(str(key))
        else:
            parts.append(f"!{key}")
    return ",".join(parts) or "<none>"
