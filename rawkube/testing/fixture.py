"""The fixture format: recorded HTTP exchanges between a client and a Kubernetes API server.

One exchange is the shape used by `fixtures/real-apiserver/NNN-name.json`::

    {"name": ..., "note": ...,
     "request":  {"method", "path", "query" (raw query string), "headers", "body"},
     "response": {"status", "headers", "body"} or {"status", "headers", "body_lines"}}

Bodies are stored *parsed* so a reader sees the Kubernetes objects, not escaped strings:
a JSON object/array is stored as is, other text as a string, binary data (protobuf) as
`{"base64": ...}`. A streamed response (a watch, `kubectl logs -f`) is stored as `body_lines`,
one entry per line, plus optional `line_gaps` (seconds waited before each line).

Files come in two layouts, both loaded by `load_fixture`:
- one exchange per file (`NNN-name.json`), a directory of them is loaded in name order;
- a "cassette": one YAML or JSON file holding `{"exchanges": [...]}` (or a bare list).

YAML is imported only when a YAML file is read or written (pyyaml is slow to import).
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "Exchange",
    "RecordedRequest",
    "RecordedResponse",
    "FixtureError",
    "load_fixture",
    "save_fixture",
    "save_exchange_files",
    "encode_body",
    "decode_body",
    "encode_line",
    "decode_line",
]

YAML_SUFFIXES = (".yaml", ".yml")
FIXTURE_SUFFIXES = (".json", *YAML_SUFFIXES)


class FixtureError(ValueError):
    """A fixture file is missing or does not have the exchange shape."""


@dataclass
class RecordedRequest:
    """What the client sent. `query` is the raw query string, without the leading `?`."""

    method: str
    path: str
    query: str = ""
    headers: dict[str, Any] = field(default_factory=dict)
    body: Any = None

    @property
    def target(self) -> str:
        """`PATH?QUERY`, the request target as it appears in a kubectl `-v=6` trace."""
        return f"{self.path}?{self.query}" if self.query else self.path


@dataclass
class RecordedResponse:
    """What the server answered; `body_lines` is set (and `body` unused) for a stream."""

    status: int
    headers: dict[str, Any] = field(default_factory=dict)
    body: Any = None
    body_lines: list[Any] | None = None
    line_gaps: list[float] | None = None

    @property
    def streamed(self) -> bool:
        return self.body_lines is not None


@dataclass
class Exchange:
    """One request and its response, plus a name and a human note."""

    request: RecordedRequest
    response: RecordedResponse
    name: str = ""
    note: str = ""
    # Where it was loaded from (for error messages); never written.
    source: str = field(default="", compare=False)

    def describe(self) -> str:
        label = f' "{self.name}"' if self.name else ""
        where = f" ({self.source})" if self.source else ""
        return f"{self.request.method} {self.request.target}{label}{where}"

    def to_dict(self) -> dict[str, Any]:
        """The on-disk shape, with keys in the order of the reference recordings."""
        req = self.request
        resp = self.response
        response: dict[str, Any] = {"status": resp.status, "headers": dict(resp.headers)}
        if resp.body_lines is not None:
            response["body_lines"] = list(resp.body_lines)
            if resp.line_gaps is not None:
                response["line_gaps"] = list(resp.line_gaps)
        else:
            response["body"] = resp.body
        return {
            "name": self.name,
            "note": self.note,
            "request": {
                "method": req.method,
                "path": req.path,
                "query": req.query,
                "headers": dict(req.headers),
                "body": req.body,
            },
            "response": response,
        }

    @classmethod
    def from_dict(cls, data: Any, source: str = "") -> Exchange:
        """Validate and convert one on-disk exchange; errors name the file and the field."""
        where = source or "<fixture>"
        if not isinstance(data, dict):
            raise FixtureError(f"{where}: an exchange must be a mapping, got {type(data).__name__}")
        req = _mapping(data, "request", where)
        resp = _mapping(data, "response", where)
        if "method" not in req or "path" not in req:
            raise FixtureError(f"{where}: request needs 'method' and 'path'")
        if "status" not in resp:
            raise FixtureError(f"{where}: response needs 'status'")
        query = req.get("query") or ""
        return cls(
            name=str(data.get("name") or ""),
            note=str(data.get("note") or ""),
            source=source,
            request=RecordedRequest(
                method=str(req["method"]).upper(),
                path=str(req["path"]),
                query=str(query).lstrip("?"),
                headers=_lower_keys(req.get("headers")),
                body=req.get("body"),
            ),
            response=RecordedResponse(
                status=int(resp["status"]),
                headers=_lower_keys(resp.get("headers")),
                body=resp.get("body"),
                body_lines=list(resp["body_lines"]) if resp.get("body_lines") is not None else None,
                line_gaps=[float(g) for g in resp["line_gaps"]] if resp.get("line_gaps") else None,
            ),
        )


def _mapping(data: dict[str, Any], key: str, where: str) -> dict[str, Any]:
    value = data.get(key)
    if not isinstance(value, dict):
        raise FixtureError(f"{where}: '{key}' must be a mapping")
    return value


def _lower_keys(headers: Any) -> dict[str, Any]:
    # HTTP header names are case-insensitive; the reference recordings use lower case.
    return {str(k).lower(): v for k, v in (headers or {}).items()}


# --- bodies -------------------------------------------------------------------------------------


def encode_body(content: bytes) -> Any:
    """Bytes on the wire -> the stored form: parsed JSON container, text, or `{"base64": ...}`.

    Only JSON objects and arrays are parsed: a text body such as `42` must stay text, or it
    would come back as a number.
    """
    if not content:
        return None
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        return {"base64": base64.b64encode(content).decode("ascii")}
    stripped = text.strip()
    if stripped[:1] in ("{", "["):
        try:
            parsed = json.loads(stripped)
        except ValueError:
            return text
        if isinstance(parsed, (dict, list)):
            return parsed
    return text


def decode_body(body: Any) -> bytes:
    """The stored form -> bytes to send. JSON is compact, as the API server (Go) writes it."""
    if body is None:
        return b""
    if isinstance(body, str):
        return body.encode("utf-8")
    if isinstance(body, dict) and set(body) == {"base64"}:
        return base64.b64decode(body["base64"])
    if isinstance(body, bytes):
        return body
    # The API server ends JSON documents with a newline (Go's json.Encoder does).
    return _compact_json(body) + b"\n"


def encode_line(line: bytes, parse_json: bool) -> Any:
    """One line of a stream: a watch event is stored parsed, a log line as text."""
    text = line.decode("utf-8", errors="replace")
    if parse_json and text.lstrip()[:1] == "{":
        try:
            return json.loads(text)
        except ValueError:
            pass
    return text


def decode_line(line: Any) -> bytes:
    """A stored stream line back to bytes, newline included (watch events are newline-framed)."""
    if isinstance(line, str):
        return line.encode("utf-8") + b"\n"
    return _compact_json(line) + b"\n"


def _compact_json(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


# --- files ----------------------------------------------------------------------------------------


def load_fixture(path: str | os.PathLike[str]) -> list[Exchange]:
    """Load exchanges from one exchange file, a cassette file, or a directory of either.

    The 61 reference recordings in `fixtures/real-apiserver/` load unchanged.
    """
    p = Path(path)
    if p.is_dir():
        files = sorted(f for f in p.iterdir() if f.suffix in FIXTURE_SUFFIXES and f.is_file())
        if not files:
            raise FixtureError(f"{p}: no *.json / *.yaml fixture files in this directory")
        return [ex for f in files for ex in load_fixture(f)]
    if not p.exists():
        raise FixtureError(f"{p}: fixture file not found")
    data = _read_document(p)
    return exchanges_from_document(data, str(p))


def exchanges_from_document(data: Any, source: str) -> list[Exchange]:
    """A parsed file -> exchanges: a single exchange, a bare list, or `{"exchanges": [...]}`."""
    if isinstance(data, dict) and "request" in data and "response" in data:
        return [Exchange.from_dict(data, source)]
    if isinstance(data, dict) and "exchanges" in data:
        data = data["exchanges"]
    if not isinstance(data, list):
        raise FixtureError(f"{source}: expected an exchange, a list, or a mapping with 'exchanges'")
    return [Exchange.from_dict(item, f"{source}#{i}") for i, item in enumerate(data)]


def _read_document(p: Path) -> Any:
    text = p.read_text(encoding="utf-8")
    if p.suffix in YAML_SUFFIXES:
        import yaml  # lazily: only YAML users pay for it

        # libyaml's C loader when present: ~10x faster than the pure-Python one.
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        try:
            return yaml.load(text, Loader=loader)
        except yaml.YAMLError as e:
            raise FixtureError(f"{p}: not valid YAML: {e}") from None
    try:
        return json.loads(text)
    except ValueError as e:
        raise FixtureError(f"{p}: not valid JSON: {e}") from None


def dump_document(exchanges: Sequence[Exchange], yaml_format: bool) -> str:
    """Serialize a cassette; YAML keeps key order and uses block style so diffs stay readable."""
    doc = {"exchanges": [ex.to_dict() for ex in exchanges]}
    if yaml_format:
        import yaml

        dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
        return yaml.dump(
            doc,
            Dumper=dumper,
            sort_keys=False,
            default_flow_style=False,
            allow_unicode=True,
            width=100,
        )
    return json.dumps(doc, indent=1, ensure_ascii=False) + "\n"


def save_fixture(path: str | os.PathLike[str], exchanges: Iterable[Exchange]) -> Path:
    """Write a cassette; the format follows the suffix (`.yaml`/`.yml` or `.json`)."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(dump_document(list(exchanges), p.suffix in YAML_SUFFIXES), encoding="utf-8")
    return p


def save_exchange_files(
    directory: str | os.PathLike[str], exchanges: Iterable[Exchange]
) -> list[Path]:
    """Write one `NNN-name.json` per exchange, the layout of `fixtures/real-apiserver/`."""
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    written = []
    for i, ex in enumerate(exchanges, start=1):
        target = d / f"{i:03d}-{ex.name or 'exchange'}.json"
        target.write_text(json.dumps(ex.to_dict(), indent=1, ensure_ascii=False) + "\n", "utf-8")
        written.append(target)
    return written
