"""IP address and CIDR checks as Kubernetes makes them.

Mirrors staging/src/k8s.io/apimachinery/pkg/util/validation/ip.go (parseIP, parseCIDR,
IsValidIPForLegacyField, IsValidIP, IsValidCIDRForLegacyField, IsValidCIDR: 1.36 has the
StrictIPCIDRValidation gate on, so leading zeros and IPv4-mapped IPv6 addresses are refused),
k8s.io/utils/net ParseIPSloppy / ParseCIDRSloppy (IPv4 octets may have leading zeros), the
net.IP predicates Go's ValidateEndpointIP uses (pkg/apis/core/validation/validation.go), and
IsFullyQualifiedDomainName.
"""

from __future__ import annotations

import ipaddress
import re

from rawkube.testing.server.apivalidation import fielderrors as fe
from rawkube.testing.server.apivalidation import meta as m
from rawkube.testing.server.apivalidation.fielderrors import Cause
from rawkube.testing.server.apivalidation.goparse import go_quote

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

_V4_SLOPPY = re.compile(r"^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$")
_V6_CHARS = re.compile(r"^[0-9A-Fa-f:.]+$")
_INVALID_IP = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"
_INVALID_CIDR = "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"


def parse_ip_sloppy(value: str) -> Address | None:
    """netutils.ParseIPSloppy: net.ParseIP, but IPv4 octets may have leading zeros."""
    match = _V4_SLOPPY.match(value)
    if match:
        octets = [int(x) for x in match.groups()]
        if any(o > 255 for o in octets):
            return None
        return ipaddress.IPv4Address(".".join(map(str, octets)))
    if ":" not in value or not _V6_CHARS.match(value):
        return None  # no zones, no brackets
    head, _, tail = value.rpartition(":")
    if "." in tail:
        embedded = parse_ip_sloppy(tail)
        if not isinstance(embedded, ipaddress.IPv4Address):
            return None
        value = f"{head}:{embedded}"
    try:
        return ipaddress.IPv6Address(value)
    except ValueError:
        return None


def _has_leading_zeros(value: str) -> bool:
    """What netip.ParseAddr refuses and ParseIPSloppy accepts: an IPv4 octet with a leading 0."""
    tail = value.rpartition(":")[2]
    return any(len(o) > 1 and o[0] == "0" for o in tail.split(".")) if "." in tail else False


def _is_4in6(ip: Address) -> bool:
    return isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None


