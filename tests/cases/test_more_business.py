"""The ten business types added to reach 18 that need the ID card alone (一证即办), each end to
end online and at the window with its registry effect asserted, plus the refusals their rules
give. The data links (hospital, insurance, tax, population register, residence permits) are the
sandbox over real HTTP."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from jiaoguan.accounts.models import User
from jiaoguan.audit.selectors import audit_verify
from jiaoguan.audit.services import Actor
from jiaoguan.cases import rules, services
from jiaoguan.cases.catalogue import TYPES
from jiaoguan.cases.models import Application
from jiaoguan.documents.models import Document
from jiaoguan.kernel import clock
from jiaoguan.kernel.errors import DomainError
from jiaoguan.kernel.idnumber import IdNumber
from jiaoguan.registry.models import DrivingLicence, Person, Vehicle
from sandbox import hospital, insurance, population, residence, tax, vehicles
from tests.conftest import make_citizen, make_licence, make_person, make_staff, make_vehicle

pytestmark = pytest.mark.django_db
ENGINE = Actor.system("tests")
TODAY = clock.today()


def test_the_catalogue_has_at_least_18_types_needing_the_id_card_alone() -> None:
    """Measure 2 (一证即办): every type asks only the ID card of the applicant; everything else
    is looked up (data link) or, for vehicle business, an image of the VIN rubbing."""
    assert len(TYPES) >= 18
    for spec in TYPES:
        sources = {m["source"] for m in spec["materials"]}
        assert spec["materials"][0]["code"] == "identity", spec["code"]
        assert sources <= {"identity", "data_link", "upload"}, spec["code"]


# --- people and vehicles the sandbox answers for ---------------------------------------------


_SEQ = itertools.count(1)


def _id_number(county: str, born: dt.date, ok: Callable[[str], bool] = lambda n: True) -> str:
    """A living person's number, never one given before in this run."""
    while (seq := next(_SEQ)) < 999:
        number = str(IdNumber.generate(county, born, seq))
        if not population.is_deceased(number) and ok(number):
            return number
    raise LookupError("no such ID number")


def _fit(number: str) -> bool:
    record = hospital.driver_medical(number, TODAY)
    return record["status"] == "fit" and dt.date.fromisoformat(record["valid_until"]) >= TODAY


def _person(*, born: dt.date = dt.date(1985, 6, 1), fit: bool = False, **kw: Any) -> Person:
    county = kw.pop("county", "320102")
    number = _id_number(county, born, _fit if fit else lambda n: True)
    return make_person(id_number=number, county=county, **kw)


def _licence(person: Person, classes: list[str], **changes: Any) -> DrivingLicence:
    licence = make_licence(person, classes=classes)
    if changes:
        DrivingLicence.objects.filter(pk=licence.pk).update(**changes)
        licence.refresh_from_db()
    return licence


def _insured_vin(vessel: tuple[str, ...] = ("paid", "exempt")) -> str:
    start = int.from_bytes(__import__("os").urandom(2), "big") * 10
    return vehicles.find_vin(
        lambda v: (
            insurance.compulsory(v, TODAY)["status"] == "valid"
            and dt.date.fromisoformat(insurance.compulsory(v, TODAY)["valid_until"])
            >= TODAY + dt.timedelta(days=20)
            and tax.vessel_tax(v, TODAY.year)["status"] in vessel
        ),
        start=start,
    )


def _vehicle(person: Person, **kw: Any) -> Vehicle:
    return make_vehicle(person, vin=kw.pop("vin", None) or _insured_vin(), **kw)


def _years_ago(years: int, days: int = 0) -> dt.date:
    return rules._add_years(TODAY, -years) + dt.timedelta(days=days)


# --- one run, online or at the window --------------------------------------------------------


