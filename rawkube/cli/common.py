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
    """clientcmd.BuildConfigFromFlags: --server and --kubeconfig, then the default loading rules.

    A --context, --cluster or --user that the kubeconfig does not define is named with its
    flag (kubectl: `context was not found for specified context: x`).
    """
    from rawkube.config.kubeconfig import load_config

    kubeconfig = getattr(args, "kubeconfig", None)
    _check_flag_names(args, kubeconfig)
    cfg = load_config(
        kubeconfig=kubeconfig,
        context=getattr(args, "context", None),
        master_url=getattr(args, "master_url", None),
        cluster=getattr(args, "cluster", None),
        user=getattr(args, "user", None),
    )
    namespace = getattr(args, "namespace", None)
    if namespace:
        cfg = cfg.copy(namespace=namespace)
    return cfg


def _check_flag_names(args: argparse.Namespace, kubeconfig: str | None) -> None:
    flags = [
        (flag, section, getattr(args, attr, None))
        for flag, section, attr in (
            ("--context", "contexts", "context"),
            ("--cluster", "clusters", "cluster"),
            ("--user", "users", "user"),
        )
    ]
    if not any(value for _, _, value in flags):
        return
    from rawkube.config.kubeconfig import merge_kubeconfigs
    from rawkube.errors import ConfigError

    raw = merge_kubeconfigs(kubeconfig)
    where = ", ".join(raw.files) or "no kubeconfig file"
    for flag, section, value in flags:
        defined = getattr(raw, section)
        if value and value not in defined:
            known = ", ".join(sorted(defined)) or "none"
            raise ConfigError(
                f'{flag} {value}: no {section[:-1]} named "{value}" in {where} '
                f"({section} defined: {known})"
            )


def describe_error(err: BaseException) -> str | None:
    """The line to print for `err`; None means "a bug: let the traceback show".

    An error the server answered is worded as kubectl's `StandardErrorMessage` words it
    (k8s.io/kubectl/pkg/cmd/util/helpers.go): `Error from server (NotFound): pods "x" not
    found`; anything else is `error: ...`. The request itself is in the `-v 6` trace.
    """
    if isinstance(err, StatusError):
        return _server_error(err)
    refused = _refused_host(err)
    if refused:  # kubectl's wording for the most common first mistake
        return (
            f"The connection to the server {refused} was refused - "
            "did you specify the right host or port?"
        )
    unknown = _unknown_host(err)
    if unknown:  # kubectl: Unable to connect to the server: dial tcp: lookup HOST ...: no such host
        return f"Unable to connect to the server: dial tcp: lookup {unknown}: no such host"
    text = _client_error(err)
    return None if text is None else f"error: {text}"


def _server_error(err: StatusError) -> str:
    if err.reason == "Unauthorized":
        return f"error: You must be logged in to the server ({err.message or err.reason})"
    text = f"Error from server ({err.reason}): " if err.reason else "Error from server: "
    text += err.message or f"the server answered {err.code}"
    # The causes of an Invalid are usually in its message already; add only those that are not.
    causes = [c for c in err.causes if str(c.get("message", "")) not in text]
    if causes:
        fields = "; ".join(
            f"{c.get('field', '')}: {c.get('message', '')}".strip(": ") for c in causes[:5]
        )
        text += f" [{fields}]"
    return text


def _refused_host(err: BaseException) -> str | None:
    """host:port of a refused connection (kubectl checks for "connection refused" in a
    url.Error), else None."""
    import httpx

    if isinstance(err, RawkubeError) and isinstance(err.__cause__, httpx.ConnectError):
        err = err.__cause__  # rawkube.errors.ServerUnreachable names the httpx error it replaces
    if not isinstance(err, httpx.ConnectError) or "refused" not in str(err).lower():
        return None
    try:
        url = err.request.url
    except RuntimeError:  # no request attached
        return None
    return f"{url.host}:{url.port}" if url.port else url.host


