"""Evaluating CEL with the libraries kube-apiserver 1.36 enables for CRD validation rules.

The base environment (k8s.io/apiserver/pkg/cel/environment/base.go): standard CEL with
heterogeneous equality and cross-type numeric comparisons, optional types, ext.Strings v2,
ext.Sets, ext.Lists v3, two-variable comprehensions, and the Kubernetes libraries of
k8s.io/apiserver/pkg/cel/library: regex (find, findAll), lists (isSorted, sum, min, max,
indexOf, lastIndexOf), quantity, URLs, IP and CIDR, semver, format. Values are plain Python
values (int, `UInt`, float, str, bytes, bool, None, list, dict) plus the wrapper classes below;
errors are `CELError` exceptions carrying cel-go's message.
"""

from __future__ import annotations

import datetime
import decimal
import ipaddress
import math
import re
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rawkube.testing.server.apiextensions.celparse import Node, UInt

INT_MIN, INT_MAX = -(2**63), 2**63 - 1
UINT_MAX = 2**64 - 1


class CELError(Exception):
    """A runtime error (cel-go's types.Err)."""


class NoSuchOverload(CELError):
    pass


def _overload() -> NoSuchOverload:
    return NoSuchOverload("no such overload")


# -- values -------------------------------------------------------------------------------------


class Obj(dict[str, Any]):
    """An object with declared fields (a schema with properties): ``self.x`` on a field that
    is not set is "no such key" (like a map), and the checker knows its fields."""


@dataclass(frozen=True)
class Duration:
    nanos: int

    def __lt__(self, other: Duration) -> bool:
        return self.nanos < other.nanos


@dataclass(frozen=True)
class Timestamp:
    """Seconds and nanoseconds since the epoch, UTC."""

    nanos: int

    @property
    def dt(self) -> datetime.datetime:
        seconds, rest = divmod(self.nanos, 10**9)
        base = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
        return base + datetime.timedelta(seconds=seconds, microseconds=rest // 1000)


@dataclass(frozen=True)
class Optional:
    present: bool
    value: Any = None


NONE = Optional(False)


@dataclass(frozen=True)
class TypeValue:
    name: str


@dataclass(frozen=True)
class Quantity:
    value: decimal.Decimal
    text: str


@dataclass(frozen=True)
class URL:
    parts: urllib.parse.SplitResult
    text: str


@dataclass(frozen=True)
class IP:
    addr: ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True)
class CIDR:
    net: ipaddress.IPv4Interface | ipaddress.IPv6Interface
    text: str


@dataclass(frozen=True)
class Semver:
    major: int
    minor: int
    patch: int
    pre: tuple[str, ...]


@dataclass(frozen=True)
class Format:
    name: str


def type_name(value: Any) -> str:
    if value is None:
        return "null_type"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, UInt):
        return "uint"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "double"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bytes):
        return "bytes"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "map"
    if isinstance(value, Duration):
        return "google.protobuf.Duration"
    if isinstance(value, Timestamp):
        return "google.protobuf.Timestamp"
    if isinstance(value, Optional):
        return "optional_type"
    if isinstance(value, TypeValue):
        return "type"
    if isinstance(value, Quantity):
        return "kubernetes.Quantity"
    if isinstance(value, URL):
        return "kubernetes.URL"
    if isinstance(value, IP):
        return "net.IP"
    if isinstance(value, CIDR):
        return "net.CIDR"
    if isinstance(value, Semver):
        return "kubernetes.Semver"
    if isinstance(value, Format):
        return "kubernetes.NamedFormat"
    return "dyn"


def _check_int(value: int) -> int:
    if not INT_MIN <= value <= INT_MAX:
        raise CELError("integer overflow")
    return value


def _check_uint(value: int) -> UInt:
    if not 0 <= value <= UINT_MAX:
        raise CELError("unsigned integer overflow")
    return UInt(value)


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def equal(a: Any, b: Any) -> bool:
    """CEL heterogeneous equality."""
    if _is_num(a) and _is_num(b):
        if isinstance(a, float) and math.isnan(a) or isinstance(b, float) and math.isnan(b):
            return False
        return a == b
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        if len(a) != len(b):
            return False
        for key, value in a.items():
            other = _map_lookup(b, key)
            if other is _ABSENT or not equal(value, other):
                return False
        return True
    if isinstance(a, Optional) and isinstance(b, Optional):
        return a.present == b.present and (not a.present or equal(a.value, b.value))
    if type_name(a) != type_name(b):
        return False
    return bool(a == b)


_ABSENT = object()


def _map_lookup(m: dict[Any, Any], key: Any) -> Any:
    if key in m and isinstance(key, bool) == any(isinstance(k, bool) and k == key for k in m):
        for k, v in m.items():
            if equal(k, key) and isinstance(k, bool) == isinstance(key, bool):
                return v
    if _is_num(key):
        for k, v in m.items():
            if _is_num(k) and k == key:
                return v
    return _ABSENT


def compare(a: Any, b: Any) -> int:
    """Ordering for < <= > >= (with cross-type numeric comparisons)."""
    if _is_num(a) and _is_num(b):
        return (a > b) - (a < b)
    if type_name(a) != type_name(b):
        raise _overload()
    if isinstance(a, (str, bytes, bool)):
        return (a > b) - (a < b)
    if isinstance(a, (Duration, Timestamp)):
        return (a.nanos > b.nanos) - (a.nanos < b.nanos)
    raise _overload()


# -- conversions ---------------------------------------------------------------------------------

_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)")
_UNIT_NANOS = {
    "ns": 1,
    "us": 1000,
    "µs": 1000,
    "μs": 1000,
    "ms": 10**6,
    "s": 10**9,
    "m": 60 * 10**9,
    "h": 3600 * 10**9,
}


def parse_duration(text: str) -> Duration:
    """time.ParseDuration."""
    sign = 1
    rest = text
    if rest[:1] in "+-":
        sign = -1 if rest[0] == "-" else 1
        rest = rest[1:]
    if rest == "0":
        return Duration(0)
    if not rest:
        raise CELError(f'time: invalid duration "{text}"')
    total = decimal.Decimal(0)
    pos = 0
    while pos < len(rest):
        match = _DURATION_PART.match(rest, pos)
        if not match:
            raise CELError(f'time: invalid duration "{text}"')
        total += decimal.Decimal(match.group(1)) * _UNIT_NANOS[match.group(2)]
        pos = match.end()
    return Duration(sign * int(total))


