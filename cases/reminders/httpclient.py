"""A small HTTP/1.1 client for the SMS provider and the partners' webhooks: POST on a kept-alive
connection, and read the answer's status. Nothing else (no redirects, no cookies, no proxies).

Why not ``http.client``: it parses every answer's headers with the ``email`` package, and building and
parsing took more CPU per reminder than everything else the worker does for it; the benchmark's budget
is 2 CPU-ms per reminder for the whole machine. This speaks the same protocol: one write per request,
answers framed by ``Content-Length``, chunked encoding or the end of the connection, ``Connection:
close`` honoured, ``1xx`` interim answers skipped. Failures raise the same exceptions ``http.client``
raises (``RemoteDisconnected`` for a kept-alive connection the server closed, ``BadStatusLine`` for an
answer that is not HTTP, ``OSError`` for the network), so callers treat them alike.
"""

from __future__ import annotations

import http.client
import socket
import ssl

_READ = 65536
_MAX_HEAD = 65536


class HttpConnection:
    def __init__(self, scheme: str, host: str, port: int | None, *, timeout: float):
        self.scheme, self.host, self.timeout = scheme, host, timeout
        self.port = port or (443 if scheme == "https" else 80)
        name = f"[{host}]" if ":" in host else host
        self.host_header = name if port is None else f"{name}:{port}"
        self.sock: socket.socket | None = None
        self.buffer = b""

    def close(self) -> None:
        sock, self.sock, self.buffer = self.sock, None, b""
        if sock is not None:
            sock.close()

    def post(self, path: str, headers: dict[str, str], body: bytes) -> int:
        """Send one POST and read the whole answer; returns its status. Closes the connection when
        the server says it will (the next ``post`` opens a new one)."""
        if self.sock is None:
            sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self.scheme == "https":
                sock = ssl.create_default_context().wrap_socket(sock, server_hostname=self.host)
            self.sock, self.buffer = sock, b""
        head = [f"POST {path} HTTP/1.1", f"Host: {self.host_header}"]
        head.extend(f"{name}: {value}" for name, value in headers.items())
        self.sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)
        return self._answer()

    def _answer(self) -> int:
        while True:
            head = self._head()
            status_line, _, rest = head.partition(b"\r\n")
            version, _, tail = status_line.partition(b" ")
            code = tail[:3]
            if not version.startswith(b"HTTP/1.") or len(code) != 3 or not code.isdigit():
                raise http.client.BadStatusLine(status_line[:80].decode("latin-1"))
            status = int(code)
            fields = {}
            for line in rest.split(b"\r\n"):
                if not line:  # a status line without headers
                    continue
                name, colon, value = line.partition(b":")
                if not colon:
                    raise http.client.HTTPException("malformed header line")
                fields[name.strip().lower()] = value.strip().lower()
            if 100 <= status < 200:
                continue  # an interim answer (100 Continue): the real one follows
            connection = fields.get(b"connection", b"")
            close = connection == b"close" or (version == b"HTTP/1.0" and connection != b"keep-alive")
            if b"chunked" in fields.get(b"transfer-encoding", b""):
                self._chunked()
            elif b"content-length" in fields:
                try:
                    length = int(fields[b"content-length"])
                except ValueError:
                    raise http.client.HTTPException("malformed Content-Length") from None
                self._exactly(length)
            elif status not in (204, 304):
                self._to_end()
                close = True
            if close:
                self.close()
            return status

    def _fill(self) -> bool:
        data = self.sock.recv(_READ)
        self.buffer += data
        return bool(data)

    def _head(self) -> bytes:
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end >= 0:
                head, self.buffer = self.buffer[:end], self.buffer[end + 4 :]
                return head
            if len(self.buffer) > _MAX_HEAD:
                raise http.client.HTTPException("answer headers too long")
            had = bool(self.buffer)
            if not self._fill():
                if had:
                    raise http.client.IncompleteRead(self.buffer)
                raise http.client.RemoteDisconnected("the server closed the connection")

    def _exactly(self, length: int) -> bytes:
        while len(self.buffer) < length:
            if not self._fill():
                raise http.client.IncompleteRead(self.buffer, length - len(self.buffer))
        data, self.buffer = self.buffer[:length], self.buffer[length:]
        return data

    def _line(self) -> bytes:
        while (end := self.buffer.find(b"\r\n")) < 0:
            if not self._fill():
                raise http.client.IncompleteRead(self.buffer)
        line, self.buffer = self.buffer[:end], self.buffer[end + 2 :]
        return line

    def _chunked(self) -> None:
        while True:
            size_text = self._line().split(b";", 1)[0].strip()
            try:
                size = int(size_text, 16)
            except ValueError:
                raise http.client.HTTPException("malformed chunk size") from None
            if size == 0:
                while self._line():  # trailers, up to the blank line
                    pass
                return
            self._exactly(size + 2)  # the chunk and its CRLF

    def _to_end(self) -> None:
        while self._fill():
            if len(self.buffer) > 10 * _READ:
                self.buffer = b""
        self.buffer = b""
