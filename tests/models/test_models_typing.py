"""The generated models and typed clients pass mypy, and their types say what users get."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SNIPPET = """
from rawkube.models.apps_v1 import Deployment, DeploymentList, DeploymentSpec
from rawkube.models.meta_v1 import ObjectMeta
from rawkube.typed._generated import AppsV1Client, GeneratedClientset

d = Deployment(metadata=ObjectMeta(name="x"), spec=DeploymentSpec(replicas=2))
reveal_type(d.spec.template.spec.containers[0].image)
reveal_type(DeploymentList.from_dict({}).items)
reveal_type(AppsV1Client(None).deployments("default"))
reveal_type(GeneratedClientset().core_v1().pods())
d.spec.replicas = "three"
"""


@pytest.mark.skipif(
    shutil.which("mypy", path=str(Path(sys.executable).parent)) is None,
    reason="mypy is a dev dependency",
)
def test_mypy_accepts_generated_code_and_infers_model_types(tmp_path: Path) -> None:
    snippet = tmp_path / "snippet.py"
    snippet.write_text(SNIPPET)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--config-file",
            str(ROOT / "pyproject.toml"),
            "--cache-dir",
            str(tmp_path / "cache"),
            "--no-error-summary",
            str(snippet),
        ],
        capture_output=True,
        text=True,
        timeout=110,
        cwd=ROOT,
    )
    out = proc.stdout
    # Nothing to complain about in the generated modules or the base class...
    mine = [
        line
        for line in out.splitlines()
        if line.startswith(("rawkube/models/", "rawkube/typed/_generated"))
    ]
    assert mine == []
    # ...and the types are precise: wire fields typed, lists as typed views, clients per model.
    assert 'snippet.py:7: note: Revealed type is "str | None"' in out
    assert (
        'Revealed type is "rawkube.models._base.ModelList[rawkube.models.apps_v1.Deployment]"'
        in out
    )
    assert "ResourceClient[rawkube.models.apps_v1.Deployment]" in out
    assert "ResourceClient[rawkube.models.core_v1.Pod]" in out
    assert 'expression has type "str", variable has type "int | None"' in out