def _unknown_host(err: BaseException) -> str | None:
    """The host name of a connection that failed because the name does not resolve."""
    import httpx

    if isinstance(err, RawkubeError) and isinstance(err.__cause__, httpx.ConnectError):
        err = err.__cause__  # rawkube.errors.ServerUnreachable names the httpx error it replaces
    if not isinstance(err, httpx.ConnectError):
        return None
    text = str(err).lower()
    markers = (
        "name or service not known",
        "nodename nor servname",
        "no address associated",
        "temporary failure in name resolution",
        "getaddrinfo failed",
        "no such host",
    )
    if not any(m in text for m in markers):
        return None
    try:
        return str(err.request.url.host)
    except RuntimeError:  # no request attached
        return None


def _client_error(err: BaseException) -> str | None:
    import httpx

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
    """kubectl's short age: 5s, 3m20s, 3h20m, 2d4h, 1y30d.

    k8s.io/apimachinery/pkg/util/duration.HumanDuration: each unit shows the next smaller one
    while it is small (minutes < 10, hours < 8, days < 8, years < 8), and a clock up to one
    second ahead of the server's still reads as 0s.
    """
    if not timestamp:
        return "<unknown>"
    try:
        then = _dt.datetime.strptime(timestamp, "%Y-%m-%dT%H:%M:%SZ").replace(
            tzinfo=_dt.timezone.utc
        )
    except ValueError:
        return "<unknown>"
    now = now or _dt.datetime.now(_dt.timezone.utc)
    seconds = int((now - then).total_seconds())
    if seconds < -1:
        return "<invalid>"
    if seconds < 120:
        return f"{max(seconds, 0)}s"
    minutes, hours, days = seconds // 60, seconds // 3600, seconds // 86400
    if minutes < 10:
        return _two_units(minutes, "m", seconds % 60, "s")
    if minutes < 180:
        return f"{minutes}m"
    if hours < 8:
        return _two_units(hours, "h", minutes % 60, "m")
    if hours < 48:
        return f"{hours}h"
    if days < 8:
        return _two_units(days, "d", hours % 24, "h")
    if days < 365 * 2:
        return f"{days}d"
    if days < 365 * 8:
        return _two_units(days // 365, "y", days % 365, "d")
    return f"{days // 365}y"


def _two_units(big: int, big_unit: str, small: int, small_unit: str) -> str:
    return f"{big}{big_unit}{small}{small_unit}" if small else f"{big}{big_unit}"


def print_table(rows: list[list[str]], out: Any) -> None:
    """Columns padded like kubectl's printers (3 spaces between columns)."""
    if not rows:
        return
    widths = [max(len(str(r[i])) if i < len(r) else 0 for r in rows) for i in range(len(rows[0]))]
    for row in rows:
        cells = [str(c).ljust(widths[i]) for i, c in enumerate(row)]
        print("   ".join(cells).rstrip(), file=out)


class Termination:
    """SIGTERM as a flag, for commands that run until stopped (`serve`, `port-forward`).

    The handler only appends to a list. A Python signal handler runs in the main thread between
    two bytecodes, possibly while that thread holds the lock inside `threading.Event.wait`: a
    handler calling `Event.set()` (which takes that same lock) blocks the process for good.
    `rawkube serve` did that under load: SIGTERM, then no exit (tests/cli/test_cli.py).
    """

    def __init__(self) -> None:
        import signal

        self.signals: list[int] = []
        self._previous = signal.signal(signal.SIGTERM, self._handle)

    def _handle(self, signum: int, frame: Any) -> None:
        self.signals.append(signum)  # no lock taken: see the class docstring

    def wait(self, stop: Any = None, interval: float = 0.2) -> None:
        """Until SIGTERM, Ctrl-C, or `stop` (a threading.Event other threads may set)."""
        import time

        try:
            while not self.signals:
                if stop is None:
                    time.sleep(interval)
                elif stop.wait(interval):
                    return
        except KeyboardInterrupt:
            pass

    def restore(self) -> None:
        """Put the previous SIGTERM handler back."""
        import signal

        signal.signal(signal.SIGTERM, self._previous)