def format_duration(d: Duration) -> str:
    """A duration as CEL's string() prints it: seconds with a trailing s."""
    seconds = decimal.Decimal(d.nanos) / decimal.Decimal(10**9)
    text = format(seconds.normalize(), "f")
    return f"{text}s"


_TS = re.compile(
    r"^(\d{4})-(\d\d)-(\d\d)[Tt](\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?([Zz]|[+-]\d\d:\d\d)$"
)


def parse_timestamp(text: str) -> Timestamp:
    match = _TS.match(text)
    if not match:
        raise CELError(f'parsing time "{text}" as "2006-01-02T15:04:05Z07:00": cannot parse')
    frac = (match.group(7) or "").ljust(9, "0")
    tz = match.group(8).upper()
    offset = datetime.timedelta(0)
    if tz != "Z":
        sign = 1 if tz[0] == "+" else -1
        offset = sign * datetime.timedelta(hours=int(tz[1:3]), minutes=int(tz[4:6]))
    try:
        base = datetime.datetime(
            int(match.group(1)),
            int(match.group(2)),
            int(match.group(3)),
            int(match.group(4)),
            int(match.group(5)),
            int(match.group(6)),
            tzinfo=datetime.timezone.utc,
        )
    except ValueError as exc:
        raise CELError(f'parsing time "{text}": {exc}') from None
    epoch = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
    seconds = int((base - offset - epoch).total_seconds())
    return Timestamp(seconds * 10**9 + int(frac))


def format_timestamp(ts: Timestamp) -> str:
    dt = ts.dt
    frac = ts.nanos % 10**9
    text = dt.strftime("%Y-%m-%dT%H:%M:%S")
    if frac:
        text += "." + f"{frac:09d}".rstrip("0")
    return text + "Z"


def to_string(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, float):
        from rawkube.testing.server.field import go_float

        text = go_float(value)
        return text
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            raise CELError("invalid UTF-8 in bytes, cannot convert to string") from None
    if isinstance(value, Duration):
        return format_duration(value)
    if isinstance(value, Timestamp):
        return format_timestamp(value)
    if isinstance(value, IP):
        return str(value.addr)
    if isinstance(value, CIDR):
        return value.text
    if isinstance(value, URL):
        return value.text
    raise _overload()


def to_int(value: Any) -> int:
    if isinstance(value, bool):
        raise _overload()
    if isinstance(value, int):
        return _check_int(int(value))
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value) or not INT_MIN <= value <= INT_MAX:
            raise CELError("double is out of range for int")
        return int(value)
    if isinstance(value, str):
        try:
            return _check_int(int(value, 10))
        except ValueError:
            raise CELError(f'strconv.ParseInt: parsing "{value}": invalid syntax') from None
    if isinstance(value, Duration):
        return value.nanos
    if isinstance(value, Timestamp):
        return value.nanos // 10**9
    raise _overload()


def to_double(value: Any) -> float:
    if isinstance(value, bool):
        raise _overload()
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            raise CELError(f'strconv.ParseFloat: parsing "{value}": invalid syntax') from None
    raise _overload()


# -- Kubernetes libraries ------------------------------------------------------------------------

_QUANTITY = re.compile(
    r"^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(?:(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)|([eE][+-]?\d+))?$"
)
_SUFFIX = {
    "": decimal.Decimal(1),
    "Ki": decimal.Decimal(2**10),
    "Mi": decimal.Decimal(2**20),
    "Gi": decimal.Decimal(2**30),
    "Ti": decimal.Decimal(2**40),
    "Pi": decimal.Decimal(2**50),
    "Ei": decimal.Decimal(2**60),
    "n": decimal.Decimal("1e-9"),
    "u": decimal.Decimal("1e-6"),
    "m": decimal.Decimal("1e-3"),
    "k": decimal.Decimal("1e3"),
    "M": decimal.Decimal("1e6"),
    "G": decimal.Decimal("1e9"),
    "T": decimal.Decimal("1e12"),
    "P": decimal.Decimal("1e15"),
    "E": decimal.Decimal("1e18"),
}


def parse_quantity(text: str) -> Quantity | None:
    """resource.ParseQuantity (the value; formatting is not modelled)."""
    match = _QUANTITY.match(text.strip()) if text == text.strip() else None
    if not match:
        return None
    number = decimal.Decimal(match.group(1))
    if match.group(3):
        number *= decimal.Decimal(10) ** int(match.group(3)[1:])
    else:
        number *= _SUFFIX[match.group(2) or ""]
    return Quantity(number, text)


def quantity(text: Any) -> Quantity:
    if not isinstance(text, str):
        raise _overload()
    q = parse_quantity(text)
    if q is None:
        raise CELError(
            "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
        )
    return q


def _quantity_arg(value: Any) -> decimal.Decimal:
    if isinstance(value, Quantity):
        return value.value
    if isinstance(value, int) and not isinstance(value, bool):
        return decimal.Decimal(value)
    raise _overload()


def parse_url(text: str) -> URL | None:
    """url.ParseRequestURI: an absolute URI or an absolute path."""
    if not text or " " in text:
        return None
    parts = urllib.parse.urlsplit(text)
    if text.startswith("/"):
        return URL(parts, text)
    if not parts.scheme or not re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*", parts.scheme):
        return None
    if "#" in text:
        return None
    return URL(parts, text)


def parse_ip(text: str) -> IP | None:
    if "%" in text:
        return None
    try:
        addr = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        return None
    return IP(addr)


def parse_cidr(text: str) -> CIDR | None:
    if "/" not in text or "%" in text:
        return None
    try:
        net = ipaddress.ip_interface(text)
    except ValueError:
        return None
    return CIDR(net, text)


_SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?"
    r"(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$"
)


