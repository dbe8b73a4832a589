"""A benchmark API server: plain HTTP/1.1 on 127.0.0.1, every answer pre-serialised at start-up.

It speaks just enough of the Kubernetes API for the benchmark clients (apps/v1 Deployments:
get, list, watch, create, update, delete; /version and discovery for clients that look first),
and does as little as possible per request: parse the request head, look the answer up, send
bytes. A watch is sent the way kube-apiserver sends it: `Transfer-Encoding: chunked`, one chunk
per event, each written (flushed) on its own (apiserver's `watchEncoder` flushes after every
event), so a client sees event boundaries as they arrive on a real connection.

Routing by namespace keeps lookups trivial: `list-N` holds the N-item list, any other namespace
holds the single object served by GET / POST / PUT, and DELETE answers with a Status.

Run: `python benchmarks/server.py [--list-sizes 10,1000,10000] [--watch-events 10000]
[--tls-dir DIR]`; it prints `READY http://127.0.0.1:PORT [https://127.0.0.1:PORT]` once listening
(with --tls-dir it also serves HTTPS with a throw-away CA written to DIR/ca.crt), and exits when its stdin closes (the harness died)
or after `--max-seconds`, so it can never outlive a benchmark run for long.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import ssl
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import data  # noqa: E402  (the benchmark dir is not a package; see sys.path above)

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from rawkube import protobuf  # noqa: E402

Response = tuple[int, bytes, bytes]  # status, content-type, body

REASONS = {
    200: b"OK",
    201: b"Created",
    401: b"Unauthorized",
    404: b"Not Found",
    405: b"Method Not Allowed",
}
DEPLOYMENTS_PREFIX = "/apis/apps/v1/namespaces/"
PODS_PREFIX = "/api/v1/namespaces/"
# The static token of the benchmark kubeconfig, and the one benchmarks/exec_plugin.py issues.
TOKENS = frozenset({"Bearer bench-token", "Bearer bench-exec-token"})


class Answers:
    """Every response the server can give, serialised once."""

    def __init__(self, list_sizes: list[int], watch_events: int, pods: int = 0) -> None:
        self.object = data.deployment_bytes(0)
        # Pods for the scale scenarios: namespace `pods-N` holds the first N (LIST, paged with
        # limit/continue as kube-apiserver pages; WATCH stays open and idle, as a quiet
        # cluster's does), namespace `podwatch-E` answers a WATCH with E events, then idles.
        self.pods = data.pod_items(pods, "pods") if pods else []
        self.pod_events = [data.pod_event(b"MODIFIED", item) for item in self.pods[:1000]]
        self.lists = {f"list-{n}": data.list_body(n, f"list-{n}") for n in list_sizes}
        self.watch_chunks = [
            b"%x\r\n%s\r\n" % (len(ev), ev) for ev in data.watch_events(watch_events, "watch")
        ]
        self.discovery = data.discovery_bodies()
        # The same answers in the Kubernetes protobuf encoding, for clients that ask for it
        # (Accept: application/vnd.kubernetes.protobuf...), written by rawkube.protobuf exactly
        # as kube-apiserver writes them (tests/protobuf/test_protobuf_recorded.py).
        self.pb_object = protobuf.encode(json.loads(self.object))
        self.pb_lists = {k: protobuf.encode(json.loads(v)) for k, v in self.lists.items()}
        self.pb_watch_chunks = [
            b"%x\r\n%s\r\n" % (len(frame), frame)
            for frame in (
                protobuf.encode_watch_event(event["type"], event["object"])
                for event in map(json.loads, data.watch_events(watch_events, "watch"))
            )
        ]
        self.deleted = data.status_success(data.GET_NAME)
        self.unauthorized = data.compact(
            {
                "kind": "Status",
                "apiVersion": "v1",
                "metadata": {},
                "status": "Failure",
                "message": "Unauthorized",
                "reason": "Unauthorized",
                "code": 401,
            }
        )
        self.not_found = data.compact(
            {
                "kind": "Status",
                "apiVersion": "v1",
                "metadata": {},
                "status": "Failure",
                "message": "the server could not find the requested resource",
                "reason": "NotFound",
                "code": 404,
            }
        )

    def pod_list(self, namespace: str, query: str) -> Response:
        """A page of the first N pods (namespace `pods-N`): `limit` and `continue` (the offset)."""
        size = _count(namespace, "pods-")
        if size is None or size > len(self.pods):
            return 404, b"application/json", self.not_found
        params = _query(query)
        start = int(params.get("continue") or 0)
        limit = int(params.get("limit") or 0)
        return 200, b"application/json", data.pod_list_page(self.pods, size, 1000, start, limit)

    def route(self, method: str, path: str, accept: str, query: str = "") -> Response:
        """Map a request to a canned response (never a watch: see `is_watch`)."""
        json_type = b"application/json"
        path = path.rstrip("/") or "/"  # kr8s asks for `/version/`
        if method == "GET" and (path, "as=APIGroupDiscoveryList" in accept) in self.discovery:
            body, ctype = self.discovery[(path, "as=APIGroupDiscoveryList" in accept)]
            return 200, ctype.encode(), body
        if method == "GET" and (path, False) in self.discovery:
            body, ctype = self.discovery[(path, False)]
            return 200, ctype.encode(), body
        if method == "GET" and path.startswith("/apis/") and path.count("/") == 3:
            # Discovery of a group/version nobody benchmarks (kr8s walks them all): an empty
            # APIResourceList, as a real server has for a group without resources.
            group_version = path[len("/apis/") :]
            return 200, json_type, empty_resource_list(group_version)
        if path.startswith(PODS_PREFIX) and path.endswith("/pods") and method == "GET":
            return self.pod_list(path[len(PODS_PREFIX) : -len("/pods")], query)
        if not path.startswith(DEPLOYMENTS_PREFIX):
            return 404, json_type, self.not_found
        parts = path[len(DEPLOYMENTS_PREFIX) :].split("/")
        if len(parts) < 2 or parts[1] != "deployments":
            return 404, json_type, self.not_found
        namespace, named = parts[0], len(parts) > 2
        if wants_protobuf(accept) and method in ("GET", "POST", "PUT", "PATCH"):
            pb_type = protobuf.CONTENT_TYPE.encode()
            if not named:
                if method == "POST":
                    return 201, pb_type, self.pb_object
                return 200, pb_type, self.pb_lists.get(namespace, self.pb_lists[min(self.pb_lists)])
            return 200, pb_type, self.pb_object
        if method == "GET" and not named:
            return 200, json_type, self.lists.get(namespace, self.lists[min(self.lists)])
        if method == "GET" and named:
            return 200, json_type, self.object
        if method == "POST" and not named:
            return 201, json_type, self.object
        if method in ("PUT", "PATCH") and named:
            return 200, json_type, self.object
        if method == "DELETE" and named:
            return 200, json_type, self.deleted
        return 405, json_type, self.not_found


def empty_resource_list(group_version: str) -> bytes:
    return data.compact(
        {
            "kind": "APIResourceList",
            "apiVersion": "v1",
            "groupVersion": group_version,
            "resources": [],
        }
    )


def _query(query: str) -> dict[str, str]:
    from urllib.parse import parse_qsl

    return dict(parse_qsl(query))


def _count(namespace: str, prefix: str) -> int | None:
    """N of a namespace named `<prefix>N`, else None."""
    if not namespace.startswith(prefix) or not namespace[len(prefix) :].isdigit():
        return None
    return int(namespace[len(prefix) :])


def wants_protobuf(accept: str) -> bool:
    """The client's first choice is protobuf (client-go: "application/vnd.kubernetes.protobuf,...")."""
    return accept.split(",")[0].split(";")[0].strip() == protobuf.CONTENT_TYPE


