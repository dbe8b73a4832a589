"""What the first request imports: only what it needs (issue 7's first-request target)."""

from __future__ import annotations

import subprocess
import sys

FIRST_GET = """
import sys
import httpx
from rawkube import Clientset, Config

def answer(request):
    return httpx.Response(200, json={"kind": "Deployment", "metadata": {"name": "web"}})

config = Config(host="https://127.0.0.1:6443", bearer_token="t", transport=httpx.MockTransport(answer))
assert Clientset(config).apps_v1().deployments("ns").get("web").metadata.name == "web"
print([m for m in MODULES if m in sys.modules])
"""


def test_a_typed_get_with_a_token_imports_no_exec_or_platform_machinery() -> None:
    # subprocess/signal are for exec plugins only; platform only gave the User-Agent's arch.
    unneeded = ("subprocess", "signal", "platform", "yaml", "rawkube.models.core_v1", "orjson")
    code = FIRST_GET.replace("MODULES", repr(unneeded))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
