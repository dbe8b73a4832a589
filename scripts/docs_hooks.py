"""mkdocs hooks for rawkube's documentation site (mkdocs.yml: `hooks:`).

- The API reference (docs/api.md) is generated from the package as it is on disk: every public
  module (no `_` in its dotted name), grouped by layer, one mkdocstrings `::: module` block each.
  A module that moves or is renamed moves with it; nothing lists module names by hand.
- The benchmark chart and table come from benchmarks/results/latest.json, drawn by
  benchmarks/run.py's `chart_svg` (the same function that writes latest.svg after a run).
- A path such as `rawkube/rest/request.py` written in a page must exist: the build fails
  (strict) on a page that points at a file that was moved or removed.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path
from typing import Any

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "rawkube"

# Modules left out of the reference: generated models (thousands of classes, documented by
# their OpenAPI schema), the embedded API server's insides (its entry point LocalAPIServer is
# documented under rawkube.testing), and the command line (documented as a page).
EXCLUDED = ("rawkube.models.", "rawkube.testing.server", "rawkube.cli", "rawkube.typed._")

# Layer headings, first match wins; a module no prefix matches lands under "Other modules".
LAYERS = [
    ("Entry points", ("rawkube",)),
    ("config", ("rawkube.config",)),
    ("transport", ("rawkube.auth", "rawkube.tls", "rawkube.transport")),
    ("rest", ("rawkube.rest", "rawkube.flow", "rawkube.protobuf", "rawkube.stream")),
    (
        "Typed, dynamic and discovery clients",
        (
            "rawkube.typed",
            "rawkube.dynamic",
            "rawkube.discovery",
            "rawkube.schema",
            "rawkube.models",
        ),
    ),
    ("tools", ("rawkube.tools", "rawkube.retry")),
    ("testing", ("rawkube.testing",)),
    ("async", ("rawkube.aio",)),
    ("errors", ("rawkube.errors",)),
]

API_MARKER = "<!-- rawkube: api modules -->"
BENCH_MARKER = "<!-- rawkube: benchmark table -->"
PATH_RE = re.compile(r"`(rawkube/[A-Za-z0-9_/]+(?:\.py)?)`")


def public_modules() -> list[str]:
    """Every importable module and package under rawkube/, private ones (a `_` part) left out."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        name = ".".join(parts)
        if any(p.startswith("_") for p in parts) or "data" in parts:
            continue
        if name.startswith(EXCLUDED) or name == "rawkube.__main__":
            continue
        found.append(name)
    return found


def _layer(name: str) -> str:
    for title, prefixes in LAYERS:
        if title == "Entry points":
            if name == "rawkube":
                return title
            continue
        if any(name == p or name.startswith(p + ".") for p in prefixes):
            return title
    return "Other modules"


def api_markdown() -> str:
    groups: dict[str, list[str]] = {}
    for name in public_modules():
        groups.setdefault(_layer(name), []).append(name)
    order = [title for title, _ in LAYERS] + ["Other modules"]
    out = []
    for title in order:
        if title not in groups:
            continue
        out.append(f"# {title}\n")
        for name in groups[title]:
            out.append(
                f"::: {name}\n    options:\n      heading_level: 2\n      show_submodules: false\n"
            )
    return "\n".join(out)


def _bench_module() -> Any:
    spec = importlib.util.spec_from_file_location(
        "rawkube_bench_run", ROOT / "benchmarks" / "run.py"
    )
    if spec is None or spec.loader is None:
        raise PluginError("cannot load benchmarks/run.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def on_files(files: Files, config: Any) -> Files:
    report = json.loads((ROOT / "benchmarks" / "results" / "latest.json").read_text())
    svg = _bench_module().chart_svg(report)
    files.append(File.generated(config, "img/benchmarks.svg", content=svg))
    scale = _bench_module().scale_chart_svg(report)
    files.append(File.generated(config, "img/scale.svg", content=scale))
    return files


def on_page_markdown(markdown: str, page: Any, config: Any, files: Files) -> str:
    for path in PATH_RE.findall(markdown):
        if not (ROOT / path).exists():
            raise PluginError(f"{page.file.src_uri}: `{path}` does not exist (moved or renamed?)")
    if API_MARKER in markdown:
        markdown = markdown.replace(API_MARKER, api_markdown())
    if BENCH_MARKER in markdown:
        table = (ROOT / "benchmarks" / "results" / "latest.md").read_text()
        # latest.md links the scale chart as benchmarks/README.md sees it; here it is generated
        markdown = markdown.replace(
            BENCH_MARKER, table.replace("](results/scale.svg)", "](img/scale.svg)")
        )
    return markdown
