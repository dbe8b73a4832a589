"""Go's parsers whose error messages reach API clients, rewritten from their documented behaviour.

- `parse_quantity`: k8s.io/apimachinery/pkg/api/resource ParseQuantity (quantity.go, suffix.go):
  the value as an exact Fraction, or one of its three errors.
- `base64_error`: Go encoding/base64 StdEncoding.Decode's CorruptInputError offset
  (``illegal base64 data at input byte N``), for ``[]byte`` fields (Secret data).
- `parse_time_error`: Go time.Parse with the RFC 3339 layouts metav1.Time / MicroTime use
  (``parsing time "x" as "2006-01-02T15:04:05Z07:00": cannot parse "x" as "2006"``).
- `go_quote`: strconv.Quote, for messages that quote a value.
"""

from __future__ import annotations

import unicodedata
from fractions import Fraction

QUANTITY_FORMAT = (
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
)
QUANTITY_NUMERIC = "unable to parse numeric part of quantity"
QUANTITY_SUFFIX = "unable to parse quantity's suffix"

_DIGITS = "0123456789"
_SUFFIX_CHARS = "eEinumkKMGTP"
_DECIMAL = {"": 0, "n": -9, "u": -6, "m": -3, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
_BINARY = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}


class QuantityError(ValueError):
    pass


def _split_quantity(text: str) -> tuple[bool, str, str, str, str]:
    """parseQuantityString: (positive, value, numerator, denominator, suffix)."""
    positive, pos, end = True, 0, len(text)
    if pos < end and text[0] in "+-":
        positive = text[0] == "+"
        pos += 1
    while pos < end and text[pos] == "0":  # leading zeros
        pos += 1
    if pos >= end:
        return positive, "0", "0", "", ""
    start = pos
    while pos < end and text[pos] in _DIGITS:
        pos += 1
    if pos >= end:
        return positive, text, text[start:], "", ""
    num = text[start:pos] or "0"
    denom = ""
    if text[pos] == ".":
        pos += 1
        dstart = pos
        while pos < end and text[pos] in _DIGITS:
            pos += 1
        denom = text[dstart:pos]
        if pos >= end:
            return positive, text, num, denom, ""
    value = text[:pos]
    suffix_start = pos
    while pos < end and text[pos] in _SUFFIX_CHARS:
        pos += 1
    if pos >= end:
        return positive, value, num, denom, text[suffix_start:]
    if text[pos] in "+-":
        pos += 1
    while pos < end and text[pos] in _DIGITS:
        pos += 1
    if pos < end:
        raise QuantityError(QUANTITY_FORMAT)
    return positive, value, num, denom, text[suffix_start:]


