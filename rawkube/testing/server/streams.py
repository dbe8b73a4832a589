"""exec, attach and portforward: the streaming subresources of pods, kubelet included.

A real cluster splits this work: kube-apiserver checks the request (registry/core/pod
`ExecLocation`, `AttachLocation`, `PortForwardLocation`: the pod, the container, the node) and
then proxies the upgraded connection to the kubelet, which runs the command through the
container runtime. Here the checks are the API server's, answered as the recordings in
fixtures/streams/ show, and the "container" is a Python function:

    server.exec_handler = fn(pod, container, command, stdin, tty) -> (stdout, stderr, exit_code)
        # stdin: all of it (bytes) once the client closed it; None without -i or with a TTY
    server.exec_stream_handler = fn(session) -> exit_code          # streaming form, wins
    server.attach_handler = fn(session) -> exit_code | None         # default: the pod's log
    server.port_forward_handler = fn(pod, port) -> socket | (host, port)

Without a handler, exec answers like a container that lacks the binary (the runtime's "OCI
runtime exec failed ... executable file not found" on stderr, exit code 126) and
port-forward refuses the port with the kubelet's message (containerd's "connection refused").

The protocols served (the channel numbers and framing are in rawkube.stream.channel/spdy):
- exec/attach over WebSocket: v5.channel.k8s.io (what kubectl 1.30+ and rawkube use, the
  API server's StreamTranslator in util/proxy/websocket.go), v4 and channel.k8s.io (what the
  kubelet serves, cri/streaming/remotecommand/websocket.go), each also base64.
- portforward over WebSocket with SPDY/3.1+portforward.k8s.io (KEP-4006, kubectl 1.31+; the
  API server's util/proxy/streamtunnel.go hands the SPDY session through to the kubelet),
  over a plain SPDY/3.1 upgrade (the fallback), and the kubelet's WebSocket channel protocol
  (v4.channel.k8s.io with ?ports=, cri/streaming/portforward/websocket.go) that rawkube's
  client uses.

Each upgraded connection runs in its connection's thread (app.py hands it over after the
101 answer); a handler runs in a thread of its own, so a command can read stdin while output
flows. Everything ends when the server stops: its sockets are shut down.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import queue
import socket
import threading
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from rawkube.stream import channel as ch
from rawkube.stream import spdy
from rawkube.stream import websocket as ws
from rawkube.stream._io import DuplexSocket
from rawkube.testing.server.errors import APIError, Obj, ResourceKey
from rawkube.testing.server.request import Request, Response, Target

log = logging.getLogger(__name__)

STREAM_SUBRESOURCES = ("exec", "attach", "portforward")
PODS = ResourceKey("", "pods")

# What each subresource serves over WebSocket, best first.
REMOTE_COMMAND_PROTOCOLS = (ch.V5, ch.V4, ch.BASE64_V4, ch.V1, ch.BASE64_V1)
PORT_FORWARD_WS_PROTOCOLS = (ch.V4, ch.BASE64_V4, ch.V1, ch.BASE64_V1)
# How long a finished exec waits for the client to close (the API server waits up to 15
# minutes, util/proxy/websocket.go finishTimeout; a test server needs far less).
FINISH_TIMEOUT = 10.0
READ_SIZE = 64 * 1024
# The kubelet forwards in 32 KiB pieces (io.Copy's buffer).
FORWARD_CHUNK = 32 * 1024

ExecHandler = Callable[[Obj, str, list[str], "bytes | None", bool], Any]
PortForwardHandler = Callable[[Obj, int], Any]


# -- the upgraded connection (app.py makes one after writing the 101 answer) -----------------------


class UpgradedConnection:
    """The socket of an upgraded request, for one reader and many writers at once: a
    DuplexSocket (TLS objects must not be read and written by two threads at the same time),
    starting with whatever the request's buffered reader already held past the headers."""

    def __init__(self, sock: socket.socket, rfile: Any, stopping: threading.Event) -> None:
        sock.setblocking(False)
        leading = bytearray()
        while True:
            try:
                chunk = rfile.read1(READ_SIZE)
            except (OSError, ValueError):  # nothing buffered and nothing to read yet
                break
            if not chunk:
                break
            leading += chunk
        self.io = DuplexSocket(sock, bytes(leading))
        self.stopping = stopping

    def read(self, size: int = READ_SIZE) -> bytes:
        """Up to `size` bytes; b"" at end of input or once the connection broke."""
        return self.io.recv(size)

    def write(self, data: bytes) -> None:
        if data:
            self.io.write(data)

    def close(self) -> None:
        self.io.shutdown()