def go_string(ip: Address) -> str:
    """net.IP.String(): IPv4-mapped addresses print as IPv4, IPv6 in RFC 5952 form."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return ip.compressed
    return str(ip)


def _parse_ip(path: str, value: str) -> tuple[Address | None, list[Cause]]:
    ip = parse_ip_sloppy(value)
    if ip is None:
        return None, [fe.invalid(path, value, _INVALID_IP)]
    causes: list[Cause] = []
    if _has_leading_zeros(value):
        causes.append(fe.invalid(path, value, "must not have leading 0s"))
    if _is_4in6(ip):
        causes.append(fe.invalid(path, value, "must not be an IPv4-mapped IPv6 address"))
    return ip, causes


def is_valid_ip_for_legacy_field(
    path: str, value: str, valid_old: list[str] | None = None
) -> list[Cause]:
    """IsValidIPForLegacyField(path, value, strict=true, validOldIPs)."""
    if valid_old and value in valid_old:
        return []
    return _parse_ip(path, value)[1]


def is_valid_ip(path: str, value: str) -> list[Cause]:
    """IsValidIP: strict, and in canonical form."""
    ip, causes = _parse_ip(path, value)
    if causes or ip is None:
        return causes
    canonical = go_string(ip)
    if value != canonical:
        causes.append(fe.invalid(path, value, f"must be in canonical form ({go_quote(canonical)})"))
    return causes


def _v4(ip: Address) -> ipaddress.IPv4Address | None:
    if isinstance(ip, ipaddress.IPv4Address):
        return ip
    return ip.ipv4_mapped


def validate_endpoint_ip(value: str, path: str) -> list[Cause]:
    """ValidateEndpointIP (net.IP's IsUnspecified, IsLoopback, IsLinkLocal*)."""
    ip = parse_ip_sloppy(value)
    if ip is None:
        return [fe.invalid(path, value, "must be a valid IP address")]
    causes: list[Cause] = []
    v4 = _v4(ip)
    raw = ip.packed
    if (v4 is not None and int(v4) == 0) or (v4 is None and int(ip) == 0):
        causes.append(fe.invalid(path, value, f"may not be unspecified ({value})"))
    if (v4 is not None and v4.packed[0] == 127) or (v4 is None and int(ip) == 1):
        causes.append(
            fe.invalid(path, value, "may not be in the loopback range (127.0.0.0/8, ::1/128)")
        )
    if (v4 is not None and v4.packed[:2] == b"\xa9\xfe") or (
        v4 is None and raw[0] == 0xFE and raw[1] & 0xC0 == 0x80
    ):
        causes.append(
            fe.invalid(
                path, value, "may not be in the link-local range (169.254.0.0/16, fe80::/10)"
            )
        )
    if (v4 is not None and v4.packed[:3] == b"\xe0\x00\x00") or (
        v4 is None and raw[0] == 0xFF and raw[1] & 0x0F == 0x02
    ):
        causes.append(
            fe.invalid(
                path,
                value,
                "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)",
            )
        )
    return causes


def is_ipv4_string(value: str) -> bool:
    """netutils.IsIPv4String."""
    ip = parse_ip_sloppy(value)
    return ip is not None and _v4(ip) is not None


def is_ipv6_string(value: str) -> bool:
    ip = parse_ip_sloppy(value)
    return ip is not None and _v4(ip) is None


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_cidr_sloppy(value: str) -> tuple[Address, Network] | None:
    """netutils.ParseCIDRSloppy: the address and its (masked) network."""
    addr, sep, bits = value.partition("/")
    if not sep or not bits.isdigit() or len(bits) > 3:
        return None
    ip = parse_ip_sloppy(addr)
    if ip is None:
        return None
    length = int(bits)
    if isinstance(ip, ipaddress.IPv6Address):
        if length > 128:
            return None
        return ip, ipaddress.IPv6Network((int(ip), length), strict=False)
    if length > 32:
        return None
    return ip, ipaddress.IPv4Network((int(ip), length), strict=False)


def _parse_cidr(path: str, value: str) -> tuple[Network | None, list[Cause]]:
    parsed = parse_cidr_sloppy(value)
    if parsed is None:
        return None, [fe.invalid(path, value, _INVALID_CIDR)]
    ip, net = parsed
    addr, _, bits = value.partition("/")
    if _has_leading_zeros(addr) or (len(bits) > 1 and bits[0] == "0"):
        return net, [fe.invalid(path, value, "must not have leading 0s in IP or prefix length")]
    if _is_4in6(ip):
        return net, [fe.invalid(path, value, "must not have an IPv4-mapped IPv6 address")]
    if int(ip) != int(net.network_address):
        return net, [fe.invalid(path, value, "must not have bits set beyond the prefix length")]
    return net, []


def is_valid_cidr_for_legacy_field(
    path: str, value: str, valid_old: list[str] | None = None
) -> list[Cause]:
    """IsValidCIDRForLegacyField(path, value, strict=true, validOldCIDRs)."""
    if valid_old and value in valid_old:
        return []
    return _parse_cidr(path, value)[1]


def is_valid_cidr(path: str, value: str) -> list[Cause]:
    """IsValidCIDR: strict, and in canonical form."""
    net, causes = _parse_cidr(path, value)
    if causes or net is None:
        return causes
    canonical = f"{net.network_address.compressed}/{net.prefixlen}"
    if value != canonical:
        causes.append(fe.invalid(path, value, f"must be in canonical form ({go_quote(canonical)})"))
    return causes


def is_fully_qualified_domain_name(path: str, name: str) -> list[Cause]:
    """utilvalidation.IsFullyQualifiedDomainName."""
    if not name:
        return [fe.required(path)]
    name = name.removesuffix(".")
    errs = m.is_dns1123_subdomain(name)
    if errs:
        return [fe.invalid(path, name, ",".join(errs))]
    labels = name.split(".")
    if len(labels) < 2:
        return [
            fe.invalid(
                path, name, "should be a domain with at least two segments separated by dots"
            )
        ]
    for label in labels:
        errs = m.is_dns1123_label(label)
        if errs:
            return [fe.invalid(path, label, ",".join(errs))]
    return []