def parse_quantity(text: str) -> tuple[Fraction, str]:
    """ParseQuantity: (exact value, format) with format DecimalSI, BinarySI or DecimalExponent."""
    if not text:
        raise QuantityError(QUANTITY_FORMAT)
    if text == "0":
        return Fraction(0), "DecimalSI"
    positive, _value, num, denom, suffix = _split_quantity(text)
    if suffix in _DECIMAL:
        base, exponent, fmt = 10, _DECIMAL[suffix], "DecimalSI"
    elif suffix in _BINARY:
        base, exponent, fmt = 2, _BINARY[suffix], "BinarySI"
    elif len(suffix) > 1 and suffix[0] in "eE" and _is_go_int(suffix[1:]):
        base, exponent, fmt = 10, int(suffix[1:]), "DecimalExponent"
    else:
        raise QuantityError(QUANTITY_SUFFIX)
    magnitude = Fraction(int(num + denom or "0"), 10 ** len(denom))
    magnitude *= Fraction(base) ** exponent
    if fmt == "BinarySI" and 0 < magnitude < 1:
        fmt = "DecimalSI"
    # Non-zero values round up to the smallest representable amount (1n).
    if magnitude and (magnitude * 10**9).denominator != 1:
        whole = -((-magnitude.numerator * 10**9) // magnitude.denominator)
        magnitude = Fraction(whole, 10**9)
    return (magnitude if positive else -magnitude), fmt


def _is_go_int(text: str) -> bool:
    body = text[1:] if text[:1] in "+-" else text
    return bool(body) and all(c in _DIGITS for c in body) and -(2**63) <= int(text) < 2**63


# -- base64 --------------------------------------------------------------------------------------

_B64 = {
    c: i for i, c in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
}


def base64_error(data: bytes) -> str | None:
    """The error StdEncoding.Decode returns for ``data`` (None when it decodes)."""
    si, n = 0, len(data)
    while si < n:
        j = 0
        while j < 4:
            if si == n:
                if j == 0:
                    return None
                return f"illegal base64 data at input byte {si - j}"
            ch = data[si]
            si += 1
            if chr(ch) in _B64:
                j += 1
                continue
            if ch in (10, 13):
                continue
            if ch != ord("="):
                return f"illegal base64 data at input byte {si - 1}"
            if j in (0, 1):
                return f"illegal base64 data at input byte {si - 1}"
            if j == 2:
                while si < n and data[si] in (10, 13):
                    si += 1
                if si == n:
                    return f"illegal base64 data at input byte {n}"
                if data[si] != ord("="):
                    return f"illegal base64 data at input byte {si - 1}"
                si += 1
            while si < n and data[si] in (10, 13):
                si += 1
            if si < n:
                return f"illegal base64 data at input byte {si}"
            return None
    return None


# -- time ----------------------------------------------------------------------------------------

RFC3339 = "2006-01-02T15:04:05Z07:00"
RFC3339_MICRO = "2006-01-02T15:04:05.000000Z07:00"
# (literal prefix, element) chunks of the two layouts, as time.nextStdChunk splits them.
_CHUNKS = {
    RFC3339: [
        ("", "2006"),
        ("-", "01"),
        ("-", "02"),
        ("T", "15"),
        (":", "04"),
        (":", "05"),
        ("", "Z07:00"),
    ],
    RFC3339_MICRO: [
        ("", "2006"),
        ("-", "01"),
        ("-", "02"),
        ("T", "15"),
        (":", "04"),
        (":", "05"),
        ("", ".000000"),
        ("", "Z07:00"),
    ],
}


def _time_quote(s: str) -> str:
    out = ['"']
    for ch in s:
        if ord(ch) >= 0x80 or ch < " ":
            out.extend(f"\\x{b:02x}" for b in ch.encode())
        else:
            out.append("\\" + ch if ch in '"\\' else ch)
    return "".join(out) + '"'


def _getnum(value: str, fixed: bool) -> tuple[int, str] | None:
    if not value[:1].isdigit() or not value[:1].isascii():
        return None
    if not (len(value) > 1 and value[1] in _DIGITS):
        return None if fixed else (int(value[0]), value[1:])
    return int(value[:2]), value[2:]


def parse_time_error(layout: str, value: str) -> str | None:
    """The error time.Parse(layout, value) returns, None when it parses."""
    original = value
    year = month = day = 0

    def error(elem_layout: str, elem_value: str, message: str = "") -> str:
        if message:
            return f"parsing time {_time_quote(original)}{message}"
        return (
            f"parsing time {_time_quote(original)} as {_time_quote(layout)}: cannot parse "
            f"{_time_quote(elem_value)} as {_time_quote(elem_layout)}"
        )

    chunks = _CHUNKS[layout]
    for index, (prefix, std) in enumerate(chunks):
        if not value.startswith(prefix):
            return error(prefix, value)
        value = value[len(prefix) :]
        hold = value
        bad = False
        out_of_range = ""
        if std == "2006":
            if (
                len(value) < 4
                or value[0] not in _DIGITS
                or not all(c in _DIGITS for c in value[1:4])
            ):
                bad = True
            else:
                year, value = int(value[:4]), value[4:]
        elif std in ("01", "02", "04", "05"):
            got = _getnum(value, True)
            if got is None:
                bad = True
            else:
                number, value = got
                if std == "01":
                    month = number
                    out_of_range = "month" if not 1 <= number <= 12 else ""
                elif std == "02":
                    day = number
                elif std == "04" and number >= 60:
                    out_of_range = "minute"
                elif std == "05":
                    if number >= 60:
                        out_of_range = "second"
                    elif (
                        len(value) >= 2
                        and value[0] in ".,"
                        and value[1] in _DIGITS
                        and chunks[index + 1][1] != ".000000"
                    ):
                        n = 2
                        while n < len(value) and value[n] in _DIGITS:
                            n += 1
                        value = value[n:]
        elif std == "15":
            got = _getnum(value, False)
            if got is None:
                bad = True
            else:
                number, value = got
                out_of_range = "hour" if number >= 24 else ""
        elif std == ".000000":
            if len(value) < 7 or value[0] not in ".," or not all(c in _DIGITS for c in value[1:7]):
                bad = True
            else:
                value = value[7:]
        elif std == "Z07:00":
            if value[:1] == "Z":
                value = value[1:]
            elif len(value) < 6 or value[3] != ":" or value[0] not in "+-":
                bad = True
            else:
                hh, mm = _getnum(value[1:3], True), _getnum(value[4:6], True)
                if hh is None or mm is None:
                    bad = True
                else:
                    if hh[0] > 24:
                        out_of_range = "time zone offset hour"
                    if mm[0] > 60:
                        out_of_range = "time zone offset minute"
                    value = value[6:]
        if out_of_range:
            return error(std, value, f": {out_of_range} out of range")
        if bad:
            return error(std, hold)
    if value:
        return error("", value, f": extra text: {_time_quote(value)}")
    days = [
        31,
        29 if (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)) else 28,
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ]
    if day < 1 or day > days[month - 1]:
        return error("", "", ": day out of range")
    return None