def parse_semver(text: str, normalize: bool = False) -> Semver | None:
    if normalize:
        text = text[1:] if text.startswith("v") else text
        parts = text.split("-", 1)
        core = parts[0].split(".")
        while len(core) < 3:
            core.append("0")
        core = [c.lstrip("0") or "0" for c in core]
        text = ".".join(core) + ("-" + parts[1] if len(parts) > 1 else "")
    match = _SEMVER.match(text)
    if not match:
        return None
    pre = tuple(match.group(4).split(".")) if match.group(4) else ()
    return Semver(int(match.group(1)), int(match.group(2)), int(match.group(3)), pre)


def semver_cmp(a: Semver, b: Semver) -> int:
    left = (a.major, a.minor, a.patch)
    right = (b.major, b.minor, b.patch)
    if left != right:
        return (left > right) - (left < right)
    if not a.pre or not b.pre:
        return (not a.pre) - (not b.pre)
    for x, y in zip(a.pre, b.pre, strict=False):
        if x == y:
            continue
        if x.isdigit() and y.isdigit():
            return (int(x) > int(y)) - (int(x) < int(y))
        if x.isdigit() != y.isdigit():
            return -1 if x.isdigit() else 1
        return (x > y) - (x < y)
    return (len(a.pre) > len(b.pre)) - (len(a.pre) < len(b.pre))


