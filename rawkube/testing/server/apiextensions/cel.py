"""x-kubernetes-validations: CEL rules of CRD schemas, compiled and enforced as kube-apiserver does.

* compiling (apiextensions-apiserver pkg/apiserver/schema/cel/compilation.go, and the CRD
  validation of pkg/apis/apiextensions/validation/validation.go): a rule must parse, refer only
  to declared variables (``self``, ``oldSelf``), functions and schema fields, and evaluate to a
  bool. Errors carry cel-go's text (``compilation failed: ERROR: <input>:1:5: undefined field
  'bogus'`` ...). A function this interpreter does not implement is "undeclared", so a rule using
  it is refused when the CRD is created, never silently accepted.
* validating (pkg/apiserver/schema/cel/validation.go ``Validator.Validate``): each rule runs with
  ``self`` bound to its node's value (converted by the node's schema: date-time strings are
  timestamps, durations durations, objects with properties objects), transition rules (using
  ``oldSelf``) only on updates where the old value correlates, errors ratcheted when the value
  did not change; failures become field errors with the rule's message, messageExpression,
  reason and fieldPath.

What this does not do: estimate rule costs (the real server refuses rules whose estimated cost
exceeds its budget, and stops evaluating when the runtime cost budget is spent). The evaluator itself lives in celeval.py, the parser in celparse.py;
how well they agree with the real server is measured by scripts/measure_cel.py over
tests/cel/ (recorded from kube-apiserver 1.36).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from rawkube.testing.server import field as fielderr
from rawkube.testing.server.apiextensions import celeval, celparse
from rawkube.testing.server.apiextensions.celeval import Activation, CELError, Obj
from rawkube.testing.server.apiextensions.celparse import CELSyntaxError, Node
from rawkube.testing.server.apiextensions.schema import MISSING, Schema, json_equal
from rawkube.testing.server.field import FieldError


class CompileError(Exception):
    """A rule that cannot be compiled: ``detail`` is the message the real server gives."""

    def __init__(self, detail: str, required: bool = False) -> None:
        super().__init__(detail)
        self.detail = detail
        self.required = required


@dataclass
class Program:
    source: str
    ast: Node
    uses_old_self: bool


# -- type checking -----------------------------------------------------------------------------

DYN = "dyn"
_BOOL_METHODS = {
    "contains",
    "startsWith",
    "endsWith",
    "matches",
    "isSorted",
    "all",
    "exists",
    "exists_one",
    "existsOne",
    "hasValue",
    "isInteger",
    "isLessThan",
    "isGreaterThan",
    "containsIP",
    "containsCIDR",
    "isUnspecified",
    "isLoopback",
    "isLinkLocalMulticast",
    "isLinkLocalUnicast",
    "isGlobalUnicast",
}
_BOOL_GLOBALS = {
    "has",
    "matches",
    "isQuantity",
    "isURL",
    "isIP",
    "isCIDR",
    "isSemver",
    "sets.contains",
    "sets.equivalent",
    "sets.intersects",
    "ip.isCanonical",
}
_STRING_METHODS = {
    "lowerAscii",
    "upperAscii",
    "replace",
    "trim",
    "substring",
    "charAt",
    "join",
    "format",
    "find",
    "getScheme",
    "getHost",
    "getHostname",
    "getPort",
    "getEscapedPath",
}
_INT_METHODS = {
    "size",
    "indexOf",
    "lastIndexOf",
    "compareTo",
    "asInteger",
    "getFullYear",
    "getMonth",
    "getDate",
    "getDayOfMonth",
    "getDayOfWeek",
    "getDayOfYear",
    "getHours",
    "getMinutes",
    "getSeconds",
    "getMilliseconds",
    "family",
    "prefixLength",
    "major",
    "minor",
    "patch",
}
_GLOBAL_TYPES = {
    "quantity": "kubernetes.Quantity",
    "url": "kubernetes.URL",
    "ip": "net.IP",
    "cidr": "net.CIDR",
    "semver": "kubernetes.Semver",
    "size": "int",
    "int": "int",
    "uint": "uint",
    "double": "double",
    "string": "string",
    "bytes": "bytes",
    "timestamp": "google.protobuf.Timestamp",
    "duration": "google.protobuf.Duration",
    "strings.quote": "string",
}


def _schema_type(s: Schema | None) -> Any:
    """The checker's type of a schema node: the Schema itself for objects, else a type name."""
    if s is None:
        return DYN
    if s.int_or_string or (not s.type and s.preserve_unknown):
        return DYN
    if s.type == "object":
        return s
    return {
        "integer": "int",
        "number": "double",
        "boolean": "bool",
        "array": ("list", s.items),
        "string": {
            "date-time": "google.protobuf.Timestamp",
            "duration": "google.protobuf.Duration",
        }.get(s.format, "string"),
    }.get(s.type, DYN)