class _WebSocketServer:
    """A server WebSocket over an upgraded connection. `send` may be called from any thread;
    `messages()` is read by one."""

    def __init__(self, conn: UpgradedConnection) -> None:
        self.conn = conn
        self.ws = ws.WebSocket(client=False)
        self._state = threading.Lock()  # wsproto's state
        self._write = threading.Lock()  # encode + write in one step: frames stay in order
        self.closed = threading.Event()  # the client's close arrived (or the connection died)

    def send(self, payload: bytes, *, text: bool = False) -> bool:
        """Send one message; False if the connection is closing or broken."""
        with self._write:
            try:
                with self._state:
                    data = self.ws.send(payload, text=text)
                self.conn.write(data)
                return True
            except Exception:  # closed (wsproto refuses) or the socket broke
                return False

    def close(self, code: int = ws.NORMAL_CLOSURE) -> None:
        with self._write:
            try:
                with self._state:
                    data = self.ws.close(code)
                self.conn.write(data)
            except Exception:
                pass

    def messages(self) -> Iterator[ws.Message]:
        while True:
            data = self.conn.read()
            with self._state:
                events = self.ws.receive(data)
                owed = self.ws.data_to_send()
            if owed:
                with self._write:
                    try:
                        self.conn.write(owed)
                    except OSError:
                        pass
            for event in events:
                if isinstance(event, ws.Closed):
                    self.closed.set()
                    return
                yield event
            if not data:
                self.closed.set()
                return


# -- what a streaming handler gets -------------------------------------------------------------


class StdinPipe(io.RawIOBase):
    """The command's stdin: bytes the client sent, end of input once it closed the channel."""

    def __init__(self) -> None:
        super().__init__()
        self._buf = bytearray()
        self._eof = False
        self._cond = threading.Condition()

    def feed(self, data: bytes) -> None:
        with self._cond:
            self._buf += data
            self._cond.notify_all()

    def end(self) -> None:
        with self._cond:
            self._eof = True
            self._cond.notify_all()

    def readable(self) -> bool:
        return True

    @property
    def ended(self) -> bool:
        """The client closed stdin (what is buffered may still be read)."""
        return self._eof

    def readinto(self, buffer: Any) -> int:
        with self._cond:
            while not self._buf and not self._eof:
                self._cond.wait()
            n = min(len(buffer), len(self._buf))
            buffer[:n] = self._buf[:n]
            del self._buf[:n]
            return n

    def read_all(self) -> bytes:
        with self._cond:
            while not self._eof:
                self._cond.wait()
            data, self._buf = bytes(self._buf), bytearray()
            return data


class _ChannelWriter:
    def __init__(self, session: ExecSession, channel: int) -> None:
        self._session = session
        self.channel = channel

    def write(self, data: bytes | str) -> int:
        raw = data.encode() if isinstance(data, str) else bytes(data)
        self._session._send(self.channel, raw)
        return len(raw)

    def flush(self) -> None:
        pass


class ExecSession:
    """One exec or attach, as a streaming handler sees it.

    `stdin` (None unless the client asked for it) reads what the client sends, until it closes
    stdin; `stdout.write` / `stderr.write` send (with a TTY, stderr goes to stdout as on a
    terminal); `resizes` is a queue of (width, height) terminal sizes; `closed` is set when the
    client went away; `stdin_frames` counts the messages stdin came in. Return the exit code
    from the handler.
    """

    def __init__(
        self,
        conn: _WebSocketServer,
        codec: ch.ChannelCodec,
        pod: Obj,
        container: str,
        command: list[str],
        *,
        stdin: bool,
        stdout: bool,
        stderr: bool,
        tty: bool,
    ) -> None:
        self._conn = conn
        self._codec = codec
        self.pod = pod
        self.container = container
        self.command = command
        self.tty = tty
        self.stdin: StdinPipe | None = StdinPipe() if stdin else None
        self._want = {ch.STDOUT: stdout, ch.STDERR: stderr and not tty}
        self.stdout = _ChannelWriter(self, ch.STDOUT)
        self.stderr = _ChannelWriter(self, ch.STDOUT if tty else ch.STDERR)
        self.resizes: queue.Queue[tuple[int, int]] = queue.Queue()
        self.closed = conn.closed
        self.stdin_frames = 0  # how many messages stdin arrived in

    def _send(self, channel: int, data: bytes) -> None:
        if not self._want.get(channel) or not data:
            return  # wsstream IgnoreChannel: the client did not ask for it
        for i in range(0, len(data), FORWARD_CHUNK):
            self._conn.send(self._codec.encode(channel, data[i : i + FORWARD_CHUNK]))

    def next_resize(self, timeout: float | None = None) -> tuple[int, int] | None:
        try:
            return self.resizes.get(timeout=timeout)
        except queue.Empty:
            return None


# -- the default "container": no binaries at all ---------------------------------------------------


