"""Fault injection, so tests can watch adapters cope with a slow or failing partner.

* ``POST /_sandbox/faults`` with ``{"service": "identity" | "sms" | "tax" | "insurance" |
  "hospital" | "residence" | ..., "mode": "timeout" | "error" | "none", "count": int,
  "seconds": float (timeout only, default 10)}``: the next
  ``count`` calls of that service sleep ``seconds`` before answering normally (``timeout``),
  or answer ``500 {"error": "internal"}`` (``error``); ``none`` clears that service's fault.
  Answers ``200 {"service", "mode", "count", "seconds"}``.
* ``DELETE /_sandbox/faults`` clears every fault: ``200 {"cleared": true}``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from sandbox.routes import (
    BadRequest,
    Request,
    Response,
    RouteTable,
    optional_number,
    require_int,
    require_str,
)

MODES = ("timeout", "error", "none")
DEFAULT_SECONDS = 10.0
MAX_SECONDS = 300.0


@dataclass(frozen=True)
class Fault:
    mode: str  # "timeout" or "error"
    seconds: float = 0.0


class FaultBoard:
    """Pending faults per service, each with a remaining count; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: dict[str, tuple[Fault, int]] = {}

    def arm(self, service: str, fault: Fault, count: int) -> None:
        with self._lock:
            if fault.mode == "none" or count == 0:
                self._pending.pop(service, None)
            else:
                self._pending[service] = (fault, count)

    def take(self, service: str) -> Fault | None:
        """The fault for this call of ``service``, if one is pending (uses one up)."""
        with self._lock:
            entry = self._pending.get(service)
            if entry is None:
                return None
            fault, count = entry
            if count <= 1:
                del self._pending[service]
            else:
                self._pending[service] = (fault, count - 1)
            return fault

    def pending(self, service: str) -> bool:
        """Whether a fault is still armed for ``service`` (not yet used up)."""
        with self._lock:
            return service in self._pending

    def clear(self) -> None:
        with self._lock:
            self._pending.clear()


def register(table: RouteTable, board: FaultBoard, services: Callable[[], list[str]]) -> None:
    """Add the fault-control routes; ``services`` lists the services that may be faulted."""

    def arm(request: Request) -> Response:
        body = request.json()
        service = require_str(body, "service")
        if service not in services():
            raise BadRequest(f"service must be one of {services()}")
        mode = require_str(body, "mode")
        if mode not in MODES:
            raise BadRequest(f"mode must be one of {list(MODES)}")
        count = require_int(body, "count", minimum=0)
        seconds = 0.0
        if mode == "timeout":
            seconds = optional_number(
                body, "seconds", default=DEFAULT_SECONDS, low=0.0, high=MAX_SECONDS
            )
        board.arm(service, Fault(mode, seconds), count)
        return 200, {"service": service, "mode": mode, "count": count, "seconds": seconds}

    def clear(request: Request) -> Response:
        board.clear()
        return 200, {"cleared": True}

    table.add("POST", "/_sandbox/faults", arm)
    table.add("DELETE", "/_sandbox/faults", clear)
