"""A throw-away PKI for one LocalAPIServer: a CA, a serving certificate, client certificates.

Like kube-apiserver's ``--client-ca-file``, any client certificate signed by this CA authenticates:
its Subject CN is the user name and its O entries the groups (x509 request authenticator,
k8s.io/apiserver/pkg/authentication/request/x509). `cryptography` is imported here only, and this
module only when a TLS server starts, so importing rawkube stays cheap.
"""

from __future__ import annotations

import datetime
import ipaddress
from dataclasses import dataclass, field
from typing import Any


@dataclass(repr=False)
class CertPair:
    """PEM certificate and key. The repr never shows key material."""

    cert_pem: bytes
    key_pem: bytes

    def __repr__(self) -> str:
        return "CertPair(cert=<pem>, key=<redacted>)"


@dataclass(repr=False)
class PKI:
    """The CA plus the server's certificate; `issue_client` makes client certificates."""

    ca: CertPair
    server: CertPair
    _ca_key: Any = field(default=None, repr=False)
    _ca_cert: Any = field(default=None, repr=False)

    def __repr__(self) -> str:
        return "PKI(<redacted>)"

    def issue_client(self, user: str, groups: tuple[str, ...] = ()) -> CertPair:
        """A client certificate for ``user`` in ``groups``, signed by this CA."""
        from cryptography import x509
        from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

        subject = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, g) for g in groups]
        subject.append(x509.NameAttribute(NameOID.COMMON_NAME, user))
        key = _new_key()
        builder = _builder(x509.Name(subject), self._ca_cert.subject, key).add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False
        )
        return _sign(builder, key, self._ca_key)


def _new_key() -> Any:
    # EC P-256: fast to generate (RSA-2048 takes ~100 ms each) and accepted by Go's TLS stack.
    from cryptography.hazmat.primitives.asymmetric import ec

    return ec.generate_private_key(ec.SECP256R1())


def _builder(subject: Any, issuer: Any, key: Any) -> Any:
    from cryptography import x509

    now = datetime.datetime.now(datetime.timezone.utc)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=365))
    )


def _sign(builder: Any, key: Any, signer: Any) -> CertPair:
    from cryptography.hazmat.primitives import hashes, serialization

    cert = builder.sign(signer, hashes.SHA256())
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return CertPair(cert.public_bytes(serialization.Encoding.PEM), key_pem)


def make_pki(hosts: tuple[str, ...] = ("127.0.0.1", "localhost")) -> PKI:
    """A new CA and a serving certificate valid for ``hosts`` (IP addresses or DNS names)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    ca_key = _new_key()
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "rawkube-local-ca")])
    ca_builder = (
        _builder(ca_name, ca_name, ca_key)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    )
    ca_cert = ca_builder.sign(ca_key, hashes.SHA256())
    ca = CertPair(
        ca_cert.public_bytes(serialization.Encoding.PEM),
        ca_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
    )
    names: list[x509.GeneralName] = []
    for host in hosts:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    server_key = _new_key()
    server_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kube-apiserver")])
    server_builder = (
        _builder(server_name, ca_name, server_key)
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
    )
    server = _sign(server_builder, server_key, ca_key)
    return PKI(ca=ca, server=server, _ca_key=ca_key, _ca_cert=ca_cert)


def client_identity(peer_cert_der: bytes | None) -> tuple[str, tuple[str, ...]] | None:
    """(user, groups) from a verified client certificate, or None."""
    if not peer_cert_der:
        return None
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    cert = x509.load_der_x509_certificate(peer_cert_der)
    cns = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    orgs = cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
    if not cns:
        return None
    return str(cns[0].value), tuple(str(o.value) for o in orgs)
