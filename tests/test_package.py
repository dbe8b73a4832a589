"""The package itself: version, lazy public names, cheap import."""

import subprocess
import sys

import rawkube


def test_version_is_a_string() -> None:
    assert isinstance(rawkube.__version__, str) and rawkube.__version__.count(".") >= 2


def test_import_loads_no_heavy_modules() -> None:
    code = (
        "import sys, rawkube; "
        "heavy = [m for m in ('yaml', 'cryptography', 'rawkube.models.apps_v1', 'rawkube.rest')"
        " if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_unknown_attribute_raises() -> None:
    try:
        rawkube.NoSuchThing  # noqa: B018
    except AttributeError as e:
        assert "NoSuchThing" in str(e)
    else:
        raise AssertionError("expected AttributeError")
