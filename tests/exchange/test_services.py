"""The exchange in one process: rules, signatures, the inbox's refusals and its idempotence,
and the old office's side of the archive transfer."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client, override_settings

from jiaoguan.audit.models import AuditEvent
from jiaoguan.audit.services import Actor
from jiaoguan.exchange import rules, services, signing
from jiaoguan.exchange.constants import OutboxState, TransferState
from jiaoguan.exchange.models import ArchiveTransfer, InboxMessage, OutboxMessage
from jiaoguan.kernel import clock
from jiaoguan.kernel.errors import Conflict, DomainError, Forbidden
from jiaoguan.registry.constants import VehicleClass, VehicleStatus, VehicleUse
from jiaoguan.registry.models import Vehicle
from tests.conftest import make_citizen, make_person, make_staff, make_vehicle

PERMS = {services.HANDLE_PERMISSION}
CLERK = Actor(ref="clerk", label="clerk", role="counter_clerk")
GD_SEED, GD_PUBLIC = signing.new_key()
INBOX = "/api/v1/exchange/inbox"


@pytest.fixture
def guangdong(db: None) -> Any:
    """广东 (44) as a configured peer of this deployment (江苏, 32)."""
    with override_settings(EXCHANGE_PROVINCE="32"):
        yield services.peer_upsert(
            actor=Actor.system(),
            province_code="44",
            base_url="http://127.0.0.1:9/",
            public_key=GD_PUBLIC,
        )


def from_guangdong(type: str, body: dict[str, Any], **over: Any) -> dict[str, Any]:
    with override_settings(EXCHANGE_PROVINCE="44", EXCHANGE_PRIVATE_KEY=GD_SEED):
        env = signing.envelope(
            type=type, to="32", body=body, message_id=uuid.uuid4(), created=clock.now()
        )
    env.update(over)
    return env


# --- rules ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "cls", "use", "to", "code"),
    [
        (dt.date(2018, 8, 31), "small_passenger", "non_commercial", "440106", "not_in_force"),
        (dt.date(2018, 9, 1), "small_passenger", "non_commercial", "440106", "allowed"),
        (dt.date(2019, 5, 1), "small_passenger", "non_commercial", "110105", "pilot_city"),
        (dt.date(2019, 5, 1), "light_truck", "non_commercial", "440106", "pilot_class"),
        (dt.date(2019, 5, 1), "small_passenger", "commercial", "440106", "pilot_class"),
        (dt.date(2022, 4, 30), "light_truck", "commercial", "110105", "pilot_class"),
        (dt.date(2022, 5, 1), "light_truck", "commercial", "110105", "allowed"),
        (dt.date(2022, 5, 1), "small_passenger", "non_commercial", "320505", "same_province"),
    ],
)
def test_archive_transfer_rollout(day: dt.date, cls: str, use: str, to: str, code: str) -> None:
    decision = rules.archive_transfer(
        on=day, vehicle_class=cls, use=use, from_region="320102", to_region=to
    )
    assert decision.code == code and decision.allowed == (code == "allowed")
    assert decision.citation


def test_pilot_cities_are_the_fifteen() -> None:
    assert len(rules.PILOT_CITIES) == 15
    assert {"南京", "广州", "重庆", "柳州"} <= set(rules.PILOT_CITIES.values())


def test_inspection_anywhere_excludes_large_and_school_buses() -> None:
    assert rules.inspection_anywhere(vehicle_class="small_passenger").allowed
    assert rules.inspection_anywhere(vehicle_class="medium_passenger").allowed
    assert not rules.inspection_anywhere(vehicle_class="large_passenger").allowed
    assert not rules.inspection_anywhere(vehicle_class="small_passenger", school_bus=True).allowed


# --- signatures ----------------------------------------------------------------------------


def test_envelope_signature_covers_every_field() -> None:
    env = from_guangdong("archive.registered", {"transfer": "x", "plate": "粤A20001"})
    assert set(env) == {"id", "type", "from", "to", "created", "body", "signature"}
    assert signing.verify_envelope(env, GD_PUBLIC)
    for field, value in [("to", "11"), ("type", "archive.rejected"), ("from", "45")]:
        assert not signing.verify_envelope({**env, field: value}, GD_PUBLIC)
    assert not signing.verify_envelope({**env, "body": {"transfer": "y"}}, GD_PUBLIC)
    _other_seed, other_public = signing.new_key()
    assert not signing.verify_envelope(env, other_public)
    # the canonical form does not depend on key order or spacing
    shuffled = json.loads(json.dumps(dict(reversed(list(env.items()))), indent=2))
    assert signing.verify_envelope(shuffled, GD_PUBLIC)


# --- the inbox -----------------------------------------------------------------------------


def post(client: Client, payload: Any) -> Any:
    data = payload if isinstance(payload, bytes) else json.dumps(payload)
    return client.post(INBOX, data=data, content_type="application/json")


@pytest.mark.django_db
def test_inbox_applies_once_and_acks_repeats(client: Client, guangdong: Any) -> None:
    env = from_guangdong("archive.registered", {"transfer": str(uuid.uuid4()), "plate": "粤A1"})
    first = post(client, env)
    assert first.status_code == 200, first.content
    assert first.json() == {
        "ack": env["id"],
        "duplicate": False,
        "result": {"outcome": "unknown_transfer"},
    }
    second = post(client, env)
    assert second.status_code == 200 and second.json()["duplicate"] is True
    msg = InboxMessage.objects.get(message_id=env["id"])
    assert msg.deliveries == 2
    actions = list(AuditEvent.objects.filter(object_ref=env["id"]).values_list("action", flat=True))
    assert sorted(actions) == ["exchange.message_apply", "exchange.message_duplicate"]


@pytest.mark.django_db
def test_inbox_refusals_are_problems(client: Client, guangdong: Any) -> None:
    body = {"transfer": str(uuid.uuid4())}
    env = from_guangdong("archive.registered", body)
    cases = [
        ({**env, "signature": env["signature"][::-1]}, 403, "bad_signature"),
        ({**env, "body": {"transfer": "forged"}}, 403, "bad_signature"),
        (from_guangdong("archive.registered", body, **{"from": "45"}), 403, "unknown_sender"),
        (from_guangdong("archive.registered", body, to="11"), 400, "wrong_recipient"),
        (from_guangdong("no.such.type", body), 400, "unknown_type"),
        ({k: v for k, v in env.items() if k != "created"}, 400, "malformed"),
        ({**env, "id": "not-a-uuid"}, 400, "malformed"),
        ({**env, "body": []}, 400, "malformed"),
        ([1, 2], 400, "malformed"),
        (b"\xff\xfe not json", 400, "malformed"),
    ]
    for payload, status, code in cases:
        r = post(client, payload)
        assert r.status_code == status, (payload, r.content)
        assert r["Content-Type"].startswith("application/problem+json")
        assert r.json()["code"] == code
    assert InboxMessage.objects.count() == 0


@pytest.mark.django_db
def test_inbox_refuses_an_id_reused_for_other_content(client: Client, guangdong: Any) -> None:
    env = from_guangdong("archive.registered", {"transfer": str(uuid.uuid4())})
    assert post(client, env).status_code == 200
    other = from_guangdong("archive.registered", {"transfer": str(uuid.uuid4())}, id=env["id"])
    with override_settings(EXCHANGE_PROVINCE="44", EXCHANGE_PRIVATE_KEY=GD_SEED):
        other["signature"] = signing.sign_bytes(
            signing.canonical({k: v for k, v in other.items() if k != "signature"})
        )
    r = post(client, other)
    assert r.status_code == 409 and r.json()["code"] == "id_reused"


@pytest.mark.django_db
def test_an_unconfigured_deployment_answers_503(client: Client) -> None:
    env = from_guangdong("archive.registered", {"transfer": str(uuid.uuid4())})
    with override_settings(EXCHANGE_PROVINCE=""):
        r = post(client, env)
        assert r.status_code == 503 and r.json()["code"] == "exchange_not_configured"
        assert client.get("/api/v1/exchange/key").status_code == 503


@pytest.mark.django_db
def test_published_key(client: Client) -> None:
    r = client.get("/api/v1/exchange/key")
    assert r.status_code == 200
    assert r.json()["algorithm"] == "Ed25519"
    assert r.json()["public_key"] == signing.own_public_key()


# --- the old office ------------------------------------------------------------------------


@pytest.fixture
def car(db: None) -> Vehicle:
    return make_vehicle(make_person("320102"), inspection_valid_until=dt.date(2027, 3, 31))


@pytest.fixture
def on_2026() -> Iterator[None]:
    with clock.frozen(dt.datetime(2026, 3, 10, 2, 0, tzinfo=dt.UTC)):
        yield


def start(vehicle: Vehicle, **kw: Any) -> ArchiveTransfer:
    values: dict[str, Any] = {
        "actor": CLERK,
        "permissions": PERMS,
        "scope": "32",
        "vehicle": vehicle,
        "to_region": "440106",
    }
    values.update(kw)
    return services.transfer_out_start(**values)


@pytest.mark.django_db
def test_move_out_seals_and_queues_the_archive(guangdong: Any, car: Vehicle, on_2026: None) -> None:
    transfer = start(car)
    car.refresh_from_db()
    assert car.status == VehicleStatus.TRANSFERRING
    assert transfer.state == TransferState.SENT and transfer.rule_version == "national-2022"
    msg = OutboxMessage.objects.get()
    assert msg.state == OutboxState.PENDING and msg.to_province == "44"
    env = msg.envelope
    assert env["from"] == "32" and env["to"] == "44" and env["type"] == "archive.transfer"
    assert signing.verify_envelope(env, signing.own_public_key())
    archive = env["body"]["archive"]
    assert signing.verify_bytes(
        signing.canonical(archive), env["body"]["seal"], signing.own_public_key()
    )
    assert archive["vehicle"]["vin"] == car.vin
    assert archive["owner"]["id_number"] == car.owner_person.id_number  # type: ignore[union-attr]
    assert [h["action"] for h in archive["history"]] == ["vehicle.register"]
    assert signing.digest(archive) == transfer.archive_digest
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"vehicle.transfer_out", "exchange.message_queue", "exchange.transfer_send"} <= actions
    # a second start while the first is under way is refused
    with pytest.raises(Conflict) as exc:
        start(car)
    assert exc.value.code == "vehicle_not_normal"


@pytest.mark.django_db
def test_move_out_refusals(guangdong: Any, car: Vehicle, on_2026: None) -> None:
    with pytest.raises(Forbidden):
        start(car, permissions=set())
    with pytest.raises(Forbidden):
        start(car, scope="3205")  # a Suzhou clerk, a Nanjing car
    with pytest.raises(DomainError) as exc:
        start(car, to_region="320505")
    assert exc.value.code == "same_province"
    with pytest.raises(DomainError) as exc:
        start(car, to_region="110105")  # no exchange with Beijing configured
    assert exc.value.code == "unknown_peer"
    with pytest.raises(DomainError):
        start(car, to_region="44")
    with clock.frozen(dt.datetime(2019, 5, 1, 2, 0, tzinfo=dt.UTC)):
        truck = make_vehicle(make_person("320102"))
        Vehicle.objects.filter(pk=truck.pk).update(
            vehicle_class=VehicleClass.LIGHT_TRUCK, use=VehicleUse.COMMERCIAL
        )
        with pytest.raises(DomainError) as exc:
            start(truck)
        assert exc.value.code == "pilot_class" and "pilot" in (exc.value.citation or "")
    assert not OutboxMessage.objects.exists() and not ArchiveTransfer.objects.exists()
    car.refresh_from_db()
    assert car.status == VehicleStatus.NORMAL


@pytest.mark.django_db
def test_open_violations_block_the_move(guangdong: Any, car: Vehicle) -> None:
    from tests.violations.conftest import record

    officer = make_staff("police_officer", "3201")
    record({"vehicle": car, "officer": officer})
    with pytest.raises(Conflict) as exc:
        start(car)
    assert exc.value.code == "violations_open" and exc.value.citation == "R164 Art. 18"
    assert not OutboxMessage.objects.exists()


@pytest.mark.django_db
def test_a_paid_violation_no_longer_blocks_the_move(guangdong: Any, car: Vehicle) -> None:
    """Paid is handled: the decision stays "paid" only until its points are settled at the
    cycle end, which must not hold up the owner (violations.selectors.UNHANDLED_STATES)."""
    from jiaoguan.violations.models import Violation
    from tests.violations.conftest import record

    officer = make_staff("police_officer", "3201")
    violation = record({"vehicle": car, "officer": officer})
    Violation.objects.filter(pk=violation.pk).update(state="paid")
    start(car)
    assert OutboxMessage.objects.count() == 1


@pytest.mark.django_db
def test_rejection_from_the_new_office_restores_the_vehicle(
    client: Client, guangdong: Any, car: Vehicle, on_2026: None
) -> None:
    transfer = start(car)
    env = from_guangdong(
        "archive.rejected", {"transfer": str(transfer.public_id), "reason": "vin_registered_here"}
    )
    assert post(client, env).json()["result"]["outcome"] == "refused"
    transfer.refresh_from_db()
    car.refresh_from_db()
    assert transfer.state == TransferState.REJECTED and car.status == VehicleStatus.NORMAL
    # a message about the same transfer from a province it was not sent to changes nothing
    with override_settings(EXCHANGE_PROVINCE="32"):
        services.peer_upsert(
            actor=Actor.system(),
            province_code="45",
            base_url="http://127.0.0.1:9",
            public_key=GD_PUBLIC,
        )
    env = from_guangdong(
        "archive.registered", {"transfer": str(transfer.public_id)}, **{"from": "45"}
    )
    with override_settings(EXCHANGE_PROVINCE="45", EXCHANGE_PRIVATE_KEY=GD_SEED):
        env["signature"] = signing.sign_bytes(
            signing.canonical({k: v for k, v in env.items() if k != "signature"})
        )
    assert post(client, env).json()["result"]["outcome"] == "unknown_transfer"


# --- the API -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_clerk_starts_a_move_through_the_api(
    client: Client, guangdong: Any, car: Vehicle, on_2026: None
) -> None:
    clerk = make_staff("counter_clerk", "3201")
    client.force_login(clerk)
    r = client.post(
        "/api/v1/exchange/transfers",
        data={"vehicle": str(car.public_id), "to_region": "440106"},
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["state"] == "sent" and body["direction"] == "out"
    assert [e["command"] for e in body["events"]] == ["send"]
    assert client.get("/api/v1/exchange/transfers").json()["items"][0]["id"] == body["id"]
    # another city's clerk sees nothing and cannot open it
    client.force_login(make_staff("counter_clerk", "3205"))
    assert client.get("/api/v1/exchange/transfers").json()["items"] == []
    assert client.get(f"/api/v1/exchange/transfers/{body['id']}").status_code == 404
    # the owner sees the status of their own transfer
    client.force_login(make_citizen(car.owner_person))
    mine = client.get(f"/api/v1/exchange/transfers/{body['id']}")
    assert mine.status_code == 200 and mine.json()["state"] == "sent"
    # a citizen cannot start one
    r = client.post(
        "/api/v1/exchange/transfers",
        data={"vehicle": str(car.public_id), "to_region": "440106"},
        content_type="application/json",
    )
    assert r.status_code in (403, 409)
    assert client.get("/api/v1/exchange/transfers/not-a-uuid").status_code == 404


# --- inspection anywhere -------------------------------------------------------------------


def _items(outcome: str = "pass") -> dict[str, Any]:
    from jiaoguan.inspection.constants import InspectionItem

    return {
        k: {"outcome": outcome, "fix": "修" if outcome == "fail" else ""}
        for k in InspectionItem.values
    }


@pytest.mark.django_db
def test_station_sends_a_foreign_result_home(guangdong: Any) -> None:
    from tests.inspection.stations_fixtures import make_station, station_staff

    staff = station_staff(make_station("3201"))
    record: dict[str, Any] = {
        "actor": Actor.of(staff),
        "principal": staff,
        "home_province": "44",
        "plate_number": "粤A12345",
        "vin": "",
        "vehicle_class": "small_passenger",
        "items": _items(),
    }
    import random

    from jiaoguan.demo.seed import make_vin

    record["vin"] = make_vin(random.Random(5), 123_456, 2020)
    inspection = services.foreign_inspection_record(**record)
    msg = OutboxMessage.objects.get(type="inspection.result")
    assert msg.to_province == "44" and msg.envelope["body"]["outcome"] == "pass"
    assert msg.envelope["body"]["inspection"] == str(inspection.public_id)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"vehicle_class": "large_passenger"}, "not_elsewhere"),
        ({"home_province": "32"}, "registered_here"),
        ({"home_province": "11"}, "unknown_peer"),
        ({"vehicle_class": "tank"}, "invalid_class"),
        ({"items": {}}, "items_missing"),
    ]
    for change, code in cases:
        with pytest.raises(DomainError) as exc:
            services.foreign_inspection_record(**{**record, **change})
        assert exc.value.code == code, change
    clerk = make_staff("counter_clerk", "3201")
    with pytest.raises(Forbidden):
        services.foreign_inspection_record(**{**record, "principal": clerk})
    assert OutboxMessage.objects.count() == 1


@pytest.mark.django_db
def test_home_province_records_a_pass_and_answers(client: Client, guangdong: Any) -> None:
    from tests.inspection.stations_fixtures import due_car

    car = due_car(years=6, days_left=10, today=clock.today())
    assert car.plate is not None and car.inspection_valid_until is not None
    body = {
        "inspection": str(uuid.uuid4()),
        "vin": car.vin,
        "plate": car.plate.number,
        "vehicle_class": "small_passenger",
        "outcome": "pass",
        "items": _items(),
        "inspected_on": clock.today().isoformat(),
        "station": "广州市检测站",
        "station_region": "440106",
    }
    r = post(client, from_guangdong("inspection.result", body))
    assert r.status_code == 200 and r.json()["result"]["outcome"] == "recorded"
    car.refresh_from_db()
    assert car.inspection_valid_until.isoformat() == r.json()["result"]["valid_until"]
    answer = OutboxMessage.objects.get(type="inspection.recorded")
    assert answer.to_province == "44" and answer.envelope["body"]["label"]
    # a wrong plate is refused (and answered), nothing recorded
    before = car.inspection_valid_until
    wrong = {**body, "inspection": str(uuid.uuid4()), "plate": "苏A00000"}
    r = post(client, from_guangdong("inspection.result", wrong))
    assert r.json()["result"] == {
        "inspection": wrong["inspection"],
        "outcome": "refused",
        "reason": "plate_mismatch",
    }
    car.refresh_from_db()
    assert car.inspection_valid_until == before
    assert OutboxMessage.objects.filter(type="inspection.recorded").count() == 2


# --- the new office, in one process --------------------------------------------------------


def _archive_from_guangdong(vin: str, id_number: str, to_region: str = "320102") -> dict[str, Any]:
    transfer = str(uuid.uuid4())
    archive = {
        "format": "jiaoguan.archive/1",
        "transfer": transfer,
        "kind": "move_out",
        "sealed_at": "2026-03-09T02:00:00+00:00",
        "from_office": "440106",
        "to_region": to_region,
        "vehicle": {
            "public_id": str(uuid.uuid4()),
            "vin": vin,
            "plate": "粤A12345",
            "brand": "比亚迪",
            "model_name": "秦",
            "colour": "白",
            "vehicle_class": "small_passenger",
            "use": "non_commercial",
            "seats": 5,
            "fuel": "bev",
            "van": False,
            "manufacture_date": "2021-01-01",
            "registration_date": "2021-02-01",
            "inspection_valid_until": "2027-02-28",
        },
        "owner": {"name": "陈晓", "id_number": id_number, "address": "南京市玄武区"},
        "history": [],
        "documents": [],
    }
    with override_settings(EXCHANGE_PROVINCE="44", EXCHANGE_PRIVATE_KEY=GD_SEED):
        seal = signing.sign_bytes(signing.canonical(archive))
    return from_guangdong(
        "archive.transfer", {"transfer": transfer, "archive": archive, "seal": seal}
    )


@pytest.mark.django_db
def test_incoming_archive_through_the_clerks_api(
    client: Client, guangdong: Any, on_2026: None
) -> None:
    import random

    from jiaoguan.demo.seed import make_vin
    from jiaoguan.plates import services as plates
    from jiaoguan.plates.constants import Channel
    from jiaoguan.plates.models import SelectionRight
    from tests.conftest import new_id_number
    from tests.plates.conftest import released_pool

    vin = make_vin(random.Random(77), 424_242, 2021)
    env = _archive_from_guangdong(vin, new_id_number("320102"))
    r = post(client, env)
    assert r.json()["result"]["outcome"] == "received", r.content
    transfer_id = env["body"]["transfer"]

    released_pool()
    clerk = make_staff("counter_clerk", "3201")
    client.force_login(clerk)
    base = f"/api/v1/exchange/transfers/{transfer_id}"
    r = client.post(base + "/register", content_type="application/json")
    assert r.status_code == 409  # not accepted yet
    r = client.post(base + "/accept", data={"prefix": "苏A"}, content_type="application/json")
    assert r.status_code == 200 and r.json()["state"] == "selecting", r.content
    r = client.post(base + "/register", content_type="application/json")
    assert r.status_code == 409 and r.json()["code"] == "number_not_selected"

    transfer = ArchiveTransfer.objects.get(public_id=transfer_id)
    right = SelectionRight.objects.get(public_id=transfer.selection_right_ref)
    owner = plates.Acting(Actor(ref=str(right.person.public_id), label="owner"), Channel.ONLINE)
    draw = plates.draw_make(acting=owner, right=right)
    held = plates.plate_pick(acting=owner, right=right, draw=draw, number=draw.candidates[0])
    plates.plate_confirm(actor=CLERK, reservation=held)

    r = client.post(base + "/register", content_type="application/json")
    assert r.status_code == 200 and r.json()["state"] == "registered", r.content
    assert r.json()["new_plate"] == draw.candidates[0]
    vehicle = Vehicle.objects.get(vin=vin)
    assert vehicle.plate is not None and vehicle.plate.number == draw.candidates[0]
    assert vehicle.registration_date == dt.date(2021, 2, 1)
    assert vehicle.region_code == "320102" and vehicle.status == VehicleStatus.NORMAL
    answer = OutboxMessage.objects.get(type="archive.registered")
    assert answer.to_province == "44"
    assert answer.envelope["body"] == {"transfer": transfer_id, "plate": draw.candidates[0]}
    # a clerk elsewhere neither sees nor moves it
    client.force_login(make_staff("counter_clerk", "3205"))
    assert (
        client.post(
            base + "/reject", data={"reason": "x"}, content_type="application/json"
        ).status_code
        == 404
    )


@pytest.mark.django_db
def test_incoming_archive_refusals_answer_the_old_office(client: Client, guangdong: Any) -> None:
    from tests.conftest import new_id_number

    car = make_vehicle(make_person("320102"))
    # the VIN is registered here already
    env = _archive_from_guangdong(car.vin, new_id_number("320102"))
    assert post(client, env).json()["result"] == {
        "outcome": "rejected",
        "reason": "vin_registered_here",
    }
    # a seal that does not verify (the archive was altered after sealing)
    import random

    from jiaoguan.demo.seed import make_vin

    env = _archive_from_guangdong(make_vin(random.Random(8), 777_001, 2021), new_id_number())
    env["body"]["archive"]["owner"]["name"] = "李四"
    with override_settings(EXCHANGE_PROVINCE="44", EXCHANGE_PRIVATE_KEY=GD_SEED):
        env["signature"] = signing.sign_bytes(
            signing.canonical({k: v for k, v in env.items() if k != "signature"})
        )
    assert post(client, env).json()["result"]["reason"] == "bad_archive_seal"
    rejected = OutboxMessage.objects.filter(type="archive.rejected")
    assert rejected.count() == 2 and {m.to_province for m in rejected} == {"44"}
    assert ArchiveTransfer.objects.filter(state=TransferState.REJECTED).count() == 2
