from __future__ import annotations

import datetime as dt

import pytest

from jiaoguan.audit.models import AuditEvent
from jiaoguan.audit.selectors import audit_verify
from jiaoguan.audit.services import Actor
from jiaoguan.cases import services
from jiaoguan.cases.models import Application, CatalogueEntry
from jiaoguan.cases.selectors import applications_for, review_queue
from jiaoguan.kernel import clock
from jiaoguan.kernel.errors import Conflict, DomainError, Forbidden, NotFound
from jiaoguan.registry.models import DrivingLicence, Person, RecordVersion
from tests.conftest import make_citizen, make_licence, make_person, make_staff, make_vehicle

pytestmark = pytest.mark.django_db
ENGINE = Actor.system("tests")


def start(person: Person, code: str, channel: str = "online", **kw: object) -> Application:
    return services.application_start(
        actor=ENGINE, applicant=person, business_type=code, channel=channel, **kw
    )  # type: ignore[arg-type]


def test_catalogue_sync_is_idempotent_and_audited() -> None:
    from jiaoguan.cases.catalogue import TYPES, entries_for

    expected = sum(len(entries_for(t)) for t in TYPES)
    assert services.catalogue_sync(actor=ENGINE) == 0
    assert CatalogueEntry.objects.count() == expected
    assert AuditEvent.objects.filter(action="catalogue.entry_add").count() == expected


def test_rollout_pilot_city_before_national_start() -> None:
    """From July 2018 the measure ran in pilot cities only; nationwide from 2018-09-01."""
    day = dt.date(2018, 8, 1)
    pilot = services.entry_in_force(
        "contact_change", on=day, region_code="320102", channel="online"
    )
    assert pilot.version == 1
    with pytest.raises(DomainError) as exc:
        services.entry_in_force("contact_change", on=day, region_code="320505", channel="online")
    assert exc.value.code == "not_offered"
    national = services.entry_in_force(
        "contact_change", on=dt.date(2018, 9, 1), region_code="320505", channel="online"
    )
    assert national.version == 2
    with pytest.raises(DomainError):
        services.entry_in_force(
            "contact_change", on=dt.date(2018, 6, 30), region_code="320102", channel="online"
        )


def test_contact_change_end_to_end_online() -> None:
    person = make_person()
    citizen = make_citizen(person)
    app = start(person, "contact_change")
    assert app.state == "draft" and app.form["phone"] == person.phone  # prefilled, no handwriting
    assert app.case_number.startswith(person.region_code)
    app = services.application_submit(
        actor=Actor.of(citizen),
        principal=citizen,
        application=app,
        changes={"phone": "13912345678"},
    )
    assert app.state == "completed"
    person.refresh_from_db()
    assert person.phone == "13912345678"
    commands = list(app.events.values_list("command", flat=True))
    assert commands == ["submit", "start_checks", "approve_automatically", "complete"]
    assert app.due_date is not None and app.checks["identity"]["status"] == "ok"
    assert RecordVersion.objects.filter(object_ref=person.public_id).count() == 2
    assert audit_verify().ok


def test_form_fields_outside_the_business_cannot_change() -> None:
    person = make_person()
    app = start(person, "contact_change")
    with pytest.raises(DomainError) as exc:
        services.application_submit(
            actor=ENGINE, principal=None, application=app, changes={"name": "别人"}
        )
    assert exc.value.code == "field_not_editable"
    assert Application.objects.get(pk=app.pk).state == "draft"


def test_downgrade_waits_for_payment_then_changes_the_licence() -> None:
    person = make_person()
    make_licence(person, classes=["A1"])
    citizen = make_citizen(person)
    app = start(person, "licence_downgrade")
    assert app.form["classes"] == ["A1"]
    app = services.application_submit(
        actor=Actor.of(citizen),
        principal=citizen,
        application=app,
        changes={"keep_classes": ["C1"]},
    )
    assert app.state == "awaiting_payment" and services.fee_total_fen(app) == 1000
    app = services.application_payment_confirmed(application=app, reference="order-1")
    assert app.state == "completed"
    assert DrivingLicence.objects.get(person=person).class_list == ["C1"]
    from jiaoguan.documents.models import Document

    assert Document.objects.get(kind="driving_licence").fields["classes"] == "C1"
    with pytest.raises(Conflict):
        services.application_payment_confirmed(application=app, reference="order-1")


