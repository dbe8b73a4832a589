"""The fixture format: reference recordings load unchanged; cassettes round-trip; errors are clear."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from rawkube.testing import load_fixture
from rawkube.testing.fixture import (
    FixtureError,
    decode_body,
    decode_line,
    encode_body,
    encode_line,
    save_exchange_files,
    save_fixture,
)

ROOT = Path(__file__).resolve().parents[2]
REAL_FILES = sorted((ROOT / "fixtures" / "real-apiserver").glob("*.json"))


@pytest.mark.parametrize("path", REAL_FILES, ids=lambda p: p.stem)
def test_every_real_apiserver_file_loads_and_writes_back_unchanged(path: Path) -> None:
    [ex] = load_fixture(path)
    assert ex.request.method in {"GET", "POST", "PUT", "PATCH", "DELETE"}
    assert ex.to_dict() == json.loads(path.read_text())


def test_a_directory_loads_in_file_order() -> None:
    exchanges = load_fixture(ROOT / "fixtures" / "real-apiserver")
    assert len(exchanges) == 61
    assert exchanges[0].name == "version" and exchanges[-1].request.path == "/api/v1/namespaces"


@pytest.mark.parametrize("suffix", [".yaml", ".yml", ".json"])
def test_cassette_round_trip(tmp_path: Path, suffix: str) -> None:
    exchanges = [ex for f in REAL_FILES[:12] + REAL_FILES[33:40] for ex in load_fixture(f)]
    path = save_fixture(tmp_path / f"c{suffix}", exchanges)
    assert load_fixture(path) == exchanges


def test_yaml_cassette_is_block_style_in_reference_key_order(tmp_path: Path) -> None:
    path = save_fixture(tmp_path / "c.yaml", load_fixture(REAL_FILES[0]))
    text = path.read_text()
    keys = re.findall(r"^(?:- |  )(\w+):", text, flags=re.M)
    assert keys[:4] == ["name", "note", "request", "response"]
    assert "{" not in text.split("body:")[1].split("\n")[0]  # bodies are not flow-style blobs


def test_bare_list_and_exchange_files(tmp_path: Path) -> None:
    exchanges = load_fixture(REAL_FILES[0]) + load_fixture(REAL_FILES[1])
    bare = tmp_path / "bare.json"
    bare.write_text(json.dumps([ex.to_dict() for ex in exchanges]))
    assert load_fixture(bare) == exchanges
    files = save_exchange_files(tmp_path / "d", exchanges)
    assert [f.name for f in files] == ["001-version.json", "002-discovery-api.json"]
    assert load_fixture(tmp_path / "d") == exchanges


def test_errors_name_the_file_and_the_problem(tmp_path: Path) -> None:
    with pytest.raises(FixtureError, match="not found"):
        load_fixture(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.json"
    bad.write_text('{"request": {"path": "/x"}, "response": {"status": 200}}')
    with pytest.raises(FixtureError, match=r"bad\.json: request needs 'method' and 'path'"):
        load_fixture(bad)
    broken = tmp_path / "broken.yaml"
    broken.write_text("exchanges: [\n")
    with pytest.raises(FixtureError, match="not valid YAML"):
        load_fixture(broken)
    (tmp_path / "empty").mkdir()
    with pytest.raises(FixtureError, match="no \\*.json"):
        load_fixture(tmp_path / "empty")


@pytest.mark.parametrize(
    ("wire", "stored"),
    [
        (b"", None),
        (b'{"kind":"Status"}\n', {"kind": "Status"}),
        (b'[{"op":"add"}]', [{"op": "add"}]),
        (b"42", "42"),  # text stays text: only objects and arrays are parsed
        (b"apiVersion: v1\n", "apiVersion: v1\n"),
        (b"\x0a\x0bk8s\x00\xff", {"base64": "CgtrOHMA/w=="}),
    ],
)
def test_body_encoding(wire: bytes, stored: object) -> None:
    assert encode_body(wire) == stored
    if isinstance(stored, (dict, list)) and "base64" not in stored:
        assert json.loads(decode_body(stored)) == stored
    else:
        assert decode_body(stored) == wire


def test_lines_encoding() -> None:
    assert encode_line(b'{"type":"ADDED"}', parse_json=True) == {"type": "ADDED"}
    assert encode_line(b'{"type":"ADDED"}', parse_json=False) == '{"type":"ADDED"}'
    assert decode_line({"type": "ADDED"}) == b'{"type":"ADDED"}\n'
    assert decode_line("log line") == b"log line\n"


def test_loading_json_fixtures_does_not_import_yaml() -> None:
    code = (
        "import sys; from rawkube.testing import load_fixture; "
        f"load_fixture({str(REAL_FILES[0])!r}); print('yaml' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
