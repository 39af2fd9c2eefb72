"""Simulated SMS gateway with an in-memory outbox.

* ``POST /sms/v1/messages`` with ``{"phone": str, "text": str}`` -> ``202 {"message_id"}``;
  ``phone`` must be an 11-digit mainland mobile number starting with 1, else
  ``400 {"error": "invalid_phone"}``. Each message is logged to stdout with the phone masked.
* ``GET /sms/v1/messages?phone=<phone>`` -> ``200 {"messages": [...]}``, oldest first, each
  ``{"message_id", "phone", "text", "sent_at"}``. Sandbox-only: tests and the demo read
  one-time codes here. It is not subject to fault injection.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
import uuid
from collections import deque
from typing import Any

from sandbox.routes import BadRequest, Request, Response, RouteTable, require_str

SERVICE = "sms"
MAX_TEXT_CHARS = 500
#: The outbox keeps this many most recent messages (a sandbox must not grow without bound).
OUTBOX_LIMIT = 10_000

_MOBILE = re.compile(r"1[0-9]{10}")


def mask_phone(phone: str) -> str:
    """``13812341234`` -> ``138****1234``."""
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 8 else "*" * len(phone)


class Outbox:
    """The messages "sent" so far; thread-safe."""

    def __init__(self, limit: int = OUTBOX_LIMIT) -> None:
        self._lock = threading.Lock()
        self._messages: deque[dict[str, Any]] = deque(maxlen=limit)

    def add(self, phone: str, text: str) -> dict[str, Any]:
        message = {
            "message_id": uuid.uuid4().hex,
            "phone": phone,
            "text": text,
            "sent_at": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
        }
        with self._lock:
            self._messages.append(message)
        return message

    def for_phone(self, phone: str) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(m) for m in self._messages if m["phone"] == phone]


class SmsGateway:
    """The SMS partner: its outbox and its two handlers."""

    def __init__(self) -> None:
        self.outbox = Outbox()

    def send(self, request: Request) -> Response:
        body = request.json()
        phone = require_str(body, "phone")
        text = require_str(body, "text")
        if not _MOBILE.fullmatch(phone):
            raise BadRequest(
                "phone must be an 11-digit mainland mobile number starting with 1",
                error="invalid_phone",
            )
        if len(text) > MAX_TEXT_CHARS:
            raise BadRequest(f"text is at most {MAX_TEXT_CHARS} characters")
        message = self.outbox.add(phone, text)
        print(f"SMS to {mask_phone(phone)}: {text}", flush=True)
        return 202, {"message_id": message["message_id"]}

    def list_messages(self, request: Request) -> Response:
        phone = request.query_param("phone")
        return 200, {"messages": self.outbox.for_phone(phone)}


def register(table: RouteTable) -> None:
    gateway = SmsGateway()
    table.add("POST", "/sms/v1/messages", gateway.send, service=SERVICE)
    table.add("GET", "/sms/v1/messages", gateway.list_messages, service=SERVICE, faultable=False)
