"""What a completed application changes in the registry: one handler per catalogue ``effect``,
each calling a registry service (history and audit included) inside the approving transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from jiaoguan.audit.services import Actor
from jiaoguan.cases import rules
from jiaoguan.cases.models import Application
from jiaoguan.documents.constants import DocumentKind
from jiaoguan.documents.models import Document
from jiaoguan.documents.selectors import certificate_fields, licence_fields, permit_fields
from jiaoguan.documents.services import document_issue, document_void
from jiaoguan.kernel import clock
from jiaoguan.registry import services as registry
from jiaoguan.registry.models import DrivingLicence, Vehicle


def _licence(app: Application) -> DrivingLicence:
    return DrivingLicence.objects.get(public_id=app.subject_ref)


def _vehicle(app: Application) -> Vehicle:
    return Vehicle.objects.select_related("plate", "owner_person", "owner_organisation").get(
        public_id=app.subject_ref
    )


def _issue_licence(app: Application, actor: Actor) -> None:
    """A new version of the licence document (the old one is superseded: void for use)."""
    licence = DrivingLicence.objects.select_related("person").get(public_id=app.subject_ref)
    document_issue(
        actor=actor,
        kind=DocumentKind.DRIVING_LICENCE,
        subject_type="licence",
        subject_ref=str(licence.public_id),
        holder_person_ref=str(licence.person.public_id),
        fields=licence_fields(licence),
    )


def _issue_vehicle_document(app: Application, actor: Actor, kind: str) -> None:
    vehicle = _vehicle(app)
    fields = (
        permit_fields(vehicle)
        if kind == DocumentKind.DRIVING_PERMIT
        else certificate_fields(vehicle)
    )
    document_issue(
        actor=actor,
        kind=kind,
        subject_type="vehicle",
        subject_ref=str(vehicle.public_id),
        holder_person_ref=str(app.applicant.public_id),
        fields=fields,
    )


def licence_document(app: Application, actor: Actor) -> None:
    """Replacement of a lost or damaged licence (R162 Arts. 66, 69): same licence, new document."""
    _issue_licence(app, actor)


def permit_document(app: Application, actor: Actor) -> None:
    """Replacement of the driving permit (R164 Art. 52)."""
    _issue_vehicle_document(app, actor, DocumentKind.DRIVING_PERMIT)


def certificate_document(app: Application, actor: Actor) -> None:
    """Replacement of the registration certificate (R164 Art. 52)."""
    _issue_vehicle_document(app, actor, DocumentKind.REGISTRATION_CERTIFICATE)


def label_document(app: Application, actor: Actor) -> None:
    """Replacement of a lost inspection label (R164 Art. 57): the same label, a new version."""
    current = Document.objects.get(
        kind=DocumentKind.INSPECTION_LABEL, subject_ref=app.subject_ref, status="valid"
    )
    document_issue(
        actor=actor,
        kind=DocumentKind.INSPECTION_LABEL,
        subject_type="vehicle",
        subject_ref=app.subject_ref,
        holder_person_ref=str(app.applicant.public_id),
        fields=dict(current.fields),
    )


def plate_reissue(app: Application, actor: Actor) -> None:
    """Replacement of lost or damaged plates: new plates, same number (R164 Art. 51)."""
    registry.plate_reissue(
        actor=actor, vehicle=_vehicle(app), reason=f"application {app.case_number}"
    )


def person_contact(app: Application, actor: Actor) -> None:
    registry.person_contact_update(
        actor=actor,
        person=app.applicant,
        phone=app.form.get("phone") or None,
        address=app.form.get("address"),
        reason=f"application {app.case_number}",
    )


def licence_downgrade(app: Application, actor: Actor) -> None:
    registry.licence_classes_change(
        actor=actor,
        licence=_licence(app),
        classes=list(app.form["keep_classes"]),
        reason=f"application {app.case_number}",
    )
    _issue_licence(app, actor)


def licence_renewal(app: Application, actor: Actor) -> None:
    licence = _licence(app)
    term = rules.renewal_term(
        current_term=licence.term, full_score_in_term=licence.points >= 12
    ).facts["term"]
    # The new period starts the day after the old one ends, or today if it already ended.
    start = max(licence.valid_until, clock.today()) if licence.valid_until else clock.today()
    registry.licence_renew(
        actor=actor,
        licence=licence,
        valid_from=start,
        term=str(term),
        reason=f"application {app.case_number}",
    )
    _issue_licence(app, actor)


def licence_detail_change(app: Application, actor: Actor) -> None:
    """A change of recorded name (R162 Art. 66): the person's record, then a new licence."""
    registry.person_name_change(
        actor=actor,
        person=app.applicant,
        name=str(app.form["new_name"]),
        reason=f"application {app.case_number}",
    )
    _issue_licence(app, actor)


def age_downgrade(app: Application, actor: Actor) -> None:
    """Downgrade on age (R162 Art. 65): the classes the rule keeps, then a new licence."""
    licence = DrivingLicence.objects.select_related("person").get(public_id=app.subject_ref)
    keep = rules.age_downgrade(
        held=licence.class_list,
        age=rules.age_on(licence.person.birth_date, clock.today()),
        today=clock.today(),
        small_class=str(app.form.get("small_class") or "C1"),
    ).facts["keep"]
    registry.licence_classes_change(
        actor=actor,
        licence=licence,
        classes=list(keep),  # type: ignore[call-overload]
        reason=f"application {app.case_number}",
    )
    _issue_licence(app, actor)