@dataclass
class _Checker:
    source: str
    self_type: Any
    root: bool
    variables: dict[str, Any] = field(default_factory=dict)
    uses_old_self: bool = False
    optional_old_self: bool = False

    def fail(self, pos: int, message: str) -> CompileError:
        return CompileError(
            "compilation failed: " + celparse.render_error(self.source, pos, message)
        )

    def check(self, node: Node, scope: dict[str, Any]) -> Any:
        op = node.op
        if op == "lit":
            value = node.args[0]
            return celeval.type_name(value) if value is not None else "null_type"
        if op == "ident":
            name = node.args[0]
            if name in scope:
                return scope[name]
            if name == "self":
                return self.self_type
            if name == "oldSelf":
                self.uses_old_self = True
                return "optional_type" if self.optional_old_self else self.self_type
            if name in celeval.TYPE_NAMES:
                return "type"
            raise self.fail(node.pos, f"undeclared reference to '{name}' (in container '')")
        if op in ("select", "optselect"):
            qualified = celeval._qualified(node)
            if (
                qualified
                and qualified.split(".")[0] in celeval.NAMESPACES
                and qualified not in scope
            ):
                raise self.fail(
                    node.pos, f"undeclared reference to '{qualified}' (in container '')"
                )
            target = self.check(node.args[0], scope)
            name = node.args[1]
            result = self._field(target, name, node.pos)
            return "optional_type" if op == "optselect" else result
        if op in ("index", "optindex"):
            target = self.check(node.args[0], scope)
            self.check(node.args[1], scope)
            if op == "optindex":
                return "optional_type"
            if isinstance(target, tuple) and target[0] == "list":
                return _schema_type(target[1])
            if isinstance(target, Schema):
                return _schema_type(target.additional)
            return DYN
        if op == "list":
            for item in node.args:
                self.check(item.args[0] if item.op == "optelem" else item, scope)
            return ("list", None)
        if op == "map":
            for key, value, _ in node.args:
                self.check(key, scope)
                self.check(value, scope)
            return "map"
        if op in ("&&", "||", "!_"):
            for arg in node.args:
                self.check(arg, scope)
            return "bool"
        if op in ("==", "!=", "<", "<=", ">", ">=", "in"):
            for arg in node.args:
                self.check(arg, scope)
            return "bool"
        if op == "?:":
            self.check(node.args[0], scope)
            a = self.check(node.args[1], scope)
            b = self.check(node.args[2], scope)
            return a if a == b else DYN
        if op == "-_":
            return self.check(node.args[0], scope)
        if op in ("+", "-", "*", "/", "%"):
            a = self.check(node.args[0], scope)
            b = self.check(node.args[1], scope)
            if a == b and isinstance(a, str):
                return a
            if isinstance(a, tuple) and isinstance(b, tuple):
                return ("list", None)
            return DYN
        if op == "call":
            return self._call(node, scope)
        return DYN

    def _field(self, target: Any, name: str, pos: int) -> Any:
        if isinstance(target, Schema):
            if self.root and target is self.self_type or target.embedded:
                if name == "metadata":
                    return "metadata"
                if name in ("apiVersion", "kind"):
                    return "string"
            if name in target.properties:
                return _schema_type(target.properties[name])
            if target.additional is not None:
                return _schema_type(target.additional)
            if target.preserve_unknown:
                return DYN
            raise self.fail(pos, f"undefined field '{name}'")
        if target == "metadata":
            if name in ("name", "generateName"):
                return "string"
            raise self.fail(pos, f"undefined field '{name}'")
        return DYN

    def _call(self, node: Node, scope: dict[str, Any]) -> Any:
        name, receiver, args = node.args
        if receiver is None:
            if name == "has":
                if len(args) != 1 or args[0].op != "select":
                    raise self.fail(node.pos, "invalid argument to has() macro")
                self.check(args[0], scope)
                return "bool"
            if name not in celeval.GLOBALS:
                raise self.fail(node.pos, f"undeclared reference to '{name}' (in container '')")
            for arg in args:
                self.check(arg, scope)
            if name in _BOOL_GLOBALS:
                return "bool"
            return _GLOBAL_TYPES.get(name, DYN)
        qualified = celeval._qualified(receiver)
        if (
            qualified
            and qualified.split(".")[0] in celeval.NAMESPACES
            and qualified not in scope
            and (qualified.split(".")[0] not in scope)
        ):
            full = f"{qualified}.{name}"
            if full not in celeval.GLOBALS:
                raise self.fail(node.pos, f"undeclared reference to '{full}' (in container '')")
            for arg in args:
                self.check(arg, scope)
            return "bool" if full in _BOOL_GLOBALS else _GLOBAL_TYPES.get(full, DYN)
        if name in celeval.MACROS and len(args) >= 2 and all(a.op == "ident" for a in args[:-1]):
            target = self.check(receiver, scope)
            names = [a.args[0] for a in args[:-1]]
            if name in ("transformList", "transformMap") and len(args) == 4:
                names = names[:2]
            inner = dict(scope)
            element: Any = DYN
            if isinstance(target, tuple):
                element = _schema_type(target[1])
            elif isinstance(target, Schema):
                element = "string"
            if len(names) >= 2:
                inner[names[0]] = "int" if isinstance(target, tuple) else "string"
                inner[names[1]] = (
                    element
                    if isinstance(target, tuple)
                    else (_schema_type(target.additional) if isinstance(target, Schema) else DYN)
                )
            else:
                inner[names[0]] = element
            for arg in args[len(names) :]:
                self.check(arg, inner)
            if name in ("map", "filter", "transformList"):
                return ("list", None)
            if name == "transformMap":
                return "map"
            return "bool"
        receiver_type = self.check(receiver, scope)
        for arg in args:
            self.check(arg, scope)
        if name not in celeval.METHOD_NAMES and name not in celeval.DECLARED_ELSEWHERE:
            raise self.fail(node.pos, f"undeclared reference to '{name}' (in container '')")
        if (
            isinstance(receiver_type, str)
            and receiver_type in celeval.METHODS
            and name not in celeval.METHODS[receiver_type]
            and name not in celeval.GLOBALS
        ):
            arg_types = ", ".join(_show_type(self.check(a, scope)) for a in args)
            raise self.fail(
                node.pos,
                f"found no matching overload for '{name}' applied to "
                f"'{receiver_type}.({arg_types})'",
            )
        if name in _BOOL_METHODS:
            return "bool"
        if name in _STRING_METHODS:
            return "string"
        if name in _INT_METHODS:
            return "int"
        return DYN


