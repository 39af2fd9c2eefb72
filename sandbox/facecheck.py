"""Simulated face-check service (人脸核验) for identity checks during online study.

The real service compares a live photo with the photo the identity platform holds for an ID
number. The sandbox keeps its "reference photos" in memory: a test or the demo puts one
there for an ID number, and a photo matches when its bytes are the same image (a stand-in for
a similarity model: any other image is a mismatch).

* ``POST /facecheck/v1/faces`` with ``{"id_number", "image"}`` (base64) stores the reference
  photo (sandbox-only, not subject to fault injection) -> ``200 {"stored": true}``.
* ``POST /facecheck/v1/verify`` with ``{"id_number", "image", "reference"}`` ->
  ``200 {"reference", "match", "score", "check_id", "reason"}``; ``reason`` is ``ok``,
  ``mismatch``, ``no_reference`` (no photo on file) or ``no_face`` (an empty image);
  an image that is not base64 -> ``400 {"error": "invalid_image"}``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import threading
import uuid

from sandbox.routes import BadRequest, Request, Response, RouteTable, require_str

SERVICE = "facecheck"
MAX_IMAGE_BYTES = 40 * 1024


def _image(data: dict[str, object]) -> bytes | None:
    raw = data.get("image")
    if not isinstance(raw, str):
        return None
    try:
        image = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        return None
    return image if len(image) <= MAX_IMAGE_BYTES else None


class FaceCheck:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faces: dict[str, str] = {}

    def store(self, request: Request) -> Response:
        data = request.json()
        id_number = require_str(data, "id_number")
        image = _image(data)
        if image is None or len(id_number) > 18:
            raise BadRequest("image must be base64, at most 40 KB; id_number at most 18")
        with self._lock:
            self._faces[id_number] = hashlib.sha256(image).hexdigest()
        return 200, {"id_number": id_number, "stored": True}

    def verify(self, request: Request) -> Response:
        data = request.json()
        id_number = require_str(data, "id_number")
        reference = require_str(data, "reference")[:64]
        image = _image(data)
        if image is None:
            return 400, {"error": "invalid_image"}
        with self._lock:
            known = self._faces.get(id_number)
        if not image:
            reason, score = "no_face", 0.0
        elif known is None:
            reason, score = "no_reference", 0.0
        elif hashlib.sha256(image).hexdigest() == known:
            reason, score = "ok", 0.97
        else:
            reason, score = "mismatch", 0.12
        return 200, {
            "reference": reference,
            "match": reason == "ok",
            "score": score,
            "check_id": uuid.uuid4().hex,
            "reason": reason,
        }


def register(table: RouteTable) -> None:
    service = FaceCheck()
    table.add("POST", "/facecheck/v1/faces", service.store, service=SERVICE, faultable=False)
    table.add("POST", "/facecheck/v1/verify", service.verify, service=SERVICE)
