"""scripts/_venv.sh, which scripts/demo and scripts/test source on every run.

The first `./scripts/demo` printed pip's and setuptools' chatter (a BuildBackendWarning block
about editable installs) before the demo (issue 16). These tests run a copy of the script in a
throwaway project with a stand-in `python3` whose pip prints that chatter, so they are fast and
never touch the repository's own .venv.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

FAKE_PYTHON = r"""#!/usr/bin/env bash
# A stand-in interpreter: `-m venv DIR` makes DIR/bin/python (this script), `-m pip install`
# prints what pip 26 + setuptools print on an editable install, and fails if FAKE_PIP_FAIL is set.
if [ "$1" = "-m" ] && [ "$2" = "venv" ]; then
  mkdir -p "$3/bin" && cp "$0" "$3/bin/python" && exit 0
fi
if [ "$1" = "-m" ] && [ "$2" = "pip" ]; then
  echo "pip $*" >> "$(dirname "$0")/../pip-calls"
  echo "  editable_wheel.py:354: BuildBackendWarning: Editable installation." >&2
  echo "  !!" >&2
  if [ -n "${FAKE_PIP_FAIL:-}" ] && [[ " $* " == *" -e "* ]]; then
    echo "ERROR: No matching distribution found for httpx==0.28.*" >&2
    exit 1
  fi
  exit 0
fi
exit 3
"""


def _project(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    (tmp_path / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "_venv.sh", tmp_path / "scripts" / "_venv.sh")
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    fake = tmp_path / "fake-python3"
    fake.write_text(FAKE_PYTHON)
    fake.chmod(0o755)
    return tmp_path, {"PATH": "/usr/bin:/bin", "PYTHON": str(fake)}


def _source(project: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", 'source "$1/scripts/_venv.sh" ""; echo "the demo runs"', "_", str(project)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def test_first_run_prints_no_pip_or_setuptools_chatter(tmp_path: Path) -> None:
    project, env = _project(tmp_path)
    first = _source(project, env)
    assert first.returncode == 0, first.stderr
    assert first.stdout == "the demo runs\n"
    assert "Warning" not in first.stderr and "!!" not in first.stderr
    # one short line says why the first run takes a while, nothing else
    assert first.stderr.count("\n") <= 1
    assert "install" in (project / ".venv" / "pip-calls").read_text()
    # the second run installs nothing and prints nothing but the demo
    calls = (project / ".venv" / "pip-calls").read_text()
    again = _source(project, env)
    assert (again.returncode, again.stdout, again.stderr) == (0, "the demo runs\n", "")
    assert (project / ".venv" / "pip-calls").read_text() == calls


def test_a_failed_install_shows_pips_output_and_stops(tmp_path: Path) -> None:
    project, env = _project(tmp_path)
    failed = _source(project, {**env, "FAKE_PIP_FAIL": "1"})
    assert failed.returncode != 0
    assert "the demo runs" not in failed.stdout
    assert "No matching distribution found for httpx" in failed.stderr
