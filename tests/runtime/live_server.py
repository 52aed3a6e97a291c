"""A real HTTP/1.1 server on 127.0.0.1 for the fault-injection tests: it answers from a script and can
misbehave in ways a mock transport cannot (answer late, cut a body short and reset the connection,
hang up without answering).

Every request is recorded as received (raw request line included) before it is answered, so tests
can count what the server saw. Each answer carries its own `X-Cap-Requestid` (`rid-<n>`), recorded
next to the request. The token endpoint is answered by the server itself (`tok-secret-<n>` tokens).
"""

from __future__ import annotations

import json
import socket
import socketserver
import struct
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

TOKEN_PATH = "/v3/oauth/token/generate"


@dataclass(frozen=True)
class Reply:
    """What the server does with one request."""

    status: int = 200
    body: bytes | Any = b""
    """Bytes as they are, anything else as JSON."""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    """Seconds to wait before answering (released early when the test ends)."""
    cut_at: int | None = None
    """Send the headers (full Content-Length) and only this many body bytes, then reset (RST)."""
    hang_up: bool = False
    """Close the connection with a reset without answering at all."""
    request_id: bool = True
    """Send an `X-Cap-Requestid` header."""

    def payload(self) -> bytes:
        return self.body if isinstance(self.body, bytes) else json.dumps(self.body).encode()


@dataclass
class Seen:
    """One request as the server received it."""

    method: str
    target: str
    """The raw request target of the request line, e.g. `/v2/customers/a%2Fb?x=1`."""
    headers: dict[str, str]
    """Lower-case names."""
    body: bytes
    request_id: str | None = None
    """The `X-Cap-Requestid` the server answered with (None if it sent none)."""
    status: int | None = None
    """The status the server answered with."""

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]


Script = Callable[[Seen], Reply]


class LiveServer:
    """Threaded server; `script(seen) -> Reply` decides every answer except the token endpoint's."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counter = 0
        self._release = threading.Event()
        self.reset()
        owner = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                owner._handle(self.request)

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True
            request_queue_size = 1024

        self._server = Server(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def reset(self) -> None:
        """Forget the requests and go back to the default script; wake answers still waiting."""
        with self._lock:
            self._release.set()
            self._release = threading.Event()
            self.seen: list[Seen] = []
            self.token_requests: list[Seen] = []
            self.script: Script = lambda seen: Reply(200, {})
            self.token_ttl: float | None = 300
            self.token_reply: Reply | None = None
            """Answer for the token endpoint instead of a new token."""
            self.tokens_issued = 0
            self.rejected_tokens: set[str] = set()
            """Revoked tokens: every request carrying one is answered 401."""

    def close(self) -> None:
        self._release.set()
        self._server.shutdown()
        self._server.server_close()

    def requests(self, path: str | None = None) -> list[Seen]:
        with self._lock:
            return [seen for seen in self.seen if path is None or seen.path == path]

    def answer(self, *replies: Reply) -> None:
        """Answer with `replies` in order; the last one is repeated."""
        queue = list(replies)

        def script(seen: Seen) -> Reply:
            with self._lock:
                return queue.pop(0) if len(queue) > 1 else queue[0]

        self.script = script

    # -- the exchange ------------------------------------------------------------------------

    def _handle(self, conn: socket.socket) -> None:
        conn.settimeout(5)
        try:
            seen = self._read(conn)
        except (OSError, ValueError):
            return
        if seen is None:
            return
        reply = self._decide(seen)
        release = self._release
        if reply.delay:
            release.wait(reply.delay)
        try:
            self._write(conn, reply, seen.request_id)
        except OSError:
            pass  # the client gave up first (timeout)

    def _read(self, conn: socket.socket) -> Seen | None:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return None
            data += chunk
        head, _, rest = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, target, _version = lines[0].split(" ", 2)
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        while len(rest) < length:
            chunk = conn.recv(65536)
            if not chunk:
                break
            rest += chunk
        return Seen(method, target, headers, rest[:length])

    def _decide(self, seen: Seen) -> Reply:
        if seen.path == TOKEN_PATH:
            with self._lock:
                self.tokens_issued += 1
                self.token_requests.append(seen)
                token = f"tok-secret-{self.tokens_issued}"
            seen.request_id = self._next_id()
            if self.token_reply is not None:
                return self.token_reply
            return Reply(200, {"data": {"accessToken": token, "ttlSeconds": self.token_ttl}, "errors": None})
        with self._lock:
            self.seen.append(seen)
            token = seen.headers.get("x-cap-api-oauth-token")
            rejected = token is not None and token in self.rejected_tokens
            script = self.script
        reply = Reply(401, {"errors": [{"code": 401, "message": "Invalid token"}]}) if rejected else script(seen)
        if reply.request_id:
            seen.request_id = self._next_id()
        seen.status = reply.status
        return reply

    def _next_id(self) -> str:
        with self._lock:
            self._counter += 1
            return f"rid-{self._counter}"

    @staticmethod
    def _write(conn: socket.socket, reply: Reply, request_id: str | None) -> None:
        if reply.hang_up:
            _reset(conn)
            return
        body = reply.payload()
        try:
            reason = HTTPStatus(reply.status).phrase
        except ValueError:
            reason = "Unknown"
        headers = {
            "Content-Type": reply.content_type,
            "Content-Length": str(len(body)),
            "Connection": "close",
            **({"X-Cap-Requestid": request_id} if request_id else {}),
            **reply.headers,
        }
        head = f"HTTP/1.1 {reply.status} {reason}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        if reply.cut_at is not None:
            conn.sendall(head.encode("latin-1") + b"\r\n" + body[: reply.cut_at])
            _reset(conn)
            return
        conn.sendall(head.encode("latin-1") + b"\r\n" + body)
        conn.shutdown(socket.SHUT_WR)


def _reset(conn: socket.socket) -> None:
    """Close with a TCP reset (SO_LINGER on, timeout 0) instead of an orderly FIN."""
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()