def medical_file(app: Application, actor: Actor) -> None:
    """File the medical certificate found at the hospitals' link (R162 Art. 74)."""
    examined = app.checks.get("medical_certificate", {}).get("examined_on")
    registry.licence_medical_file(
        actor=actor,
        licence=_licence(app),
        examined_on=dt.date.fromisoformat(examined) if examined else clock.today(),
        reason=f"application {app.case_number}",
    )


def licence_deferral(app: Application, actor: Actor) -> None:
    """Record the deferral granted (R162 Art. 75)."""
    registry.licence_defer(
        actor=actor,
        licence=_licence(app),
        matter=app.business_type.code.removesuffix("_deferral"),
        until=dt.date.fromisoformat(str(app.form["until"])),
        reason=f"application {app.case_number}",
    )


def licence_cancel(app: Application, actor: Actor) -> None:
    """Cancel the licence at the holder's request (R162 Art. 79) and void its document."""
    registry.licence_cancel(
        actor=actor, licence=_licence(app), reason=f"application {app.case_number}"
    )
    for document in Document.objects.filter(
        kind=DocumentKind.DRIVING_LICENCE, subject_ref=app.subject_ref, status="valid"
    ):
        document_void(
            actor=actor, document=document, reason=f"licence cancelled: {app.case_number}"
        )


def exemption_label(app: Application, actor: Actor) -> None:
    """The label of an inspection-exempt vehicle (R164 Art. 55): a new label for the next
    period, and that period on the vehicle's record."""
    vehicle = _vehicle(app)
    decision = rules.exemption_label(
        vehicle_class=vehicle.vehicle_class,
        use=vehicle.use,
        seats=vehicle.seats,
        van=vehicle.van,
        registration_date=vehicle.registration_date,
        inspection_valid_until=vehicle.inspection_valid_until,
        today=clock.today(),
    )
    until = dt.date.fromisoformat(str(decision.facts["next_until"]))
    registry.vehicle_inspection_record(
        actor=actor, vehicle=vehicle, valid_until=until, reason=f"application {app.case_number}"
    )
    document_issue(
        actor=actor,
        kind=DocumentKind.INSPECTION_LABEL,
        subject_type="vehicle",
        subject_ref=app.subject_ref,
        holder_person_ref=str(app.applicant.public_id),
        fields={
            "plate": vehicle.plate.number if vehicle.plate else "",
            "vin": vehicle.vin,
            "inspection_valid_until": until.strftime("%Y-%m"),
            "valid_until": until.strftime("%Y-%m"),
            "remarks": "免检",
        },
    )


def temporary_plate(app: Application, actor: Actor) -> None:
    """A temporary plate while the plates are remade (R164 Arts. 47–48, 51)."""
    vehicle = _vehicle(app)
    insured = app.checks.get("compulsory_insurance", {}).get("valid_until")
    decision = rules.temporary_plate(
        today=clock.today(),
        insurance_until=dt.date.fromisoformat(insured) if insured else None,
        replacement_open=True,
        holds_valid=False,
    )
    document_issue(
        actor=actor,
        kind=DocumentKind.TEMPORARY_PLATE,
        subject_type="vehicle",
        subject_ref=app.subject_ref,
        holder_person_ref=str(app.applicant.public_id),
        fields={
            "plate": vehicle.plate.number if vehicle.plate else "",
            "vin": vehicle.vin,
            "valid_from": clock.today().isoformat(),
            "valid_until": str(decision.facts["valid_until"]),
            "remarks": "号牌补领期间",
        },
    )


def vehicle_registration(app: Application, actor: Actor) -> None:
    """A new vehicle with its selected number (``plates.registration``)."""
    from jiaoguan.plates.registration import registration_effect

    registration_effect(app, actor)


def exam_licence(app: Application, actor: Actor) -> None:
    """The licence after the driving exams (R162 Art. 30), issued by the exams app."""
    from jiaoguan.exams.services import licence_from_exams

    licence_from_exams(case=app, actor=actor)


EFFECTS: dict[str, Callable[[Application, Actor], None]] = {
    "person_contact": person_contact,
    "licence_downgrade": licence_downgrade,
    "licence_renewal": licence_renewal,
    "licence_document": licence_document,
    "permit_document": permit_document,
    "certificate_document": certificate_document,
    "label_document": label_document,
    "plate_reissue": plate_reissue,
    "licence_detail_change": licence_detail_change,
    "age_downgrade": age_downgrade,
    "medical_file": medical_file,
    "licence_deferral": licence_deferral,
    "licence_cancel": licence_cancel,
    "exemption_label": exemption_label,
    "temporary_plate": temporary_plate,
    "vehicle_registration": vehicle_registration,
    "exam_licence": exam_licence,
}


#: Effects that produce a document, which may also be printed and picked up or posted.
DOCUMENT_EFFECTS = frozenset(
    {
        "label_document",
        "licence_document",
        "permit_document",
        "certificate_document",
        "licence_renewal",
        "licence_downgrade",
        "licence_detail_change",
        "age_downgrade",
        "exemption_label",
        "temporary_plate",
        "exam_licence",
    }
)


#: Effects whose result is only physical (plates): delivered by pickup or post, never
#: "electronic only".
PHYSICAL_EFFECTS = frozenset({"plate_reissue", "vehicle_registration"})
#: Effects whose result can be delivered (documents, plates).
DELIVERABLE_EFFECTS = DOCUMENT_EFFECTS | PHYSICAL_EFFECTS