def missing_binary(
    pod: Obj, container: str, command: list[str], stdin: bytes | None, tty: bool
) -> tuple[bytes, bytes, int]:
    """What runc reports for a command the image does not have, as kubectl shows it (e.g.
    joeferner/redis-commander#516: the line, then "command terminated with exit code 126")."""
    name = command[0] if command else ""
    if "/" in name:
        why = f"stat {name}: no such file or directory"
    else:
        why = "executable file not found in $PATH"
    line = (
        "OCI runtime exec failed: exec failed: unable to start container process: "
        f'exec: "{name}": {why}: unknown\r\n'
    )
    return b"", line.encode(), 126


def sandbox_id(pod: Obj) -> str:
    """A stable 64-hex pod sandbox id, as containerd names sandboxes."""
    uid = str((pod.get("metadata") or {}).get("uid", ""))
    return hashlib.sha256(f"sandbox/{uid}".encode()).hexdigest()


def refused_message(pod: Obj, port: int) -> str:
    """The kubelet's error for a port nothing listens on (cri/streaming/portforward
    httpstream.go `portForward` wrapping containerd's message, as kubernetes/kubectl#1169
    shows it): the pod is named by its sandbox id and the uid is empty."""
    sandbox = sandbox_id(pod)
    netns = uuid.UUID(sandbox[:32])
    return (
        f"error forwarding port {port} to pod {sandbox}, uid : failed to execute portforward "
        f'in network namespace "/var/run/netns/cni-{netns}": failed to connect to '
        f'localhost:{port} inside namespace "{sandbox}", IPv4: dial tcp4 127.0.0.1:{port}: '
        f"connect: connection refused IPv6 dial tcp6 [::1]:{port}: connect: connection refused "
    )


class PortRefused(Exception):
    """A port-forward handler may raise this (or any OSError) to refuse a port."""


# -- the subresources --------------------------------------------------------------------------


@dataclass
class Upgrade:
    """A 101 answer: its headers, and what runs on the connection afterwards."""

    headers: list[tuple[str, str]]
    run: Callable[[UpgradedConnection], None]


def connect(api: Any, req: Request, t: Target) -> Response:
    """registry/core/pod/rest/subresources.go ExecREST/AttachREST/PortForwardREST Connect
    (registered by handlers.py for GET and POST on each of STREAM_SUBRESOURCES)."""
    answer = api.streams.connect(
        req.method, t.namespace, t.name, t.subresource, req.query, req.headers
    )
    if isinstance(answer, PlainAnswer):
        return Response(answer.code, answer.body, answer.content_type)
    return Response(101, headers=answer.headers, upgrade=answer.run)


@dataclass
class PlainAnswer:
    """A refusal that comes from the kubelet through the API server's proxy: a text body, not
    a Status (the kubelet and its streaming server answer with Go's http.Error)."""

    code: int
    text: str

    @property
    def body(self) -> bytes:
        return (self.text + "\n").encode()

    content_type = "text/plain; charset=utf-8"