_FORMAT_RE = {
    "dns1123Label": (r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", 63),
    "dns1123Subdomain": (r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$", 253),
    "dns1035Label": (r"^[a-z]([-a-z0-9]*[a-z0-9])?$", 63),
    "labelValue": (r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$", 63),
    "qualifiedName": (
        r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$",
        316,
    ),
    "uuid": (r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$", 36),
}
FORMAT_NAMES = (
    "dns1123Label",
    "dns1123Subdomain",
    "dns1035Label",
    "qualifiedName",
    "dns1123LabelPrefix",
    "dns1123SubdomainPrefix",
    "dns1035LabelPrefix",
    "labelValue",
    "uri",
    "uuid",
    "byte",
    "date",
    "datetime",
)


def format_errors(fmt: Format, text: str) -> list[str]:
    name = fmt.name.replace("Prefix", "")
    if fmt.name.endswith("Prefix"):
        text = text.rstrip("-")
    if name in _FORMAT_RE:
        pattern, limit = _FORMAT_RE[name]
        errs = []
        if len(text) > limit:
            errs.append(f"must be no more than {limit} characters")
        if not re.match(pattern, text):
            errs.append("must match the format " + name)
        return errs
    if name == "uri":
        return [] if parse_url(text) else ["must be a valid URI"]
    if name == "byte":
        import base64

        try:
            base64.b64decode(text, validate=True)
            return []
        except ValueError:
            return ["invalid base64"]
    if name == "date":
        try:
            datetime.date.fromisoformat(text)
            return []
        except ValueError:
            return ["must be a valid date"]
    if name == "datetime":
        try:
            parse_timestamp(text)
            return []
        except CELError:
            return ["must be a valid datetime"]
    return []


# -- functions -------------------------------------------------------------------------------------

Fn = Callable[..., Any]


def _size(v: Any) -> int:
    if isinstance(v, (str, bytes, list, dict)):
        return len(v)
    raise _overload()


def _str(v: Any) -> str:
    if not isinstance(v, str):
        raise _overload()
    return v


def _regex(pattern: str) -> re.Pattern[str]:
    from rawkube.testing.server.apiextensions.schema import go_regexp

    try:
        return re.compile(go_regexp(pattern))
    except re.error as exc:
        raise CELError(f"error parsing regexp: {exc}") from None


def _index_of(s: str, sub: str, start: int = 0) -> int:
    if start < 0 or start > len(s):
        raise CELError(f"index out of range: {start}")
    return s.find(sub, start)


def _last_index_of(s: str, sub: str, start: int | None = None) -> int:
    if start is None:
        return s.rfind(sub)
    if start < 0 or start >= len(s) and s:
        raise CELError(f"index out of range: {start}")
    return s.rfind(sub, 0, start + len(sub))


def _substring(s: str, start: int, end: int | None = None) -> str:
    if end is None:
        end = len(s)
    if start < 0 or start > len(s):
        raise CELError(f"index out of range: {start}")
    if end < 0 or end > len(s):
        raise CELError(f"index out of range: {end}")
    if start > end:
        raise CELError(f"invalid substring range. start: {start}, end: {end}")
    return s[start:end]


def _char_at(s: str, i: int) -> str:
    if i < 0 or i > len(s):
        raise CELError(f"index out of range: {i}")
    return s[i : i + 1]


def _replace(s: str, old: str, new: str, n: int = -1) -> str:
    return s.replace(old, new, n if n >= 0 else -1)


def _split(s: str, sep: str, n: int = -1) -> list[str]:
    if n == 0:
        return []
    if sep == "":
        parts = list(s)
        if n > 0 and len(parts) > n:
            parts = parts[: n - 1] + ["".join(parts[n - 1 :])]
        return parts
    return s.split(sep, n - 1 if n > 0 else -1)


def _join(items: list[Any], sep: str = "") -> str:
    if not all(isinstance(i, str) for i in items):
        raise _overload()
    return sep.join(items)


def _format(fmt: str, args: list[Any]) -> str:
    """ext.Strings format: %s %d %f %e %x %X %o %b %%."""
    out: list[str] = []
    i = 0
    index = 0
    while i < len(fmt):
        ch = fmt[i]
        if ch != "%":
            out.append(ch)
            i += 1
            continue
        match = re.match(r"%(\.\d+)?([sdfeExXob%])", fmt[i:])
        if not match:
            raise CELError("could not parse formatting clause: unrecognized formatting clause")
        i += match.end()
        verb = match.group(2)
        if verb == "%":
            out.append("%")
            continue
        if index >= len(args):
            raise CELError(f"index {index} out of range")
        arg = args[index]
        index += 1
        precision = int(match.group(1)[1:]) if match.group(1) else None
        if verb == "s":
            out.append(_format_s(arg))
        elif verb == "d":
            if not isinstance(arg, int) or isinstance(arg, bool):
                raise CELError(
                    "error during formatting: decimal clause can only be used on integers"
                )
            out.append(str(int(arg)))
        elif verb in "fe" or verb == "E":
            out.append(format(to_double(arg), f".{6 if precision is None else precision}{verb}"))
        elif verb in "xX":
            if isinstance(arg, str):
                text = arg.encode().hex()
            elif isinstance(arg, bytes):
                text = arg.hex()
            else:
                text = format(int(arg), "x")
            out.append(text.upper() if verb == "X" else text)
        elif verb == "o":
            out.append(format(int(arg), "o"))
        elif verb == "b":
            out.append(format(int(arg), "b") if not isinstance(arg, bool) else str(arg).lower())
    return "".join(out)


def _format_s(arg: Any) -> str:
    if isinstance(arg, list):
        return "[" + ", ".join(_format_s(a) for a in arg) + "]"
    if isinstance(arg, dict):
        return "{" + ", ".join(f"{_format_s(k)}:{_format_s(v)}" for k, v in arg.items()) + "}"
    if arg is None:
        return "null"
    if isinstance(arg, TypeValue):
        return arg.name
    return to_string(arg)


def _quote(s: str) -> str:
    out = ['"']
    for ch in s:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\a":
            out.append("\\a")
        elif ch == "\b":
            out.append("\\b")
        elif ch == "\f":
            out.append("\\f")
        elif ch == "\v":
            out.append("\\v")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _comparable_list(items: list[Any]) -> None:
    for a, b in zip(items, items[1:], strict=False):
        compare(a, b)


def _is_sorted(items: list[Any]) -> bool:
    _comparable_list(items)
    return all(compare(a, b) <= 0 for a, b in zip(items, items[1:], strict=False))


def _sum(items: list[Any]) -> Any:
    if not items:
        return 0
    total = items[0]
    for item in items[1:]:
        total = arith("+", total, item)
    return total


def _min(items: list[Any]) -> Any:
    if not items:
        raise CELError("min called on empty list")
    best = items[0]
    for item in items[1:]:
        if compare(item, best) < 0:
            best = item
    return best


def _max(items: list[Any]) -> Any:
    if not items:
        raise CELError("max called on empty list")
    best = items[0]
    for item in items[1:]:
        if compare(item, best) > 0:
            best = item
    return best


def _list_index_of(items: list[Any], value: Any) -> int:
    for i, item in enumerate(items):
        if equal(item, value):
            return i
    return -1


def _list_last_index_of(items: list[Any], value: Any) -> int:
    for i in range(len(items) - 1, -1, -1):
        if equal(items[i], value):
            return i
    return -1


def _slice(items: list[Any], start: int, end: int) -> list[Any]:
    if start < 0 or end < 0:
        raise CELError(f"cannot slice({start}, {end}), negative indexes not supported")
    if start > end:
        raise CELError(
            f"cannot slice({start}, {end}), start index must be less than or equal to end index"
        )
    if end > len(items):
        raise CELError(f"cannot slice({start}, {end}), list is length {len(items)}")
    return items[start:end]


def _flatten(items: list[Any], depth: int = 1) -> list[Any]:
    if depth < 0:
        raise CELError("level must be non-negative")
    out: list[Any] = []
    for item in items:
        if isinstance(item, list) and depth > 0:
            out.extend(_flatten(item, depth - 1))
        else:
            out.append(item)
    return out


def _distinct(items: list[Any]) -> list[Any]:
    out: list[Any] = []
    for item in items:
        if not any(equal(item, o) for o in out):
            out.append(item)
    return out


def _sort(items: list[Any]) -> list[Any]:
    import functools

    _comparable_list(items)
    return sorted(items, key=functools.cmp_to_key(compare))


def _sets_contains(a: list[Any], b: list[Any]) -> bool:
    return all(any(equal(x, y) for y in a) for x in b)


def _ts_part(ts: Timestamp, part: str, tz: str | None = None) -> int:
    dt = ts.dt
    if tz:
        try:
            if re.fullmatch(r"[+-]?\d\d:\d\d", tz):
                sign = -1 if tz.startswith("-") else 1
                hh, mm = tz.lstrip("+-").split(":")
                zone: datetime.tzinfo = datetime.timezone(
                    sign * datetime.timedelta(hours=int(hh), minutes=int(mm))
                )
            else:
                from zoneinfo import ZoneInfo

                zone = ZoneInfo(tz)
        except Exception:
            raise CELError(f"unknown time zone {tz}") from None
        dt = dt.astimezone(zone)
    if part == "getFullYear":
        return dt.year
    if part == "getMonth":
        return dt.month - 1
    if part == "getDate":
        return dt.day
    if part == "getDayOfMonth":
        return dt.day - 1
    if part == "getDayOfWeek":
        return (dt.weekday() + 1) % 7
    if part == "getDayOfYear":
        return dt.timetuple().tm_yday - 1
    if part == "getHours":
        return dt.hour
    if part == "getMinutes":
        return dt.minute
    if part == "getSeconds":
        return dt.second
    if part == "getMilliseconds":
        return (ts.nanos % 10**9) // 10**6
    raise _overload()


def _dur_part(d: Duration, part: str) -> int:
    seconds = int(d.nanos / 10**9)
    if part == "getHours":
        return int(seconds / 3600)
    if part == "getMinutes":
        return int(seconds / 60)
    if part == "getSeconds":
        return seconds
    if part == "getMilliseconds":
        return int(d.nanos / 10**6)
    raise _overload()


def _url_port(u: URL) -> str:
    netloc = u.parts.netloc.rsplit("@", 1)[-1]
    if netloc.startswith("["):
        _, _, rest = netloc.partition("]")
        return rest[1:] if rest.startswith(":") else ""
    return netloc.rpartition(":")[2] if ":" in netloc else ""


def _url_hostname(u: URL) -> str:
    netloc = u.parts.netloc.rsplit("@", 1)[-1]
    if netloc.startswith("["):
        return netloc[1:].partition("]")[0]
    return netloc.partition(":")[0]


def _url_query(u: URL) -> dict[str, list[str]]:
    return urllib.parse.parse_qs(u.parts.query, keep_blank_values=True)


def _format_value(fmt: Format, value: str) -> Optional:
    errs = format_errors(fmt, value)
    return Optional(True, errs) if errs else NONE


def _cidr_contains_ip(c: CIDR, other: Any) -> bool:
    addr = other.addr if isinstance(other, IP) else None
    if isinstance(other, str):
        parsed = parse_ip(other)
        if parsed is None:
            raise CELError("IP Address must be a valid IP address")
        addr = parsed.addr
    if addr is None:
        raise _overload()
    return addr in c.net.network


def _cidr_contains_cidr(c: CIDR, other: Any) -> bool:
    if isinstance(other, str):
        parsed = parse_cidr(other)
        if parsed is None:
            raise CELError("network address must be a valid CIDR")
        other = parsed
    if not isinstance(other, CIDR):
        raise _overload()
    return other.net.network.subnet_of(c.net.network)  # type: ignore[arg-type]


def _is_canonical(text: str) -> bool:
    ip = parse_ip(text)
    if ip is None:
        raise CELError("IP Address must be a valid IP address")
    return str(ip.addr) == text


# receiver type -> method name -> implementation(receiver, *args)
METHODS: dict[str, dict[str, Fn]] = {
    "string": {
        "size": _size,
        "contains": lambda s, x: _str(x) in s,
        "startsWith": lambda s, x: s.startswith(_str(x)),
        "endsWith": lambda s, x: s.endswith(_str(x)),
        "matches": lambda s, p: bool(_regex(p).search(s)),
        "charAt": _char_at,
        "indexOf": _index_of,
        "lastIndexOf": _last_index_of,
        "lowerAscii": lambda s: "".join(c.lower() if c.isascii() else c for c in s),
        "upperAscii": lambda s: "".join(c.upper() if c.isascii() else c for c in s),
        "replace": _replace,
        "split": _split,
        "substring": _substring,
        "trim": lambda s: s.strip(
            " \t\n\r\v\f\u0085\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
        ),
        "format": _format,
        "find": lambda s, p: m.group(0) if (m := _regex(p).search(s)) else "",
        "findAll": lambda s, p, n=-1: [m.group(0) for m in _regex(p).finditer(s)][
            : n if n >= 0 else None
        ],
    },
    "bytes": {"size": _size},
    "list": {
        "size": _size,
        "join": _join,
        "isSorted": _is_sorted,
        "sum": _sum,
        "min": _min,
        "max": _max,
        "indexOf": _list_index_of,
        "lastIndexOf": _list_last_index_of,
        "slice": _slice,
        "flatten": _flatten,
        "distinct": _distinct,
        "reverse": lambda items: list(reversed(items)),
        "sort": _sort,
        "first": lambda items: Optional(True, items[0]) if items else NONE,
        "last": lambda items: Optional(True, items[-1]) if items else NONE,
    },
    "map": {"size": _size},
    "google.protobuf.Timestamp": {
        name: (lambda n: lambda ts, tz=None: _ts_part(ts, n, tz))(name)
        for name in (
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
        )
    },
    "google.protobuf.Duration": {
        name: (lambda n: lambda d: _dur_part(d, n))(name)
        for name in ("getHours", "getMinutes", "getSeconds", "getMilliseconds")
    },
    "optional_type": {
        "hasValue": lambda o: o.present,
        "value": lambda o: (
            o.value if o.present else (_ for _ in ()).throw(CELError("optional.none() dereference"))
        ),
        "orValue": lambda o, d: o.value if o.present else d,
        "or": lambda o, other: o if o.present else other,
    },
    "kubernetes.Quantity": {
        "isInteger": lambda q: q.value == q.value.to_integral_value() and abs(q.value) <= INT_MAX,
        "asInteger": lambda q: _q_as_int(q),
        "asApproximateFloat": lambda q: float(q.value),
        "add": lambda q, o: Quantity(q.value + _quantity_arg(o), ""),
        "sub": lambda q, o: Quantity(q.value - _quantity_arg(o), ""),
        "isGreaterThan": lambda q, o: q.value > _quantity_arg(o),
        "isLessThan": lambda q, o: q.value < _quantity_arg(o),
        "compareTo": lambda q, o: (q.value > _quantity_arg(o)) - (q.value < _quantity_arg(o)),
    },
    "kubernetes.URL": {
        "getScheme": lambda u: u.parts.scheme,
        "getHost": lambda u: u.parts.netloc.rsplit("@", 1)[-1],
        "getHostname": _url_hostname,
        "getPort": _url_port,
        "getEscapedPath": lambda u: u.parts.path,
        "getQuery": _url_query,
    },
    "net.IP": {
        "family": lambda ip: ip.addr.version,
        "isUnspecified": lambda ip: ip.addr.is_unspecified,
        "isLoopback": lambda ip: ip.addr.is_loopback,
        "isLinkLocalMulticast": lambda ip: (
            ip.addr.is_multicast
            and ip.addr.is_link_local
            or (ip.addr.version == 4 and ip.addr in ipaddress.ip_network("224.0.0.0/24"))
        ),
        "isLinkLocalUnicast": lambda ip: ip.addr.is_link_local and not ip.addr.is_multicast,
        "isGlobalUnicast": lambda ip: (
            not (
                ip.addr.is_unspecified
                or ip.addr.is_loopback
                or ip.addr.is_multicast
                or ip.addr.is_link_local
                or ip.addr == ipaddress.ip_address("255.255.255.255")
            )
        ),
    },
    "net.CIDR": {
        "containsIP": _cidr_contains_ip,
        "containsCIDR": _cidr_contains_cidr,
        "ip": lambda c: IP(c.net.ip),
        "masked": lambda c: CIDR(ipaddress.ip_interface(str(c.net.network)), str(c.net.network)),
        "prefixLength": lambda c: c.net.network.prefixlen,
    },
    "kubernetes.Semver": {
        "major": lambda v: v.major,
        "minor": lambda v: v.minor,
        "patch": lambda v: v.patch,
        "isLessThan": lambda v, o: semver_cmp(v, o) < 0,
        "isGreaterThan": lambda v, o: semver_cmp(v, o) > 0,
        "compareTo": lambda v, o: semver_cmp(v, o),
    },
    "kubernetes.NamedFormat": {"validate": _format_value},
}


def _q_as_int(q: Quantity) -> int:
    if q.value != q.value.to_integral_value() or abs(q.value) > INT_MAX:
        raise CELError("cannot convert value to integer")
    return int(q.value)


def _maybe(parse: Callable[[str], Any]) -> Callable[[Any], bool]:
    def check(text: Any) -> bool:
        if not isinstance(text, str):
            raise _overload()
        return parse(text) is not None

    return check


def _must(parse: Callable[[str], Any], message: str) -> Callable[[Any], Any]:
    def build(text: Any) -> Any:
        if not isinstance(text, str):
            raise _overload()
        value = parse(text)
        if value is None:
            raise CELError(message)
        return value

    return build


def _type_of(v: Any) -> TypeValue:
    return TypeValue(type_name(v))


def _bytes(v: Any) -> bytes:
    if isinstance(v, bytes):
        return v
    if isinstance(v, str):
        return v.encode()
    raise _overload()


def _uint(v: Any) -> UInt:
    if isinstance(v, bool):
        raise _overload()
    if isinstance(v, (int, float)):
        if isinstance(v, float) and (math.isnan(v) or not 0 <= v <= UINT_MAX):
            raise CELError("double is out of range for uint")
        return _check_uint(int(v))
    if isinstance(v, str):
        try:
            return _check_uint(int(v))
        except ValueError:
            raise CELError(f'strconv.ParseUint: parsing "{v}": invalid syntax') from None
    raise _overload()


def _duration(v: Any) -> Duration:
    if isinstance(v, Duration):
        return v
    if isinstance(v, str):
        return parse_duration(v)
    raise _overload()


def _timestamp(v: Any) -> Timestamp:
    if isinstance(v, Timestamp):
        return v
    if isinstance(v, str):
        return parse_timestamp(v)
    if isinstance(v, int) and not isinstance(v, bool):
        return Timestamp(v * 10**9)
    raise _overload()


def _semver_fn(text: Any, normalize: bool = False) -> Semver:
    if not isinstance(text, str):
        raise _overload()
    v = parse_semver(text, normalize)
    if v is None:
        raise CELError("invalid semver")
    return v


def _format_named(name: Any) -> Optional:
    return Optional(True, Format(str(name))) if name in FORMAT_NAMES else NONE


GLOBALS: dict[str, Fn] = {
    "size": _size,
    "int": to_int,
    "uint": _uint,
    "double": to_double,
    "string": to_string,
    "bytes": _bytes,
    "bool": lambda v: (
        v
        if isinstance(v, bool)
        else {"true": True, "false": False}.get(v)
        if v in ("true", "false")
        else (_ for _ in ()).throw(_overload())
    ),
    "type": _type_of,
    "dyn": lambda v: v,
    "duration": _duration,
    "timestamp": _timestamp,
    "matches": lambda s, p: bool(_regex(p).search(_str(s))),
    "quantity": quantity,
    "isQuantity": _maybe(parse_quantity),
    "url": _must(parse_url, "URL is invalid"),
    "isURL": _maybe(parse_url),
    "ip": _must(parse_ip, "IP Address must be a valid IP address"),
    "isIP": _maybe(parse_ip),
    "cidr": _must(parse_cidr, "network address must be a valid CIDR"),
    "isCIDR": _maybe(parse_cidr),
    "semver": _semver_fn,
    "isSemver": lambda text, normalize=False: parse_semver(_str(text), normalize) is not None,
    "strings.quote": lambda s: _quote(_str(s)),
    "sets.contains": _sets_contains,
    "sets.equivalent": lambda a, b: _sets_contains(a, b) and _sets_contains(b, a),
    "sets.intersects": lambda a, b: any(equal(x, y) for x in a for y in b),
    "lists.range": lambda n: list(range(n)),
    "ip.isCanonical": lambda s: _is_canonical(_str(s)),
    "optional.of": lambda v: Optional(True, v),
    "optional.none": lambda: NONE,
    "optional.ofNonZeroValue": lambda v: (
        NONE if v in (None, 0, "", b"", [], {}, False) else Optional(True, v)
    ),
    "format.named": _format_named,
    **{f"format.{name}": (lambda n: lambda: Format(n))(name) for name in FORMAT_NAMES},
}
TYPE_NAMES = frozenset(
    {"int", "uint", "double", "bool", "string", "bytes", "list", "map", "null_type", "type"}
)
MACROS = frozenset(
    {
        "has",
        "all",
        "exists",
        "exists_one",
        "existsOne",
        "map",
        "filter",
        "transformList",
        "transformMap",
        "transformMapEntry",
    }
)
# Names a receiver call may use: anything else is "undeclared" at compile time.
METHOD_NAMES = frozenset(name for table in METHODS.values() for name in table) | MACROS
# Names cel-go declares with other receivers (a call on the wrong type is "no matching overload").
DECLARED_ELSEWHERE = frozenset({"sign", "getDayOfWeek"})
NAMESPACES = frozenset(name.split(".")[0] for name in GLOBALS if "." in name)


def call_method(name: str, receiver: Any, args: list[Any]) -> Any:
    table = METHODS.get(type_name(receiver))
    if isinstance(receiver, Obj) and table is None:
        table = METHODS["map"]
    fn = (table or {}).get(name)
    if fn is None:
        if name in GLOBALS:
            return GLOBALS[name](receiver, *args)
        raise _overload()
    try:
        return fn(receiver, *args)
    except TypeError:
        raise _overload() from None


def call_global(name: str, args: list[Any]) -> Any:
    fn = GLOBALS.get(name)
    if fn is None:
        raise _overload()
    try:
        return fn(*args)
    except TypeError:
        raise _overload() from None


# -- arithmetic ---------------------------------------------------------------------------------


def arith(op: str, a: Any, b: Any) -> Any:
    if isinstance(a, bool) or isinstance(b, bool):
        raise _overload()
    if isinstance(a, UInt) and isinstance(b, UInt):
        if op in "/%" and b == 0:
            raise CELError("division by zero" if op == "/" else "modulus by zero")
        result = {"+": a + b, "-": a - b, "*": a * b}.get(op)
        if op == "/":
            result = a // b
        elif op == "%":
            result = a % b
        return _check_uint(int(result))  # type: ignore[arg-type]
    if (
        isinstance(a, int)
        and isinstance(b, int)
        and not isinstance(a, UInt)
        and not isinstance(b, UInt)
    ):
        if op == "+":
            return _check_int(a + b)
        if op == "-":
            return _check_int(a - b)
        if op == "*":
            return _check_int(a * b)
        if b == 0:
            raise CELError("division by zero" if op == "/" else "modulus by zero")
        quotient = abs(a) // abs(b) * (1 if (a >= 0) == (b >= 0) else -1)
        if op == "/":
            return _check_int(quotient)
        return a - quotient * b
    if isinstance(a, float) and isinstance(b, float):
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "*":
            return a * b
        if op == "/":
            if b == 0:
                return math.copysign(math.inf, a) if a else math.nan
            return a / b
        raise _overload()
    if op == "+":
        if isinstance(a, str) and isinstance(b, str):
            return a + b
        if isinstance(a, bytes) and isinstance(b, bytes):
            return a + b
        if isinstance(a, list) and isinstance(b, list):
            return a + b
        if isinstance(a, Duration) and isinstance(b, Duration):
            return Duration(_check_int(a.nanos + b.nanos))
        if isinstance(a, Timestamp) and isinstance(b, Duration):
            return Timestamp(a.nanos + b.nanos)
        if isinstance(a, Duration) and isinstance(b, Timestamp):
            return Timestamp(a.nanos + b.nanos)
    if op == "-":
        if isinstance(a, Duration) and isinstance(b, Duration):
            return Duration(_check_int(a.nanos - b.nanos))
        if isinstance(a, Timestamp) and isinstance(b, Duration):
            return Timestamp(a.nanos - b.nanos)
        if isinstance(a, Timestamp) and isinstance(b, Timestamp):
            return Duration(_check_int(a.nanos - b.nanos))
    raise _overload()


# -- evaluation ---------------------------------------------------------------------------------


class Activation:
    """Variable bindings (self, oldSelf, and macro variables)."""

    def __init__(self, variables: dict[str, Any], parent: Activation | None = None) -> None:
        self.variables = variables
        self.parent = parent

    def lookup(self, name: str) -> Any:
        scope: Activation | None = self
        while scope is not None:
            if name in scope.variables:
                return scope.variables[name]
            scope = scope.parent
        if name in TYPE_NAMES:
            return TypeValue(name)
        raise CELError(f"no such attribute: {name}")

    def child(self, variables: dict[str, Any]) -> Activation:
        return Activation(variables, self)


def _qualified(node: Node) -> str | None:
    """``a.b.c`` as a dotted name when the node is a chain of selects on an identifier."""
    if node.op == "ident":
        return str(node.args[0])
    if node.op == "select":
        base = _qualified(node.args[0])
        return f"{base}.{node.args[1]}" if base else None
    return None


def evaluate(node: Node, act: Activation) -> Any:
    op = node.op
    if op == "lit":
        return node.args[0]
    if op == "ident":
        return act.lookup(node.args[0])
    if op == "select":
        target = evaluate(node.args[0], act)
        return select(target, node.args[1])
    if op == "optselect":
        target = evaluate(node.args[0], act)
        return opt_select(target, node.args[1])
    if op == "index":
        return index(evaluate(node.args[0], act), evaluate(node.args[1], act))
    if op == "optindex":
        target = evaluate(node.args[0], act)
        key = evaluate(node.args[1], act)
        if isinstance(target, Optional):
            if not target.present:
                return NONE
            target = target.value
        try:
            return Optional(True, index(target, key))
        except CELError:
            return NONE
    if op == "list":
        items = []
        for item in node.args:
            if item.op == "optelem":
                value = evaluate(item.args[0], act)
                if isinstance(value, Optional) and value.present:
                    items.append(value.value)
                continue
            items.append(evaluate(item, act))
        return items
    if op == "map":
        result: dict[Any, Any] = {}
        for key_node, value_node, optional in node.args:
            key = evaluate(key_node, act)
            value = evaluate(value_node, act)
            if optional:
                if not (isinstance(value, Optional) and value.present):
                    continue
                value = value.value
            if not isinstance(key, (str, int, bool)):
                raise CELError("unsupported key type")
            if _map_lookup(result, key) is not _ABSENT:
                raise CELError(
                    f"insert failed: key {to_string(key) if not isinstance(key, str) else key} already exists"
                )
            result[key] = value
        return result
    if op == "&&":
        return _logic(node, act, False)
    if op == "||":
        return _logic(node, act, True)
    if op == "?:":
        cond = evaluate(node.args[0], act)
        if not isinstance(cond, bool):
            raise _overload()
        return evaluate(node.args[1] if cond else node.args[2], act)
    if op == "!_":
        value = evaluate(node.args[0], act)
        if not isinstance(value, bool):
            raise _overload()
        return not value
    if op == "-_":
        value = evaluate(node.args[0], act)
        if isinstance(value, (bool, UInt)):
            raise _overload()
        if isinstance(value, int):
            return _check_int(-value)
        if isinstance(value, float):
            return -value
        if isinstance(value, Duration):
            return Duration(-value.nanos)
        raise _overload()
    if op in ("==", "!="):
        result_eq = equal(evaluate(node.args[0], act), evaluate(node.args[1], act))
        return result_eq if op == "==" else not result_eq
    if op in ("<", "<=", ">", ">="):
        c = compare(evaluate(node.args[0], act), evaluate(node.args[1], act))
        return {"<": c < 0, "<=": c <= 0, ">": c > 0, ">=": c >= 0}[op]
    if op == "in":
        item = evaluate(node.args[0], act)
        container = evaluate(node.args[1], act)
        if isinstance(container, list):
            return any(equal(item, x) for x in container)
        if isinstance(container, dict):
            return _map_lookup(container, item) is not _ABSENT
        raise _overload()
    if op in ("+", "-", "*", "/", "%"):
        return arith(op, evaluate(node.args[0], act), evaluate(node.args[1], act))
    if op == "call":
        return _call(node, act)
    raise CELError(f"unsupported expression {op}")


def _logic(node: Node, act: Activation, is_or: bool) -> Any:
    errors: list[CELError] = []
    values = []
    for arg in node.args:
        try:
            value = evaluate(arg, act)
        except CELError as exc:
            errors.append(exc)
            continue
        if not isinstance(value, bool):
            errors.append(_overload())
            continue
        if value == is_or:
            return value  # short circuit: true || x, false && x
        values.append(value)
    if errors:
        raise errors[0]
    return not is_or


def select(target: Any, name: str) -> Any:
    if isinstance(target, Optional):
        return opt_select(target, name)
    if isinstance(target, dict):
        if name in target:
            return target[name]
        raise CELError(f"no such key: {name}")
    raise _overload()


def opt_select(target: Any, name: str) -> Optional:
    if isinstance(target, Optional):
        if not target.present:
            return NONE
        target = target.value
    if isinstance(target, dict):
        return Optional(True, target[name]) if name in target else NONE
    raise _overload()


def index(target: Any, key: Any) -> Any:
    if isinstance(target, Optional):
        if not target.present:
            return NONE
        return Optional(True, index(target.value, key))
    if isinstance(target, list):
        if isinstance(key, bool) or not _is_num(key):
            raise _overload()
        if isinstance(key, float):
            if not key.is_integer():
                raise CELError(f"unsupported index value {key}")
            key = int(key)
        if not 0 <= key < len(target):
            raise CELError(f"index out of bounds: {key}")
        return target[key]
    if isinstance(target, dict):
        value = _map_lookup(target, key)
        if value is _ABSENT:
            raise CELError(f"no such key: {to_string(key) if not isinstance(key, str) else key}")
        return value
    raise _overload()


def _iter_range(target: Any) -> list[Any]:
    if isinstance(target, list):
        return target
    if isinstance(target, dict):
        return list(target.keys())
    raise _overload()


def _call(node: Node, act: Activation) -> Any:
    name, receiver_node, args = node.args
    if receiver_node is None and name == "has":
        arg = args[0]
        target = evaluate(arg.args[0], act)
        if isinstance(target, dict):
            return arg.args[1] in target
        if isinstance(target, Optional):
            return target.present and isinstance(target.value, dict) and arg.args[1] in target.value
        raise _overload()
    if receiver_node is not None:
        qualified = _qualified(receiver_node)
        if qualified and f"{qualified}.{name}" in GLOBALS and qualified.split(".")[0] in NAMESPACES:
            values = [evaluate(a, act) for a in args]
            return call_global(f"{qualified}.{name}", values)
        if name in MACROS and args and all(a.op == "ident" for a in args[:-1]) and len(args) >= 2:
            return _macro(name, evaluate(receiver_node, act), args, act)
        receiver = evaluate(receiver_node, act)
        values = [evaluate(a, act) for a in args]
        return call_method(name, receiver, values)
    values = [evaluate(a, act) for a in args]
    return call_global(name, values)


def _macro(name: str, target: Any, args: tuple[Node, ...], act: Activation) -> Any:
    names = [str(a.args[0]) for a in args[:-1]]
    body = args[-1]
    two = (
        len(names) == 2
        and name in ("all", "exists", "existsOne", "exists_one", "transformList", "transformMap")
        or (len(names) == 3 and name in ("transformList", "transformMap"))
    )
    if name in ("transformList", "transformMap") and len(args) == 4:
        names = [str(args[0].args[0]), str(args[1].args[0])]
        predicate, body = args[2], args[3]
    else:
        predicate = None
    if isinstance(target, list):
        pairs = list(enumerate(target))
    elif isinstance(target, dict):
        pairs = list(target.items())
    else:
        raise _overload()

    def bind(key: Any, value: Any) -> Activation:
        if two or name in ("transformList", "transformMap"):
            return act.child({names[0]: key, names[1]: value})
        element = value if isinstance(target, list) else key
        return act.child({names[0]: element})

    if name == "map" and len(args) == 3:
        # e.map(x, p, t): filter then map.
        var = str(args[0].args[0])
        out = []
        for key, value in pairs:
            element = value if isinstance(target, list) else key
            scope = act.child({var: element})
            if _truthy(evaluate(args[1], scope)):
                out.append(evaluate(args[2], scope))
        return out
    if name == "all":
        errors: list[CELError] = []
        for key, value in pairs:
            try:
                result = evaluate(body, bind(key, value))
            except CELError as exc:
                errors.append(exc)
                continue
            if result is False:
                return False
            if result is not True:
                errors.append(_overload())
        if errors:
            raise errors[0]
        return True
    if name == "exists":
        errors = []
        for key, value in pairs:
            try:
                result = evaluate(body, bind(key, value))
            except CELError as exc:
                errors.append(exc)
                continue
            if result is True:
                return True
        if errors:
            raise errors[0]
        return False
    if name in ("exists_one", "existsOne"):
        count = sum(1 for key, value in pairs if _truthy(evaluate(body, bind(key, value))))
        return count == 1
    if name == "map":
        return [evaluate(body, bind(k, v)) for k, v in pairs]
    if name == "filter":
        return [
            (v if isinstance(target, list) else k)
            for k, v in pairs
            if _truthy(evaluate(body, bind(k, v)))
        ]
    if name == "transformList":
        out = []
        for key, value in pairs:
            scope = act.child({names[0]: key, names[1]: value})
            if predicate is None or _truthy(evaluate(predicate, scope)):
                out.append(evaluate(body, scope))
        return out
    if name == "transformMap":
        mapped: dict[Any, Any] = {}
        for key, value in pairs:
            scope = act.child({names[0]: key, names[1]: value})
            if predicate is None or _truthy(evaluate(predicate, scope)):
                mapped[key] = evaluate(body, scope)
        return mapped
    raise _overload()


def _truthy(value: Any) -> bool:
    if not isinstance(value, bool):
        raise _overload()
    return value