def run(person: Person, code: str, channel: str, subject: str = "", **changes: Any) -> Application:
    if channel == "online":
        who: Any = User.objects.filter(person=person).first() or make_citizen(person)
        app = services.application_start(
            actor=Actor.of(who),
            applicant=person,
            business_type=code,
            channel="online",
            subject_ref=subject,
        )
    else:
        who = make_staff("counter_clerk", "3201")
        app = services.application_start(
            actor=Actor.of(who),
            applicant=person,
            business_type=code,
            channel="window",
            subject_ref=subject,
            region_code="320100",
        )
    app = services.application_submit(
        actor=Actor.of(who), principal=who, application=app, changes=changes or None
    )
    if app.state == "awaiting_payment":
        app = services.application_payment_confirmed(application=app, reference=f"{code}-paid")
    return app


def review(app: Application, command: str = "approve") -> Application:
    reviewer = make_staff("reviewer", "3201")
    return services.application_review(
        actor=Actor.of(reviewer),
        principal=reviewer,
        application=app,
        command=command,
        reason="" if command == "approve" else "拓印膜不清晰",
    )


def _valid(kind: str, subject: str) -> Document:
    return Document.objects.get(kind=kind, subject_ref=subject, status="valid")


@dataclass
class Case:
    code: str
    setup: Callable[[], tuple[Person, str, dict[str, Any]]]
    check: Callable[[Application], None]
    reviewed: bool = False


def _licence_case(
    classes: list[str], born: dt.date = dt.date(1985, 6, 1), fit: bool = False, **changes: Any
) -> Callable[[], tuple[Person, str, dict[str, Any]]]:
    def setup() -> tuple[Person, str, dict[str, Any]]:
        person = _person(born=born, fit=fit)
        _licence(person, classes, **changes)
        return person, "", {}

    return setup


def _check_new_licence(app: Application) -> None:
    doc = _valid("driving_licence", app.subject_ref)
    assert doc.fields["classes"] == DrivingLicence.objects.get(public_id=app.subject_ref).classes


def _stale_name() -> Person:
    """A citizen who registered online, whose name the population register has since changed:
    the registry still holds the old one."""
    person = _person()
    make_citizen(person)
    Person.objects.filter(pk=person.pk).update(name="王旧名")
    person.refresh_from_db()
    return person


def _detail_setup() -> tuple[Person, str, dict[str, Any]]:
    person = _stale_name()
    _licence(person, ["C1"])
    return person, "", {"new_name": population.name_for(person.id_number)}


def _check_detail(app: Application) -> None:
    person = Person.objects.get(pk=app.applicant_id)
    assert person.name == population.name_for(person.id_number) != "王旧名"
    assert _valid("driving_licence", app.subject_ref).fields["name"] == person.name


def _check_age(app: Application) -> None:
    licence = DrivingLicence.objects.get(public_id=app.subject_ref)
    assert licence.class_list == ["C1"]  # A1 given up for C1 at 63+ (R162 Art. 65)
    _check_new_licence(app)


def _check_medical(app: Application) -> None:
    licence = DrivingLicence.objects.get(public_id=app.subject_ref)
    assert licence.medical_filed_on is not None
    assert licence.medical_filed_on.isoformat() == app.checks["medical_certificate"]["examined_on"]


def _deferral_setup(matter: str) -> Callable[[], tuple[Person, str, dict[str, Any]]]:
    def setup() -> tuple[Person, str, dict[str, Any]]:
        born = dt.date(1950, 3, 1) if matter == "medical" else dt.date(1985, 6, 1)
        person = _person(born=born)
        due = {"valid_until": TODAY + dt.timedelta(days=30)} if matter == "renewal" else {}
        _licence(person, ["B2"] if matter == "review" else ["C1"], **due)
        until = (TODAY + dt.timedelta(days=400)).isoformat()
        return person, "", {"reason": "abroad", "until": until}

    return setup


def _check_deferral(matter: str) -> Callable[[Application], None]:
    def check(app: Application) -> None:
        licence = DrivingLicence.objects.get(public_id=app.subject_ref)
        assert licence.deferrals == {matter: app.form["until"]}

    return check


