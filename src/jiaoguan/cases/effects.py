"""What a completed application changes in the registry: one handler per catalogue ``effect``,
each calling a registry service (history and audit included) inside the approving transaction."""

from __future__ import annotations

from collections.abc import Callable

from jiaoguan.audit.services import Actor
from jiaoguan.cases import rules
from jiaoguan.cases.models import Application
from jiaoguan.documents.constants import DocumentKind
from jiaoguan.documents.models import Document
from jiaoguan.documents.selectors import certificate_fields, licence_fields, permit_fields
from jiaoguan.documents.services import document_issue
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


EFFECTS: dict[str, Callable[[Application, Actor], None]] = {
    "person_contact": person_contact,
    "licence_downgrade": licence_downgrade,
    "licence_renewal": licence_renewal,
    "licence_document": licence_document,
    "permit_document": permit_document,
    "certificate_document": certificate_document,
    "label_document": label_document,
    "plate_reissue": plate_reissue,
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
    }
)


#: Effects whose result is only physical (plates): delivered by pickup or post, never
#: "electronic only".
PHYSICAL_EFFECTS = frozenset({"plate_reissue"})
#: Effects whose result can be delivered (documents, plates).
DELIVERABLE_EFFECTS = DOCUMENT_EFFECTS | PHYSICAL_EFFECTS