def _show_type(t: Any) -> str:
    if isinstance(t, str):
        return t
    if isinstance(t, tuple):
        return "list(dyn)"
    return "map(string, dyn)"


def compile_rule(
    source: str, s: Schema | None, root: bool = False, optional_old_self: bool = False
) -> tuple[Program, Any]:
    """Parse and check a rule (or messageExpression) against its schema node: the program
    and the type the checker found for its result. With ``optional_old_self`` the rule sees
    ``oldSelf`` as an optional (ValidationRule.optionalOldSelf)."""
    try:
        ast = celparse.parse(source)
    except CELSyntaxError as exc:
        raise CompileError(
            "compilation failed: " + celparse.render_error(source, exc.pos, exc.message)
        ) from None
    checker = _Checker(source, _schema_type(s) if s is not None else DYN, root)
    checker.optional_old_self = optional_old_self
    result = checker.check(ast, {})
    return Program(source, ast, checker.uses_old_self), result


def _rule_value(rule: dict[str, Any]) -> fielderr.GoStruct:
    """The internal ValidationRule struct as Go's JSON shows it (no json tags)."""
    return fielderr.GoStruct(
        {
            "Rule": rule.get("rule", ""),
            "Message": rule.get("message", ""),
            "MessageExpression": rule.get("messageExpression", ""),
            "Reason": rule.get("reason"),
            "FieldPath": rule.get("fieldPath", ""),
            "OptionalOldSelf": rule.get("optionalOldSelf"),
        }
    )