def _check_cancel(app: Application) -> None:
    assert DrivingLicence.objects.get(public_id=app.subject_ref).status == "cancelled"
    assert not Document.objects.filter(
        kind="driving_licence", subject_ref=app.subject_ref, status="valid"
    ).exists()


def _cancel_setup() -> tuple[Person, str, dict[str, Any]]:
    person = _person()
    _licence(person, ["C1"])
    from jiaoguan.cases.effects import _issue_licence

    app = Application(subject_ref=str(person.licence.public_id))
    _issue_licence(app, ENGINE)  # the licence document in use
    return person, "", {}


def _exempt_setup() -> tuple[Person, str, dict[str, Any]]:
    person = _person()
    registered = _years_ago(2, days=20)  # year 2 ends in 20 days: a label-only year
    vehicle = _vehicle(
        person,
        registration_date=registered,
        manufacture_date=registered - dt.timedelta(days=30),
        inspection_valid_until=rules._add_years(registered, 2),
    )
    return person, str(vehicle.public_id), {}


def _check_exempt(app: Application) -> None:
    vehicle = Vehicle.objects.get(public_id=app.subject_ref)
    assert vehicle.inspection_valid_until == rules._add_years(vehicle.registration_date, 4)
    label = _valid("inspection_label", app.subject_ref)
    assert label.fields["inspection_valid_until"] == vehicle.inspection_valid_until.strftime(
        "%Y-%m"
    )
    assert app.checks["vessel_tax"]["status"] == "ok"


def _temporary_setup() -> tuple[Person, str, dict[str, Any]]:
    person = _person()
    vehicle = _vehicle(person)
    citizen = make_citizen(person)
    plates = services.application_start(
        actor=Actor.of(citizen),
        applicant=person,
        business_type="plate_replacement",
        channel="online",
        subject_ref=str(vehicle.public_id),
    )
    plates = services.application_submit(
        actor=Actor.of(citizen), principal=citizen, application=plates
    )
    assert plates.state == "awaiting_payment"  # the replacement is under way
    return person, str(vehicle.public_id), {}


def _check_temporary(app: Application) -> None:
    doc = _valid("temporary_plate", app.subject_ref)
    until = dt.date.fromisoformat(str(doc.fields["valid_until"]))
    assert TODAY <= until <= TODAY + dt.timedelta(days=14)
    assert until <= dt.date.fromisoformat(app.checks["compulsory_insurance"]["valid_until"])


# --- the first eight types, in the same table ------------------------------------------------


def _person_only() -> tuple[Person, str, dict[str, Any]]:
    return _person(), "", {"phone": "13912345678", "address": "南京市玄武区中山路1号"}


def _check_contact(app: Application) -> None:
    person = Person.objects.get(pk=app.applicant_id)
    assert (person.phone, person.address) == ("13912345678", "南京市玄武区中山路1号")


def _downgrade_setup() -> tuple[Person, str, dict[str, Any]]:
    person = _person()
    _licence(person, ["B2"])
    return person, "", {"keep_classes": ["C1"]}


def _renewal_setup() -> tuple[Person, str, dict[str, Any]]:
    person = _person(fit=True)
    _licence(person, ["C1"], valid_until=TODAY + dt.timedelta(days=30), term="6y")
    return person, "", {}


def _check_renewal(app: Application) -> None:
    licence = DrivingLicence.objects.get(public_id=app.subject_ref)
    assert licence.term == "10y" and licence.valid_from == TODAY + dt.timedelta(days=30)
    _check_new_licence(app)