@pytest.mark.parametrize(
    ("held", "keep", "code"),
    [
        (["C1"], ["A1"], "class_not_held"),
        (["C1"], ["C1"], "nothing_to_downgrade"),
        (["B2"], [], "invalid_classes"),
    ],
)
def test_downgrade_refusals_cite_the_rule(held: list[str], keep: list[str], code: str) -> None:
    person = make_person()
    make_licence(person, classes=held)
    app = start(person, "licence_downgrade")
    app = services.application_submit(
        actor=ENGINE, principal=None, application=app, changes={"keep_classes": keep}
    )
    assert app.state == "rejected"
    assert app.refusal["code"] == code and "R162 Art. 65" in app.refusal["citations"]
    assert app.refusal["rule"].startswith("licence.downgrade@")


def test_channel_and_outlet_authorisation() -> None:
    person = make_person()
    make_licence(person)
    with pytest.raises(DomainError) as exc:
        start(person, "licence_downgrade", channel="outlet")
    assert exc.value.code == "outlet_required"
    from jiaoguan.registry import services as registry

    dealer = registry.organisation_create(
        actor=ENGINE, uscc="91350100M000100Y43", name="某4S店", kind="dealer", region_code="320102"
    )
    with pytest.raises(DomainError) as exc:
        start(person, "contact_change", channel="outlet", outlet=dealer)
    assert exc.value.code == "outlet_not_authorised"


def test_licence_business_needs_a_licence() -> None:
    with pytest.raises(NotFound):
        start(make_person(), "licence_downgrade")


def test_withdraw_by_applicant_only_and_only_while_open() -> None:
    person = make_person()
    owner = make_citizen(person)
    other = make_citizen()
    app = start(person, "contact_change")
    with pytest.raises(Forbidden):
        services.application_transition(
            actor=Actor.of(other), principal=other, application=app, command="withdraw"
        )
    app = services.application_transition(
        actor=Actor.of(owner), principal=owner, application=app, command="withdraw"
    )
    assert app.state == "withdrawn"
    with pytest.raises(Conflict):
        services.application_transition(
            actor=Actor.of(owner), principal=owner, application=app, command="withdraw"
        )


def test_system_commands_cannot_be_run_by_people() -> None:
    person = make_person()
    owner = make_citizen(person)
    app = start(person, "contact_change")
    with pytest.raises(Forbidden):
        services.application_transition(
            actor=Actor.of(owner), principal=owner, application=app, command="approve_automatically"
        )


def test_scoping_and_review_queue() -> None:
    nanjing = make_person("320102")
    suzhou = make_person("320505")
    start(nanjing, "contact_change")
    start(suzhou, "contact_change")
    clerk = make_staff("counter_clerk", "3201")
    dealer = make_staff("outlet_dealer", "3201")
    assert [a.applicant_id for a in applications_for(clerk)] == [nanjing.pk]
    assert list(applications_for(dealer)) == []
    assert list(review_queue(make_staff("reviewer", "3201"))) == []


def test_case_numbers_are_sequential_per_office_and_day() -> None:
    person = make_person("320102")
    a, b = start(person, "contact_change"), start(person, "contact_change")
    assert int(b.case_number[-6:]) == int(a.case_number[-6:]) + 1
    assert a.case_number[6:14] == f"{clock.today():%Y%m%d}"


def test_review_queue_in_submission_order_exceptions_need_a_reason() -> None:
    from jiaoguan.cases.uploads import application_attach
    from jiaoguan.kernel.errors import DomainError as Refusal
    from tests.cases.test_uploads import png

    first_person, second_person = make_person("320102"), make_person("320104")
    apps = []
    for person in (first_person, second_person):
        vehicle = make_vehicle(person)
        app = start(person, "certificate_replacement", subject_ref=str(vehicle.public_id))
        owner = make_citizen(person)  # attaches the VIN rubbing the business asks for
        application_attach(
            actor=Actor.of(owner),
            principal=owner,
            application=app,
            material="vin_rubbing",
            content=png(),
        )
        app = services.application_submit(actor=ENGINE, principal=None, application=app)
        apps.append(services.application_payment_confirmed(application=app, reference="p"))
    reviewer = make_staff("reviewer", "3201")
    assert [a.pk for a in review_queue(reviewer)] == [apps[0].pk, apps[1].pk]
    with pytest.raises(Refusal) as exc:
        services.application_review(
            actor=Actor.of(reviewer), principal=reviewer, application=apps[1], command="approve"
        )
    assert exc.value.code == "out_of_order_reason_required"
    done = services.application_review(
        actor=Actor.of(reviewer),
        principal=reviewer,
        application=apps[1],
        command="approve",
        out_of_order="elderly_or_disabled",
    )
    assert done.state == "completed"
    assert (
        AuditEvent.objects.filter(
            action="application.out_of_order", reason="elderly_or_disabled"
        ).count()
        == 1
    )
    # the oldest needs no reason
    assert (
        services.application_review(
            actor=Actor.of(reviewer), principal=reviewer, application=apps[0], command="approve"
        ).state
        == "completed"
    )
