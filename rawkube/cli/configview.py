"""`rawkube config view`: the merged kubeconfig (clientcmd's merge), secrets redacted."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from rawkube.config.types import redact


def _minify(raw: dict[str, Any], context: str | None) -> dict[str, Any]:
    """Keep only the current (or given) context and the cluster and user it names."""
    name = context or raw.get("current-context")
    contexts = [c for c in raw.get("contexts") or [] if c.get("name") == name]
    ctx = (contexts[0].get("context") or {}) if contexts else {}
    return {
        **{k: v for k, v in raw.items() if k not in ("clusters", "users", "contexts")},
        "current-context": name,
        "contexts": contexts,
        "clusters": [c for c in raw.get("clusters") or [] if c.get("name") == ctx.get("cluster")],
        "users": [u for u in raw.get("users") or [] if u.get("name") == ctx.get("user")],
    }


def run_config_view(args: argparse.Namespace) -> int:
    from rawkube.config.kubeconfig import load_raw_kubeconfig

    raw: dict[str, Any] = dict(load_raw_kubeconfig(kubeconfig=args.kubeconfig))
    if args.minify:
        raw = _minify(raw, args.context)
    shown = redact(raw)
    if args.output == "json":
        json.dump(shown, sys.stdout, indent=2)
        print()
    else:
        import yaml

        yaml.safe_dump(shown, sys.stdout, default_flow_style=False, sort_keys=False)
    return 0
