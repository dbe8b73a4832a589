"""Draw the documentation's diagrams as SVG from the text below (no JavaScript, no CDN).

    python scripts/docs_diagrams.py          # writes docs/img/{layers,request-path,retry-on-conflict}.svg
    python scripts/docs_diagrams.py --check  # exit 1 if a committed SVG differs from what this draws

The pictures are data here (boxes, arrows, messages); change the data, run the script, commit
the SVGs. tests/test_docs.py runs `--check`, so a picture never drifts from its source. Why not
mermaid: mkdocs-material renders mermaid with JavaScript fetched from a CDN, which an offline
build (and the browser test) cannot reach, and a plain SVG also shows on GitHub (the README).
"""

from __future__ import annotations

import argparse
import sys
from html import escape
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "img"

FONT = 'font-family="Helvetica, Arial, sans-serif"'
BLUE, GREY, INK, PAPER = "#1f6feb", "#57606a", "#1f2328", "#f6f8fa"

# -- the layer picture ---------------------------------------------------------------------------

# (layer, rawkube modules, client-go counterpart); lower rows are the lower layers.
LAYERS = [
    ("cli", "the rawkube command: demo, get, config view, serve", "kubectl (k8s.io/kubectl)"),
    ("testing", "LocalAPIServer, record / replay, pytest plugin", "envtest, fake clients"),
    ("tools", "informer, pager, RetryWatcher, wait, retry", "tools/cache, tools/watch, util/retry"),
    ("clients", "typed Clientset · DynamicClient · DiscoveryClient + RESTMapper", "kubernetes, dynamic, discovery"),
    ("rest", "Request (pure) · executor · Result · watch · trace · streams", "rest/, tools/remotecommand"),
    ("transport", "httpx client · auth flows · TLS context", "transport/, plugin/pkg/client/auth"),
    ("config", "kubeconfig loading and merging, in-cluster config", "tools/clientcmd"),
]


def layers_svg() -> str:
    width, row, top = 760, 54, 46
    height = top + row * len(LAYERS) + 16
    out = [_head(width, height), _title(width, "rawkube's layers (each imports only the ones below)")]
    for i, (name, modules, go) in enumerate(LAYERS):
        y = top + i * row
        out.append(
            f'<rect x="20" y="{y}" width="{width - 40}" height="{row - 10}" rx="6" '
            f'fill="{PAPER}" stroke="{BLUE}" stroke-width="1.5"/>'
        )
        out.append(_text(36, y + 27, name, size=15, weight="bold", color=BLUE))
        out.append(_text(150, y + 20, modules, size=12))
        out.append(_text(150, y + 37, f"mirrors: {go}", size=11, color=GREY))
    out.append("</svg>")
    return "\n".join(out) + "\n"


# -- a request's path ----------------------------------------------------------------------------

PATH = [
    ("your code", "cs.apps_v1().deployments(ns).get(\"web\")"),
    ("typed client", "builds a Request: GET /apis/apps/v1/namespaces/ns/deployments/web"),
    ("rest: Request", "pure data: path, query, headers, body; no I/O"),
    ("rest: executor", "rate limiter, then send; retries 429/5xx with Retry-After; deadline"),
    ("transport", "httpx client: auth flow (token, exec plugin, cert), TLS, proxy"),
    ("API server", "answers JSON (or protobuf) with a status code"),
    ("rest: Result", "status -> typed error (NotFound, Conflict, ...) or body"),
    ("typed client", "a lazy typed view (Deployment) over the decoded dict"),
]


def request_path_svg() -> str:
    width, row, top = 760, 46, 46
    height = top + row * len(PATH) + 10
    out = [_head(width, height), _title(width, "The path of one request through the layers")]
    for i, (who, what) in enumerate(PATH):
        y = top + i * row
        fill = "#ddf4ff" if who == "API server" else PAPER
        out.append(
            f'<rect x="20" y="{y}" width="170" height="{row - 14}" rx="6" fill="{fill}" '
            f'stroke="{BLUE}" stroke-width="1.5"/>'
        )
        out.append(_text(105, y + 21, who, size=13, weight="bold", anchor="middle", color=BLUE))
        out.append(_text(206, y + 21, what, size=12))
        if i + 1 < len(PATH):
            out.append(_arrow(105, y + row - 14, 105, y + row))
    out.append("</svg>")
    return "\n".join(out) + "\n"


# -- RetryOnConflict, as a sequence diagram ------------------------------------------------------

