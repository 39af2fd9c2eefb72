"""Business that produces documents, and business that waits on a data link."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from jiaoguan.audit.services import Actor
from jiaoguan.cases import services
from jiaoguan.cases.models import Application
from jiaoguan.cases.tasks import recheck_applications
from jiaoguan.documents.models import Document
from jiaoguan.documents.selectors import verify
from jiaoguan.kernel import clock
from jiaoguan.registry.models import DrivingLicence, Person
from sandbox import hospital
from tests.accounts.test_accounts import sandbox_call
from tests.conftest import make_citizen, make_licence, make_person, make_staff, make_vehicle

pytestmark = pytest.mark.django_db
ENGINE = Actor.system("tests")


def run(person: Person, code: str, subject: str = "", **changes: Any) -> Application:
    app = services.application_start(
        actor=ENGINE, applicant=person, business_type=code, channel="online", subject_ref=subject
    )
    app = services.application_submit(
        actor=ENGINE, principal=None, application=app, changes=changes or None
    )
    if app.state == "awaiting_payment":
        app = services.application_payment_confirmed(application=app, reference="paid")
    return app


def test_permit_replacement_issues_a_new_version_and_voids_the_old() -> None:
    person = make_person()
    vehicle = make_vehicle(person)
    first = run(person, "permit_replacement", str(vehicle.public_id))
    assert first.state == "completed" and first.form["vin"] == vehicle.vin
    second = run(person, "permit_replacement", str(vehicle.public_id))
    assert second.state == "completed"
    docs = list(Document.objects.filter(subject_ref=str(vehicle.public_id)).order_by("version"))
    assert [(d.version, d.status) for d in docs] == [(1, "superseded"), (2, "valid")]
    checked = verify(docs[0].token)
    assert checked.status == "superseded" and checked.claims["fields"]["vin"] == vehicle.vin
    assert verify(docs[1].token).status == "valid"


def test_vehicle_business_only_for_own_vehicles() -> None:
    from jiaoguan.kernel.errors import NotFound

    other_vehicle = make_vehicle(make_person())
    with pytest.raises(NotFound):
        services.application_start(
            actor=ENGINE,
            applicant=make_person(),
            business_type="permit_replacement",
            channel="online",
            subject_ref=str(other_vehicle.public_id),
        )


def test_certificate_replacement_is_reviewed_by_a_person() -> None:
    from jiaoguan.cases.uploads import application_attach
    from tests.cases.test_uploads import png

    person = make_person()
    vehicle = make_vehicle(person)
    app = services.application_start(
        actor=ENGINE,
        applicant=person,
        business_type="certificate_replacement",
        channel="online",
        subject_ref=str(vehicle.public_id),
    )
    owner = make_citizen(person)  # attaches the VIN rubbing, then submits
    application_attach(
        actor=Actor.of(owner),
        principal=owner,
        application=app,
        material="vin_rubbing",
        content=png(),
    )
    app = services.application_submit(actor=ENGINE, principal=None, application=app)
    app = services.application_payment_confirmed(application=app, reference="paid")
    assert app.state == "under_review" and not Document.objects.exists()
    reviewer = make_staff("reviewer", person.region_code[:4])
    app = services.application_review(
        actor=Actor.of(reviewer), principal=reviewer, application=app, command="approve"
    )
    assert app.state == "completed"
    assert Document.objects.get().kind == "registration_certificate"


def test_licence_replacement_keeps_the_number() -> None:
    person = make_person()
    make_licence(person)
    run(person, "licence_replacement")
    run(person, "licence_replacement")
    docs = list(Document.objects.order_by("version"))
    assert len(docs) == 2 and docs[0].number == docs[1].number
    assert docs[1].fields["licence_number"].count("*") == 8  # masked as on the e-licence


def _renewable(person: Person) -> DrivingLicence:
    licence = make_licence(person)
    DrivingLicence.objects.filter(pk=licence.pk).update(
        valid_until=clock.today() + dt.timedelta(days=30), term="6y"
    )
    return licence


def _person_with_medical(status: str) -> Person:
    """A person whose hospital record says ``status`` today ("fit" means fit and still valid)."""
    from sandbox import vehicles

    today = clock.today()

    def wanted(number: str) -> bool:
        record = hospital.driver_medical(number, today)
        return record["status"] == status and (
            status != "fit" or dt.date.fromisoformat(record["valid_until"]) >= today
        )

    number = vehicles.find_id_number(wanted)
    return make_person(id_number=number, county=number[:6])


def test_renewal_checks_the_medical_certificate_through_the_hospital_link() -> None:
    person = _person_with_medical("fit")
    _renewable(person)
    app = run(person, "licence_renewal")
    assert app.state == "completed", app.refusal
    assert app.checks["medical_certificate"]["status"] == "ok"
    licence = DrivingLicence.objects.get(person=person)
    assert licence.term == "10y"  # no 12-point period during a 6-year term (R162 Art. 62)
    assert Document.objects.get(kind="driving_licence").status == "valid"


def test_renewal_refused_without_a_fit_certificate() -> None:
    person = _person_with_medical("unfit")
    _renewable(person)
    app = run(person, "licence_renewal")
    assert app.state == "rejected" and app.refusal["code"] == "medical_unfit"
    assert app.refusal["citations"] == ["R162 Art. 63"]


def test_renewal_too_early_cites_the_rule() -> None:
    person = _person_with_medical("fit")
    make_licence(person)  # valid for years yet
    app = run(person, "licence_renewal")
    assert app.state == "rejected" and app.refusal["code"] == "renewal_too_early"


def test_hospital_link_down_leaves_it_verifying_then_the_retry_completes(
    sandbox_server: Any,
) -> None:
    person = _person_with_medical("fit")
    _renewable(person)
    sandbox_call(
        sandbox_server,
        "POST",
        "/_sandbox/faults",
        {"service": "hospital", "mode": "error", "count": 1},
    )
    try:
        app = run(person, "licence_renewal")
        assert app.state == "verifying"  # never approved without its check, never lost
        assert app.checks["medical_certificate"]["status"] == "pending"
        assert not Document.objects.exists()
    finally:
        sandbox_call(sandbox_server, "DELETE", "/_sandbox/faults")
    assert recheck_applications.call() == 1
    app.refresh_from_db()
    assert app.state == "awaiting_payment"
    assert (
        services.application_payment_confirmed(application=app, reference="p").state == "completed"
    )


def _vin_insured(status: str) -> str:
    """A domestic VIN whose compulsory insurance the insurers' sandbox reports as ``status``
    today ("valid" meaning in force today)."""
    from sandbox import insurance, vehicles

    today = clock.today()

    def wanted(vin: str) -> bool:
        record = insurance.compulsory(vin, today)
        if record["status"] != status or not vin.startswith("L"):
            return False
        return status != "valid" or (
            dt.date.fromisoformat(record["valid_from"])
            <= today
            <= dt.date.fromisoformat(record["valid_until"])
        )

    return vehicles.find_vin(wanted)


def _label(person: Person, vehicle: Any) -> Document:
    from jiaoguan.documents.services import document_issue

    return document_issue(
        actor=ENGINE,
        kind="inspection_label",
        subject_type="vehicle",
        subject_ref=str(vehicle.public_id),
        holder_person_ref=str(person.public_id),
        fields={"plate": vehicle.plate.number, "valid_until": "2027-05"},
    )


def test_lost_label_replaced_while_insured() -> None:
    person = make_person()
    vehicle = make_vehicle(person, vin=_vin_insured("valid"))
    _label(person, vehicle)
    app = run(person, "label_replacement", str(vehicle.public_id))
    assert app.state == "completed", app.refusal
    assert app.checks["compulsory_insurance"]["status"] == "ok"
    label = Document.objects.get(kind="inspection_label", status="valid")
    assert label.version == 2 and label.fields["valid_until"] == "2027-05"


def test_label_refused_without_insurance_citing_the_rule() -> None:
    person = make_person()
    vehicle = make_vehicle(person, vin=_vin_insured("expired"))
    _label(person, vehicle)
    app = run(person, "label_replacement", str(vehicle.public_id))
    assert app.state == "rejected" and app.refusal["code"] == "insurance_expired"
    assert app.refusal["citations"] == ["R164 Art. 57"]


def test_label_refused_when_none_is_on_record() -> None:
    person = make_person()
    vehicle = make_vehicle(person, vin=_vin_insured("valid"))
    app = run(person, "label_replacement", str(vehicle.public_id))
    assert app.state == "rejected" and app.refusal["code"] == "no_label_on_record"
