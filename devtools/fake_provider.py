"""A local fake of the SMS provider (and of a partner's webhook endpoint), for tests and benchmarks.

It speaks the request format documented in ``cases/reminders/channels.py``, honours
``Idempotency-Key`` as a real provider must (a repeated key is acknowledged but not delivered again),
and records what it saw, so a test can assert 0 missing and 0 duplicate deliveries. Runs in a thread
(``FakeProvider().start()``) or as a process (``python -m devtools.fake_provider PORT``).

It is a real HTTP/1.1 server on a real socket (keep-alive, ``Content-Length`` bodies, ``Connection:
close`` honoured, garbage answered with 400), but a lean one: one asyncio event loop in one thread and
a minimal request parser. ``http.server`` (a thread per connection, headers parsed by the ``email``
package) cost more CPU per request than the sender's whole delivery, and in the benchmark the fake
runs on the same two cores as the system it measures.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import sys
import threading
from collections import Counter

_MAX_HEAD = 64 * 1024
_ANSWER_BODY = b'{"status": "queued"}'
_REASONS = {200: "OK", 400: "Bad Request", 429: "Too Many Requests", 503: "Service Unavailable"}


class FakeProvider:
    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        fail_first: int = 0,
        status: int = 200,
        delay: float = 0.0,
    ):
        self.deliveries: list[dict] = []  # one per accepted (first-time) key
        self.requests: Counter = Counter()  # every request per key, repeats included
        self.headers: list[dict] = []
        self.accepted: set[str] = set()
        self.fail_first = fail_first  # answer 503 to the first N requests (to test retries)
        self.status = status  # answer this status to every request after that (e.g. 400)
        self.delay = delay  # seconds before each answer (a provider's latency; the loop is not blocked)
        self._lock = threading.Lock()  # the loop thread records; tests read and set from theirs
        self._open: set[asyncio.Transport] = set()  # kept-alive connections, closed by stop()
        self._socket = socket.create_server((host, port), backlog=128)
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.base_events.Server | None = None
        self._ready = threading.Event()
        self.thread = threading.Thread(target=self._run, name="fake-provider", daemon=True)

    @property
    def url(self) -> str:
        host, port = self._socket.getsockname()[:2]
        return f"http://{host}:{port}/messages"

    def start(self) -> FakeProvider:
        self.thread.start()
        self._ready.wait(10)
        return self

    def stop(self) -> None:
        """Stop listening and close every kept-alive connection: a stopped provider answers nothing."""
        if self.thread.is_alive():
            self._loop.call_soon_threadsafe(self._shutdown)
            self.thread.join(10)
        with contextlib.suppress(OSError):
            self._socket.close()

    def delivered_keys(self) -> Counter:
        return Counter(d["key"] for d in self.deliveries)

    def duplicates(self) -> int:
        """Keys delivered more than once: must be 0 (repeats are acknowledged, not delivered)."""
        return sum(1 for count in self.delivered_keys().values() if count > 1)

    def repeated_requests(self) -> int:
        """Requests that repeated a key already seen (crash recovery at work), for reporting."""
        return sum(count - 1 for count in self.requests.values() if count > 1)

    # --- the server -----------------------------------------------------------------------------------

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(
            self._loop.create_server(lambda: _Connection(self), sock=self._socket)
        )
        self._ready.set()
        try:
            self._loop.run_forever()
        finally:
            self._loop.close()

    def _shutdown(self) -> None:
        if self._server is not None:
            self._server.close()
        for transport in list(self._open):
            transport.abort()
        self._open.clear()
        self._loop.stop()

    def _answer(self, raw_headers: dict, headers: dict, body: bytes) -> int:
        """Record one request (``headers`` with lower-case names); return the status to answer."""
        key = headers.get("idempotency-key", "")
        with self._lock:
            self.requests[key] += 1
            self.headers.append(raw_headers)
            if self.fail_first > 0:
                self.fail_first -= 1
                return 503
            code = self.status
            # a key is used up by the first request that was accepted, not by a refused one
            if code < 300 and key not in self.accepted:
                self.accepted.add(key)
                self.deliveries.append({"key": key, "body": json.loads(body or b"{}")})
            return code


class _Connection(asyncio.Protocol):
    """One client connection: parses pipelined or kept-alive requests as they arrive."""

    def __init__(self, provider: FakeProvider):
        self.provider = provider
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport) -> None:
        self.transport = transport
        sock = transport.get_extra_info("socket")
        if sock is not None:  # answers go out at once, not after the client's delayed ACK
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.provider._open.add(transport)

    def connection_lost(self, exc) -> None:
        self.provider._open.discard(self.transport)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while self.transport is not None and not self.transport.is_closing():
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(self.buffer) > _MAX_HEAD:
                    self._reply(400, True)
                return
            try:
                request_line, *lines = self.buffer[:end].decode("latin-1").split("\r\n")
                method, _target, version = request_line.split(" ")
                raw = {}
                for line in lines:
                    name, value = line.split(":", 1)
                    raw[name.strip()] = value.strip()
                headers = {name.lower(): value for name, value in raw.items()}
                length = int(headers.get("content-length") or 0)
                if not version.startswith("HTTP/1.") or length < 0:
                    raise ValueError(version)
            except ValueError:
                self._reply(400, True)
                return
            if len(self.buffer) < end + 4 + length:
                return  # the rest of the body is still on its way
            body = self.buffer[end + 4 : end + 4 + length]
            self.buffer = self.buffer[end + 4 + length :]
            code = self.provider._answer(raw, headers, body) if method == "POST" else 405
            close = headers.get("connection", "").lower() == "close" or version == "HTTP/1.0"
            if self.provider.delay:
                # the client waits for this answer before its next request on this connection
                asyncio.get_running_loop().call_later(self.provider.delay, self._reply, code, close)
            else:
                self._reply(code, close)

    def _reply(self, code: int, close: bool) -> None:
        if self.transport.is_closing():  # stopped meanwhile
            return
        head = f"HTTP/1.1 {code} {_REASONS.get(code, 'Status')}\r\nContent-Type: application/json\r\n"
        head += f"Content-Length: {len(_ANSWER_BODY)}\r\n" + ("Connection: close\r\n" if close else "")
        self.transport.write(head.encode() + b"\r\n" + _ANSWER_BODY)
        if close:
            self.transport.close()


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8099
    fake = FakeProvider(port=port).start()
    print(f"fake provider on {fake.url}", flush=True)
    fake.thread.join()