def _vehicle_setup(label: bool = False) -> Callable[[], tuple[Person, str, dict[str, Any]]]:
    def setup() -> tuple[Person, str, dict[str, Any]]:
        from jiaoguan.documents.services import document_issue

        person = _person()
        vehicle = _vehicle(person)
        if label:
            document_issue(
                actor=ENGINE,
                kind="inspection_label",
                subject_type="vehicle",
                subject_ref=str(vehicle.public_id),
                holder_person_ref=str(person.public_id),
                fields={"plate": vehicle.plate.number, "valid_until": "2027-05"},
            )
        return person, str(vehicle.public_id), {}

    return setup


def _check_doc(kind: str, version: int = 1) -> Callable[[Application], None]:
    def check(app: Application) -> None:
        assert _valid(kind, app.subject_ref).version == version

    return check


def _check_plates(app: Application) -> None:
    vehicle = Vehicle.objects.select_related("plate").get(public_id=app.subject_ref)
    assert vehicle.plate is not None and vehicle.plate.issue_count == 2  # same number, new plates


FIRST_EIGHT = [
    Case("contact_change", _person_only, _check_contact),
    Case("licence_downgrade", _downgrade_setup, _check_new_licence),
    Case("licence_renewal", _renewal_setup, _check_renewal),
    Case("licence_replacement", _licence_case(["C1"]), _check_new_licence),
    Case("permit_replacement", _vehicle_setup(), _check_doc("driving_permit")),
    Case("label_replacement", _vehicle_setup(label=True), _check_doc("inspection_label", 2)),
    Case("plate_replacement", _vehicle_setup(), _check_plates),
]
# certificate_replacement needs the VIN rubbing image: tests/cases/test_uploads.py runs it.

CASES = [
    *FIRST_EIGHT,
    Case("licence_damaged", _licence_case(["C1"]), _check_new_licence),
    Case("licence_detail_change", _detail_setup, _check_detail),
    Case("age_downgrade", _licence_case(["A1"], born=_years_ago(64)), _check_age),
    Case(
        "medical_submission", _licence_case(["C1"], born=_years_ago(72), fit=True), _check_medical
    ),
    *[
        Case(f"{m}_deferral", _deferral_setup(m), _check_deferral(m), reviewed=True)
        for m in ("renewal", "review", "medical")
    ],
    Case("licence_cancellation", _cancel_setup, _check_cancel),
    Case("exemption_label", _exempt_setup, _check_exempt),
    Case("temporary_plate", _temporary_setup, _check_temporary),
]


@pytest.mark.parametrize("channel", ["online", "window"])
@pytest.mark.parametrize("case", CASES, ids=[c.code for c in CASES])
def test_end_to_end(case: Case, channel: str) -> None:
    person, subject, changes = case.setup()
    app = run(person, case.code, channel, subject, **changes)
    if case.reviewed:
        assert app.state == "under_review", app.refusal
        app = review(app)
    if app.state == "ready":  # plates are picked up at the window
        clerk = make_staff("counter_clerk", "3201")
        app = services.application_transition(
            actor=Actor.of(clerk), principal=clerk, application=app, command="hand_over"
        )
    assert app.state == "completed", app.refusal
    assert app.channel == channel
    case.check(app)
    commands = list(app.events.values_list("command", flat=True))
    assert commands[:2] == ["submit", "start_checks"] and commands[-1] in ("complete", "hand_over")
    assert audit_verify().ok


# --- refusals, each citing its rule ---------------------------------------------------------


def test_detail_change_refused_when_the_register_does_not_hold_the_name() -> None:
    person = _stale_name()
    _licence(person, ["C1"])
    app = run(person, "licence_detail_change", "online", new_name="李不对")
    assert app.state == "rejected"
    assert app.refusal["code"] == "register_name_mismatch"
    assert Person.objects.get(pk=person.pk).name == "王旧名"


def test_detail_change_needs_a_new_name_beside_the_field() -> None:
    person = _person()
    _licence(person, ["C1"])
    app = services.application_start(
        actor=ENGINE, applicant=person, business_type="licence_detail_change", channel="online"
    )
    with pytest.raises(DomainError) as exc:
        services.application_submit(actor=ENGINE, principal=None, application=app)
    assert exc.value.field == "new_name"
    app.refresh_from_db()
    assert app.state == "draft"  # nothing lost


