"""Helpers shared by the CLI subcommands: configuration from flags, error text, ages."""

from __future__ import annotations

import argparse
import datetime as _dt
import os
import ssl
from typing import Any

from rawkube.config.types import Config
from rawkube.errors import RawkubeError, StatusError


def config_from_args(args: argparse.Namespace) -> Config:
    """clientcmd.BuildConfigFromFlags: --server and --kubeconfig, then the default loading rules."""
    from rawkube.config.kubeconfig import load_config

    cfg = load_config(
        kubeconfig=getattr(args, "kubeconfig", None),
        context=getattr(args, "context", None),
        master_url=getattr(args, "master_url", None),
    )
    namespace = getattr(args, "namespace", None)
    if namespace:
        cfg = cfg.copy(namespace=namespace)
    return cfg


def describe_error(err: BaseException) -> str | None:
    """One line for the user; None means "a bug: let the traceback show"."""
    import httpx

    if isinstance(err, StatusError):
        text = str(err)
        causes = err.causes
        if causes:
            fields = "; ".join(
                f"{c.get('field', '')}: {c.get('message', '')}".strip(": ") for c in causes[:5]
            )
            text += f" [{fields}]"
        return text
    if isinstance(err, RawkubeError):
        return str(err)
    if isinstance(err, httpx.ConnectError):
        return f"cannot connect to the API server: {_reason(err)}"
    if isinstance(err, httpx.TimeoutException):
        return f"the API server did not answer in time: {_reason(err)}"
    if isinstance(err, httpx.HTTPError):
        return f"HTTP error talking to the API server: {_reason(err)}"
    if isinstance(err, ssl.SSLError):
        return f"TLS error: {err}"
    if isinstance(err, OSError):
        return str(err)
    if os.environ.get("RAWKUBE_TRACEBACK"):
        return None
    return (
        f"internal error: {type(err).__name__}: {err} "
        "(set RAWKUBE_TRACEBACK=1 to see the traceback, and please report it)"
    )


def _reason(err: BaseException) -> str:
    text = str(err) or type(err).__name__
    return text.splitlines()[0]


def age(timestamp: str | None, now: _dt.datetime | None = None) -> str:
    """kubectl's short age: 5s, 3m, 2h, 4d (k8s.io/apimachinery/pkg/util/duration.HumanDuration)."""
    if not timestamp:
        return "<unknown>"
    try:
        then = _dt.datetime.strptime(timestamp, "%Y-%m-%dT%H:%M:%SZ").replace(
            tzinfo=_dt.timezone.utc
        )
    except ValueError:
        return "<unknown>"
    now = now or _dt.datetime.now(_dt.timezone.utc)
    seconds = max(0, int((now - then).total_seconds()))
    if seconds < 120:
        return f"{seconds}s"
    minutes = seconds // 60
    if minutes < 10:
        rest = seconds % 60
        return f"{minutes}m{rest}s" if rest else f"{minutes}m"
    if minutes < 180:
        return f"{minutes}m"
    hours = minutes // 60
    if hours < 48:
        return f"{hours}h"
    return f"{hours // 24}d"


def print_table(rows: list[list[str]], out: Any) -> None:
    """Columns padded like kubectl's printers (3 spaces between columns)."""
    if not rows:
        return
    widths = [max(len(str(r[i])) if i < len(r) else 0 for r in rows) for i in range(len(rows[0]))]
    for row in rows:
        cells = [str(c).ljust(widths[i]) for i, c in enumerate(row)]
        print("   ".join(cells).rstrip(), file=out)