def is_watch(query: str) -> bool:
    """client-go sends `watch=true`, some clients `watch=1` or `watch=True`."""
    for pair in query.split("&"):
        key, _, value = pair.partition("=")
        if key == "watch" and value.lower() in ("true", "1"):
            return True
    return False


def read_head(conn: socket.socket, buf: bytearray) -> bytes | None:
    """Read until the end of a request head; None when the client closed the connection."""
    while True:
        end = buf.find(b"\r\n\r\n")
        if end >= 0:
            head = bytes(buf[:end])
            del buf[: end + 4]
            return head
        chunk = conn.recv(65536)
        if not chunk:
            return None
        buf += chunk


def discard_body(conn: socket.socket, buf: bytearray, length: int) -> None:
    while len(buf) < length:
        chunk = conn.recv(max(65536, length - len(buf)))
        if not chunk:
            break
        buf += chunk
    del buf[:length]


def send_watch(conn: socket.socket, answers: Answers, in_protobuf: bool = False) -> None:
    ctype = protobuf.WATCH_CONTENT_TYPE.encode() if in_protobuf else b"application/json"
    conn.sendall(
        b"HTTP/1.1 200 OK\r\nContent-Type: %s\r\n"
        b"Cache-Control: no-cache, private\r\nTransfer-Encoding: chunked\r\n\r\n" % ctype
    )
    for chunk in answers.pb_watch_chunks if in_protobuf else answers.watch_chunks:
        conn.sendall(chunk)
    conn.sendall(b"0\r\n\r\n")


