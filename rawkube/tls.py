"""TLS for a Config: one `ssl.SSLContext` per distinct set of TLS settings.

Mirrors client-go `transport/transport.go` (`TLSConfigFor`) and its TLS cache
(`transport/cache.go`: clients with equal TLS settings share one transport):

- the server is checked against the CA from `ca_data` / `ca_file`, or the system trust store;
- `insecure` turns checking off, and is refused together with a CA, as client-go refuses it;
- the client certificate and key (PEM data or files) are loaded into the context. Python's `ssl`
  only loads keys from a path, so key *data* goes through an anonymous in-memory file
  (`os.memfd_create`) and never touches a disk; elsewhere a 0600 file in a private 0700
  directory is used and removed as soon as it is loaded;
- `tls_server_name` is not handled here: the transport puts it in the `sni_hostname` request
  extension, which httpcore uses for both SNI and the hostname check.

`cryptography` is imported only when a client certificate is loaded (or a CA fails to load), to
explain what is wrong: bad PEM, key not matching the certificate, an expired certificate.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import ssl
import tempfile
import threading
import warnings
from collections.abc import Iterator
from datetime import datetime, timezone

from rawkube.config.types import Config
from rawkube.errors import ConfigError

__all__ = ["ssl_context_for", "tls_key", "load_client_cert", "check_client_pair"]

_CACHE_MAX = 32
_cache: dict[tuple[object, ...], ssl.SSLContext] = {}
_cache_lock = threading.Lock()


def tls_key(config: Config, client_cert: tuple[bytes, bytes] | None = None) -> tuple[object, ...]:
    """What makes two configs need different contexts (client-go `tlsCacheKey`)."""
    return (
        config.insecure,
        config.http2,  # httpcore sets ALPN on the context it is given: no sharing across modes
        config.ca_data,
        config.ca_file,
        config.cert_data,
        config.cert_file,
        config.key_data,
        config.key_file,
        client_cert,
    )


def ssl_context_for(
    config: Config, client_cert: tuple[bytes, bytes] | None = None
) -> ssl.SSLContext:
    """The shared SSLContext for `config`; `client_cert` = (cert PEM, key PEM) from an exec plugin."""
    key = tls_key(config, client_cert)
    with _cache_lock:
        ctx = _cache.get(key)
    if ctx is not None:
        return ctx
    ctx = _build(config, client_cert)
    with _cache_lock:
        if len(_cache) >= _CACHE_MAX:
            _cache.pop(next(iter(_cache)))
        return _cache.setdefault(key, ctx)


def _build(config: Config, client_cert: tuple[bytes, bytes] | None) -> ssl.SSLContext:
    ctx = _server_checking_context(config)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2  # client-go's floor
    ctx.set_alpn_protocols(["h2", "http/1.1"] if config.http2 else ["http/1.1"])
    pair = client_cert or _client_pair(config)
    if pair is not None:
        check_client_pair(*pair, config.source or "config")
        load_client_cert(ctx, *pair)
    return ctx


def _server_checking_context(config: Config) -> ssl.SSLContext:
    """How the server is checked: our CA, the system trust store, or not at all (insecure)."""
    has_ca = bool(config.ca_data or config.ca_file)
    if config.insecure and has_ca:
        raise ConfigError(
            f"{config.source or 'config'}: specifying a root certificates file with the insecure "
            "flag is not allowed (client-go); set either a CA or insecure-skip-tls-verify"
        )
    if config.insecure:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    elif has_ca:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # hostname check and CERT_REQUIRED by default
        _load_ca(ctx, config)
    else:
        ctx = ssl.create_default_context()  # the system trust store, as Go uses it
    return ctx


def _client_pair(config: Config) -> tuple[bytes, bytes] | None:
    """The client certificate and key PEM from data or files, or None when there is none."""
    cert = _read(config.cert_data, config.cert_file, "client certificate")
    key = _read(config.key_data, config.key_file, "client key")
    if not (cert or key):
        return None
    if not (cert and key):
        raise ConfigError(
            f"{config.source or 'config'}: a client certificate needs both a certificate and a key"
        )
    return cert, key


def _read(data: bytes | None, path: str | None, what: str) -> bytes | None:
    if data:
        return data
    if not path:
        return None
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as e:
        raise ConfigError(f"{path}: cannot read the {what}: {e.strerror or e}") from None
    except ValueError as e:  # a NUL byte or a lone surrogate in the file name
        raise ConfigError(
            f"{path!r}: cannot read the {what}: not a usable file name ({e})"
        ) from None


def _load_ca(ctx: ssl.SSLContext, config: Config) -> None:
    what = (
        "certificate-authority-data"
        if config.ca_data
        else f"certificate-authority {config.ca_file}"
    )
    try:
        if config.ca_data:
            ctx.load_verify_locations(cadata=config.ca_data.decode("ascii", "replace"))
        else:
            ctx.load_verify_locations(cafile=config.ca_file)
    except (ssl.SSLError, OSError, ValueError, TypeError) as e:
        # TypeError: CA data that is not ASCII ("cadata should be an ASCII string").
        data = config.ca_data if config.ca_data else _read(None, config.ca_file, "CA")
        detail = _explain_certs(data or b"")
        raise ConfigError(
            f"{config.source or 'config'}: {what}: cannot load the CA ({detail or e})"
        ) from None


def _explain_certs(data: bytes) -> str:
    """Ask cryptography what is wrong with PEM certificates (only called on failure)."""
    from cryptography import x509

    if b"-----BEGIN CERTIFICATE-----" not in data:
        return "expected PEM certificates (-----BEGIN CERTIFICATE-----), found none"
    try:
        x509.load_pem_x509_certificates(data)
    except ValueError as e:
        return f"PEM certificate does not parse: {e}"
    return ""


def check_client_pair(cert_pem: bytes, key_pem: bytes, source: str) -> None:
    """Clear errors for a bad client certificate/key pair; a warning for an expired certificate.

    Go's `tls.X509KeyPair` performs the same checks (its errors are famously terse).
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    try:
        cert = x509.load_pem_x509_certificate(cert_pem)
    except ValueError:
        raise ConfigError(
            f"{source}: client certificate: expected a PEM certificate (-----BEGIN CERTIFICATE-----), got data that does not parse"
        ) from None
    try:
        key = serialization.load_pem_private_key(key_pem, password=None)
    except (ValueError, TypeError):
        # Never include the key bytes: the message only says what was expected.
        raise ConfigError(
            f"{source}: client key: expected an unencrypted PEM private key (-----BEGIN ... PRIVATE KEY-----), got data that does not parse"
        ) from None
    fmt = serialization.PublicFormat.SubjectPublicKeyInfo
    enc = serialization.Encoding.DER
    if cert.public_key().public_bytes(enc, fmt) != key.public_key().public_bytes(enc, fmt):
        raise ConfigError(
            f"{source}: client key does not match the client certificate (subject {cert.subject.rfc4514_string()})"
        )
    not_after = cert.not_valid_after_utc
    if not_after < datetime.now(timezone.utc):
        warnings.warn(
            f"{source}: client certificate {cert.subject.rfc4514_string()} expired on {not_after.isoformat()}; "
            "the API server will reject it",
            stacklevel=4,
        )


