"""The sandbox HTTP server: one process serving every simulated partner under path prefixes.

Standard library only (``http.server``) plus ``cryptography`` for HMAC-SM3, so it runs
anywhere jiaoguan does. Protocol, common to all partners:

* Every request carries ``Authorization: Bearer <key>``, else ``401 {"error": "unauthorized"}``.
* Every answer is JSON (UTF-8) and carries ``X-Sandbox-Signature``: the lowercase hex
  HMAC-SM3 (GB/T 32905) of the exact response body bytes under the shared key, so a client
  can tell that the answer really came from the partner.
* Bad JSON or missing fields -> ``400 {"error": "bad_request", "detail": ...}``; unknown
  path -> ``404 {"error": "not_found"}``; wrong method -> ``405``; a handler bug ->
  ``500 {"error": "internal"}``. Bad input never stops the server.
* ``GET /_sandbox/health`` -> ``{"ok": true, "services": [...]}``; fault injection lives
  under ``/_sandbox/faults`` (see :mod:`sandbox.faults`).

Partners are modules with a ``register(table)`` function (see :data:`PARTNERS`); adding
tax, insurer, hospital, post or payment simulators means writing such a module and listing
it there.

Run it with ``python -m sandbox --port 8765 --key ...`` (or ``jiaoguan sandbox``).
"""

from __future__ import annotations

import argparse
import hmac
import json
import os
import sys
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac

from sandbox import (
    beacon,
    facecheck,
    hospital,
    identity,
    idreader,
    insurance,
    paygate,
    post,
    residence,
    sms,
    tax,
)
from sandbox.faults import FaultBoard
from sandbox.faults import register as register_faults
from sandbox.market import register as register_market
from sandbox.routes import BadRequest, JsonObject, Request, Response, RouteTable

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
DEFAULT_KEY = "sandbox-dev-key"
KEY_ENV = "JIAOGUAN_SANDBOX_KEY"
SIGNATURE_HEADER = "X-Sandbox-Signature"
MAX_BODY_BYTES = 64 * 1024

#: The simulated partners: each adds its routes to the table.
PARTNERS: tuple[Callable[[RouteTable], None], ...] = (
    identity.register,
    sms.register,
    tax.register,
    insurance.register,
    hospital.register,
    residence.register,
    idreader.register,
    post.register,
    paygate.register,
    register_market,
    beacon.register,
    facecheck.register,
)


def sign(key: str, body: bytes) -> str:
    """HMAC-SM3 of ``body`` under ``key``, as lowercase hex."""
    mac = crypto_hmac.HMAC(key.encode("utf-8"), hashes.SM3())
    mac.update(body)
    return mac.finalize().hex()