def send_pod_watch(conn: socket.socket, answers: Answers, path: str, query: str) -> None:
    """A Pod watch: `podwatch-E` sends E MODIFIED events, `pods-N` none; then the stream stays
    open, idle, until the client hangs up (or `timeoutSeconds` passes), as on a quiet cluster."""
    namespace = path[len(PODS_PREFIX) :].split("/")[0]
    events = _count(namespace, "podwatch-") or 0
    conn.sendall(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        b"Cache-Control: no-cache, private\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    pool = answers.pod_events
    for i in range(events):
        ev = pool[i % len(pool)]
        conn.sendall(b"%x\r\n%s\r\n" % (len(ev), ev))
    timeout = float(_query(query).get("timeoutSeconds") or 600)
    conn.settimeout(timeout)
    try:
        while conn.recv(65536):  # the client sends nothing more; EOF when it hangs up
            pass
    except TimeoutError:
        conn.sendall(b"0\r\n\r\n")  # the server's timeoutSeconds: a clean end of stream


def serve_connection(conn: socket.socket, answers: Answers) -> None:
    """One keep-alive connection: requests in, canned responses out, until the client closes."""
    buf = bytearray()
    with conn:
        while True:
            head = read_head(conn, buf)
            if head is None:
                return
            lines = head.decode("latin-1").split("\r\n")
            method, target, _ = lines[0].split(" ", 2)
            headers = {}
            for line in lines[1:]:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            discard_body(conn, buf, int(headers.get("content-length", "0")))
            path, _, query = target.partition("?")
            if headers.get("authorization") not in TOKENS:
                # A client that dropped its credential (e.g. never ran the exec plugin) must
                # fail loudly, not be timed as if it had worked.
                sys.stderr.write(f"benchmark server: 401 for {method} {target}\n")
                conn.sendall(
                    b"HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\n"
                    b"Content-Length: %d\r\n\r\n%s"
                    % (len(answers.unauthorized), answers.unauthorized)
                )
            elif method == "GET" and is_watch(query) and path.startswith(PODS_PREFIX):
                send_pod_watch(conn, answers, path, query)
                return
            elif method == "GET" and is_watch(query):
                send_watch(conn, answers, wants_protobuf(headers.get("accept", "")))
            else:
                status, ctype, body = answers.route(method, path, headers.get("accept", ""), query)
                if status >= 400:  # visible in the harness's report: a client asked for more
                    sys.stderr.write(f"benchmark server: {status} for {method} {target}\n")
                conn.sendall(
                    b"HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n%s"
                    % (status, REASONS[status], ctype, len(body), body)
                )
            if headers.get("connection", "").lower() == "close":
                return


def serve(sock: socket.socket, answers: Answers, tls: ssl.SSLContext | None = None) -> None:
    while True:
        conn, _ = sock.accept()
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        threading.Thread(target=_guarded, args=(conn, answers, tls), daemon=True).start()


def _guarded(conn: socket.socket, answers: Answers, tls: ssl.SSLContext | None) -> None:
    try:
        if tls is not None:  # the handshake runs in this connection's thread, not the acceptor's
            conn = tls.wrap_socket(conn, server_side=True)
        serve_connection(conn, answers)
    except (ConnectionError, OSError, ValueError):
        pass  # a client that hangs up mid-stream is not the server's problem


def listen() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(2048)  # a thousand watches connect at once in the scale scenarios
    return sock


def tls_context(directory: Path) -> ssl.SSLContext:
    from tls import write_certs  # cryptography: only when HTTPS is asked for

    _, cert, key = write_certs(directory)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    return ctx


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tls-dir", default="", help="also serve HTTPS; ca.crt is written here")
    parser.add_argument("--list-sizes", default="10,1000,10000")
    parser.add_argument("--watch-events", type=int, default=10000)
    parser.add_argument("--pods", type=int, default=0, help="Pods for the scale scenarios")
    parser.add_argument("--max-seconds", type=float, default=900.0)
    args = parser.parse_args(argv)
    answers = Answers([int(n) for n in args.list_sizes.split(",")], args.watch_events, args.pods)
    sock = listen()
    threading.Thread(target=serve, args=(sock, answers), daemon=True).start()
    ready = f"READY http://127.0.0.1:{sock.getsockname()[1]}"
    if args.tls_dir:
        tls_sock = listen()
        tls = tls_context(Path(args.tls_dir))
        threading.Thread(target=serve, args=(tls_sock, answers, tls), daemon=True).start()
        ready += f" https://127.0.0.1:{tls_sock.getsockname()[1]}"
    print(ready, flush=True)
    # Exit when the harness closes our stdin (or dies), or at the deadline, whichever is first.
    done = threading.Event()

    def wait_for_eof() -> None:
        sys.stdin.read()
        done.set()

    threading.Thread(target=wait_for_eof, daemon=True).start()
    done.wait(args.max_seconds)
    os._exit(0)


if __name__ == "__main__":
    main()