def compile_errors(
    rule: dict[str, Any], s: Schema, path: str, root: bool = False
) -> list[FieldError]:
    """The CRD validation errors of one x-kubernetes-validations entry's CEL."""
    errors: list[FieldError] = []
    text = str(rule.get("rule") or "")
    optional = rule.get("optionalOldSelf") is True
    try:
        program, result = compile_rule(text, s, root, optional)
        if optional and not program.uses_old_self:
            errors.append(
                fielderr.invalid(
                    f"{path}.optionalOldSelf", True, "may not be set if oldSelf is not used in rule"
                )
            )
        if result not in ("bool", DYN):
            errors.append(
                fielderr.invalid(
                    f"{path}.rule", _rule_value(rule), "cel expression must evaluate to a bool"
                )
            )
    except CompileError as exc:
        errors.append(fielderr.invalid(f"{path}.rule", _rule_value(rule), exc.detail))
    message_expression = rule.get("messageExpression")
    if message_expression:
        try:
            _, result = compile_rule(str(message_expression), s, root)
            if result not in ("string", DYN):
                errors.append(
                    fielderr.invalid(
                        f"{path}.messageExpression",
                        _rule_value(rule),
                        "messageExpression must evaluate to a string",
                    )
                )
        except CompileError as exc:
            errors.append(
                fielderr.invalid(
                    f"{path}.messageExpression",
                    _rule_value(rule),
                    "messageExpression " + exc.detail,
                )
            )
    field_path = rule.get("fieldPath")
    if field_path and not _valid_field_path(str(field_path), s):
        errors.append(fielderr.invalid(f"{path}.fieldPath", field_path, "must be a valid path"))
    return errors


def _valid_field_path(path: str, s: Schema) -> bool:
    node: Schema | None = s
    parts = _field_path_parts(path)
    if not parts:
        return False
    for part in parts:
        if node is None:
            return False
        if part in node.properties:
            node = node.properties[part]
        elif node.additional is not None:
            node = node.additional
        else:
            return False
    return True


def _field_path_parts(path: str) -> list[str]:
    import re

    return [m.group(1) or m.group(2) for m in re.finditer(r"\.([^.\[]+)|\['([^']*)'\]", path)]


# -- values ------------------------------------------------------------------------------------


def to_cel(value: Any, s: Schema | None, root: bool = False) -> Any:
    """UnstructuredToVal: a decoded JSON value as CEL sees it through its schema."""
    if value is None:
        return None
    if s is None:
        return value
    if isinstance(value, str) and s.type == "string":
        if s.format == "date-time":
            try:
                return celeval.parse_timestamp(value)
            except CELError:
                return value
        if s.format == "duration":
            try:
                return celeval.parse_duration(value)
            except CELError:
                return value
        return value
    if isinstance(value, list):
        return [to_cel(v, s.items) for v in value]
    if isinstance(value, dict):
        resource = root or s.embedded
        out: dict[str, Any] = Obj() if s.properties or resource else {}
        for key, item in value.items():
            if resource and key == "metadata" and isinstance(item, dict):
                out[key] = Obj({k: v for k, v in item.items() if k in ("name", "generateName")})
            elif key in s.properties:
                out[key] = to_cel(item, s.properties[key])
            else:
                out[key] = to_cel(item, s.additional)
        return out
    return value