class Streams:
    """The handlers of one server and the pre-upgrade checks of the API server.

    `api` is the server's handlers.API: its store (replaced when state is loaded), its
    stopping event and its simulated log (`log_lines`) are read from it when needed.
    """

    def __init__(self, api: Any) -> None:
        self._api = api
        self.exec_handler: ExecHandler | None = None
        self.exec_stream_handler: Callable[[ExecSession], Any] | None = None
        self.attach_handler: Callable[[ExecSession], Any] | None = None
        self.port_forward_handler: PortForwardHandler | None = None

    @property
    def store(self) -> Any:
        return self._api.store

    @property
    def stopping(self) -> threading.Event:
        return self._api.stopping

    @property
    def log_lines(self) -> Callable[[Obj, str | None], list[str]] | None:
        return self._api.log_lines

    # -- checks before the upgrade (kube-apiserver) ----------------------------------------

    def connect(
        self, method: str, namespace: str, name: str, sub: str, query: dict[str, list[str]],
        headers: dict[str, str],
    ) -> Upgrade | PlainAnswer:  # fmt: skip
        """Check an exec/attach/portforward request and say how to upgrade it. API server
        refusals raise APIError (a Status, before any upgrade, as the recordings in
        fixtures/streams/ show); the kubelet's come back as a PlainAnswer."""
        try:
            return self._connect(method, namespace, name, sub, query, headers)
        except KubeletError as err:
            return PlainAnswer(err.code, err.message)

    def _connect(
        self, method: str, namespace: str, name: str, sub: str, query: dict[str, list[str]],
        headers: dict[str, str],
    ) -> Upgrade:  # fmt: skip
        pod = self.store.must_get(PODS, namespace, name)
        pod_name = pod["metadata"]["name"]

        def param(key: str) -> str:
            values = query.get(key) or [""]
            return values[-1]

        def flag(key: str) -> bool:
            return param(key).lower() in ("true", "1")

        container = ""
        if sub in ("exec", "attach"):
            # registry/core/pod/strategy.go streamLocation: the container first, then the node.
            container = param("container") or self._default_container(pod)
            if container not in _container_names(pod):
                raise bad_request(f"container {container} is not valid for pod {pod_name}")
        if not (pod.get("spec") or {}).get("nodeName"):
            raise bad_request(f"pod {pod_name} does not have a host assigned")
        upgrade = _upgrade_kind(headers, method)
        if upgrade is None:
            # util/proxy/upgradeaware.go with UpgradeRequired: a plain request is refused.
            raise bad_request("Upgrade request required")
        if sub == "portforward":
            return self._port_forward(pod, query, headers, upgrade)
        if upgrade != "websocket":
            raise APIError(
                400,
                "BadRequest",
                f"the SPDY/3.1 {sub} protocol is not served by LocalAPIServer: "
                "use the WebSocket protocol v5.channel.k8s.io",
            )
        if not _container_running(pod, container):
            raise KubeletError(f'container not found ("{container}")')
        stdin, stdout, stderr, tty = flag("stdin"), flag("stdout"), flag("stderr"), flag("tty")
        if tty:
            stderr = False  # the kubelet drops stderr with a TTY (remotecommand NewOptions)
        if not (stdin or stdout or stderr):
            raise KubeletError("you must specify at least 1 of stdin, stdout, stderr", 400)
        command = query.get("command") or []
        if sub == "exec" and not command:
            raise KubeletError("you must specify at least 1 command", 400)
        protocol = _negotiate(headers, REMOTE_COMMAND_PROTOCOLS)
        key = headers.get("sec-websocket-key", "")

        def run(conn: UpgradedConnection) -> None:
            self._run_remote_command(
                conn, protocol, pod, container, command, sub, stdin, stdout, stderr, tty
            )

        return Upgrade(ws.server_headers(key, protocol), run)

    @staticmethod
    def _default_container(pod: Obj) -> str:
        names = [c.get("name", "") for c in (pod.get("spec") or {}).get("containers") or []]
        if len(names) == 1:
            return names[0]
        name = pod["metadata"]["name"]
        raise bad_request(
            f"a container name must be specified for pod {name}, choose one of: [{' '.join(names)}]"
        )

    # -- exec and attach ------------------------------------------------------------------

    def _run_remote_command(
        self,
        conn: UpgradedConnection,
        protocol: str,
        pod: Obj,
        container: str,
        command: list[str],
        sub: str,
        stdin: bool,
        stdout: bool,
        stderr: bool,
        tty: bool,
    ) -> None:
        server = _WebSocketServer(conn)
        codec = ch.ChannelCodec(protocol)
        session = ExecSession(
            server, codec, pod, container, list(command),
            stdin=stdin, stdout=stdout, stderr=stderr, tty=tty,
        )  # fmt: skip
        # util/proxy/websocket.go: an empty message on the lowest writable channel tells the
        # client the connection is established.
        first = ch.STDOUT if stdout else ch.STDERR if (stderr and not tty) else ch.ERROR
        server.send(codec.encode(first, b""))
        result: dict[str, Any] = {}
        worker = threading.Thread(
            target=self._run_handler,
            args=(session, sub, result),
            name=f"rawkube-{sub}-{pod['metadata']['name']}",
            daemon=True,
        )
        worker.start()
        resize = ch.ResizeDecoder()
        try:
            for message in server.messages():
                try:
                    event = codec.decode(message.data)
                except ch.ProtocolError:
                    break  # wsstream ends the connection on a bad close signal
                if isinstance(event, ch.Closed):
                    if event.channel == ch.STDIN and session.stdin is not None:
                        session.stdin.end()
                elif isinstance(event, ch.Data):
                    if event.channel == ch.STDIN and session.stdin is not None:
                        session.stdin_frames += 1
                        session.stdin.feed(event.data)
                    elif event.channel == ch.RESIZE:
                        try:
                            sizes = resize.feed(event.data)
                        except (ch.ProtocolError, ValueError):
                            sizes = []
                        for size in sizes:
                            session.resizes.put(size)
        finally:
            server.closed.set()
            if session.stdin is not None:
                session.stdin.end()
            worker.join(FINISH_TIMEOUT)
            conn.close()

    def _run_handler(self, session: ExecSession, sub: str, result: dict[str, Any]) -> None:
        server = session._conn
        try:
            code = self._call_handler(session, sub)
            payload = None if code is None else ch.exit_status_payload(int(code))
        except Exception as err:  # a handler bug: the command "failed to run"
            log.debug("%s handler failed", sub, exc_info=True)
            status = APIError(
                500,
                "InternalError",
                f"error executing command in container: {type(err).__name__}: {err}",
            ).status()
            status.pop("kind", None)
            status.pop("apiVersion", None)
            payload = json.dumps(status, separators=(",", ":")).encode()
        if payload is not None and not server.closed.is_set():
            # util/proxy/websocket.go `finish`: the status, then the close frame; the client
            # closes the connection once it has read everything.
            if session.stdin is not None:
                session.stdin.end()
            server.send(session._codec.encode(ch.ERROR, payload))
        server.close()
        if not server.closed.wait(FINISH_TIMEOUT):
            server.conn.close()

    def _call_handler(self, session: ExecSession, sub: str) -> int | None:
        if sub == "attach":
            attach = self.attach_handler or self._attach_log
            code = attach(session)
            return None if code is None else int(code)
        if self.exec_stream_handler is not None:
            code = self.exec_stream_handler(session)
            return 0 if code is None else int(code)
        handler = self.exec_handler or missing_binary
        # The simple form reads all of stdin first; a TTY session is interactive and never
        # ends its input, so the simple form runs at once and gets no stdin there.
        piped = session.stdin is not None and not session.tty
        stdin = session.stdin.read_all() if piped and session.stdin is not None else None
        out, err, code = handler(
            session.pod, session.container, session.command, stdin, session.tty
        )
        session.stdout.write(out or b"")
        session.stderr.write(err or b"")
        return int(code)

    def _attach_log(self, session: ExecSession) -> int | None:
        """The default attach: the container's simulated log, from now on, until the client
        leaves, the pod goes away or the server stops (the process never exits)."""
        meta = session.pod["metadata"]
        ns, name = meta.get("namespace", ""), meta["name"]

        def lines(pod: Obj) -> list[str]:
            raw = self.log_lines(pod, session.container) if self.log_lines else []
            return [line.split(" ", 1)[-1] for line in raw]

        sent = len(lines(session.pod))
        while not session.closed.is_set() and not self.stopping.is_set():
            pod = self.store.get(PODS, ns, name)
            if pod is None:
                return 0
            now = lines(pod)
            for line in now[sent:]:
                session.stdout.write(line + "\n")
            sent = max(sent, len(now))
            session.closed.wait(0.2)
        return None

    # -- port forward -----------------------------------------------------------------------

    def _port_forward(
        self, pod: Obj, query: dict[str, list[str]], headers: dict[str, str], upgrade: str
    ) -> Upgrade:
        if upgrade == "spdy":
            # httpstream.Handshake: the protocol from X-Stream-Protocol-Version
            offered = [
                p.strip()
                for v in _header_values(headers, "x-stream-protocol-version")
                for p in v.split(",")
            ]
            if offered and ch.PORT_FORWARD not in offered:
                raise KubeletError(
                    "unable to upgrade: unable to negotiate protocol: client supports "
                    f"{offered}, server accepts {[ch.PORT_FORWARD]}",
                    403,
                )
            upgrade_headers = [
                ("Connection", "Upgrade"),
                ("Upgrade", "SPDY/3.1"),
                ("X-Stream-Protocol-Version", ch.PORT_FORWARD),
            ]
            return Upgrade(upgrade_headers, lambda conn: self._run_spdy(conn, pod, tunnel=False))
        key = headers.get("sec-websocket-key", "")
        offered = ws.requested_protocols(headers)
        tunnel = [
            p for p in offered if p.startswith(ch.SPDY_TUNNEL_PREFIX) and p.endswith(".k8s.io")
        ]
        if tunnel:
            if ch.PORT_FORWARD_TUNNEL not in tunnel:
                raise KubeletError(
                    "unable to upgrade: unable to negotiate protocol: client supports "
                    f"{[p[len(ch.SPDY_TUNNEL_PREFIX) :] for p in tunnel]}, server accepts "
                    f"{[ch.PORT_FORWARD]}",
                    403,
                )
            return Upgrade(
                ws.server_headers(key, ch.PORT_FORWARD_TUNNEL),
                lambda conn: self._run_spdy(conn, pod, tunnel=True),
            )
        try:
            ports = ch.parse_ports_query(query.get("ports") or [])
        except ValueError as err:
            raise KubeletError(str(err), 400) from None
        protocol = _negotiate(headers, PORT_FORWARD_WS_PROTOCOLS)
        return Upgrade(
            ws.server_headers(key, protocol),
            lambda conn: self._run_ws_port_forward(conn, pod, protocol, ports),
        )

    def _open_target(self, pod: Obj, port: int) -> socket.socket:
        """A connected socket to `port` of the pod, from the handler; OSError/PortRefused
        with the kubelet's message when there is nothing there."""
        handler = self.port_forward_handler
        if handler is None:
            raise PortRefused(refused_message(pod, port))
        try:
            target = handler(pod, port)
        except (OSError, PortRefused):
            raise PortRefused(refused_message(pod, port)) from None
        if target is None:
            raise PortRefused(refused_message(pod, port))
        if isinstance(target, tuple):
            try:
                sock = socket.create_connection(target, timeout=10)
            except OSError:
                raise PortRefused(refused_message(pod, port)) from None
            sock.settimeout(None)
            return sock
        target.settimeout(None)
        return target

    def _run_ws_port_forward(
        self, conn: UpgradedConnection, pod: Obj, protocol: str, ports: list[int]
    ) -> None:
        """The kubelet's WebSocket port forward: one data and one error channel per port."""
        server = _WebSocketServer(conn)
        codec = ch.ChannelCodec(protocol)
        sides = [PodSide() for _ in ports]
        lock = threading.Lock()
        for i, port in enumerate(ports):
            server.send(codec.encode(2 * i, ch.port_prefix(port)))
            server.send(codec.encode(2 * i + 1, ch.port_prefix(port)))
        threads = []
        remaining = [len(ports)]

        def forward(i: int, port: int) -> None:
            side = sides[i]
            try:
                try:
                    target = self._open_target(pod, port)
                except PortRefused as err:
                    side.stop()
                    server.send(codec.encode(2 * i + 1, str(err).encode()))
                    return
                if not side.adopt(target):
                    return
                try:
                    while True:
                        data = target.recv(FORWARD_CHUNK)
                        if not data:
                            break
                        if not server.send(codec.encode(2 * i, data)):
                            break
                except OSError:
                    pass
                side.stop()
                side.release()
            finally:
                finished()

        def finished() -> None:
            # kubelet websocket.go: when every port is done, the connection is closed
            with lock:
                remaining[0] -= 1
                last = remaining[0] == 0
            if last:
                server.close()

        for i, port in enumerate(ports):
            t = threading.Thread(target=forward, args=(i, port), daemon=True)
            t.start()
            threads.append(t)

        # This thread reads what the client sends until it goes away (each port's bytes are
        # queued for its writer, in order); then every pod connection ends, so the forwarding
        # threads end too.
        try:
            for message in server.messages():
                try:
                    event = codec.decode(message.data)
                except ch.ProtocolError:
                    break
                if not isinstance(event, ch.Data) or event.channel % 2:
                    continue
                if event.channel // 2 < len(sides):
                    sides[event.channel // 2].put(event.data)
        finally:
            for side in sides:
                side.end(hard=True)  # what was queued still goes out, then both directions end
            for t in threads:
                t.join(FINISH_TIMEOUT)
            for side in sides:
                side.stop()
            server.close()
            conn.close()

    def _run_spdy(self, conn: UpgradedConnection, pod: Obj, *, tunnel: bool) -> None:
        _SpdyPortForward(self, conn, pod, tunnel).run()


class _Pair:
    """The error and data streams of one forwarded connection (kubelet httpStreamPair)."""

    def __init__(self, request_id: str, port: int) -> None:
        self.request_id = request_id
        self.port = port
        self.error_id = 0
        self.data_id = 0
        self.side = PodSide()  # the connection to the pod's port
        self.started = False
        self.closed = False


class _SpdyPortForward:
    """The kubelet's SPDY port forward (cri/streaming/portforward/httpstream.go), over the
    raw upgraded socket or tunnelled in WebSocket binary messages (KEP-4006)."""

    def __init__(self, streams: Streams, conn: UpgradedConnection, pod: Obj, tunnel: bool) -> None:
        self.streams = streams
        self.conn = conn
        self.pod = pod
        self.session = spdy.Session(client=False)
        self.ws = _WebSocketServer(conn) if tunnel else None
        self.lock = threading.Lock()  # session state + writes, in order (header compression)
        self.pairs: dict[str, _Pair] = {}
        self.by_stream: dict[int, _Pair] = {}
        self.threads: list[threading.Thread] = []

    def _write(self, make: Callable[[], bytes]) -> None:
        with self.lock:
            data = make()
            if not data:
                return
            try:
                if self.ws is not None:
                    self.ws.send(data)
                else:
                    self.conn.write(data)
            except OSError:
                pass

    def _chunks(self) -> Iterator[bytes]:
        if self.ws is not None:
            for message in self.ws.messages():
                yield message.data
            return
        while True:
            data = self.conn.read()
            if not data:
                return
            yield data

    def run(self) -> None:
        try:
            for data in self._chunks():
                with self.lock:
                    try:
                        events = self.session.receive(data)
                    except spdy.SpdyError:
                        log.debug("port forward: bad SPDY from the client", exc_info=True)
                        return
                self._write(self.session.data_to_send)  # pings answered
                for event in events:
                    self._handle(event)
                if self.session.gone_away:
                    return
        finally:
            self._shutdown()

    def _handle(self, event: spdy.Event) -> None:
        if isinstance(event, spdy.StreamOpened):
            self._opened(event)
        elif isinstance(event, spdy.StreamData):
            pair = self.by_stream.get(event.stream_id)
            if pair is None or event.stream_id != pair.data_id:
                return
            pair.side.put(event.data)
        elif isinstance(event, spdy.StreamEnded):
            pair = self.by_stream.get(event.stream_id)
            if pair is not None and event.stream_id == pair.data_id:
                pair.side.end()  # the client's half-close reaches the pod after its bytes
        elif isinstance(event, spdy.StreamReset):
            pair = self.by_stream.get(event.stream_id)
            if pair is not None and event.stream_id == pair.data_id:
                self._end_pair(pair)

    def _opened(self, event: spdy.StreamOpened) -> None:
        headers = event.headers
        port_text = spdy.header(headers, "port")
        kind = spdy.header(headers, "streamtype")
        # httpstream.go httpStreamReceived: refuse a stream without a good port and type
        valid = port_text.isdigit() and 0 < int(port_text) <= 0xFFFF and kind in ("error", "data")
        if not valid:
            self._write(lambda: self.session.reset(event.stream_id, spdy.PROTOCOL_ERROR))
            return
        self._write(lambda: self.session.reply(event.stream_id))
        request_id = spdy.header(headers, "requestid")
        if not request_id:  # an old client: pair by stream id (httpStreamHandler.requestID)
            request_id = str(event.stream_id if kind == "error" else event.stream_id - 2)
        pair = self.pairs.get(request_id)
        if pair is None:
            pair = self.pairs[request_id] = _Pair(request_id, int(port_text))
        if kind == "error":
            pair.error_id = event.stream_id
        else:
            pair.data_id = event.stream_id
        self.by_stream[event.stream_id] = pair
        if pair.error_id and pair.data_id and not pair.started:
            pair.started = True
            t = threading.Thread(target=self._forward, args=(pair,), daemon=True)
            self.threads.append(t)
            t.start()

    def _forward(self, pair: _Pair) -> None:
        try:
            target = self.streams._open_target(self.pod, pair.port)
        except PortRefused as err:
            message = str(err).encode()
            pair.side.stop()
            self._write(lambda: self.session.send_data(pair.error_id, message))
            self._end_pair(pair)
            return
        if not pair.side.adopt(target):
            return
        try:
            while True:
                data = target.recv(FORWARD_CHUNK)
                if not data:
                    break
                self._write(lambda d=data: self.session.send_data(pair.data_id, d))  # type: ignore[misc]
        except OSError:
            pass
        self._end_pair(pair)
        pair.side.release()

    def _end_pair(self, pair: _Pair) -> None:
        """kubelet httpStreamHandler.portForward: close the data and error streams."""
        with self.lock:
            if pair.closed:
                return
            pair.closed = True
        pair.side.stop()
        self._write(lambda: self.session.end_stream(pair.data_id))
        self._write(lambda: self.session.end_stream(pair.error_id))
        self.pairs.pop(pair.request_id, None)

    def _shutdown(self) -> None:
        for pair in list(self.pairs.values()):
            with self.lock:
                pair.closed = True
            pair.side.stop()
        if self.ws is not None:
            self.ws.close()
        self.conn.close()
        for t in self.threads:
            t.join(FINISH_TIMEOUT)


# -- helpers ------------------------------------------------------------------------------------


class KubeletError(Exception):
    """A refusal of the kubelet (see PlainAnswer)."""

    def __init__(self, message: str, code: int = 500) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def bad_request(message: str) -> APIError:
    return APIError(400, "BadRequest", message)


def _container_names(pod: Obj) -> list[str]:
    spec = pod.get("spec") or {}
    return [
        c.get("name", "")
        for kind in ("containers", "initContainers", "ephemeralContainers")
        for c in spec.get(kind) or []
    ]


def _container_running(pod: Obj, container: str) -> bool:
    status = pod.get("status") or {}
    for kind in ("containerStatuses", "initContainerStatuses", "ephemeralContainerStatuses"):
        for cs in status.get(kind) or []:
            if cs.get("name") == container:
                return "running" in (cs.get("state") or {})
    return False


def _header_values(headers: dict[str, str], name: str) -> list[str]:
    value = headers.get(name, "")
    return [value] if value else []


def _upgrade_kind(headers: dict[str, str], method: str) -> str | None:
    """ "websocket", "spdy" or None (not an upgrade request)."""
    if ws.is_websocket_request(headers):
        return "websocket"
    connection = [t.strip() for t in headers.get("connection", "").lower().split(",")]
    if "upgrade" in connection and headers.get("upgrade", "").lower().startswith("spdy/3.1"):
        return "spdy"
    return None


def _negotiate(headers: dict[str, str], supported: tuple[str, ...]) -> str:
    """wsstream handshake: the first offered protocol the server supports ("" when the client
    offered none and the binary channel protocol is served); KubeletError otherwise."""
    offered = ws.requested_protocols(headers) or [""]
    for protocol in offered:
        if protocol in supported or (protocol == "" and ch.V1 in supported):
            return protocol
    raise KubeletError(
        f"requested protocol(s) are not supported: {offered}; supports {list(supported)}", 400
    )


class PodSide:
    """The pod's end of one forwarded connection: a socket to the pod's port, written by one
    thread of its own and read by the forwarding thread.

    The client's bytes are queued (`put`) by the thread that reads the client's connection,
    before or after the pod's port accepted, and written to the pod IN THE ORDER THEY CAME by
    one writer; as the kubelet copies each data stream into the pod's connection with one
    io.Copy (cri/streaming/portforward/websocket.go, httpstream.go). Bytes that arrived while
    the port was still connecting were once sent by the connecting thread while the reading
    thread already sent later ones: the pod got them out of order (a load-only flake of
    tests/stream/test_stream_portforward.py).

    The socket is closed once, by the last of its two users (`release`), never while another
    thread may still be in a call on it: a closed socket's number is soon reused by a new
    connection, which would then get the old one's bytes or shutdown. `stop` and `end` only
    shut it down (under the lock that also guards the close).
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._chunks: deque[bytes] = deque()
        self._ended = False  # the client sends no more: the queued bytes, then a shutdown
        self._hard = False  # ... of both directions (else a half-close)
        self._stopped = False  # over: queued bytes are dropped, blocked calls woken
        self._sock: socket.socket | None = None
        self._users = 0
        self._closed = False

    def put(self, data: bytes) -> None:
        with self._cond:
            if not (self._ended or self._stopped):
                self._chunks.append(data)
                self._cond.notify_all()

    def end(self, hard: bool = False) -> None:
        """No more bytes from the client: after the queued ones, shut the socket down for
        writing (`hard`: both ways, the whole connection ends)."""
        with self._cond:
            self._ended = True
            self._hard = self._hard or hard
            self._cond.notify_all()

    def stop(self) -> None:
        """End now: drop what is queued, wake whoever is blocked on the socket."""
        with self._cond:
            self._stopped = True
            self._chunks.clear()
            self._cond.notify_all()
            self._shutdown(socket.SHUT_RDWR)

    def adopt(self, sock: socket.socket) -> bool:
        """The connected socket (the caller reads it, then calls `release`); starts the
        writer. False, and the socket closed, if the connection ended meanwhile."""
        with self._cond:
            if self._stopped:
                _close_quietly(sock)
                return False
            self._sock = sock
            self._users = 2  # the caller (reader) and the writer
        threading.Thread(target=self._write_all, name="pod-side-writer", daemon=True).start()
        return True

    def release(self) -> None:
        """One user is done with the socket; the last one closes it."""
        with self._cond:
            self._users -= 1
            if self._users > 0 or self._sock is None or self._closed:
                return
            self._closed = True
            _close_quietly(self._sock)

    def _shutdown(self, how: int) -> None:
        # with self._cond held: the socket cannot be closed meanwhile
        if self._sock is not None and not self._closed:
            try:
                self._sock.shutdown(how)
            except OSError:
                pass

    def _write_all(self) -> None:
        sock = self._sock
        assert sock is not None
        try:
            while True:
                with self._cond:
                    while not (self._chunks or self._ended or self._stopped):
                        self._cond.wait()
                    if self._stopped:
                        return
                    if not self._chunks:
                        self._shutdown(socket.SHUT_RDWR if self._hard else socket.SHUT_WR)
                        return
                    data = self._chunks.popleft()
                sock.sendall(data)
        except OSError:
            pass
        finally:
            self.release()


def _close_quietly(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    try:
        sock.close()
    except OSError:
        pass


def stream_hook(name: str) -> property:
    """A LocalAPIServer attribute that reads and sets one of `Streams`' handlers."""

    def get(self: Any) -> Any:
        return getattr(self.api.streams, name)

    def set_(self: Any, value: Any) -> None:
        setattr(self.api.streams, name, value)

    return property(get, set_, doc=f"The {name.replace('_', ' ')} (see server/streams.py).")
