"""A local fake of the SMS provider (and of a partner's webhook endpoint), for tests and benchmarks.

It speaks the request format documented in ``cases/reminders/channels.py``, honours
``Idempotency-Key`` as a real provider must (a repeated key is acknowledged but not delivered again),
and records what it saw, so a test can assert 0 missing and 0 duplicate deliveries. Runs in a thread
(``FakeProvider().start()``) or as a process (``python -m tests.fakes.provider PORT``).
"""

from __future__ import annotations

import contextlib
import json
import socket
import sys
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeProvider:
    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, fail_first: int = 0, status: int = 200):
        self.deliveries: list[dict] = []  # one per accepted (first-time) key
        self.requests: Counter = Counter()  # every request per key, repeats included
        self.headers: list[dict] = []
        self.accepted: set[str] = set()
        self.fail_first = fail_first  # answer 503 to the first N requests (to test retries)
        self.status = status  # answer this status to every request after that (e.g. 400)
        self._lock = threading.Lock()
        self._open: set = set()  # kept-alive connections, closed by stop()
        provider = self

        class Handler(BaseHTTPRequestHandler):
            # Headers and body go out as separate writes: with Nagle's algorithm on, the body waits for
            # the client's delayed ACK (40 ms on Linux), which would cap a sender at ~25 requests/s.
            disable_nagle_algorithm = True
            # Keep-alive, as real providers do: the sender reuses its connection for the next request.
            protocol_version = "HTTP/1.1"

            def setup(self):
                super().setup()
                with provider._lock:
                    provider._open.add(self.connection)

            def finish(self):
                super().finish()
                with provider._lock:
                    provider._open.discard(self.connection)

            def do_POST(self):  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                key = self.headers.get("Idempotency-Key", "")
                with provider._lock:
                    provider.requests[key] += 1
                    provider.headers.append(dict(self.headers))
                    if provider.fail_first > 0:
                        provider.fail_first -= 1
                        code = 503
                    else:
                        code = provider.status
                        # a key is used up by the first request that was accepted, not by a refused one
                        if code < 300 and key not in provider.accepted:
                            provider.accepted.add(key)
                            provider.deliveries.append({"key": key, "body": json.loads(body or b"{}")})
                answer = b'{"status": "queued"}'
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):  # keep test output clean
                pass

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/messages"

    def start(self) -> FakeProvider:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        with self._lock:  # a stopped provider answers nothing, on kept-alive connections neither
            for sock in self._open:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def delivered_keys(self) -> Counter:
        return Counter(d["key"] for d in self.deliveries)

    def duplicates(self) -> int:
        """Keys delivered more than once: must be 0 (repeats are acknowledged, not delivered)."""
        return sum(1 for count in self.delivered_keys().values() if count > 1)

    def repeated_requests(self) -> int:
        """Requests that repeated a key already seen (crash recovery at work), for reporting."""
        return sum(count - 1 for count in self.requests.values() if count > 1)


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8099
    fake = FakeProvider(port=port)
    print(f"fake provider on {fake.url}", flush=True)
    fake.server.serve_forever()