def test_detail_change_with_the_same_name_is_refused() -> None:
    person = _person()
    _licence(person, ["C1"])
    app = run(person, "licence_detail_change", "online", new_name=person.name)
    assert app.state == "rejected" and app.refusal["code"] == "no_change"


def test_age_downgrade_not_due_for_a_young_driver() -> None:
    person = _person(born=_years_ago(40))
    _licence(person, ["A1"])
    app = run(person, "age_downgrade", "online")
    assert app.state == "rejected" and app.refusal["code"] == "age_downgrade_not_due"
    assert app.refusal["citations"][0] == "R162 Art. 65"


def test_medical_submission_only_for_drivers_who_owe_one() -> None:
    person = _person(born=_years_ago(40), fit=True)
    _licence(person, ["C1"])
    app = run(person, "medical_submission", "online")
    assert app.state == "rejected" and app.refusal["code"] == "medical_not_owed"


def test_review_deferral_refused_for_a_small_car_licence() -> None:
    person = _person()
    _licence(person, ["C1"])
    until = (TODAY + dt.timedelta(days=100)).isoformat()
    app = run(person, "review_deferral", "online", reason="abroad", until=until)
    assert app.state == "rejected" and app.refusal["code"] == "review_not_owed"


def test_deferral_longer_than_three_years_refused() -> None:
    person = _person()
    expires = TODAY + dt.timedelta(days=30)
    _licence(person, ["C1"], valid_until=expires)
    until = rules._add_years(expires, 3) + dt.timedelta(days=1)
    app = run(
        person, "renewal_deferral", "online", reason="military_service", until=until.isoformat()
    )
    assert app.state == "rejected" and app.refusal["code"] == "deferral_too_long"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"reason": "abroad", "until": "next year"}, "until"),
        ({"reason": "holiday", "until": "2027-01-01"}, "reason"),
        ({"reason": "abroad"}, "until"),
    ],
)
def test_deferral_form_errors_are_beside_the_field(changes: dict[str, str], field: str) -> None:
    person = _person()
    _licence(person, ["C1"])
    app = services.application_start(
        actor=ENGINE, applicant=person, business_type="renewal_deferral", channel="online"
    )
    with pytest.raises(DomainError) as exc:
        services.application_submit(actor=ENGINE, principal=None, application=app, changes=changes)
    assert exc.value.field == field


def test_a_cancelled_licence_is_not_replaced() -> None:
    person, _s, _c = _cancel_setup()
    assert run(person, "licence_cancellation", "online").state == "completed"
    app = run(person, "licence_replacement", "online")
    assert app.state == "rejected" and app.refusal["code"] == "licence_not_in_force"


def test_exemption_label_refused_in_an_on_site_year() -> None:
    person = _person()
    registered = _years_ago(6, days=20)  # year 6 is inspected at a station
    vehicle = _vehicle(
        person,
        registration_date=registered,
        manufacture_date=registered,
        inspection_valid_until=rules._add_years(registered, 6),
    )
    app = run(person, "exemption_label", "online", str(vehicle.public_id))
    assert app.state == "rejected" and app.refusal["code"] == "inspection_due_on_site"


def test_exemption_label_refused_when_the_vessel_tax_is_unpaid() -> None:
    person = _person()
    registered = _years_ago(2, days=20)
    vehicle = _vehicle(
        person,
        vin=_insured_vin(vessel=("unpaid",)),
        registration_date=registered,
        manufacture_date=registered,
        inspection_valid_until=rules._add_years(registered, 2),
    )
    app = run(person, "exemption_label", "online", str(vehicle.public_id))
    assert app.state == "rejected" and app.refusal["code"] == "vessel_tax_unpaid"
    assert Vehicle.objects.get(pk=vehicle.pk).inspection_valid_until == rules._add_years(
        registered, 2
    )