# -- validation ---------------------------------------------------------------------------------


@dataclass
class _Rule:
    raw: dict[str, Any]
    program: Program | None
    message_program: Program | None
    error: str = ""


class SchemaRules:
    """The compiled rules of a CRD version's schema, and their enforcement."""

    def __init__(self, root: Schema, rules: dict[int, list[_Rule]]) -> None:
        self.root = root
        self.rules = rules
        self.has_rules = bool(rules)

    @classmethod
    def build(cls, root: Schema) -> SchemaRules:
        rules: dict[int, list[_Rule]] = {}
        _collect(root, rules, root=True)
        return cls(root, rules)

    def validate(self, obj: Any, old: Any = None) -> list[FieldError]:
        if not self.has_rules:
            return []
        errors: list[FieldError] = []
        self._walk(self.root, obj, MISSING if old is None else old, "", errors, root=True)
        return errors

    def _walk(
        self, s: Schema, value: Any, old: Any, path: str, errors: list[FieldError], root: bool
    ) -> None:
        if value is None:
            return
        for rule in self.rules.get(id(s), []):
            error = _run(rule, s, value, old, path, root)
            if error is not None:
                errors.append(error)
        if isinstance(value, dict):
            old_map = old if isinstance(old, dict) else {}
            for key in sorted(value):
                child = s.properties.get(key)
                if child is not None:
                    sub_path = fielderr.path_child(path, key)
                elif s.additional is not None:
                    child = s.additional
                    sub_path = fielderr.path_key(path, key)
                else:
                    continue
                if root and key in ("apiVersion", "kind"):
                    continue
                child_old = old_map.get(key, MISSING) if isinstance(old, dict) else MISSING
                self._walk(child, value[key], child_old, sub_path, errors, root=child.embedded)
        elif isinstance(value, list) and s.items is not None:
            for i, item in enumerate(value):
                self._walk(
                    s.items,
                    item,
                    _correlate(s, item, old),
                    fielderr.path_index(path, i),
                    errors,
                    root=s.items.embedded,
                )


def _correlate(s: Schema, item: Any, old: Any) -> Any:
    """CorrelatedObject.Index: only list-type=map items correlate, by their keys."""
    if s.list_type != "map" or not isinstance(old, list) or not isinstance(item, dict):
        return MISSING
    for candidate in old:
        if isinstance(candidate, dict) and all(
            json_equal(candidate.get(k), item.get(k)) for k in s.list_map_keys
        ):
            return candidate
    return MISSING


def _collect(s: Schema, rules: dict[int, list[_Rule]], root: bool) -> None:
    if s.validations:
        compiled = []
        for raw in s.validations:
            try:
                optional = raw.get("optionalOldSelf") is True
                program, _ = compile_rule(str(raw.get("rule") or ""), s, root, optional)
                message_program = None
                if raw.get("messageExpression"):
                    message_program, _ = compile_rule(
                        str(raw["messageExpression"]), s, root, optional
                    )
                compiled.append(_Rule(raw, program, message_program))
            except CompileError as exc:
                compiled.append(_Rule(raw, None, None, exc.detail))
        rules[id(s)] = compiled
    for child in s.properties.values():
        _collect(child, rules, root=child.embedded)
    if s.additional is not None:
        _collect(s.additional, rules, root=s.additional.embedded)
    if s.items is not None:
        _collect(s.items, rules, root=s.items.embedded)


def _rule_text(raw: dict[str, Any]) -> str:
    """ruleErrorString: the message if there is one, else the rule."""
    message = str(raw.get("message") or "").strip()
    return message or str(raw.get("rule") or "").strip()


