"""Simulated ID-card readers at service windows (二代身份证阅读器).

At a real window the card's chip is read by a device on the clerk's desk; the chip's data is
signed by the issuing authority. Here each window has a reader that holds at most one card, and
every answer is signed like any other sandbox answer.

* ``POST /idreader/v1/card`` with ``{"window": str, "name", "id_number", "address"}`` puts a
  card on a window's reader (what the citizen does; tests and the demo call it).
  -> ``200 {"window", "placed": true}``.
* ``GET /idreader/v1/card?window=W`` -> ``200 {"window", "name", "id_number", "address",
  "read_at"}`` or ``404 {"error": "no_card"}`` when nothing lies on the reader.
* ``DELETE /idreader/v1/card?window=W`` takes the card away -> ``200 {"removed": bool}``.
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

from sandbox.routes import BadRequest, Request, Response, RouteTable, require_str

SERVICE = "idreader"


class Readers:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cards: dict[str, dict[str, Any]] = {}

    def place(self, request: Request) -> Response:
        data = request.json()
        window = require_str(data, "window")
        card = {k: require_str(data, k) for k in ("name", "id_number")}
        card["address"] = str(data.get("address", ""))[:200]
        if len(window) > 32 or len(card["name"]) > 64 or len(card["id_number"]) > 18:
            raise BadRequest("field too long")
        with self._lock:
            self._cards[window] = card
        return 200, {"window": window, "placed": True}

    def read(self, request: Request) -> Response:
        window = request.query_param("window")
        with self._lock:
            card = self._cards.get(window)
        if card is None:
            return 404, {"error": "no_card", "window": window}
        return 200, {
            "window": window,
            **card,
            "read_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        }

    def remove(self, request: Request) -> Response:
        window = request.query_param("window")
        with self._lock:
            removed = self._cards.pop(window, None) is not None
        return 200, {"window": window, "removed": removed}


def register(table: RouteTable) -> None:
    readers = Readers()
    table.add("POST", "/idreader/v1/card", readers.place, service=SERVICE, faultable=False)
    table.add("GET", "/idreader/v1/card", readers.read, service=SERVICE)
    table.add("DELETE", "/idreader/v1/card", readers.remove, service=SERVICE, faultable=False)
