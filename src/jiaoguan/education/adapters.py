"""HTTP adapter of the face-check port (``POST /facecheck/v1/verify``; the sandbox simulator in
``sandbox/facecheck.py`` speaks the same protocol). Failures of the service become
:class:`~jiaoguan.kernel.errors.PartnerUnavailable`; a signed answer that does not match the
protocol is ``partner_error``."""

from __future__ import annotations

import base64

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiaoguan.education.ports import FaceVerdict
from jiaoguan.kernel.errors import DomainError
from jiaoguan.partners.client import PartnerClient

REASONS = ("ok", "mismatch", "no_reference", "no_face")


class HttpFaceCheck:
    def __init__(
        self, *, base_url: str | None = None, key: str | None = None, timeout: float | None = None
    ) -> None:
        self._client = PartnerClient(
            gettext_lazy("The face-check service"), base_url=base_url, key=key, timeout=timeout
        )

    def verify(self, *, id_number: str, image: bytes, reference: str) -> FaceVerdict:
        answer = self._client.request(
            "POST",
            "/facecheck/v1/verify",
            {
                "id_number": id_number,
                "reference": reference,
                "image": base64.b64encode(image).decode("ascii"),
            },
        )
        if answer.status == 400 and answer.data.get("error") == "invalid_image":
            raise DomainError("invalid_image", _("Send a photo (JPEG or PNG)"), field="image")
        data = answer.data
        score = data.get("score")
        if (
            answer.status != 200
            or data.get("reference") != reference
            or not isinstance(data.get("match"), bool)
            or not isinstance(score, int | float)
            or data.get("reason") not in REASONS
            or not isinstance(data.get("check_id"), str)
        ):
            raise self._client.protocol_error(answer, f"face check: HTTP {answer.status}")
        return FaceVerdict(
            match=bool(data["match"]) and data["reason"] == "ok",
            score=float(score),
            check_id=str(data["check_id"])[:64],
            reason=str(data["reason"]),
            id_number=id_number,
        )