def test_temporary_plate_only_while_plates_are_remade_and_one_at_a_time() -> None:
    person = _person()
    vehicle = _vehicle(person)
    app = run(person, "temporary_plate", "online", str(vehicle.public_id))
    assert app.state == "rejected" and app.refusal["code"] == "no_replacement_open"
    person, subject, _c = _temporary_setup()
    assert run(person, "temporary_plate", "online", subject).state == "completed"
    again = run(person, "temporary_plate", "online", subject)
    assert again.state == "rejected" and again.refusal["code"] == "temporary_plate_held"


# --- the residence permit link, for a licence of another province ----------------------------


def _beijing_driver(permit: str) -> Person:
    def ok(number: str) -> bool:
        answer = residence.permit(number, TODAY)
        return _fit(number) and answer["status"] == permit

    number = vehicles.find_id_number(ok, region_code="110101")
    person = make_person(id_number=number, county="110101")
    _licence(person, ["C1"], valid_until=TODAY + dt.timedelta(days=30), term="6y")
    return person


def test_renewal_outside_the_issuing_province_checks_the_residence_permit() -> None:
    app = run(_beijing_driver("valid"), "licence_renewal", "window")
    assert app.state == "completed", app.refusal
    assert app.checks["residence_permit"]["status"] == "ok"
    assert app.checks["residence_permit"]["region_code"].startswith("32")


def test_renewal_outside_the_issuing_province_refused_without_a_permit() -> None:
    app = run(_beijing_driver("none"), "licence_renewal", "window")
    assert app.state == "rejected" and app.refusal["code"] == "residence_none"


def test_renewal_in_the_issuing_province_asks_no_residence_permit() -> None:
    person = _person(fit=True)
    _licence(person, ["C1"], valid_until=TODAY + dt.timedelta(days=30), term="6y")
    app = run(person, "licence_renewal", "online")
    assert app.state == "completed", app.refusal
    assert "residence_permit" not in app.checks


def test_temporary_plate_void_three_days_after_the_plates_arrive() -> None:
    """R164 Art. 48: void 3 days after the real plates are received, or after its last day."""
    person, subject, _c = _temporary_setup()
    assert run(person, "temporary_plate", "online", subject).state == "completed"
    plates = Application.objects.get(business_type__code="plate_replacement", subject_ref=subject)
    plates = services.application_payment_confirmed(application=plates, reference="p")
    assert plates.state == "ready"
    clerk = make_staff("counter_clerk", "3201")
    services.application_transition(
        actor=Actor.of(clerk), principal=clerk, application=plates, command="hand_over"
    )
    assert services.temporary_plates_void_due(actor=ENGINE) == 0  # still in its 3 days
    later = clock.now() + dt.timedelta(days=3)
    with clock.frozen(later):
        assert services.temporary_plates_void_due(actor=ENGINE) == 1
    assert Document.objects.get(kind="temporary_plate").status == "void"


def test_temporary_plate_void_after_its_last_day() -> None:
    person, subject, _c = _temporary_setup()
    assert run(person, "temporary_plate", "online", subject).state == "completed"
    with clock.frozen(clock.now() + dt.timedelta(days=14)):
        assert services.temporary_plates_void_due(actor=ENGINE) == 0
    with clock.frozen(clock.now() + dt.timedelta(days=15)):
        assert services.temporary_plates_void_due(actor=ENGINE) == 1


def test_temporary_plate_void_rule() -> None:
    d = rules.temporary_plate_void(
        today=dt.date(2026, 5, 4),
        valid_until=dt.date(2026, 5, 15),
        plates_received_on=dt.date(2026, 5, 1),
    )
    assert d.allowed and d.facts["void_from"] == "2026-05-04"


