"""Documents delivered by post or picked up at the window (measures 3 and 10)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from jiaoguan.audit.services import Actor
from jiaoguan.cases import services
from jiaoguan.cases.models import Application
from jiaoguan.cases.tasks import dispatch_pending, track_shipments
from jiaoguan.kernel.errors import DomainError, Forbidden
from jiaoguan.notices.models import Notice
from tests.accounts.test_accounts import sandbox_call
from tests.conftest import make_citizen, make_person, make_staff, make_vehicle

pytestmark = pytest.mark.django_db
ENGINE = Actor.system("tests")


def paid(person: Any, **changes: Any) -> Application:
    vehicle = make_vehicle(person)
    app = services.application_start(
        actor=ENGINE,
        applicant=person,
        business_type="permit_replacement",
        channel="online",
        subject_ref=str(vehicle.public_id),
    )
    app = services.application_submit(
        actor=ENGINE, principal=None, application=app, changes=changes
    )
    return services.application_payment_confirmed(application=app, reference="p")


def test_posted_document_is_tracked_to_delivery(sandbox_server: Any) -> None:
    person = make_person()
    app = paid(person, delivery="post", delivery_address="江苏省南京市玄武区中山路1号")
    assert app.state == "dispatched"
    tracking = app.shipment.tracking_no
    assert Notice.objects.filter(
        template="application.dispatched", params__reason=tracking
    ).exists()
    for _ in range(3):
        assert track_shipments.call() == 0  # not delivered yet
        sandbox_call(
            sandbox_server, "POST", "/post/v1/shipments/advance", {"tracking_no": tracking}
        )
    assert track_shipments.call() == 1
    app.refresh_from_db()
    assert app.state == "completed" and app.shipment.status == "delivered"
    c = Client()
    c.force_login(make_citizen(person))
    page = c.get(f"/applications/{app.public_id}/").content.decode()
    assert tracking in page and "已妥投" in page


def test_post_needs_an_address_and_a_known_delivery() -> None:
    person = make_person(address="")
    with pytest.raises(DomainError) as exc:
        paid(person, delivery="post")
    assert exc.value.code == "address_required"
    with pytest.raises(DomainError) as exc:
        paid(make_person(), delivery="drone")
    assert exc.value.code == "invalid_delivery"


def test_post_down_keeps_it_in_production_until_the_retry(sandbox_server: Any) -> None:
    sandbox_call(
        sandbox_server, "POST", "/_sandbox/faults", {"service": "post", "mode": "error", "count": 1}
    )
    try:
        app = paid(make_person(), delivery="post", delivery_address="江苏省南京市玄武区中山路1号")
        assert app.state == "in_production"
    finally:
        sandbox_call(sandbox_server, "DELETE", "/_sandbox/faults")
    assert dispatch_pending.call() == 1
    app.refresh_from_db()
    assert app.state == "dispatched"


def test_pickup_at_the_window_is_handed_over_by_a_clerk() -> None:
    person = make_person("320102")
    app = paid(person, delivery="pickup")
    assert app.state == "ready"
    assert Notice.objects.filter(template="application.ready").exists()
    citizen = make_citizen(person)
    with pytest.raises(Forbidden):
        services.application_transition(
            actor=Actor.of(citizen), principal=citizen, application=app, command="hand_over"
        )
    clerk = make_staff("counter_clerk", "3201")
    c = Client()
    c.force_login(clerk)
    c.post(f"/applications/{app.public_id}/", {"action": "hand_over"})
    app.refresh_from_db()
    assert app.state == "completed"


def test_plates_replaced_with_the_same_number_physically_only() -> None:
    from jiaoguan.registry.models import Plate, RecordVersion

    person = make_person("320102")
    vehicle = make_vehicle(person)
    app = services.application_start(
        actor=ENGINE,
        applicant=person,
        business_type="plate_replacement",
        channel="online",
        subject_ref=str(vehicle.public_id),
    )
    with pytest.raises(DomainError) as exc:
        services.application_submit(
            actor=ENGINE, principal=None, application=app, changes={"delivery": "electronic"}
        )
    assert exc.value.code == "invalid_delivery"
    app = services.application_submit(actor=ENGINE, principal=None, application=app)
    assert app.delivery == "pickup" and services.fee_total_fen(app) == 10000
    assert app.due_date is not None  # 15 working days (R164 Art. 51)
    app = services.application_payment_confirmed(application=app, reference="p")
    assert app.state == "ready"
    plate = Plate.objects.get(pk=vehicle.plate_id)
    assert plate.number == vehicle.plate.number and plate.issue_count == 2
    assert RecordVersion.objects.filter(
        object_type="plate", object_ref=plate.public_id, action="plate.reissue"
    ).exists()
