"""One entry point to decode any identifier: :func:`decode`.

``decode(kind, value)`` never raises for a bad value: an invalid value is a normal answer
with ``valid=False`` and the problems listed, each with its code, Chinese message, English
message, citation and severity. Only an unknown ``kind`` raises (KeyError).

Kinds: ``id-number`` (GB 11643-1999), ``uscc`` (GB 32100-2015), ``vin`` (GB 16735-2019),
``plate`` (GA 36-2018). The rules and their sources are in the modules of each kind.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from jiaoguan.kernel.errors import InvalidIdentifier, Problem
from jiaoguan.kernel.idnumber import IdNumber
from jiaoguan.kernel.messages import (
    MESSAGES,
    LocalisedProblem,
    message,
    problem,
)
from jiaoguan.kernel.plates import Plate, PlateKind
from jiaoguan.kernel.uscc import USCC
from jiaoguan.kernel.vin import VIN

__all__ = [
    "KINDS",
    "MESSAGES",
    "USCC",
    "VIN",
    "Decoded",
    "IdNumber",
    "Plate",
    "PlateKind",
    "decode",
    "message",
]


@dataclass
class Decoded:
    """The answer of :func:`decode`. ``fields`` and ``problems`` are JSON-serialisable."""

    kind: str
    valid: bool
    normalized: str | None
    fields: dict[str, Any] = field(default_factory=dict)
    problems: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "valid": self.valid,
            "normalized": self.normalized,
            "fields": self.fields,
            "problems": self.problems,
        }


def _problem_dict(p: Problem) -> dict[str, Any]:
    data: dict[str, Any] = {
        "code": p.code,
        "message": str(p.message),
        "citation": p.citation,
        "severity": "error",
    }
    if isinstance(p, LocalisedProblem):
        data["message_en"] = p.message_en
        data["severity"] = p.severity
    return data


def _decode_id(value: str) -> Decoded:
    parsed = IdNumber.parse(value)
    return Decoded("id-number", True, str(parsed), parsed.as_fields())


def _decode_uscc(value: str) -> Decoded:
    parsed = USCC.parse(value)
    return Decoded("uscc", True, str(parsed), parsed.as_fields())


def _decode_vin(value: str) -> Decoded:
    parsed = VIN.parse(value)
    warnings = [
        {
            "code": w.code,
            "message": w.message,
            "message_en": w.extra.get("message_en", ""),
            "citation": w.citation,
            "severity": "warning",
        }
        for w in parsed.warnings
    ]
    return Decoded("vin", True, str(parsed), parsed.as_fields(), warnings)


def _decode_plate(value: str) -> Decoded:
    parsed = Plate.parse(value)
    return Decoded("plate", True, str(parsed), parsed.as_fields())


KINDS: dict[str, Callable[[str], Decoded]] = {
    "id-number": _decode_id,
    "uscc": _decode_uscc,
    "vin": _decode_vin,
    "plate": _decode_plate,
}


def decode(kind: str, value: str) -> Decoded:
    """Decode ``value`` as an identifier of ``kind``; raises KeyError for an unknown kind."""
    decoder = KINDS[kind]
    if not isinstance(value, str):
        p = problem("any.not_a_string", None)
        return Decoded(kind, False, None, {}, [_problem_dict(p)])
    try:
        return decoder(value)
    except InvalidIdentifier as exc:
        return Decoded(kind, False, None, {}, [_problem_dict(p) for p in exc.problems])
