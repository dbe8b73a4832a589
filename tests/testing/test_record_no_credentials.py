"""No credential appears in any file under fixtures/ (the shipped recordings and the references).

A recording is committed and shared, so a leaked token or key would be public. The scan looks
for the shapes credentials take on the wire and in Kubernetes objects.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from rawkube.testing import load_fixture
from rawkube.testing.recorder import MASKED_SECRET_VALUE, REDACTED

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted(
    p
    for p in (ROOT / "fixtures").rglob("*")
    if p.is_file() and p.suffix in {".json", ".yaml", ".yml", ".log"}
)
RECORDINGS = [
    p
    for p in FILES
    if p.suffix in {".json", ".yaml", ".yml"}
    and "kubectl-traces" not in p.parts
    and "differential" not in p.parts  # their own format: see the test at the end
    # references that are not exchanges (outputs of kubectl, the layout of tokens): scanned
    # for credential shapes by test_no_credential_shape_in_file only
    and p.name not in ("kubectl-auth.json", "serviceaccount-token-claims.json")
]
DIFFERENTIAL = [p for p in FILES if "differential" in p.parts and p.suffix == ".json"]

PATTERNS = {
    "private key": re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    "bearer token": re.compile(r"Bearer\s+(?!<redacted>|<masked>|\*)[A-Za-z0-9._~+/=-]{8,}"),
    "basic credentials": re.compile(r"Basic\s+(?!<redacted>)[A-Za-z0-9+/=]{8,}"),
    "JSON web token": re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+"),
    "client key data": re.compile(
        r"client-key-data\"?:\s*\"?(?!REDACTED|<redacted>)[A-Za-z0-9+/=]{16,}"
    ),
}


def test_the_scan_covers_the_shipped_recordings() -> None:
    names = {p.name for p in FILES}
    assert len(RECORDINGS) >= 61
    assert "001-version.json" in names


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT / "fixtures")))
def test_no_credential_shape_in_file(path: Path) -> None:
    text = path.read_text(encoding="utf-8", errors="replace")
    found = {
        what: m.group(0)[:24] + "..." for what, rx in PATTERNS.items() if (m := rx.search(text))
    }
    assert not found, f"{path}: looks like a credential: {found}"


def _objects(value: Any) -> list[dict[str, Any]]:
    """Every Kubernetes object in a body: the body, list items, watch event objects."""
    if isinstance(value, list):
        return [o for v in value for o in _objects(v)]
    if not isinstance(value, dict):
        return []
    found = [value] if "kind" in value else []
    for key in ("items", "object"):
        found += _objects(value.get(key))
    return found


@pytest.mark.parametrize("path", RECORDINGS, ids=lambda p: str(p.relative_to(ROOT / "fixtures")))
def test_recorded_exchanges_hold_no_authorization_token_or_secret_value(path: Path) -> None:
    for ex in load_fixture(path):
        auth = ex.request.headers.get("authorization")
        assert auth is None or auth.endswith(REDACTED), f"{ex.describe()}: Authorization {auth!r}"
        bodies = [ex.request.body, ex.response.body, *(ex.response.body_lines or [])]
        for obj in _objects(bodies):
            if obj.get("kind") == "Secret" and "kubectl-traces" not in path.parts:
                values = set((obj.get("data") or {}).values())
                assert values <= {MASKED_SECRET_VALUE}, f"{ex.describe()}: unmasked Secret data"
            if obj.get("kind") == "TokenRequest":
                token = (obj.get("status") or {}).get("token")
                assert token in (None, "", REDACTED), f"{ex.describe()}: TokenRequest token"


@pytest.mark.parametrize(
    ("what", "sample"),
    [
        ("private key", "-----BEGIN RSA PRIVATE KEY-----\nMIIE"),
        ("bearer token", '"authorization": "Bearer abcdef0123456789"'),
        ("basic credentials", "Authorization: Basic YWxpY2U6aHVudGVyMg=="),
        ("JSON web token", "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl"),
        ("client key data", '"client-key-data": "LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVkt"'),
    ],
)
def test_the_scan_would_catch_a_planted_credential(what: str, sample: str) -> None:
    assert PATTERNS[what].search(sample)
    assert not PATTERNS[what].search(sample.replace(sample, "Bearer <redacted>"))


@pytest.mark.parametrize("path", DIFFERENTIAL, ids=lambda p: str(p.relative_to(ROOT / "fixtures")))
def test_differential_recordings_hold_no_secret_value(path: Path) -> None:
    """fixtures/differential/ (tests/helpers/differential.py): Secret values are digests."""
    import json

    doc = json.loads(path.read_text())
    for ex in doc["exchanges"]:
        secret_path = "/secrets" in ex["request"]["path"]
        body = ex["response"].get("body")
        events = body.get("events") if isinstance(body, dict) else None
        for obj in _objects(body) + _objects(events):
            if secret_path or obj.get("kind") in ("Secret", "SecretList"):
                for key in ("data", "stringData"):
                    values = obj.get(key)
                    if values == "<ignored>":  # masked whole by the scenario's ignore
                        continue
                    for value in (values or {}).values():
                        assert str(value).startswith("<masked:"), f"{path}: unmasked Secret {key}"
