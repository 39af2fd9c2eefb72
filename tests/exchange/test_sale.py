"""Sale to a buyer in another province (R164 Art. 27), the transfer deadlines and their daily
sweep, and the online fraud control (R164 Art. 74): service level, one deployment."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import override_settings

from jiaoguan.audit.models import AuditEvent
from jiaoguan.audit.services import Actor
from jiaoguan.cases.services import temporary_plates_void_due
from jiaoguan.documents.constants import DocumentKind, DocumentStatus
from jiaoguan.documents.models import Document
from jiaoguan.documents.selectors import permit_fields
from jiaoguan.documents.services import document_issue
from jiaoguan.exchange import deadlines, sale, services
from jiaoguan.exchange.constants import Direction, TransferKind, TransferState
from jiaoguan.exchange.models import ArchiveTransfer, TransferEvent
from jiaoguan.kernel import clock
from jiaoguan.kernel.errors import Conflict, Forbidden
from jiaoguan.notices.models import Notice
from jiaoguan.registry.constants import PlateStatus
from jiaoguan.registry.models import Plate, Vehicle
from jiaoguan.registry.services import plate_reissue
from tests.conftest import make_person, make_vehicle
from tests.exchange.test_services import CLERK, GD_PUBLIC, PERMS

DAY0 = dt.datetime(2026, 3, 10, 2, 0, tzinfo=dt.UTC)  # 10:00 in Shanghai


def days(n: int) -> Any:
    return clock.frozen(DAY0 + dt.timedelta(days=n))


@pytest.fixture
def peer(db: None) -> Iterator[None]:
    with override_settings(EXCHANGE_PROVINCE="32"):
        services.peer_upsert(
            actor=Actor.system(),
            province_code="44",
            base_url="http://127.0.0.1:9/",
            public_key=GD_PUBLIC,
        )
        yield


@pytest.fixture
def car(db: None) -> Vehicle:
    with days(0):
        v = make_vehicle(make_person("320102"), inspection_valid_until=dt.date(2027, 3, 31))
        document_issue(
            actor=CLERK,
            kind=DocumentKind.DRIVING_PERMIT,
            subject_type="vehicle",
            subject_ref=str(v.public_id),
            holder_person_ref=str(v.owner_person.public_id),  # type: ignore[union-attr]
            fields=permit_fields(v),
        )
    return v


def sell(car: Vehicle, buyer_id: str) -> ArchiveTransfer:
    return services.transfer_out_start(
        actor=CLERK,
        permissions=PERMS,
        scope="32",
        vehicle=car,
        to_region="440106",
        kind=TransferKind.SALE,
        buyer_name="买家",
        buyer_id_number=buyer_id,
    )


# --- rules ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fn", "kw", "due", "overdue_on"),
    [
        (deadlines.archive_upload, "started_on", dt.date(2026, 3, 13), dt.date(2026, 3, 14)),
        (deadlines.transfer_in, "started_on", dt.date(2026, 4, 9), dt.date(2026, 4, 10)),
        (deadlines.new_office_check, "received_on", dt.date(2026, 3, 13), dt.date(2026, 3, 14)),
    ],
)
def test_deadlines_count_from_the_start_day(
    fn: Any, kw: str, due: dt.date, overdue_on: dt.date
) -> None:
    start = dt.date(2026, 3, 10)
    on_time = fn(**{kw: start}, today=due)
    late = fn(**{kw: start}, today=overdue_on)
    assert on_time.due == due and not on_time.overdue and on_time.citation.startswith("R164")
    assert late.overdue


def test_sale_temporary_plate_is_thirty_days() -> None:
    start, end = deadlines.sale_temporary_plate(issued_on=dt.date(2026, 3, 10))
    assert (end - start).days + 1 == 30 and end == dt.date(2026, 4, 8)
    assert not deadlines.temporary_plate_expired(valid_until=end, today=end)
    assert deadlines.temporary_plate_expired(valid_until=end, today=dt.date(2026, 4, 9))


@pytest.mark.parametrize(
    ("count", "threshold", "allowed"), [(0, 3, True), (2, 3, True), (3, 3, False), (9, 0, True)]
)
def test_online_threshold(count: int, threshold: int, allowed: bool) -> None:
    d = deadlines.online_allowed(recent_changes=count, max_changes=threshold, window_days=30)
    assert d.allowed is allowed and d.citation == "R164 Art. 74"
    assert d.code == ("allowed" if allowed else "on_site_only")


# --- the sale ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_sale_takes_back_plates_and_permit_and_issues_a_temporary_plate(
    peer: None, car: Vehicle
) -> None:
    plate_id = car.plate_id
    plate_number = car.plate.number  # type: ignore[union-attr]
    buyer = make_person("440106")
    with days(1):
        transfer = sell(car, buyer.id_number)
        doc = sale.sale_handover(actor=CLERK, permissions=PERMS, scope="32", transfer=transfer)
    car.refresh_from_db()
    assert car.plate_id is None
    plate = Plate.objects.get(pk=plate_id)
    assert plate.status == PlateStatus.RETIRED and plate.retired_at is not None
    permit = Document.objects.get(kind=DocumentKind.DRIVING_PERMIT, subject_ref=str(car.public_id))
    assert permit.status == DocumentStatus.VOID and "taken back" in permit.void_reason
    assert doc.kind == DocumentKind.TEMPORARY_PLATE and doc.status == DocumentStatus.VALID
    assert doc.fields["valid_from"] == "2026-03-11" and doc.fields["valid_until"] == "2026-04-09"
    assert doc.fields["former_plate"] == plate_number and doc.fields["to_region"] == "440106"
    assert doc.holder_person_ref == str(buyer.public_id)
    assert TransferEvent.objects.filter(transfer=transfer, command="handover").count() == 1
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"plate.return", "vehicle.plate_detach", "exchange.transfer_handover"} <= actions
    assert Notice.objects.filter(person=buyer, template="exchange.sale_temporary_plate").exists()
    transfer.refresh_from_db()
    assert transfer.state == TransferState.SENT  # waits for the new office, as any transfer
    with pytest.raises(Conflict) as exc:
        sale.sale_handover(actor=CLERK, permissions=PERMS, scope="32", transfer=transfer)
    assert exc.value.code == "already_handed_over"
    # the temporary plate lapses after its 30th day (the cases app's daily void job)
    with days(30):
        assert temporary_plates_void_due(actor=Actor.system("engine")) == 0
    with days(31):
        assert temporary_plates_void_due(actor=Actor.system("engine")) == 1
    doc.refresh_from_db()
    assert doc.status == DocumentStatus.VOID


@pytest.mark.django_db
def test_handover_refusals(peer: None, car: Vehicle) -> None:
    with days(1):
        move = services.transfer_out_start(
            actor=CLERK, permissions=PERMS, scope="32", vehicle=car, to_region="440106"
        )
        with pytest.raises(Conflict) as exc:
            sale.sale_handover(actor=CLERK, permissions=PERMS, scope="32", transfer=move)
        assert exc.value.code == "not_a_sale"
        with pytest.raises(Forbidden):
            sale.sale_handover(actor=CLERK, permissions=set(), scope="32", transfer=move)
        with pytest.raises(Forbidden):
            sale.sale_handover(actor=CLERK, permissions=PERMS, scope="3205", transfer=move)
    car.refresh_from_db()
    assert car.plate_id is not None  # nothing was taken back


@pytest.mark.django_db
def test_unknown_buyer_gets_the_plate_without_a_notice(peer: None, car: Vehicle) -> None:
    from tests.conftest import new_id_number

    with days(1):
        transfer = sell(car, new_id_number("440106"))
        doc = sale.sale_handover(actor=CLERK, permissions=PERMS, scope="32", transfer=transfer)
    assert doc.holder_person_ref == "" and doc.fields["holder"] == "买家"
    assert not Notice.objects.filter(template="exchange.sale_temporary_plate").exists()


# --- the daily sweep -----------------------------------------------------------------------


@pytest.mark.django_db
def test_sweep_flags_an_unacknowledged_archive_and_a_late_transfer_in(
    peer: None, car: Vehicle
) -> None:
    with days(0):
        transfer = services.transfer_out_start(
            actor=CLERK, permissions=PERMS, scope="32", vehicle=car, to_region="440106"
        )
    with days(3):
        assert sum(sale.transfer_deadlines_sweep().values()) == 0
    with days(4):
        assert sale.transfer_deadlines_sweep()["archive_upload_overdue"] == 1
        assert sum(sale.transfer_deadlines_sweep().values()) == 0  # once only
    assert list(sale.flagged_transfers(scope="32")) == [transfer]
    assert list(sale.flagged_transfers(scope="44")) == []
    assert not Notice.objects.filter(template="exchange.transfer_overdue").exists()
    with days(31):
        assert sale.transfer_deadlines_sweep()["transfer_in_overdue"] == 1
    owner = car.owner_person
    assert Notice.objects.filter(person=owner, template="exchange.transfer_overdue").count() == 1
    codes = {f["code"] for f in sale.flags_of(transfer)}
    assert codes == {"archive_upload_overdue", "transfer_in_overdue"}
    assert AuditEvent.objects.filter(action="exchange.transfer_flag_transfer_in_overdue").exists()
    transfer.refresh_from_db()
    assert transfer.state == TransferState.SENT  # a flag is not a state change


@pytest.mark.django_db
def test_sweep_flags_the_new_office(db: None) -> None:
    person = make_person("440106")
    with days(0):
        now = clock.now()
        received = ArchiveTransfer.objects.create(
            direction=Direction.IN,
            kind=TransferKind.MOVE_OUT,
            state=TransferState.RECEIVED,
            vin="LSVAU2180N2123456",
            owner_person=person,
            from_region="320102",
            to_region="440106",
            region_code="440106",
            rule_version="national-2022",
            created_at=now,
            updated_at=now,
        )
    with days(4):
        counts = sale.transfer_deadlines_sweep()
    assert counts["check_overdue"] == 1 and counts["registration_overdue"] == 0
    with days(31):
        counts = sale.transfer_deadlines_sweep()
    assert counts["registration_overdue"] == 1 and counts["check_overdue"] == 0
    assert Notice.objects.filter(person=person, template="exchange.transfer_overdue").exists()
    assert list(sale.flagged_transfers(scope="44")) == [received]


# --- online fraud control ------------------------------------------------------------------


@pytest.mark.django_db
@override_settings(EXCHANGE_ONLINE_MAX_CHANGES=2, EXCHANGE_ONLINE_WINDOW_DAYS=90)
def test_frequent_replacements_make_the_transfer_on_site_only(peer: None, car: Vehicle) -> None:
    owner = car.owner_person
    assert owner is not None
    acting = Actor(ref=str(owner.public_id), label="owner")
    with days(0):
        plate_reissue(actor=CLERK, vehicle=car, reason="lost")
        plate_reissue(actor=CLERK, vehicle=car, reason="lost again")
    with days(10):
        with pytest.raises(Conflict) as exc:
            sale.transfer_start_online(actor=acting, person=owner, vehicle=car, to_region="440106")
        assert exc.value.code == "on_site_only" and exc.value.citation == "R164 Art. 74"
        # the counter still can
        services.transfer_out_start(
            actor=CLERK, permissions=PERMS, scope="32", vehicle=car, to_region="440106"
        )


@pytest.mark.django_db
@override_settings(EXCHANGE_ONLINE_MAX_CHANGES=2, EXCHANGE_ONLINE_WINDOW_DAYS=90)
def test_old_replacements_do_not_count_and_only_the_owner_applies(peer: None, car: Vehicle) -> None:
    owner = car.owner_person
    assert owner is not None
    acting = Actor(ref=str(owner.public_id), label="owner")
    with days(0):
        plate_reissue(actor=CLERK, vehicle=car, reason="lost")
        plate_reissue(actor=CLERK, vehicle=car, reason="lost again")
    with days(100):
        other = make_person("320102")
        with pytest.raises(Forbidden):
            sale.transfer_start_online(actor=acting, person=other, vehicle=car, to_region="440106")
        transfer = sale.transfer_start_online(
            actor=acting, person=owner, vehicle=car, to_region="440106"
        )
    assert transfer.state == TransferState.SENT and transfer.reason == "online application"


# --- the API -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_handover_and_flags_through_the_api(client: Any, peer: None, car: Vehicle) -> None:
    from tests.conftest import make_staff

    buyer = make_person("440106")
    clerk = make_staff("counter_clerk", "3201")
    client.force_login(clerk)
    with days(1):
        r = client.post(
            "/api/v1/exchange/transfers",
            data={
                "vehicle": str(car.public_id),
                "to_region": "440106",
                "kind": "sale",
                "buyer_name": "买家",
                "buyer_id_number": buyer.id_number,
            },
            content_type="application/json",
        )
        assert r.status_code == 201, r.content
        tid = r.json()["id"]
        r = client.post(f"/api/v1/exchange/transfers/{tid}/handover")
        assert r.status_code == 200, r.content
        assert r.json()["valid_until"] == "2026-04-09" and r.json()["temporary_plate"]
        again = client.post(f"/api/v1/exchange/transfers/{tid}/handover")
        assert again.status_code == 409 and again.json()["code"] == "already_handed_over"
    with days(5):
        sale.transfer_deadlines_sweep()
        items = client.get("/api/v1/exchange/flagged-transfers").json()["items"]
    assert [i["id"] for i in items] == [tid]
    assert items[0]["flags"][0]["code"] == "archive_upload_overdue"
    # another city's clerk sees nothing and cannot hand over
    client.force_login(make_staff("counter_clerk", "3205"))
    assert client.get("/api/v1/exchange/flagged-transfers").json()["items"] == []
    assert client.post(f"/api/v1/exchange/transfers/{tid}/handover").status_code == 404
    assert client.post("/api/v1/exchange/transfers/nope/handover").status_code == 404


@pytest.mark.django_db
@override_settings(EXCHANGE_ONLINE_MAX_CHANGES=1, EXCHANGE_ONLINE_WINDOW_DAYS=90)
def test_owner_starts_online_until_the_threshold(client: Any, peer: None, car: Vehicle) -> None:
    from tests.conftest import make_citizen, make_staff

    owner = car.owner_person
    client.force_login(make_citizen(owner))
    body = {"vehicle": str(car.public_id), "to_region": "440106"}
    with days(1):
        bad = client.post(
            "/api/v1/exchange/online-transfers",
            data={**body, "to_region": "44"},
            content_type="application/json",
        )
        assert bad.status_code == 422 or bad.status_code == 400, bad.content
        plate_reissue(actor=CLERK, vehicle=car, reason="lost")
        r = client.post(
            "/api/v1/exchange/online-transfers", data=body, content_type="application/json"
        )
        assert r.status_code == 409 and r.json()["code"] == "on_site_only", r.content
        with override_settings(EXCHANGE_ONLINE_MAX_CHANGES=0):
            r = client.post(
                "/api/v1/exchange/online-transfers", data=body, content_type="application/json"
            )
        assert r.status_code == 201, r.content
    client.force_login(make_staff("counter_clerk", "3201"))
    r = client.post("/api/v1/exchange/online-transfers", data=body, content_type="application/json")
    assert r.status_code == 403


@pytest.mark.django_db
def test_the_clerk_hands_over_a_sale_and_sees_the_flags_on_the_pages(
    client: Any, peer: None, car: Vehicle
) -> None:
    from tests.conftest import make_staff

    clerk = make_staff("counter_clerk", "3201")
    client.force_login(clerk)
    with days(0):
        transfer = sell(car, make_person("440106").id_number)
        page = client.get(f"/console/transfers/{transfer.public_id}/")
        assert b'data-testid="handover"' in page.content
        done = client.post(f"/console/transfers/{transfer.public_id}/handover/")
        assert done.status_code == 302
        assert Document.objects.filter(
            kind=DocumentKind.TEMPORARY_PLATE, subject_ref=str(car.public_id)
        ).exists()
        again = client.get(f"/console/transfers/{transfer.public_id}/")
        assert b'data-testid="handover"' not in again.content  # once only
        twice = client.post(f"/console/transfers/{transfer.public_id}/handover/")
        assert twice.status_code == 409
    with days(31):
        sale.transfer_deadlines_sweep()
        desk = client.get("/console/transfers/")
        assert b'data-testid="flagged"' in desk.content and transfer.vin.encode() in desk.content
        detail = client.get(f"/console/transfers/{transfer.public_id}/")
        assert b"transfer_in_overdue" in detail.content


@pytest.mark.django_db
@override_settings(EXCHANGE_ONLINE_MAX_CHANGES=1, EXCHANGE_ONLINE_WINDOW_DAYS=90)
def test_owner_starts_a_move_on_the_portal_page(client: Any, peer: None, car: Vehicle) -> None:
    from tests.conftest import make_citizen

    client.force_login(make_citizen(car.owner_person))
    body = {"vehicle": str(car.public_id), "to_region": "440106", "kind": "move_out"}
    with days(1):
        page = client.get("/portal/transfers/")
        assert b'data-testid="online-start"' in page.content
        bad = client.post("/portal/transfers/", {**body, "to_region": "44"})
        assert bad.status_code == 422 and b'id="id_to_region-error"' in bad.content
        plate_reissue(actor=CLERK, vehicle=car, reason="lost")
        refused = client.post("/portal/transfers/", body)  # R164 Art. 74: go to a counter
        assert refused.status_code == 422 and b'id="id_vehicle-error"' in refused.content
        assert not ArchiveTransfer.objects.exists()
        with override_settings(EXCHANGE_ONLINE_MAX_CHANGES=0):
            done = client.post("/portal/transfers/", body)
        assert done.status_code == 302
    transfer = ArchiveTransfer.objects.get()
    assert (transfer.vin, transfer.direction) == (car.vin, Direction.OUT)