# -- strconv.Quote ---------------------------------------------------------------------------------

_ESCAPES = {
    "\a": "\\a",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\v": "\\v",
    "\\": "\\\\",
    '"': '\\"',
}


def go_quote(s: str) -> str:
    """strconv.Quote: printable runes as they are, the rest escaped Go's way."""
    out = ['"']
    for ch in s:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\x{ord(ch):02x}")
        elif ord(ch) < 0x80 or unicodedata.category(ch)[0] not in "CZ" or ch == " ":
            out.append(ch)
        elif ord(ch) < 0x10000:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    return "".join(out) + '"'


_DECIMAL_SUFFIX = {v: k for k, v in _DECIMAL.items()}
_BINARY_SUFFIX = {0: "", **{v // 10: k for k, v in _BINARY.items()}}


def canonical_quantity(value: Fraction, fmt: str) -> str:
    """Quantity.String() (CanonicalizeBytes): the form the apiserver writes back."""
    if value == 0:
        return "0"
    if fmt == "BinarySI":
        if -1024 < value < 1024 or value.denominator != 1:
            fmt = "DecimalSI"
        else:
            amount, exponent = value.numerator, 0
            while amount % 1024 == 0 and exponent < 6:
                amount //= 1024
                exponent += 1
            return f"{amount}{_BINARY_SUFFIX[exponent]}"
    # value is a multiple of 1e-9 (ParseQuantity rounds up to nano).
    amount, exponent = int(value * 10**9), -9
    while amount % 10 == 0:
        amount //= 10
        exponent += 1
    while exponent % 3:
        amount *= 10
        exponent -= 1
    if fmt == "DecimalExponent":
        return f"{amount}e{exponent}" if exponent else str(amount)
    suffix = _DECIMAL_SUFFIX.get(exponent)
    if suffix is None:  # beyond E: Go leaves the suffix off
        return str(amount * 10 ** max(exponent - 18, 0)) + "E"
    return f"{amount}{suffix}"


def quantity(raw: object) -> tuple[Fraction, str] | None:
    """A stored quantity (string or JSON number) -> (value, canonical string); None if invalid."""
    text = raw if isinstance(raw, str) else str(raw) if isinstance(raw, (int, float)) else None
    if text is None:
        return None
    try:
        value, fmt = parse_quantity(text.strip())
    except QuantityError:
        return None
    return value, canonical_quantity(value, fmt)