ACTORS = ["your code", "retry_on_conflict", "API server", "another writer"]
# (from, to, label, dashed): an arrow per step; from == to is a note on that lifeline
MESSAGES = [
    (0, 1, "retry_on_conflict(DEFAULT_RETRY, update)", False),
    (1, 2, "GET deployments/web", False),
    (2, 1, "200 OK, resourceVersion 19", True),
    (3, 2, "PATCH deployments/web (annotation)", False),
    (2, 3, "200 OK, resourceVersion 20", True),
    (1, 2, "PUT deployments/web, resourceVersion 19", False),
    (2, 1, "409 Conflict: the object has been modified", True),
    (1, 1, "back off (10 ms, x1, jitter 0.1), try again", False),
    (1, 2, "GET deployments/web", False),
    (2, 1, "200 OK, resourceVersion 20", True),
    (1, 2, "PUT deployments/web, resourceVersion 20", False),
    (2, 1, "200 OK, resourceVersion 21", True),
    (1, 0, "returns: updated in 2 attempts", True),
]


def retry_svg() -> str:
    width, top, step = 780, 80, 34
    xs = [90 + i * 200 for i in range(len(ACTORS))]
    height = top + step * len(MESSAGES) + 30
    out = [_head(width, height), _title(width, "Update under RetryOnConflict (client-go util/retry)")]
    for x, actor in zip(xs, ACTORS, strict=True):
        out.append(
            f'<rect x="{x - 75}" y="36" width="150" height="28" rx="6" fill="{PAPER}" '
            f'stroke="{BLUE}" stroke-width="1.5"/>'
        )
        out.append(_text(x, 55, actor, size=13, weight="bold", anchor="middle", color=BLUE))
        out.append(
            f'<line x1="{x}" y1="64" x2="{x}" y2="{height - 12}" stroke="{GREY}" '
            'stroke-dasharray="4 4"/>'
        )
    for i, (a, b, label, dashed) in enumerate(MESSAGES):
        y = top + i * step + 14
        if a == b:
            out.append(
                f'<rect x="{xs[a] + 8}" y="{y - 14}" width="260" height="22" rx="4" '
                'fill="#fff8c5" stroke="#d4a72c"/>'
            )
            out.append(_text(xs[a] + 16, y + 1, label, size=12))
            continue
        out.append(_arrow(xs[a], y + 6, xs[b], y + 6, dashed=dashed))
        mid = (xs[a] + xs[b]) / 2
        color = "#cf222e" if "409" in label else INK
        out.append(_text(mid, y, label, size=12, anchor="middle", color=color))
    out.append("</svg>")
    return "\n".join(out) + "\n"


# -- drawing helpers -----------------------------------------------------------------------------


def _head(width: int, height: int) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" {FONT}>\n'
        "<defs><marker id=\"arrow\" markerWidth=\"10\" markerHeight=\"8\" refX=\"9\" refY=\"4\" "
        f'orient="auto"><path d="M0,0 L10,4 L0,8 z" fill="{INK}"/></marker></defs>\n'
        '<rect width="100%" height="100%" fill="white"/>'
    )


def _title(width: int, text: str) -> str:
    return _text(width / 2, 24, text, size=15, weight="bold", anchor="middle")


def _text(
    x: float,
    y: float,
    text: str,
    *,
    size: int = 12,
    weight: str = "normal",
    anchor: str = "start",
    color: str = INK,
) -> str:
    return (
        f'<text x="{x:g}" y="{y:g}" font-size="{size}" font-weight="{weight}" '
        f'text-anchor="{anchor}" fill="{color}">{escape(text)}</text>'
    )


def _arrow(x1: float, y1: float, x2: float, y2: float, *, dashed: bool = False) -> str:
    dash = ' stroke-dasharray="6 4"' if dashed else ""
    return (
        f'<line x1="{x1:g}" y1="{y1:g}" x2="{x2:g}" y2="{y2:g}" stroke="{INK}" '
        f'stroke-width="1.3" marker-end="url(#arrow)"{dash}/>'
    )


DIAGRAMS = {
    "layers.svg": layers_svg,
    "request-path.svg": request_path_svg,
    "retry-on-conflict.svg": retry_svg,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    args = parser.parse_args(argv)
    stale = []
    for name, draw in DIAGRAMS.items():
        path = OUT / name
        text = draw()
        if args.check:
            if not path.exists() or path.read_text() != text:
                stale.append(name)
        else:
            OUT.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    if stale:
        print(f"stale: {', '.join(stale)}; run python scripts/docs_diagrams.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