def test_a_malformed_phone_is_refused_beside_the_field_at_submit() -> None:
    """Not later, when the registry would refuse it inside the approving transaction."""
    person = _person()
    app = services.application_start(
        actor=ENGINE, applicant=person, business_type="contact_change", channel="window"
    )
    with pytest.raises(DomainError) as exc:
        services.application_submit(
            actor=ENGINE, principal=None, application=app, changes={"phone": "x" * 200}
        )
    assert exc.value.field == "phone"
    app.refresh_from_db()
    assert app.state == "draft"


def test_returned_after_payment_is_not_charged_again(sandbox_server: Any) -> None:
    """A paid application returned for correction and submitted again goes back to review,
    not to a second payment."""
    from jiaoguan.payments import services as payments
    from jiaoguan.payments.models import FeeOrder
    from tests.cases.test_uploads import attach, jpeg, png
    from tests.payments.test_payments import pay

    person = _person()
    citizen = make_citizen(person)
    vehicle = _vehicle(person)
    app = services.application_start(
        actor=Actor.of(citizen),
        applicant=person,
        business_type="certificate_replacement",
        channel="online",
        subject_ref=str(vehicle.public_id),
    )
    attach(app, citizen, png())
    app = services.application_submit(actor=Actor.of(citizen), principal=citizen, application=app)
    assert app.state == "awaiting_payment"
    order = services.application_fee_order(actor=Actor.of(citizen), application=app)
    payments.payment_start(actor=Actor.of(citizen), order=order, provider="wechat")
    pay(sandbox_server, order, "wechat", deliver="none")
    order.refresh_from_db()
    payments.payment_poll(actor=ENGINE, order=order)
    app.refresh_from_db()
    assert app.state == "under_review"
    app = review(app, "return_for_correction")
    assert app.state == "returned"
    attach(app, citizen, jpeg())
    app = services.application_submit(actor=Actor.of(citizen), principal=citizen, application=app)
    assert app.state == "under_review"
    assert FeeOrder.objects.filter(purpose_ref__endswith=str(app.public_id)).count() == 1
    assert "await_payment" not in list(app.events.values_list("command", flat=True))[3:]


def test_the_application_page_labels_its_fields_in_the_readers_language() -> None:
    from django.test import Client

    person = _person()
    citizen = make_citizen(person)
    app = services.application_start(
        actor=Actor.of(citizen), applicant=person, business_type="contact_change", channel="online"
    )
    c = Client()
    c.force_login(citizen)
    page = c.get(f"/applications/{app.public_id}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content
    text = page.decode()
    assert '<label for="f-phone">联系电话</label>' in text
    assert "<dt>id_number_masked</dt>" not in text and "<dt>phone</dt>" not in text


def test_exemption_label_waits_for_the_vehicles_violations_to_be_handled() -> None:
    """R164 Art. 54 (DOMAIN.md §4.3): violations closed before the label. An unhandled
    violation refuses it, citing the rule; once its fine is paid the label is issued."""
    from jiaoguan.violations import services as violations
    from jiaoguan.violations.models import Violation

    person, subject, _changes = _exempt_setup()
    vehicle = Vehicle.objects.get(public_id=subject)
    assert vehicle.plate is not None
    officer = make_staff("police_officer", "3201")
    violation, _created = violations.violation_record(
        actor=Actor.of(officer),
        principal=officer,
        plate_number=vehicle.plate.number,
        occurred_at=clock.now() - dt.timedelta(days=2),
        place="中山路",
        region_code="320102",
        offence_code="1625",
        description="驾驶机动车违反道路交通信号灯通行",
        citation="《道路交通安全法》第38条、第90条",
        points=3,
        fine_fen=20000,
        evidence=[],
    )
    app = run(person, "exemption_label", "online", subject)
    assert app.state == "rejected" and app.refusal["code"] == "violations_open"
    assert "R164 Art. 54" in app.refusal["citations"]
    Violation.objects.filter(pk=violation.pk).update(state="paid")
    assert run(person, "exemption_label", "online", subject).state == "completed"