def load_client_cert(ctx: ssl.SSLContext, cert_pem: bytes, key_pem: bytes) -> None:
    """Load a certificate/key pair from memory into `ctx` without leaving key material on disk."""
    with _key_material_path(cert_pem.rstrip(b"\n") + b"\n" + key_pem) as path:
        try:
            ctx.load_cert_chain(path)
        except ssl.SSLError as e:
            raise ConfigError(
                f"client certificate/key could not be loaded by ssl: {e.reason or e}"
            ) from None


@contextlib.contextmanager
def _key_material_path(blob: bytes) -> Iterator[str]:
    if _memfd_supported():
        fd = os.memfd_create("rawkube-client-cert", os.MFD_CLOEXEC)
        try:
            os.write(fd, blob)
            yield f"/proc/self/fd/{fd}"
        finally:
            os.close(fd)
        return
    yield from _private_file(blob)


def _memfd_supported() -> bool:
    return hasattr(os, "memfd_create") and os.path.isdir("/proc/self/fd")


def _private_file(blob: bytes) -> Iterator[str]:
    """Fallback: a 0600 file in a fresh 0700 directory, removed right after loading."""
    directory = tempfile.mkdtemp(prefix="rawkube-")
    path = os.path.join(directory, "client.pem")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, blob)
        finally:
            os.close(fd)
        yield path
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def clear_cache() -> None:
    """Forget shared contexts (tests; or after rotating certificate files on disk)."""
    with _cache_lock:
        _cache.clear()
