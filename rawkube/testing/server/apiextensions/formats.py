"""String formats a CRD schema may check (kube-openapi pkg/validation/strfmt, default registry).

Only the formats apiextensions-apiserver keeps are checked: the others are stripped from the
schema before validation (apiextensions-apiserver pkg/apiserver/validation/formats.go,
StripUnsupportedFormatsPostProcessorForVersion). Names are normalised as go-openapi does
(``date-time`` is ``datetime``).
"""

from __future__ import annotations

import base64
import datetime
import ipaddress
import re
import urllib.parse
from collections.abc import Callable

# formats.go supportedVersionedFormats (1.0 and 1.34 sets).
SUPPORTED_STRING_FORMATS = frozenset(
    {
        "bsonobjectid",
        "uri",
        "email",
        "hostname",
        "ipv4",
        "ipv6",
        "cidr",
        "mac",
        "uuid",
        "uuid3",
        "uuid4",
        "uuid5",
        "isbn",
        "isbn10",
        "isbn13",
        "creditcard",
        "ssn",
        "hexcolor",
        "rgbcolor",
        "byte",
        "password",
        "date",
        "duration",
        "datetime",
        "k8s-short-name",
        "k8s-long-name",
    }
)


def normalise(name: str) -> str:
    return name.replace("-", "") if not name.startswith("k8s-") else name


def supported_format(schema_type: str, fmt: str) -> str:
    """The format left after StripUnsupportedFormatsPostProcessor ("" when stripped)."""
    if not fmt:
        return ""
    if schema_type in ("", "string"):
        return fmt if normalise(fmt) in SUPPORTED_STRING_FORMATS else ""
    if schema_type == "integer":
        return fmt if fmt in ("int32", "int64") else ""
    if schema_type == "number":
        return fmt if fmt in ("float", "double") else ""
    return ""


