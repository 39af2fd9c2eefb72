"""What a completed application changes in the registry: one handler per catalogue ``effect``,
each calling a registry service (history and audit included) inside the approving transaction."""

from __future__ import annotations

from collections.abc import Callable

from jiaoguan.audit.services import Actor
from jiaoguan.cases import rules
from jiaoguan.cases.models import Application
from jiaoguan.kernel import clock
from jiaoguan.registry import services as registry
from jiaoguan.registry.models import DrivingLicence


def _licence(app: Application) -> DrivingLicence:
    return DrivingLicence.objects.get(public_id=app.subject_ref)


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


EFFECTS: dict[str, Callable[[Application, Actor], None]] = {
    "person_contact": person_contact,
    "licence_downgrade": licence_downgrade,
    "licence_renewal": licence_renewal,
}
