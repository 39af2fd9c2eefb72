"""The face-check port: the HTTP adapter against the sandbox simulator over real HTTP, its
failures, and what a failure of the service means for a pending identity check."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from jiaoguan.accounts.ports import get_port
from jiaoguan.audit.services import Actor
from jiaoguan.education import services
from jiaoguan.education.adapters import HttpFaceCheck
from jiaoguan.education.models import FaceCheck
from jiaoguan.kernel import clock
from jiaoguan.kernel.errors import PartnerUnavailable
from sandbox.server import SandboxServer
from tests.education.helpers import FACE, NOW, OTHER_FACE, store_face, violation
from tests.partners.test_adapters import inject, sandbox_call

ID_NUMBER = "320102199001011234"


@pytest.fixture(autouse=True)
def _no_faults(sandbox_server: SandboxServer) -> Iterator[None]:
    yield
    sandbox_call(sandbox_server, "DELETE", "/_sandbox/faults")


def test_verdicts(sandbox_server: SandboxServer) -> None:
    port = get_port("facecheck")
    assert isinstance(port, HttpFaceCheck)
    unknown = port.verify(id_number="110101199003070000", image=FACE, reference="r0")
    assert (unknown.match, unknown.reason) == (False, "no_reference")
    store_face(sandbox_server.url, ID_NUMBER)
    ok = port.verify(id_number=ID_NUMBER, image=FACE, reference="r1")
    assert ok.match and ok.reason == "ok" and ok.score > 0.9 and ok.check_id
    assert ID_NUMBER not in repr(ok)
    other = port.verify(id_number=ID_NUMBER, image=OTHER_FACE, reference="r2")
    assert (other.match, other.reason) == (False, "mismatch")
    empty = port.verify(id_number=ID_NUMBER, image=b"", reference="r3")
    assert (empty.match, empty.reason) == (False, "no_face")


def test_the_simulator_refuses_what_is_not_an_image(sandbox_server: SandboxServer) -> None:
    answer = sandbox_call(
        sandbox_server,
        "POST",
        "/facecheck/v1/verify",
        {"id_number": ID_NUMBER, "image": "***", "reference": "r"},
    )
    assert answer == {"error": "invalid_image"}


def test_failures_of_the_service(sandbox_server: SandboxServer, settings: Any) -> None:
    port = HttpFaceCheck()
    inject(sandbox_server, "facecheck", "error")
    with pytest.raises(PartnerUnavailable) as info:
        port.verify(id_number=ID_NUMBER, image=FACE, reference="r")
    assert info.value.code == "partner_error"
    settings.PARTNER_TIMEOUT = 0.3
    inject(sandbox_server, "facecheck", "timeout", seconds=1.0)
    with pytest.raises(PartnerUnavailable) as info:
        port.verify(id_number=ID_NUMBER, image=FACE, reference="r")
    assert info.value.code == "partner_timeout"


@pytest.mark.django_db
def test_a_check_stays_pending_while_the_service_is_down(
    world: dict[str, Any], sandbox_server: SandboxServer
) -> None:
    violation(world, 12)
    citizen = world["citizen"]
    e = services.enrolment_open(actor=Actor.of(citizen), principal=citizen, course="full-score")
    check_id = None
    for i in range(e.next_check_at // 60 + 2):
        with clock.frozen(NOW + dt.timedelta(minutes=i)):
            answer = services.study_heartbeat(
                actor=Actor.of(citizen), principal=citizen, enrolment=e, tab="t", active=True
            )
            check_id = check_id or answer["check"]
    check = FaceCheck.objects.get(public_id=check_id)
    inject(sandbox_server, "facecheck", "error")
    with pytest.raises(PartnerUnavailable):
        services.face_check_submit(
            actor=Actor.of(citizen), principal=citizen, check=check, image=FACE
        )
    check.refresh_from_db()
    assert check.state == "pending"  # the learner tries again
    services.face_check_submit(actor=Actor.of(citizen), principal=citizen, check=check, image=FACE)
    check.refresh_from_db()
    assert check.state == "passed"