_UUID = re.compile(r"(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$")
_UUID3 = re.compile(r"(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?3[0-9a-f]{3}-?[0-9a-f]{4}-?[0-9a-f]{12}$")
_UUID4 = re.compile(
    r"(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?4[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$"
)
_UUID5 = re.compile(
    r"(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?5[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$"
)
_HOSTNAME = re.compile(
    r"^([a-zA-Z0-9\w]((-?[a-zA-Z0-9\w]{0,62})?)|([a-zA-Z0-9\w](([a-zA-Z0-9\-\w]{0,61}"
    r"[a-zA-Z0-9\w])?)(\.)){1,}([a-zA-Z]){2,63})$"
)
_CREDIT_CARD = re.compile(
    r"^(?:4[0-9]{12}(?:[0-9]{3})?|5[1-5][0-9]{14}|6(?:011|5[0-9][0-9])[0-9]{12}|3[47][0-9]{13}"
    r"|3(?:0[0-5]|[68][0-9])[0-9]{11}|(?:2131|1800|35\d{3})\d{11})$"
)
_ISBN10 = re.compile(r"^(?:[0-9]{9}X|[0-9]{10})$")
_ISBN13 = re.compile(r"^(?:[0-9]{13})$")
_HEXCOLOR = re.compile(r"^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
_BYTE = r"(0|[1-9]\d?|1\d\d?|2[0-4]\d|25[0-5])"
_RGBCOLOR = re.compile(rf"^rgb\(\s*{_BYTE}\s*,\s*{_BYTE}\s*,\s*{_BYTE}\s*\)$")
_BASE64 = re.compile(
    r"^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{4})$"
)
_SSN = re.compile(r"^\d{3}[- ]?\d{2}[- ]?\d{4}$")
_TIME = re.compile(r"^([0-9]{2}):([0-9]{2}):([0-9]{2})(.[0-9]+)?(z|([+-][0-9]{2}:[0-9]{2}))$")
_SHORT_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_LONG_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_DURATION_PART = re.compile(r"((\d+)\s*([A-Za-zµ]+))")
_GO_DURATION = re.compile(r"^[-+]?((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+$|^[-+]?0$")
_TIME_UNITS = [
    ["ns", "nano"],
    ["us", "µs", "micro"],
    ["ms", "milli"],
    ["s", "sec"],
    ["m", "min"],
    ["h", "hr", "hour"],
    ["d", "day"],
    ["w", "wk", "week"],
]
_MAC = re.compile(
    r"^([0-9A-Fa-f]{2}([:-])){5}[0-9A-Fa-f]{2}$|^([0-9A-Fa-f]{2}([:-])){7}[0-9A-Fa-f]{2}$"
    r"|^([0-9A-Fa-f]{2}([:-])){19}[0-9A-Fa-f]{2}$"
    r"|^([0-9A-Fa-f]{4}\.){2}[0-9A-Fa-f]{4}$|^([0-9A-Fa-f]{4}\.){3}[0-9A-Fa-f]{4}$"
    r"|^([0-9A-Fa-f]{4}\.){9}[0-9A-Fa-f]{4}$"
)


def is_date(text: str) -> bool:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return False
    try:
        datetime.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def is_datetime(text: str) -> bool:
    """strfmt.IsDateTime: a full date, a 't', then hh:mm:ss[.frac](z|+hh:mm)."""
    if len(text) < 4:
        return False
    parts = text.lower().split("t")
    if len(parts) < 2 or not is_date(parts[0]):
        return False
    match = _TIME.match(parts[1])
    if not match:
        return False
    return match.group(1) <= "23" and match.group(2) <= "59" and match.group(3) <= "59"


def is_hostname(text: str) -> bool:
    if not _HOSTNAME.match(text) or len(text) > 255:
        return False
    return all(len(p) <= 63 for p in text.split("."))


def is_email(text: str) -> bool:
    """net/mail.ParseAddress, reduced to the addr-spec and 'Name <addr>' forms."""
    match = re.fullmatch(r"\s*(?:[^<>]*<([^<>]+)>|([^<>\s]+))\s*", text)
    if not match:
        return False
    addr = match.group(1) or match.group(2) or ""
    local, at, domain = addr.rpartition("@")
    if not at or not local or not domain:
        return False
    atom = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
    if not (re.fullmatch(rf"{atom}(\.{atom})*", local) or re.fullmatch(r'"[^"]*"', local)):
        return False
    return bool(re.fullmatch(rf"{atom}(\.{atom})*|\[[^\]]*\]", domain))


def is_request_uri(text: str) -> bool:
    """url.ParseRequestURI: an absolute URI or an absolute path, no fragment."""
    if not text or "#" in text:
        return False
    if text.startswith("/"):
        return " " not in text
    parsed = urllib.parse.urlsplit(text)
    if not parsed.scheme or not re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*", parsed.scheme):
        return False
    return " " not in text


def _is_ip(text: str, version: int) -> bool:
    try:
        return ipaddress.ip_address(text).version == version
    except ValueError:
        if version == 4:
            # netutils.ParseIPSloppy accepts leading zeros in IPv4 octets.
            parts = text.split(".")
            return len(parts) == 4 and all(p.isdigit() and int(p) < 256 for p in parts)
        return False


def is_ipv4(text: str) -> bool:
    return "." in text and (_is_ip(text, 4) or _is_ip4_mapped(text))


def _is_ip4_mapped(text: str) -> bool:
    try:
        return ipaddress.ip_address(text).version == 6
    except ValueError:
        return False


def is_ipv6(text: str) -> bool:
    return ":" in text and _is_ip(text, 6)


def is_cidr(text: str) -> bool:
    try:
        ipaddress.ip_network(text, strict=False)
    except ValueError:
        return False
    return "/" in text


def is_duration(text: str) -> bool:
    if _GO_DURATION.match(text):
        return True
    for match in _DURATION_PART.findall(text):
        unit = match[2].strip().lower()
        for variants in _TIME_UNITS:
            last = len(variants) - 1
            for i, variant in enumerate(variants):
                if (i == last and unit.startswith(variant)) or variant.lower() == unit:
                    return True
    return False


def is_isbn(text: str, version: int) -> bool:
    sanitized = re.sub(r"[\s-]+", "", text)
    if version == 10:
        if not _ISBN10.match(sanitized):
            return False
        checksum = sum((i + 1) * int(sanitized[i]) for i in range(9))
        checksum += 100 if sanitized[9] == "X" else 10 * int(sanitized[9])
        return checksum % 11 == 0
    if not _ISBN13.match(sanitized):
        return False
    factors = (1, 3)
    checksum = sum(factors[i % 2] * int(sanitized[i]) for i in range(12))
    return (int(sanitized[12]) - ((10 - (checksum % 10)) % 10)) == 0


def is_credit_card(text: str) -> bool:
    sanitized = re.sub(r"[^0-9]+", "", text)
    if not _CREDIT_CARD.match(sanitized):
        return False
    total = 0
    double = False
    for ch in reversed(sanitized):
        digit = int(ch)
        if double:
            digit *= 2
            total += digit % 10 + (1 if digit >= 10 else 0)
        else:
            total += digit
        double = not double
    return total % 10 == 0


def is_base64(text: str) -> bool:
    if not _BASE64.match(text):
        return False
    try:
        base64.b64decode(text, validate=True)
    except ValueError:
        return False
    return True


CHECKS: dict[str, Callable[[str], bool]] = {
    "bsonobjectid": lambda s: bool(re.fullmatch(r"[0-9a-fA-F]{24}", s)),
    "uri": is_request_uri,
    "email": is_email,
    "hostname": is_hostname,
    "ipv4": is_ipv4,
    "ipv6": is_ipv6,
    "cidr": is_cidr,
    "mac": lambda s: bool(_MAC.match(s)),
    "uuid": lambda s: bool(_UUID.match(s)),
    "uuid3": lambda s: bool(_UUID3.match(s)),
    "uuid4": lambda s: bool(_UUID4.match(s)),
    "uuid5": lambda s: bool(_UUID5.match(s)),
    "isbn": lambda s: is_isbn(s, 10) or is_isbn(s, 13),
    "isbn10": lambda s: is_isbn(s, 10),
    "isbn13": lambda s: is_isbn(s, 13),
    "creditcard": is_credit_card,
    "ssn": lambda s: len(s) == 11 and bool(_SSN.match(s)),
    "hexcolor": lambda s: bool(_HEXCOLOR.match(s)),
    "rgbcolor": lambda s: bool(_RGBCOLOR.match(s)),
    "byte": is_base64,
    "password": lambda s: True,
    "date": is_date,
    "duration": is_duration,
    "datetime": is_datetime,
    "k8s-short-name": lambda s: len(s) <= 63 and bool(_SHORT_NAME.match(s)),
    "k8s-long-name": lambda s: len(s) <= 253 and bool(_LONG_NAME.match(s)),
}


def known(fmt: str) -> bool:
    return normalise(fmt) in CHECKS


def valid(fmt: str, text: str) -> bool:
    check = CHECKS.get(normalise(fmt))
    return True if check is None else check(text)