def encode_json(data: JsonObject) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class SandboxServer(ThreadingHTTPServer):
    """A threading HTTP server holding the route table, the shared key and the faults."""

    daemon_threads = True

    def __init__(
        self,
        address: tuple[str, int],
        *,
        key: str,
        partners: Sequence[Callable[[RouteTable], None]] = PARTNERS,
        log_requests: bool = False,
    ) -> None:
        if not key:
            raise ValueError("the sandbox needs a non-empty key")
        self.key = key
        self.log_requests = log_requests
        self.faults = FaultBoard()
        self.table = RouteTable()
        for register in partners:
            register(self.table)
        self.table.add("GET", "/_sandbox/health", self._health)
        register_faults(self.table, self.faults, lambda: self.table.services)
        self._serving = False
        self._thread: threading.Thread | None = None
        super().__init__(address, _Handler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        host = host.decode() if isinstance(host, bytes) else host
        return f"http://{host}:{port}"

    def _health(self, request: Request) -> Response:
        return 200, {"ok": True, "services": self.table.services}

    def serve_forever(self, poll_interval: float = 0.5) -> None:
        self._serving = True
        try:
            super().serve_forever(poll_interval)
        finally:
            self._serving = False

    def start_in_thread(self, poll_interval: float = 0.05) -> threading.Thread:
        """Serve in a daemon thread. The socket is already bound and listening (the
        constructor does that), so connections are accepted as soon as this returns.
        The short poll interval makes :meth:`shutdown` quick (tests start many servers)."""
        if self._thread is not None:
            raise RuntimeError("the sandbox server is already running")
        self._serving = True
        self._thread = threading.Thread(
            target=self.serve_forever,
            args=(poll_interval,),
            name=f"sandbox-{self.server_address[1]}",
            daemon=True,
        )
        self._thread.start()
        return self._thread

    def shutdown(self) -> None:
        """Stop serving (a no-op if the server never started); waits for the loop to end."""
        if self._serving:
            super().shutdown()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def close(self) -> None:
        """Stop serving and release the socket."""
        self.shutdown()
        self.server_close()


class _Handler(BaseHTTPRequestHandler):
    server: SandboxServer
    server_version = "JiaoguanSandbox/1"
    sys_version = ""

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def do_PATCH(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        try:
            status, data = self._answer()
        except Exception:
            traceback.print_exc(file=sys.stderr)
            status, data = 500, {"error": "internal"}
        self._send_json(status, data)

    def _answer(self) -> Response:
        body = self._read_body()
        if isinstance(body, tuple):
            return body
        if not self._authorised():
            return 401, {"error": "unauthorized"}
        url = urlsplit(self.path)
        route = self.server.table.match(self.command, url.path)
        if route is None:
            if self.server.table.allowed_methods(url.path):
                return 405, {"error": "method_not_allowed"}
            return 404, {"error": "not_found", "detail": f"no such path: {url.path}"}
        if route.service is not None and route.faultable:
            fault = self.server.faults.take(route.service)
            if fault is not None and fault.mode == "error":
                return 500, {"error": "internal"}
            if fault is not None and fault.mode == "timeout":
                time.sleep(fault.seconds)
        request = Request(
            method=self.command,
            path=url.path,
            query=parse_qs(url.query, keep_blank_values=True),
            body=body,
        )
        try:
            return route.handler(request)
        except BadRequest as exc:
            return exc.as_response()

    def _read_body(self) -> bytes | Response:
        if self.headers.get("Transfer-Encoding"):
            return 411, {"error": "length_required", "detail": "send a Content-Length body"}
        raw = self.headers.get("Content-Length") or "0"
        try:
            length = int(raw)
        except ValueError:
            return 400, {"error": "bad_request", "detail": "Content-Length is not a number"}
        if length < 0:
            return 400, {"error": "bad_request", "detail": "Content-Length is negative"}
        if length > MAX_BODY_BYTES:
            return 413, {"error": "too_large", "detail": f"body over {MAX_BODY_BYTES} bytes"}
        return self.rfile.read(length) if length else b""

    def _authorised(self) -> bool:
        given = (self.headers.get("Authorization") or "").encode("utf-8", "surrogateescape")
        return hmac.compare_digest(given, f"Bearer {self.server.key}".encode())

    def _send_json(self, status: int, data: JsonObject) -> None:
        body = encode_json(data)
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.send_header(SIGNATURE_HEADER, sign(self.server.key, body))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
        except (ConnectionError, TimeoutError):
            pass  # the client went away (for example it timed out during an injected delay)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Errors found by http.server itself (bad request line, unknown method) as JSON."""
        try:
            phrase = HTTPStatus(code).phrase
        except ValueError:
            phrase = "error"
        self.close_connection = True
        if getattr(self, "request_version", "HTTP/0.9") == "HTTP/0.9":
            self.request_version = "HTTP/1.0"  # an unparsable request line: still send headers
        self._send_json(
            code, {"error": phrase.lower().replace(" ", "_"), "detail": message or phrase}
        )

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.log_requests:
            super().log_message(format, *args)


def make_server(
    host: str = DEFAULT_HOST, port: int = 0, *, key: str, log_requests: bool = False
) -> SandboxServer:
    """A bound, listening sandbox server (port 0 picks a free port; see ``.url``)."""
    return SandboxServer((host, port), key=key, log_requests=log_requests)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="sandbox", description="Simulated outside parties for jiaoguan (demo and tests)."
    )
    parser.add_argument("--host", default=DEFAULT_HOST)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument(
        "--key",
        default=os.environ.get(KEY_ENV) or DEFAULT_KEY,
        help=f"shared bearer/signing key (default: ${KEY_ENV} or {DEFAULT_KEY!r})",
    )
    parser.add_argument("--quiet", action="store_true", help="do not log each request")
    args = parser.parse_args(argv)
    server = make_server(args.host, args.port, key=args.key, log_requests=not args.quiet)
    print(f"Sandbox partners at {server.url} ({', '.join(server.table.services)})", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
