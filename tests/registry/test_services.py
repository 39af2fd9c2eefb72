from __future__ import annotations

import pytest
from django.db import connection

from jiaoguan.kernel.errors import Conflict, DomainError, Forbidden, InvalidIdentifier
from jiaoguan.registry import services
from jiaoguan.registry.models import Person, RecordVersion, Vehicle
from tests.conftest import make_licence, make_person, make_vehicle

pytestmark = pytest.mark.django_db

STATUS_PERM = {"registry.change_vehicle_status"}


def test_person_identifiers_are_encrypted_at_rest_and_found_by_blind_index(system) -> None:
    person = make_person(id_number="11010519491231002X", phone="13812345678", county="110105")
    with connection.cursor() as cur:
        cur.execute("SELECT * FROM registry_person WHERE id = %s", [person.pk])
        raw = repr(cur.fetchone())
    assert "11010519491231002X" not in raw and "13812345678" not in raw
    found = Person.objects.get(id_number_index=services.id_number_index("11010519491231002X"))
    assert found.id_number == "11010519491231002X"
    assert found.id_number_masked == "110105********002X"
    assert found.phone_masked == "138****5678"
    assert (found.sex, found.birth_date.isoformat()) == ("F", "1949-12-31")


def test_person_legacy_15_digit_number_is_stored_as_18(system) -> None:
    person = make_person(id_number="110105491231002")  # GB 11643-1989 form of the Annex A example
    assert person.id_number == "11010519491231002X"


def test_duplicate_person_is_refused(system) -> None:
    make_person(id_number="370101190102039973")
    with pytest.raises(Conflict) as exc:
        make_person(id_number="370101190102039973")
    assert exc.value.field == "id_number"


def test_bad_id_number_names_the_problem(system) -> None:
    with pytest.raises(InvalidIdentifier) as exc:
        make_person(id_number="110105194912310021")
    assert exc.value.code == "bad_check_character"


def test_contact_change_keeps_history(system) -> None:
    person = make_person()
    services.person_contact_update(
        actor=system, person=person, phone="13900001111", address="南京市玄武区中山路1号"
    )
    person.refresh_from_db()
    assert person.phone == "13900001111" and person.version == 2
    versions = RecordVersion.objects.filter(object_ref=person.public_id).order_by("version")
    assert [v.version for v in versions] == [1, 2]
    assert versions[1].snapshot["phone_masked"] == "139****1111"
    assert "13900001111" not in repr(versions[1].snapshot)


def test_bad_phone_is_refused(system) -> None:
    person = make_person()
    with pytest.raises(DomainError) as exc:
        services.person_contact_update(actor=system, person=person, phone="12345")
    assert (exc.value.code, exc.value.field) == ("invalid_phone", "phone")


def test_vehicle_register_and_duplicates(system) -> None:
    owner = make_person()
    vehicle = make_vehicle(owner, plate="苏A12345")
    assert vehicle.plate is not None and vehicle.plate.kind == "02"
    assert (vehicle.city_code, vehicle.province_code) == (owner.region_code[:4], "32")
    with pytest.raises(Conflict) as exc:
        make_vehicle(owner, plate="苏A12345")
    assert exc.value.code == "plate_taken"


def test_vehicle_needs_exactly_one_owner(system) -> None:
    import datetime as dt

    with pytest.raises(DomainError) as exc:
        services.vehicle_register(
            actor=system,
            vin="LSJA24U62JG269225",
            plate_number="苏A54321",
            region_code="320102",
            vehicle_class="small_passenger",
            use="non_commercial",
            seats=5,
            fuel="petrol",
            manufacture_date=dt.date(2018, 1, 1),
            registration_date=dt.date(2018, 2, 1),
        )
    assert exc.value.code == "owner_required"


def test_vehicle_status_workflow(system) -> None:
    vehicle = make_vehicle(make_person())
    v = services.vehicle_status_change(
        actor=system,
        vehicle=vehicle,
        command="mortgage",
        reason="银行贷款",
        permissions=STATUS_PERM,
    )
    assert v.status == "mortgaged" and v.version == 2
    with pytest.raises(Conflict) as exc:
        services.vehicle_status_change(
            actor=system,
            vehicle=vehicle,
            command="deregister",
            reason="报废",
            permissions=STATUS_PERM,
        )
    assert exc.value.code == "transition_not_allowed" and exc.value.citation
    with pytest.raises(Forbidden):
        services.vehicle_status_change(
            actor=system,
            vehicle=vehicle,
            command="release_mortgage",
            reason="还清",
            permissions=set(),
        )
    with pytest.raises(DomainError) as exc2:
        services.vehicle_status_change(
            actor=system, vehicle=vehicle, command="fly", reason="x", permissions=STATUS_PERM
        )
    assert exc2.value.code == "unknown_command"
    v = services.vehicle_status_change(
        actor=system,
        vehicle=vehicle,
        command="release_mortgage",
        reason="还清",
        permissions=STATUS_PERM,
    )
    assert Vehicle.objects.get(pk=vehicle.pk).status == "normal"
    assert RecordVersion.objects.filter(object_ref=vehicle.public_id).count() == 3


def test_failed_service_leaves_no_trace(system) -> None:
    """A refusal rolls back the whole transaction: no half-written row, no audit row."""
    from jiaoguan.audit.models import AuditEvent

    vehicle = make_vehicle(make_person())
    before = AuditEvent.objects.count()
    with pytest.raises(Conflict):
        services.vehicle_status_change(
            actor=system,
            vehicle=vehicle,
            command="release_seizure",
            reason="x",
            permissions=STATUS_PERM,
        )
    assert AuditEvent.objects.count() == before


def test_licence_terms(system) -> None:
    person = make_person()
    lic = make_licence(person, classes=["C1", "D"])
    assert lic.class_list == ["C1", "D"] and lic.valid_until is not None
    assert lic.valid_until.year - lic.valid_from.year == 10
    with pytest.raises(Conflict):
        make_licence(person)
