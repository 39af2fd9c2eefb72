"""The face-check port (DESIGN.md, "Outside parties"): identity checks at random moments of
online study compare a photo taken by the learner's camera with the reference photo the
identity platform holds for the ID number (the photo of the resident ID card). ``settings.
PORTS["facecheck"]`` names the adapter; ``adapters.HttpFaceCheck`` speaks the protocol of the
sandbox's simulator (``sandbox/facecheck.py``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class FaceVerdict:
    """The face-check service's answer; the ID number is kept out of ``repr``."""

    match: bool
    score: float  # similarity, 0 to 1
    check_id: str  # the service's reference of this comparison
    reason: str  # "ok", "mismatch", "no_reference", "no_face"
    id_number: str = field(default="", repr=False)


class FaceCheckService(Protocol):
    def verify(self, *, id_number: str, image: bytes, reference: str) -> FaceVerdict:
        """Compare ``image`` (JPEG or PNG bytes) with the reference photo of ``id_number``;
        ``reference`` is our id of the check (the service echoes it)."""
        ...
