"""Simulated postal service (EMS-style) for documents produced centrally and delivered by post.

* ``POST /post/v1/shipments`` with ``{"reference", "name", "phone", "address", "content"}``
  -> ``201 {"tracking_no", "status": "accepted"}``.
* ``GET /post/v1/shipments?tracking_no=T`` -> ``200 {"tracking_no", "reference", "status",
  "events": [{"status", "at", "where"}]}`` or ``404 {"error": "unknown_shipment"}``.
  Statuses move accepted -> in_transit -> out_for_delivery -> delivered.
* ``POST /post/v1/shipments/advance`` with ``{"tracking_no"}`` moves a shipment one step (the
  sandbox's stand-in for time passing; tests and the demo call it). Not faultable.
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from typing import Any

from sandbox.routes import BadRequest, Request, Response, RouteTable, require_str

SERVICE = "post"
STEPS = ("accepted", "in_transit", "out_for_delivery", "delivered")
WHERE = {
    "accepted": "收寄局",
    "in_transit": "运输中",
    "out_for_delivery": "投递局",
    "delivered": "已妥投",
}


class PostOffice:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._shipments: dict[str, dict[str, Any]] = {}

    @staticmethod
    def _event(status: str) -> dict[str, str]:
        return {
            "status": status,
            "where": WHERE[status],
            "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        }

    def create(self, request: Request) -> Response:
        data = request.json()
        shipment: dict[str, Any] = {
            k: require_str(data, k) for k in ("reference", "name", "address")
        }
        shipment["phone"] = str(data.get("phone", ""))[:20]
        shipment["content"] = str(data.get("content", ""))[:100]
        if len(shipment["address"]) > 200 or len(shipment["reference"]) > 64:
            raise BadRequest("field too long")
        tracking = "EJ" + uuid.uuid4().hex[:9].upper() + "CN"
        shipment.update(tracking_no=tracking, status="accepted", events=[self._event("accepted")])
        with self._lock:
            self._shipments[tracking] = shipment
        return 201, {"tracking_no": tracking, "status": "accepted"}

    def _public(self, s: dict[str, Any]) -> dict[str, Any]:
        return {k: s[k] for k in ("tracking_no", "reference", "status", "events")}

    def track(self, request: Request) -> Response:
        tracking = request.query_param("tracking_no")
        with self._lock:
            shipment = self._shipments.get(tracking)
            answer = self._public(shipment) if shipment else None
        if answer is None:
            return 404, {"error": "unknown_shipment", "tracking_no": tracking}
        return 200, answer

    def advance(self, request: Request) -> Response:
        tracking = require_str(request.json(), "tracking_no")
        with self._lock:
            shipment = self._shipments.get(tracking)
            if shipment is None:
                return 404, {"error": "unknown_shipment", "tracking_no": tracking}
            step = STEPS.index(shipment["status"])
            if step + 1 < len(STEPS):
                shipment["status"] = STEPS[step + 1]
                shipment["events"].append(self._event(shipment["status"]))
            answer = self._public(shipment)
        return 200, answer


def register(table: RouteTable) -> None:
    office = PostOffice()
    table.add("POST", "/post/v1/shipments", office.create, service=SERVICE)
    table.add("GET", "/post/v1/shipments", office.track, service=SERVICE)
    table.add(
        "POST", "/post/v1/shipments/advance", office.advance, service=SERVICE, faultable=False
    )
