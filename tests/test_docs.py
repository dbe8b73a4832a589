"""The documentation site: it builds strictly, its pictures match their source, and its pages
render in a real browser without a console error.

The browser is Chromium from Debian's packages (/usr/bin/chromium; `.ci/run` installs it),
driven by Playwright (its own browser download is not used). The site is served from
127.0.0.1; pages that reached for a CDN or a missing file would log console errors or failed
requests, which fail the test.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("RAWKUBE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def test_diagrams_match_their_source() -> None:
    """docs/img/*.svg are what scripts/docs_diagrams.py draws (regenerate and commit if not)."""
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "docs_diagrams.py"), "--check"],
        capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 0, proc.stderr


def test_benchmark_chart_is_drawn_from_the_saved_results() -> None:
    import importlib.util
    import json

    spec = importlib.util.spec_from_file_location("bench_run_for_test", ROOT / "benchmarks" / "run.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    report = json.loads((ROOT / "benchmarks" / "results" / "latest.json").read_text())
    svg = module.chart_svg(report)
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    for scenario in report["scenarios"]:
        if "seconds" in scenario["metrics"]:
            assert f">{scenario['title']}<" in svg
    assert "<title>rawkube:" in svg


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """./scripts/docs, strict, into a temporary directory (scripts/test has just built site/ and
    says so in RAWKUBE_DOCS_SITE: that one is used, not built twice)."""
    prebuilt = os.environ.get("RAWKUBE_DOCS_SITE")
    if prebuilt and (Path(prebuilt) / "index.html").is_file():
        return Path(prebuilt)
    out = tmp_path_factory.mktemp("site")
    proc = subprocess.run(
        [str(ROOT / "scripts" / "docs"), "--site-dir", str(out)],
        capture_output=True, text=True, timeout=300, cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out


def test_the_build_is_strict(tmp_path: Path, site: Path) -> None:
    """A page pointing at a module file that does not exist fails the build; so does a link to
    a page that does not exist. (`site` first: ./scripts/docs has made the docs venv.)"""
    docs = tmp_path / "repo"
    docs.mkdir()
    for name in ("mkdocs.yml", "docs", "scripts", "benchmarks", "rawkube"):
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, docs / name, ignore=shutil.ignore_patterns("__pycache__", ".venv", "results"))
        else:
            shutil.copy(src, docs / name)
    shutil.copytree(ROOT / "benchmarks" / "results", docs / "benchmarks" / "results")
    (docs / "docs" / "api.md").write_text("# API reference\n")  # quick: no reference to render
    (docs / "docs" / "getting-started.md").write_text("# x\n\nSee `rawkube/no_such_module.py`.\n")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    venv = Path(os.environ.get("RAWKUBE_DOCS_VENV", ROOT / ".venv-docs"))
    mkdocs = [str(venv / "bin" / "python"), "-m", "mkdocs", "build", "--strict"]
    proc = subprocess.run(mkdocs, cwd=docs, capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode != 0
    assert "rawkube/no_such_module.py` does not exist" in proc.stdout + proc.stderr
    (docs / "docs" / "getting-started.md").write_text("# x\n\n[gone](no-such-page.md)\n")
    proc = subprocess.run(mkdocs, cwd=docs, capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode != 0 and "no-such-page.md" in proc.stdout + proc.stderr


def test_the_site_has_every_page_and_the_api_reference(site: Path) -> None:
    for page in ("index.html", "getting-started.html", "api.html", "testing.html",
                 "reliability-security.html", "benchmarks.html", "layers/index.html",
                 "layers/config.html", "layers/rest.html", "layers/clients.html",
                 "layers/tools.html", "layers/cli.html", "img/benchmarks.svg", "img/layers.svg"):
        assert (site / page).is_file(), page
    api = (site / "api.html").read_text()
    for name in ("rawkube.config.kubeconfig.load_config", "rawkube.testing.LocalAPIServer",
                 "rawkube.retry.retry_on_conflict", "rawkube.typed.clientset.Clientset"):
        assert f'id="{name}"' in api, name


@pytest.fixture(scope="module")
def served(site: Path) -> Iterator[str]:
    handler = functools.partial(_QuietHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.mark.parametrize(
    ("page", "heading", "expected"),
    [
        ("index.html", "rawkube", "img/layers.svg"),
        ("api.html", "API reference", "load_config"),
    ],
)
def test_pages_render_in_chromium_without_console_errors(
    served: str, page: str, heading: str, expected: str
) -> None:
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"{CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium; "
            ".ci/run does it), or set RAWKUBE_CHROMIUM"
        )
    from playwright.sync_api import sync_playwright

    problems: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS, timeout=60_000
        )
        try:
            context = browser.new_context()
            tab = context.new_page()
            tab.on("console", lambda m: problems.append(f"console {m.type}: {m.text}")
                   if m.type in ("error", "warning") else None)
            tab.on("pageerror", lambda e: problems.append(f"page error: {e}"))
            tab.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
            tab.on("response", lambda r: problems.append(f"HTTP {r.status}: {r.url}")
                   if r.status >= 400 else None)
            response = tab.goto(f"{served}/{page}", wait_until="networkidle", timeout=60_000)
            assert response is not None and response.status == 200
            title = tab.locator("h1").first.inner_text(timeout=30_000)
            assert title.strip().rstrip("¶") == heading  # ¶: the heading's permalink
            assert expected in tab.content()
            if page == "index.html":  # the layer picture loaded and has a size
                width = tab.evaluate(
                    "() => document.querySelector('img[src$=\"layers.svg\"]').naturalWidth"
                )
                assert width > 0
            else:  # the reference rendered documented objects, not an empty page
                assert tab.locator("div.doc-object").count() > 50
        finally:
            browser.close()
    assert problems == []
