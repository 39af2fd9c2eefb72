"""Helpers of the education tests and the full-score browser journey: reference photos in
the face-check sandbox, violations that reach 12 points, paying a fine, studying with
heartbeats and answering identity checks."""

from __future__ import annotations

import base64
import datetime as dt
import json
import types
import urllib.request
from typing import Any

from jiaoguan.audit.services import Actor
from jiaoguan.education import services
from jiaoguan.education.constants import CheckState
from jiaoguan.education.models import Enrolment, FaceCheck
from jiaoguan.kernel import clock
from jiaoguan.violations import services as violations
from jiaoguan.violations.apps import PURPOSE_PREFIX
from jiaoguan.violations.models import Violation
from tests.conftest import (
    SANDBOX_KEY,
)

SH = clock.SHANGHAI
NOW = dt.datetime(2026, 3, 10, 10, 0, tzinfo=SH)
DIGEST = "ab" * 32
FACE = b"\x89PNG face of the holder"
OTHER_FACE = b"\x89PNG somebody else"


def at(day: dt.date, hour: int = 9, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=SH)


def store_face(sandbox_url: str, id_number: str, image: bytes = FACE) -> None:
    """Put the reference photo of an ID number into the face-check sandbox."""
    body = json.dumps({"id_number": id_number, "image": base64.b64encode(image).decode()}).encode()
    request = urllib.request.Request(
        f"{sandbox_url}/facecheck/v1/faces",
        data=body,
        method="POST",
        headers={"Authorization": f"Bearer {SANDBOX_KEY}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        assert json.load(response)["stored"] is True


def violation(world: dict[str, Any], points: int, *, fine_fen: int = 20000, **kw: Any) -> Violation:
    """A violation recorded by the officer yesterday and confirmed by the driver."""
    officer, citizen = world["officer"], world["citizen"]
    v, _created = violations.violation_record(
        actor=Actor.of(officer),
        principal=officer,
        plate_number=world["vehicle"].plate.number,
        occurred_at=clock.now() - dt.timedelta(days=1),
        place="中山路与北京东路路口",
        region_code="320102",
        offence_code="1625",
        description="驾驶机动车违反道路交通信号灯通行",
        citation="《道路交通安全法》第38条",
        points=points,
        fine_fen=fine_fen,
        evidence=[{"url": "https://evidence.example/1.jpg", "sha256": DIGEST}],
        **kw,
    )
    return violations.violation_confirm_driver(
        actor=Actor.of(citizen), principal=citizen, violation=v, driver_id_number=""
    )


def pay(v: Violation) -> None:
    """The payment provider's notice that the fine was paid (as payments would call it)."""
    from django.db import transaction

    with transaction.atomic():
        violations.on_fine_paid(
            types.SimpleNamespace(purpose_ref=f"{PURPOSE_PREFIX}{v.public_id}", paid_at=clock.now())
        )


def study(
    world: dict[str, Any],
    enrolment: Enrolment,
    start: dt.datetime,
    minutes: int,
    *,
    face: bytes = FACE,
    step: int = 60,
) -> list[dict[str, Any]]:
    """Heartbeats every ``step`` seconds for ``minutes`` from ``start``, answering each
    identity check with ``face``. Returns the heartbeat answers."""
    citizen = world["citizen"]
    answers = []
    for i in range(minutes * 60 // step + 1):
        with clock.frozen(start + dt.timedelta(seconds=i * step)):
            beat = services.study_heartbeat(
                actor=Actor.of(citizen),
                principal=citizen,
                enrolment=enrolment,
                tab="t1",
                active=True,
            )
            answers.append(beat)
            if beat["check"]:
                check = FaceCheck.objects.get(public_id=beat["check"])
                services.face_check_submit(
                    actor=Actor.of(citizen), principal=citizen, check=check, image=face
                )
    assert not FaceCheck.objects.filter(enrolment=enrolment, state=CheckState.PENDING).exists()
    return answers
