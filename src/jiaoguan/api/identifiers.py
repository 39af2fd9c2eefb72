"""Public identifier decoding, in the spirit of NHTSA's vPIC VIN decoder.

An invalid value is a normal answer (``valid: false`` with its problems), not an error."""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema

from jiaoguan.kernel.identifiers import decode

router = Router(tags=["identifiers"])

Kind = Literal["id-number", "uscc", "vin", "plate"]


class ProblemOut(Schema):
    code: str
    message: str
    citation: str | None = None
    severity: str = "error"


class DecodedOut(Schema):
    kind: str
    valid: bool
    normalized: str | None
    fields: dict[str, Any] = Field(description="Decoded parts: region, birth date, WMI, ...")
    problems: list[ProblemOut]


@router.get(
    "/identifiers/{kind}/{value}",
    response=DecodedOut,
    auth=None,
    summary="Check and decode an ID number, USCC, VIN or plate number",
)
def decode_identifier(request: HttpRequest, kind: Kind, value: str) -> DecodedOut:
    result = decode(kind, value)
    return DecodedOut(
        kind=kind,
        valid=result.valid,
        normalized=result.normalized,
        fields=result.fields,
        problems=[ProblemOut(**p) for p in result.problems],
    )
