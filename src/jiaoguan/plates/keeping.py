"""Keeping an old number on a new registration (R164 Arts. 44–45) and swapping the numbers of
two vehicles of one owner (R164 Art. 20). The rules are pure functions in ``plates.rules``;
this module reads the registry facts they need and writes through the registry services.

Limits, said plainly: the registry records de-registration (``vehicle.deregister``), so a
de-registered vehicle's number can be kept; transfer of ownership and moving out are not
businesses in jiaoguan yet, so their numbers cannot be kept yet. Accidents are not checked:
there is no accidents register (the decision says so in its facts).
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from jiaoguan.audit.services import Actor, audit_record
from jiaoguan.kernel import clock
from jiaoguan.kernel.errors import Conflict, NotFound
from jiaoguan.plates import rules
from jiaoguan.plates.models import PlateSwap
from jiaoguan.registry import services as registry
from jiaoguan.registry.constants import VehicleStatus
from jiaoguan.registry.models import Person, RecordVersion, Vehicle


def own_vehicle(person: Person, ref: str, *, field: str = "vehicle") -> Vehicle:
    """One of ``person``'s vehicles by public id; "not found" for anything else."""
    try:
        vehicle = (
            Vehicle.objects.select_related("plate")
            .filter(owner_person=person, public_id=uuid.UUID(str(ref)))
            .first()
        )
    except ValueError:
        vehicle = None
    if vehicle is None:
        raise NotFound("not_found", _("%(what)s not found") % {"what": _("Vehicle")}, field=field)
    return vehicle


def open_violations(vehicle: Vehicle) -> int:
    from jiaoguan.violations.selectors import unhandled_count

    return unhandled_count(vehicle.pk)


#: The registry transitions that release a number the owner may keep (R164 Art. 44): the
#: vehicle de-registered, or moved out to another province (``exchange``: its archive taken
#: in there, the record here closed as transferred).
RELEASING = {
    VehicleStatus.DEREGISTERED: "vehicle.deregister",
    VehicleStatus.TRANSFERRED: "vehicle.transfer_complete",
}


def _released_on(vehicle: Vehicle) -> dt.date | None:
    """When the vehicle was de-registered or moved out (its registry history), or None."""
    action = RELEASING.get(vehicle.status)  # type: ignore[call-overload]
    if action is None:
        return None
    at = (
        RecordVersion.objects.filter(
            object_type="vehicle", object_ref=vehicle.public_id, action=action
        )
        .order_by("-version")
        .values_list("changed_at", flat=True)
        .first()
    )
    return at.astimezone(clock.SHANGHAI).date() if at else None


def keep_decision(person: Person, old: Vehicle, today: dt.date) -> rules.Verdict:
    """Whether ``person`` may keep the number of their old vehicle ``old`` today."""
    released = _released_on(old)
    if old.owner_person_id != person.pk or old.plate_id is None or released is None:
        return rules.Verdict(
            False,
            "plates.keep_old_number@2022-05-01",
            rules.KEEP_CITATION,
            "keep_not_released",
            gettext_noop(
                "Only the number of your own vehicle that was de-registered or moved out to "
                "another province can be kept (a sale within the province is not recorded in "
                "jiaoguan yet)"
            ),
        )
    return rules.keep_old_number(
        used_from=old.registration_date,
        released_on=released,
        applied_on=today,
        open_violations=open_violations(old),
    )


def last_swap(vehicle: Vehicle) -> dt.date | None:
    return (
        PlateSwap.objects.filter(Q(vehicle_a=vehicle) | Q(vehicle_b=vehicle))
        .order_by("-day")
        .values_list("day", flat=True)
        .first()
    )


@transaction.atomic
def number_swap(
    *, actor: Actor, owner: Person, vehicle_a: Vehicle, vehicle_b: Vehicle
) -> PlateSwap:
    """Swap the numbers of two of ``owner``'s vehicles (R164 Art. 20), at most once a year for
    each. The vehicles' rows are locked (in id order) before the rule is decided."""
    if vehicle_a.pk == vehicle_b.pk:
        raise Conflict("swap_same_vehicle", _("Choose two different vehicles"), field="vehicle_b")
    locked = {
        v.pk: v
        for v in Vehicle.objects.select_for_update(of=("self",))
        .select_related("plate")
        .filter(pk__in=[vehicle_a.pk, vehicle_b.pk])
        .order_by("pk")
    }
    a, b = locked[vehicle_a.pk], locked[vehicle_b.pk]
    today = clock.today()
    verdict = rules.swap_allowed(
        same_owner=a.owner_person_id == owner.pk == b.owner_person_id,
        kinds=(a.plate.kind if a.plate else "", b.plate.kind if b.plate else ""),
        prefixes=(
            a.plate.number[:2] if a.plate else "",
            b.plate.number[:2] if b.plate else "",
        ),
        usable=tuple(  # type: ignore[arg-type]
            v.plate is not None and v.status == VehicleStatus.NORMAL for v in (a, b)
        ),
        last_swaps=(last_swap(a), last_swap(b)),
        today=today,
    )
    if not verdict.allowed:
        raise Conflict(
            verdict.code, _(verdict.message), field="vehicle_b", citation=verdict.citation
        )
    assert a.plate is not None and b.plate is not None
    number_a, number_b = a.plate.number, b.plate.number
    registry.vehicle_plates_swap(actor=actor, a=a, b=b, reason=f"swap {number_a} <-> {number_b}")
    swap = PlateSwap.objects.create(
        owner=owner,
        vehicle_a=a,
        vehicle_b=b,
        number_a=number_a,
        number_b=number_b,
        day=today,
        created_at=clock.now(),
        actor_ref=actor.ref,
    )
    audit_record(
        actor=actor,
        action="plates.swap",
        object_type="plate_swap",
        object_ref=str(swap.public_id),
        subject_person_ref=str(owner.public_id),
        after={"a": number_a, "b": number_b, "rule": verdict.rule},
    )
    return swap
