"""A local SMTP server for the tests: it speaks enough SMTP for Django's backend (EHLO/HELO, MAIL, RCPT,
DATA, RSET, NOOP, QUIT), keeps every message it accepted, and can refuse the next ``fail_next`` messages
with a temporary error (451) at the end of DATA, as a mail server under load does."""

from __future__ import annotations

import email
import email.policy
import socketserver
import threading


class _Handler(socketserver.StreamRequestHandler):
    def _say(self, line: str) -> None:
        self.wfile.write((line + "\r\n").encode())

    def handle(self) -> None:
        server = self.server.owner
        self._say("220 localhost test SMTP")
        _sender, recipients = None, []
        while True:
            raw = self.rfile.readline()
            if not raw:
                return
            command = raw.decode(errors="replace").strip()
            verb = command[:4].upper()
            if verb in ("EHLO", "HELO"):
                self._say("250 localhost")
            elif verb == "MAIL":
                _sender, recipients = command.split(":", 1)[1].strip(), []
                self._say("250 OK")
            elif verb == "RCPT":
                recipients.append(command.split(":", 1)[1].strip().strip("<>"))
                self._say("250 OK")
            elif verb == "DATA":
                self._say("354 End data with <CR><LF>.<CR><LF>")
                lines = []
                while True:
                    line = self.rfile.readline()
                    if line in (b".\r\n", b".\n", b""):
                        break
                    lines.append(line[1:] if line.startswith(b"..") else line)
                with server.lock:
                    if server.fail_next > 0:
                        server.fail_next -= 1
                        self._say("451 Try again later")
                        continue
                    message = email.message_from_bytes(b"".join(lines), policy=email.policy.default)
                    server.messages.append((recipients, message))
                self._say("250 OK: queued")
            elif verb == "RSET":
                _sender, recipients = None, []
                self._say("250 OK")
            elif verb == "NOOP":
                self._say("250 OK")
            elif verb == "QUIT":
                self._say("221 Bye")
                return
            else:
                self._say("502 Command not implemented")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class LocalSMTPServer:
    def __init__(self):
        self.messages: list = []  # (envelope recipients, email.message.EmailMessage)
        self.fail_next = 0
        self.lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.owner = self
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> LocalSMTPServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
