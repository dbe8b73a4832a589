"""`rawkube exec POD [-c CONTAINER] [-i] [-t] -- COMMAND [ARGS...]`, as kubectl exec.

kubectl's steps (k8s.io/kubectl/pkg/cmd/exec/exec.go): get the pod, refuse a finished one,
pick the container (the kubectl.kubernetes.io/default-container annotation, else the first,
saying so on stderr when there are several), then stream. The exit code is the command's;
a non-zero one is also said on stderr ("command terminated with exit code N").
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from collections.abc import Callable
from typing import Any

DEFAULT_CONTAINER_ANNOTATION = "kubectl.kubernetes.io/default-container"


HELP = "execute a command in a container, like kubectl exec"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("pod", metavar="POD", help="the pod (or pod/NAME)")
    # Everything after POD: flags may still come before "--" (as kubectl allows), so they are
    # parsed again from there in run().
    p.add_argument(
        "exec_rest", nargs=argparse.REMAINDER, metavar="-- COMMAND [ARGS...]",
        help="the command to run and its arguments, after --",
    )  # fmt: skip
    add_namespace_flag(p)
    _exec_flags(p)


def _exec_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("-c", "--container", help="container name; default: the pod's default one")
    p.add_argument("-i", "--stdin", action="store_true", help="pass stdin to the container")
    p.add_argument("-t", "--tty", action="store_true", help="stdin is a TTY")
    p.add_argument(
        "-q", "--quiet", action="store_true", help="only print output from the remote session"
    )


def split_command(args: argparse.Namespace) -> list[str]:
    """The command after "--" (or, kubectl's old form, right after POD); flags given between
    POD and "--" are applied to `args`."""
    rest = list(args.exec_rest)
    if "--" in rest:
        cut = rest.index("--")
        flags, command = rest[:cut], rest[cut + 1 :]
    else:
        flags, command = [], rest
    if flags:
        extra = argparse.ArgumentParser(prog="rawkube exec", add_help=False)
        _exec_flags(extra)
        extra.add_argument("-n", "--namespace")
        extra.add_argument("--kubeconfig")
        extra.add_argument("--context")
        extra.add_argument("-s", "--server", dest="master_url")
        extra.add_argument("-v", "--v", dest="verbosity", type=int)
        for key, value in vars(extra.parse_args(flags)).items():
            if value not in (None, False):
                setattr(args, key, value)
    return command


def add_namespace_flag(p: argparse.ArgumentParser) -> None:
    """-n/--namespace, unless the command parser has it already (as a global flag)."""
    if "--namespace" not in p._option_string_actions:
        p.add_argument("-n", "--namespace", help="namespace (default: the context's)")


def pod_name(text: str) -> str:
    for prefix in ("pod/", "pods/", "po/"):
        if text.startswith(prefix):
            return text[len(prefix) :]
    if "/" in text:
        raise ValueError(f"exec works on pods only, not {text!r}")
    return text


def choose_container(pod: dict[str, Any], wanted: str | None, quiet: bool) -> str:
    """kubectl podcmd.FindOrDefaultContainerByName."""
    spec = pod.get("spec") or {}
    names = [c.get("name", "") for c in spec.get("containers") or []]
    every = names + [
        c.get("name", "")
        for k in ("initContainers", "ephemeralContainers")
        for c in spec.get(k) or []
    ]
    name = pod["metadata"]["name"]
    if wanted:
        if wanted not in every:
            raise ValueError(
                f"container {wanted} is not valid for pod {name} out of: {', '.join(every)}"
            )
        return wanted
    default = ((pod.get("metadata") or {}).get("annotations") or {}).get(
        DEFAULT_CONTAINER_ANNOTATION
    )
    if default in names:
        return str(default)
    if len(names) > 1 and not quiet:
        print(f'Defaulted container "{names[0]}" out of: {", ".join(every)}', file=sys.stderr)
    return names[0]


def run(args: argparse.Namespace) -> int:
    from rawkube.cli.common import config_from_args
    from rawkube.errors import StatusError
    from rawkube.stream.remotecommand import connect_exec
    from rawkube.transport import build_client

    command = split_command(args)
    if not command:
        print("error: you must specify at least one command for the container", file=sys.stderr)
        return 1
    cfg = config_from_args(args)
    name = pod_name(args.pod)
    tty = args.tty
    if tty and not (args.stdin and os.isatty(0)):
        if args.stdin or not args.quiet:
            print(
                "Unable to use a TTY - input is not a terminal or the right kind of file",
                file=sys.stderr,
            )
        tty = False
    with build_client(cfg) as client:
        pod = client.get(f"/api/v1/namespaces/{cfg.namespace}/pods/{name}")
        if pod.status_code != 200:
            from rawkube.rest.result import error_from_response

            raise error_from_response(
                pod.status_code, pod.headers, pod.content, method="GET", url=str(pod.url),
                resource="pods", name=name,
            )  # fmt: skip
        obj = pod.json()
        phase = (obj.get("status") or {}).get("phase")
        if phase in ("Succeeded", "Failed"):
            print(
                f"error: cannot exec into a container in a completed pod; current phase is {phase}",
                file=sys.stderr,
            )
            return 1
        try:
            container = choose_container(obj, args.container, args.quiet)
        except ValueError as err:
            print(f"error: {err}", file=sys.stderr)
            return 1
        try:
            stream = connect_exec(
                client, cfg.namespace, name, command, container=container,
                stdin=args.stdin, stdout=True, stderr=not tty, tty=tty,
            )  # fmt: skip
        except StatusError as err:
            if err.code == 404 and err.reason == "NotFound":
                raise
            # kubectl: the upgrade failure's text (remotecommand: "unable to upgrade connection")
            print(f"error: unable to upgrade connection: {err.message}", file=sys.stderr)
            return 1
        return _interact(stream, args.stdin, tty)


def _interact(stream: Any, stdin: bool, tty: bool) -> int:
    restore = _raw_terminal() if tty else None
    stop_resizes: Callable[[], None] | None = None
    try:
        if tty:
            _send_size(stream)
            stop_resizes = _watch_resizes(stream)
        if stdin:
            threading.Thread(target=_pump_stdin, args=(stream,), daemon=True).start()
        err_thread = None
        if not tty:
            err_thread = threading.Thread(
                target=_copy, args=(stream.stderr, sys.stderr), daemon=True
            )
            err_thread.start()
        _copy(stream.stdout, sys.stdout)
        if err_thread is not None:
            err_thread.join()
        code = stream.wait()
    finally:
        if stop_resizes is not None:
            stop_resizes()
        if restore is not None:
            restore()
    if code:
        print(f"command terminated with exit code {code}", file=sys.stderr)
    return int(code)


def _copy(reader: Any, out: Any) -> None:
    target = out.buffer if hasattr(out, "buffer") else out
    for chunk in reader:
        target.write(chunk)
        target.flush()


def _pump_stdin(stream: Any) -> None:
    try:
        while True:
            data = os.read(0, 32 * 1024)
            if not data:
                break
            stream.stdin.write(data)
        stream.stdin.close()
    except Exception:  # the session ended meanwhile
        pass


def _watch_resizes(stream: Any) -> Callable[[], None] | None:
    """On SIGWINCH, send the terminal size from a thread of its own (client-go's
    TerminalSizeQueue); returns the function that stops it.

    The handler only writes a byte to a pipe. A Python signal handler runs in the main thread
    between two bytecodes, possibly while that thread holds the session's locks (reading the
    output: the WebSocket state, the socket); sending the size from the handler would wait for
    a lock its own thread holds, for good.
    """
    if not hasattr(signal, "SIGWINCH"):
        return None
    r, w = os.pipe()
    os.set_blocking(w, False)

    def handler(signum: int, frame: Any) -> None:
        try:
            os.write(w, b"\0")
        except OSError:  # the pipe is full: a resize is pending anyway
            pass

    def send_sizes() -> None:
        try:
            while os.read(r, 64):
                _send_size(stream)
        except OSError:
            pass
        finally:
            os.close(r)  # by its only user, after its last read

    thread = threading.Thread(target=send_sizes, name="rawkube-resize", daemon=True)
    thread.start()
    previous = signal.signal(signal.SIGWINCH, handler)

    def stop() -> None:
        signal.signal(signal.SIGWINCH, previous)
        os.close(w)  # the thread reads the end and closes its side

    return stop


def _send_size(stream: Any) -> None:
    try:
        size = os.get_terminal_size(1 if os.isatty(1) else 0)
        stream.resize(size.columns, size.lines)
    except (OSError, Exception):
        pass


def _raw_terminal() -> Any:
    """Put the terminal in raw mode (kubectl term.TTY.Safe); returns the restore function."""
    try:
        import termios
        import tty
    except ImportError:  # pragma: no cover - not a POSIX terminal
        return None
    fd = 0
    try:
        saved = termios.tcgetattr(fd)
    except termios.error:
        return None
    tty.setraw(fd)
    return lambda: termios.tcsetattr(fd, termios.TCSADRAIN, saved)