def _run(rule: _Rule, s: Schema, value: Any, old: Any, path: str, root: bool) -> FieldError | None:
    where = path or "<nil>"
    type_value = s.type
    if rule.program is None:
        return fielderr.invalid(where, type_value, f"rule compile error: {rule.error}")
    optional = rule.raw.get("optionalOldSelf") is True
    if rule.program.uses_old_self and old is MISSING and not optional:
        return None
    variables = {"self": to_cel(value, s, root)}
    if optional:
        present = old is not MISSING and old is not None
        variables["oldSelf"] = (
            celeval.Optional(True, to_cel(old, s, root)) if present else celeval.NONE
        )
    elif old is not MISSING and old is not None:
        variables["oldSelf"] = to_cel(old, s, root)
    activation = Activation(variables)
    try:
        result = celeval.evaluate(rule.program.ast, activation)
    except CELError as exc:
        if isinstance(exc, celeval.NoSuchOverload):
            detail = (
                f"'{exc}': call arguments did not match a supported operator, function or macro "
                f"signature for rule: {_rule_text(rule.raw)}"
            )
        else:
            detail = f"{exc} evaluating rule: {_rule_text(rule.raw)}"
        return fielderr.invalid(where, type_value, detail)
    if result is True:
        return None
    unchanged = old is not MISSING and json_equal(value, old)
    if unchanged and not rule.program.uses_old_self:
        return None  # ratcheting: an unchanged value keeps passing
    detail = ""
    if rule.message_program is not None:
        try:
            message = celeval.evaluate(rule.message_program.ast, activation)
            if isinstance(message, str) and message.strip() and "\n" not in message.strip():
                detail = message.strip()
        except CELError:
            detail = ""
    if not detail:
        message = str(rule.raw.get("message") or "").strip()
        detail = message or f"failed rule: {str(rule.raw.get('rule') or '').strip()}"
    field_path = rule.raw.get("fieldPath")
    if field_path:
        for part in _field_path_parts(str(field_path)):
            where = fielderr.path_child("" if where == "<nil>" else where, part)
    shown: Any = fielderr.OMIT if s.type in ("object", "array") else value
    reason = rule.raw.get("reason")
    if reason == "FieldValueForbidden":
        return fielderr.forbidden(where, detail)
    if reason == "FieldValueRequired":
        return fielderr.required(where, detail)
    if reason == "FieldValueDuplicate":
        return fielderr.FieldError(fielderr.DUPLICATE, where, shown)
    return fielderr.FieldError(fielderr.INVALID, where, shown, detail)


def validate_default(s: Schema, value: Any, path: str) -> list[FieldError]:
    """The rules of a default value's schema, run on the default (defaulting/validation.go)."""
    rules = SchemaRules.build(s)
    errors = rules.validate(value, value)
    if not errors:
        errors = rules.validate(value, None)
    return [
        fielderr.FieldError(
            e.type, path if e.field == "<nil>" else f"{path}.{e.field}", e.value, e.detail
        )
        for e in errors
    ]


# -- measurement (scripts/measure_cel.py) ------------------------------------------------------


def measure_verdict(rule: str, schema_raw: dict[str, Any], root: bool, value: Any, old: Any) -> str:
    """pass / fail / error / compile-error for one rule and value, as the measure script asks."""
    s = Schema(schema_raw)
    try:
        program, result = compile_rule(rule, s, root)
    except CompileError:
        return "compile-error"
    if result not in ("bool", DYN):
        return "compile-error"
    if program.uses_old_self and old is None:
        return "pass"
    variables = {"self": to_cel(value, s, root)}
    if old is not None:
        variables["oldSelf"] = to_cel(old, s, root)
    try:
        outcome = celeval.evaluate(program.ast, Activation(variables))
    except CELError:
        return "error"
    return "pass" if outcome is True else "fail"


def dump(value: Any) -> str:
    return json.dumps(value)
