"""Every write of the inspection app."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils.translation import gettext as _

from jiaoguan.audit.services import Actor, audit_record
from jiaoguan.documents.constants import DocumentKind
from jiaoguan.documents.services import document_issue
from jiaoguan.inspection.constants import (
    WEEKDAYS,
    AppointmentState,
    InspectionItem,
    Outcome,
    ReminderKind,
    StationStatus,
)
from jiaoguan.inspection.models import (
    Appointment,
    AppointmentEvent,
    InspectionReminder,
    InspectionResult,
    SlotCounter,
    Station,
)
from jiaoguan.inspection.rules import (
    BOOKING_HORIZON_DAYS,
    CROSS_REGION_CITATION,
    NO_SHOW_DAYS,
    RETEST_DAYS,
    RETEST_MAX,
    add_months,
    booking_blocked_until,
    cross_region_allowed,
    next_valid_until,
    reform_on,
    retest_open,
    schedule,
)
from jiaoguan.inspection.selectors import facts_of, slot_starts, station_of
from jiaoguan.inspection.workflow import ACTIVE, TRANSITIONS
from jiaoguan.kernel import clock
from jiaoguan.kernel.errors import Conflict, DomainError, Forbidden, NotFound
from jiaoguan.notices.services import notices_send_many
from jiaoguan.registry import services as registry
from jiaoguan.registry.constants import OrganisationKind, VehicleClass, VehicleStatus
from jiaoguan.registry.models import Organisation, Person, Vehicle

REMIND_DAYS = 30
#: Missed periods after which the owner is warned: a third missed one means compulsory
#: scrapping (机动车强制报废标准规定, 2013; DOMAIN.md §4.4 [secondary]).
SCRAP_WARNING_MISSED = 2


@dataclass
class ReminderReport:
    scanned: int = 0
    due_soon: int = 0
    overdue: int = 0
    scrap_warning: int = 0

    @property
    def sent(self) -> int:
        return self.due_soon + self.overdue + self.scrap_warning


def _decide(vehicle: Vehicle, today: dt.date, sent: set[str]) -> tuple[str, str, dt.date] | None:
    """(kind, template, due) of the reminder a vehicle whose period ends within 30 days or has
    ended should get now, or None when ``sent`` (the kinds already sent about this period)
    leaves nothing to send. The schedule is computed only when a reminder may be due."""
    valid_until = vehicle.inspection_valid_until
    assert valid_until is not None
    facts = facts_of(vehicle)
    if valid_until >= today:
        if ReminderKind.DUE_SOON in sent:
            return None
        current = schedule(facts, on=today, valid_until=valid_until)
        template = "inspection.label_due" if current.label_only else "inspection.station_due"
        return ReminderKind.DUE_SOON, template, valid_until
    if ReminderKind.SCRAP_WARNING in sent:
        return None
    # two missed periods end more than 12 months after the lapse (the shortest period is 6)
    if today > add_months(valid_until, 12):
        missed = [d for d in schedule(facts, on=today).dues if valid_until < d < today]
        if len(missed) >= SCRAP_WARNING_MISSED:
            return ReminderKind.SCRAP_WARNING, "inspection.scrap_warning", valid_until
    if ReminderKind.OVERDUE in sent:
        return None
    return ReminderKind.OVERDUE, "inspection.overdue", valid_until


def inspection_reminders_run(
    *, actor: Actor, today: dt.date | None = None, batch: int = 2000
) -> ReminderReport:
    """Remind the owners of vehicles whose inspection falls due within 30 days, is overdue,
    or heads for compulsory scrapping (DOMAIN.md §4.4). Vehicles are read in keyset order on
    the indexed end of their period, so only those concerned are read, whatever the fleet; each
    batch is one transaction with its reminders, notices (SMS queued for the periodic sender)
    and one audit row. A reminder is sent once per vehicle, period and kind, so the daily run
    can be repeated or resumed after a crash."""
    today = today or clock.today()
    horizon = today + dt.timedelta(days=REMIND_DAYS)
    report = ReminderReport()
    # Vehicles already told what their state calls for are not read again: due soon and told
    # so; overdue for up to a year and told so; warned of scrapping. (Overdue for more than a
    # year and told "overdue" are read until two periods have been missed.)
    told = InspectionReminder.objects.filter(
        vehicle_id=OuterRef("pk"), due=OuterRef("inspection_valid_until")
    )
    done = (
        (Q(inspection_valid_until__gte=today) & Exists(told.filter(kind=ReminderKind.DUE_SOON)))
        | (
            Q(inspection_valid_until__lt=today, inspection_valid_until__gte=add_months(today, -12))
            & Exists(told.filter(kind=ReminderKind.OVERDUE))
        )
        | Exists(told.filter(kind=ReminderKind.SCRAP_WARNING))
    )
    concerned = (
        Vehicle.objects.filter(
            inspection_valid_until__lte=horizon,
            status=VehicleStatus.NORMAL,
            owner_person__isnull=False,
        )
        .exclude(done)
        .select_related("plate")
        .only(
            "id",
            "public_id",
            "vin",
            "vehicle_class",
            "use",
            "seats",
            "van",
            "registration_date",
            "inspection_valid_until",
            "owner_person_id",
            "plate__number",
        )
        .order_by("inspection_valid_until", "id")
    )
    after: tuple[dt.date, int] | None = None
    while True:
        page = concerned
        if after is not None:
            page = page.filter(inspection_valid_until__gt=after[0]) | page.filter(
                inspection_valid_until=after[0], id__gt=after[1]
            )
        vehicles = list(page[:batch])
        if not vehicles:
            return report
        last = vehicles[-1]
        assert last.inspection_valid_until is not None
        after = (last.inspection_valid_until, last.pk)
        report.scanned += len(vehicles)
        _remind_batch(vehicles, today, report, actor)


@transaction.atomic
def _remind_batch(
    vehicles: list[Vehicle], today: dt.date, report: ReminderReport, actor: Actor
) -> None:
    sent: dict[tuple[int, dt.date], set[str]] = {}
    for vid, due, kind in InspectionReminder.objects.filter(
        vehicle_id__in=[v.pk for v in vehicles]
    ).values_list("vehicle_id", "due", "kind"):
        sent.setdefault((vid, due), set()).add(kind)
    decided = []
    for v in vehicles:
        assert v.inspection_valid_until is not None
        choice = _decide(v, today, sent.get((v.pk, v.inspection_valid_until), set()))
        if choice is not None:
            decided.append((v, *choice))
    if not decided:
        return
    owners = Person.objects.only("id", "phone_enc").in_bulk(
        {v.owner_person_id for v, *_rest in decided}
    )
    now = clock.now()
    reminders: list[InspectionReminder] = []
    notices: list[tuple[Person, str, dict[str, str], str, str]] = []
    for v, kind, template, due in decided:
        reminders.append(
            InspectionReminder(vehicle=v, due=due, kind=kind, template=template, created_at=now)
        )
        params = {"plate": v.plate.number if v.plate else v.vin, "due": due.isoformat()}
        notices.append((owners[v.owner_person_id], template, params, "vehicle", str(v.public_id)))
        setattr(report, kind, getattr(report, kind) + 1)
    InspectionReminder.objects.bulk_create(reminders, batch_size=1000)
    notices_send_many(notices)
    audit_record(
        actor=actor,
        action="inspection.reminders_send",
        object_type="inspection_reminders",
        object_ref=today.isoformat(),
        after={"sent": len(reminders), "first_vehicle": reminders[0].vehicle_id},
    )


# --- inspection stations ----------------------------------------------------------------------

#: How long before the slot an owner may still cancel (minutes); settings may change it.
CANCEL_BEFORE_MINUTES_DEFAULT = 120
#: How long after the end of a slot an unvisited booking becomes a no-show (minutes).
NO_SHOW_GRACE_MINUTES = 30
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def cancel_before() -> dt.timedelta:
    minutes = getattr(settings, "INSPECTION_CANCEL_BEFORE_MINUTES", CANCEL_BEFORE_MINUTES_DEFAULT)
    return dt.timedelta(minutes=int(minutes))


def _station_snapshot(s: Station) -> dict[str, Any]:
    return {
        "organisation": str(s.organisation.public_id),
        "lines": s.lines,
        "slot_minutes": s.slot_minutes,
        "capacity_per_slot": s.capacity_per_slot,
        "opening_hours": s.opening_hours,
        "vehicle_classes": s.vehicle_classes,
        "status": s.status,
        "status_reason": s.status_reason,
        "version": s.version,
    }


def _clean_profile(
    *,
    lines: int,
    slot_minutes: int,
    capacity_per_slot: int,
    opening_hours: dict[str, Any],
    vehicle_classes: list[str],
) -> tuple[dict[str, list[str]], list[str]]:
    if not 1 <= lines <= 50:
        raise DomainError("invalid_lines", _("Give between 1 and 50 lines"), field="lines")
    if slot_minutes not in (15, 20, 30, 60):
        raise DomainError(
            "invalid_slot_minutes", _("A slot lasts 15, 20, 30 or 60 minutes"), field="slot_minutes"
        )
    if not 1 <= capacity_per_slot <= 500:
        raise DomainError(
            "invalid_capacity",
            _("Give between 1 and 500 places per slot"),
            field="capacity_per_slot",
        )
    hours: dict[str, list[str]] = {}
    if not isinstance(opening_hours, dict):
        opening_hours = {"?": None}
    for day, span in opening_hours.items():
        if (
            day not in WEEKDAYS
            or not isinstance(span, list | tuple)
            or len(span) != 2
            or not all(isinstance(t, str) and _HHMM.match(t) for t in span)
            or span[0] >= span[1]
        ):
            raise DomainError(
                "invalid_opening_hours",
                _("Opening hours are a weekday (mon…sun) with an opening and a closing time"),
                field="opening_hours",
            )
        hours[day] = [span[0], span[1]]
    if not hours:
        raise DomainError(
            "invalid_opening_hours", _("Give the opening hours"), field="opening_hours"
        )
    classes = sorted(set(vehicle_classes))
    if not classes or any(c not in VehicleClass.values for c in classes):
        raise DomainError(
            "invalid_vehicle_classes",
            _("Give the vehicle classes the station may inspect"),
            field="vehicle_classes",
        )
    return hours, classes


def _require_manager(principal: Any, organisation: Organisation) -> None:
    if not principal.has_perm("inspection.manage_station"):
        raise Forbidden("forbidden", _("You may not manage inspection stations"))
    scope = getattr(principal, "region_scope", "") or ""
    if not scope or not organisation.region_code.startswith(scope):
        raise NotFound("not_found", _("Inspection station not found"), field="station")


@transaction.atomic
def station_create(
    *,
    actor: Actor,
    principal: Any,
    organisation: Organisation,
    lines: int,
    capacity_per_slot: int,
    opening_hours: dict[str, Any],
    vehicle_classes: list[str],
    slot_minutes: int = 30,
) -> Station:
    """Register the profile of an inspection station (staff of the vehicle office)."""
    _require_manager(principal, organisation)
    if organisation.kind != OrganisationKind.INSPECTION_STATION:
        raise DomainError(
            "not_a_station",
            _("This organisation is not an inspection station"),
            field="organisation",
        )
    if Station.objects.filter(organisation=organisation).exists():
        raise Conflict(
            "station_exists", _("This station already has a profile"), field="organisation"
        )
    hours, classes = _clean_profile(
        lines=lines,
        slot_minutes=slot_minutes,
        capacity_per_slot=capacity_per_slot,
        opening_hours=opening_hours,
        vehicle_classes=vehicle_classes,
    )
    now = clock.now()
    station = Station.objects.create(
        organisation=organisation,
        lines=lines,
        slot_minutes=slot_minutes,
        capacity_per_slot=capacity_per_slot,
        opening_hours=hours,
        vehicle_classes=classes,
        created_at=now,
        updated_at=now,
    )
    audit_record(
        actor=actor,
        action="inspection.station_create",
        object_type="station",
        object_ref=str(station.public_id),
        after=_station_snapshot(station),
    )
    return station


@transaction.atomic
def station_update(
    *,
    actor: Actor,
    principal: Any,
    station: Station,
    lines: int,
    capacity_per_slot: int,
    opening_hours: dict[str, Any],
    vehicle_classes: list[str],
    slot_minutes: int,
) -> Station:
    """Change a station's lines, capacity, hours or classes. Places already booked stay
    booked; a smaller capacity applies to the places still free."""
    locked = Station.objects.select_for_update().select_related("organisation").get(pk=station.pk)
    _require_manager(principal, locked.organisation)
    if (
        slot_minutes != locked.slot_minutes
        and locked.appointments.filter(
            state=AppointmentState.BOOKED, slot_start__gt=clock.now()
        ).exists()
    ):
        raise Conflict(
            "slots_booked",
            _("The slot length cannot change while slots are booked"),
            field="slot_minutes",
        )
    before = _station_snapshot(locked)
    hours, classes = _clean_profile(
        lines=lines,
        slot_minutes=slot_minutes,
        capacity_per_slot=capacity_per_slot,
        opening_hours=opening_hours,
        vehicle_classes=vehicle_classes,
    )
    locked.lines, locked.slot_minutes, locked.capacity_per_slot = (
        lines,
        slot_minutes,
        capacity_per_slot,
    )
    locked.opening_hours, locked.vehicle_classes = hours, classes
    locked.version += 1
    locked.updated_at = clock.now()
    locked.save()
    audit_record(
        actor=actor,
        action="inspection.station_update",
        object_type="station",
        object_ref=str(locked.public_id),
        before=before,
        after=_station_snapshot(locked),
    )
    return locked


@transaction.atomic
def station_status_set(
    *, actor: Actor, principal: Any, station: Station, status: str, reason: str
) -> Station:
    """Suspend a station (R164 Art. 72: found issuing results for vehicles not inspected or
    with falsified data, it is no longer recognised) or recognise it again. A suspended
    station takes no booking and records no result; its booked appointments are cancelled."""
    locked = Station.objects.select_for_update().select_related("organisation").get(pk=station.pk)
    _require_manager(principal, locked.organisation)
    if status not in StationStatus.values:
        raise DomainError("invalid_status", _("Unknown station status"), field="status")
    reason = reason.strip()
    if not reason or len(reason) > 200:
        raise DomainError(
            "reason_required", _("Give the reason (at most 200 characters)"), field="reason"
        )
    if locked.status == status:
        raise Conflict("same_status", _("The station already has this status"), field="status")
    before = _station_snapshot(locked)
    locked.status, locked.status_reason = status, reason
    locked.version += 1
    locked.updated_at = clock.now()
    locked.save()
    audit_record(
        actor=actor,
        action="inspection.station_status",
        object_type="station",
        object_ref=str(locked.public_id),
        before=before,
        after=_station_snapshot(locked),
        reason=reason,
    )
    if status == StationStatus.SUSPENDED:
        why = f"station suspended: {reason}"[:200]
        told: list[tuple[Person, str, dict[str, str], str, str]] = []
        name = locked.organisation.name

        def tell(
            person: Person | None, plate: str, slot: dt.datetime | None, kind: str, ref: str
        ) -> None:
            if person is not None:
                when = slot.astimezone(clock.SHANGHAI).strftime("%Y-%m-%d %H:%M") if slot else ""
                params = {"plate": plate, "station": name, "slot": when}
                told.append((person, "inspection.booking_cancelled", params, kind, ref))

        booked = locked.appointments.filter(state=AppointmentState.BOOKED).select_related(
            "owner", "vehicle__plate"
        )
        for appt in booked:
            appointment_move(appt, "cancel", actor=actor, reason=why)
            plate = appt.vehicle.plate.number if appt.vehicle.plate else appt.vehicle.vin
            tell(appt.owner, plate, appt.slot_start, "appointment", str(appt.public_id))
        # and those booked here for vehicles of other provinces (the exchange app's)
        from jiaoguan.exchange.services import foreign_appointments_cancel_at

        for f in foreign_appointments_cancel_at(actor=actor, station=locked, reason=why):
            tell(f.booked_by, f.plate_number, f.slot_start, "foreign_appointment", str(f.public_id))
        notices_send_many(told)  # each owner told why, by SMS and on the portal
    return locked


# --- appointments -----------------------------------------------------------------------------


def _appointment_snapshot(a: Appointment) -> dict[str, Any]:
    return {
        "station": str(a.station.public_id),
        "vehicle": str(a.vehicle.public_id),
        "slot_start": a.slot_start.isoformat() if a.slot_start else None,
        "walk_in": a.walk_in,
        "state": a.state,
        "due": a.due.isoformat(),
        "cross_region": a.cross_region,
        "version": a.version,
    }


def _eligible(vehicle: Vehicle, station: Station, today: dt.date) -> tuple[dt.date, bool]:
    """(due, cross_region) for a vehicle that may be inspected at this station now; refuses
    with the rule otherwise."""
    if station.status != StationStatus.RECOGNISED:
        raise DomainError(
            "station_suspended",
            _("This station is not recognised at present"),
            field="station",
            citation="R164 Art. 72",
        )
    if vehicle.status != VehicleStatus.NORMAL:
        raise DomainError(
            "vehicle_not_normal",
            _("Only a vehicle in normal status can be inspected"),
            field="vehicle",
        )
    s = schedule(facts_of(vehicle), on=today, valid_until=vehicle.inspection_valid_until)
    if s.label_only:
        raise DomainError(
            "label_only",
            _(
                "This period ends with the label alone: apply for the inspection-exempt label "
                "online instead of visiting a station"
            ),
            field="vehicle",
            citation="R164 Art. 55",
        )
    if not s.overdue and today < s.window_opens:
        raise DomainError(
            "not_due_yet",
            _("The inspection may be done from %(date)s (3 months before the period ends)")
            % {"date": s.window_opens.isoformat()},
            field="vehicle",
            citation="R164 Art. 54",
        )
    if vehicle.vehicle_class not in station.vehicle_classes:
        raise DomainError(
            "class_not_inspected",
            _("This station does not inspect this class of vehicle"),
            field="station",
        )
    cross = vehicle.city_code != station.organisation.city_code
    if cross and not cross_region_allowed(vehicle.vehicle_class):
        raise DomainError(
            "cross_region_excluded",
            _("Large passenger vehicles and school buses are inspected where they are registered"),
            field="station",
            citation=CROSS_REGION_CITATION,
        )
    return s.due, cross


def _open_visit(vehicle: Vehicle) -> None:
    if Appointment.objects.filter(vehicle=vehicle, state__in=ACTIVE).exists():
        raise Conflict(
            "already_booked",
            _("This vehicle already has an open inspection appointment"),
            field="vehicle",
        )


def _create(**kw: Any) -> Appointment:
    try:
        with transaction.atomic():
            return Appointment.objects.create(**kw)
    except IntegrityError as exc:  # a concurrent booking of the same vehicle won
        raise Conflict(
            "already_booked",
            _("This vehicle already has an open inspection appointment"),
            field="vehicle",
        ) from exc


def _event(
    a: Appointment,
    command: str,
    before: str,
    actor: Actor,
    reason: str = "",
    *,
    action: str = "",
    snapshot_before: dict[str, Any] | None = None,
) -> None:
    """The appointment's history row and its audit row (``action``, default
    ``inspection.appointment_<command>``), in the caller's transaction."""
    AppointmentEvent.objects.create(
        appointment=a,
        command=command,
        from_state=before,
        to_state=a.state,
        actor_ref=actor.ref[:64],
        reason=reason[:200],
        at=clock.now(),
    )
    audit_record(
        actor=actor,
        action=action or f"inspection.appointment_{command}",
        object_type="appointment",
        object_ref=str(a.public_id),
        before=snapshot_before,
        after=_appointment_snapshot(a),
        reason=reason,
        subject_person_ref=str(a.owner.public_id) if a.owner else "",
    )


@transaction.atomic
def appointment_book(
    *, actor: Actor, principal: Any, vehicle: Vehicle, station: Station, slot_start: dt.datetime
) -> Appointment:
    """Book a slot at a station for one's own vehicle: due (within 3 months of the end of its
    period, or overdue) and not label-only; any recognised station that inspects its class,
    in another city or province too (全国通检, R164 Art. 54) unless it is a large passenger
    vehicle. The place is taken under a lock on the slot's counter row, so the last place
    goes to exactly one booking however many arrive at once."""
    person = getattr(principal, "person", None)
    if person is None or vehicle.owner_person_id != person.pk:
        raise NotFound("not_found", _("Vehicle not found"), field="vehicle")
    now = clock.now()
    today = clock.today()
    station = Station.objects.select_related("organisation").get(pk=station.pk)
    due, cross = _eligible(vehicle, station, today)
    no_shows = [
        clock_day(s)
        for s in Appointment.objects.filter(
            owner=person,
            state=AppointmentState.NO_SHOW,
            slot_start__gte=now - dt.timedelta(days=NO_SHOW_DAYS + 1),
        ).values_list("slot_start", flat=True)
        if s is not None
    ]
    blocked = booking_blocked_until(no_shows, today)
    if blocked is not None:
        raise DomainError(
            "booking_blocked",
            _(
                "After repeated no-shows, online booking opens again on %(date)s; the station "
                "still takes walk-ins"
            )
            % {"date": blocked.isoformat()},
            field="slot_start",
        )
    slot_start = slot_check(station, slot_start)
    _open_visit(vehicle)
    slot_take(station, slot_start)
    appt = _create(
        station=station,
        vehicle=vehicle,
        owner=person,
        slot_start=slot_start,
        state=AppointmentState.BOOKED,
        due=due,
        cross_region=cross,
        created_at=now,
    )
    _event(appt, "book", "", actor)
    return appt


def slot_check(station: Station, slot_start: dt.datetime) -> dt.datetime:
    """The slot start (in UTC) if it is one of the station's open slots in the booking
    horizon, else a refusal on ``slot_start``."""
    now = clock.now()
    slot_start = slot_start.astimezone(dt.UTC)
    day = clock_day(slot_start)
    if (
        slot_start <= now
        or day > clock.today() + dt.timedelta(days=BOOKING_HORIZON_DAYS)
        or slot_start not in slot_starts(station, day)
    ):
        raise DomainError(
            "invalid_slot",
            _("Choose one of the station's open slots in the next %(days)s days")
            % {"days": BOOKING_HORIZON_DAYS},
            field="slot_start",
        )
    return slot_start


def slot_take(station: Station, slot_start: dt.datetime) -> None:
    """Take one place of a slot, in the caller's transaction, under a lock on the slot's
    counter row (``SELECT … FOR UPDATE``): the last place goes to exactly one booking however
    many arrive at once. Every booking (local or from another province) takes its place here."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("slot_take must run inside the booking transaction")
    SlotCounter.objects.bulk_create(
        [SlotCounter(station=station, start=slot_start)], ignore_conflicts=True
    )
    counter = SlotCounter.objects.select_for_update().get(station=station, start=slot_start)
    if counter.taken >= station.capacity_per_slot:
        raise Conflict("slot_full", _("This slot is full; choose another"), field="slot_start")
    counter.taken += 1
    counter.save(update_fields=["taken"])


def slot_release(station_id: int, slot_start: dt.datetime | None) -> None:
    """Give back the place of a cancelled booking."""
    if slot_start is not None:
        SlotCounter.objects.filter(station_id=station_id, start=slot_start).update(
            taken=F("taken") - 1
        )


def clock_day(at: dt.datetime) -> dt.date:
    """The Beijing date of an instant."""
    return at.astimezone(clock.SHANGHAI).date()


@transaction.atomic
def walk_in_check_in(*, actor: Actor, principal: Any, vehicle: Vehicle) -> Appointment:
    """The station checks in a vehicle that came without an appointment (walk-in): the same
    rules as a booking, without slot, capacity or the no-show block."""
    station = station_of(principal)
    if station is None:
        raise Forbidden("forbidden", _("Only an inspection station may check in vehicles"))
    due, cross = _eligible(vehicle, station, clock.today())
    _open_visit(vehicle)
    now = clock.now()
    appt = _create(
        station=station,
        vehicle=vehicle,
        owner=vehicle.owner_person,
        slot_start=None,
        walk_in=True,
        state=AppointmentState.CHECKED_IN,
        due=due,
        cross_region=cross,
        created_at=now,
        checked_in_at=now,
    )
    _event(appt, "walk_in", "", actor, action="inspection.walk_in")
    return appt


def _role(principal: Any, appt: Appointment) -> str:
    if principal is None:
        return "system"
    if (
        principal.has_perm("inspection.operate_station")
        and principal.organisation_id is not None
        and principal.organisation_id == appt.station.organisation_id
    ):
        return "station"
    if appt.owner_id is not None and getattr(principal, "person_id", None) == appt.owner_id:
        return "owner"
    return ""


def appointment_move(
    appt: Any,
    command: str,
    *,
    actor: Actor,
    reason: str = "",
    snapshot: Callable[[Any], dict[str, Any]] | None = None,
    event: Callable[..., Any] | None = None,
) -> Any:
    """Apply one transition of the appointment table to a locked appointment (checks done by
    the caller): a local one, or with its own ``snapshot`` and ``event`` (history row and
    audit) a foreign one of the exchange app, which shares the table and the slot counters."""
    t = TRANSITIONS[command]
    if appt.state not in t.source:
        raise Conflict(
            "invalid_transition",
            _("This appointment cannot be changed that way now (it is %(state)s)")
            % {"state": AppointmentState(appt.state).label},
            field="state",
        )
    before = (snapshot or _appointment_snapshot)(appt)
    source = appt.state
    now = clock.now()
    appt.state = t.target
    if t.target == AppointmentState.CHECKED_IN:
        appt.checked_in_at = now
    else:
        appt.closed_at = now
    appt.version += 1
    appt.save()
    if command == "cancel":
        slot_release(appt.station_id, appt.slot_start)
    (event or _event)(appt, command, source, actor, reason, snapshot_before=before)
    return appt


def _locked(appt: Appointment) -> Appointment:
    return (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("station__organisation", "vehicle__plate", "owner")
        .get(pk=appt.pk)
    )


@transaction.atomic
def appointment_transition(
    *, actor: Actor, principal: Any, appointment: Appointment, command: str, reason: str = ""
) -> Appointment:
    """Run a named command on an appointment (``check_in``, ``cancel``, ``mark_no_show``) as
    the workflow table allows; ``principal`` None is the system (scheduled jobs)."""
    t = TRANSITIONS.get(command)
    if t is None or command == "record_result":
        raise DomainError("unknown_command", _("Unknown command"), field="command")
    appt = _locked(appointment)
    role = _role(principal, appt)
    if not role:
        raise NotFound("not_found", _("Appointment not found"))
    if role not in t.by:
        raise Forbidden("forbidden", _("You may not do this to this appointment"))
    now = clock.now()
    late = appt.slot_start is not None and now > appt.slot_start - cancel_before()
    if command == "cancel" and role == "owner" and late:
        raise DomainError(
            "too_late_to_cancel",
            _("An appointment can be cancelled up to %(minutes)s minutes before its slot")
            % {"minutes": int(cancel_before().total_seconds() // 60)},
            field="slot_start",
        )
    if command == "mark_no_show" and appt.slot_start is not None:
        ends = appt.slot_start + dt.timedelta(minutes=appt.station.slot_minutes)
        if now < ends:
            raise Conflict("slot_not_over", _("The slot is not over yet"), field="slot_start")
    if command == "check_in":
        if appt.station.status != StationStatus.RECOGNISED:
            raise DomainError(
                "station_suspended",
                _("This station is not recognised at present"),
                field="station",
                citation="R164 Art. 72",
            )
        if appt.slot_start is not None and clock_day(appt.slot_start) != clock.today():
            raise DomainError(
                "not_today", _("Check in on the day of the appointment"), field="slot_start"
            )
    return appointment_move(appt, command, actor=actor, reason=reason)


def no_shows_mark(booked: Any, mark: Callable[[Any], Any]) -> int:
    """Mark as no-shows those of ``booked`` (booked appointments, local or foreign: the same
    rule) whose slot ended more than NO_SHOW_GRACE_MINUTES ago without a check-in, each through
    ``mark`` (its service, in its own transaction); one checked in or cancelled meanwhile is
    skipped. Returns how many."""
    now = clock.now()
    grace = dt.timedelta(minutes=NO_SHOW_GRACE_MINUTES)
    marked = 0
    stale = booked.filter(slot_start__lt=now - grace).select_related("station")
    for appt in stale.iterator():
        if appt.slot_start + dt.timedelta(minutes=appt.station.slot_minutes) + grace > now:
            continue
        try:
            mark(appt)
        except Conflict:  # checked in or cancelled meanwhile
            continue
        marked += 1
    return marked


def appointments_no_show_run(*, actor: Actor) -> int:
    """Mark as no-shows the bookings whose slot ended more than NO_SHOW_GRACE_MINUTES ago
    without a check-in (the daily job); each one in its own transaction."""
    return no_shows_mark(
        Appointment.objects.filter(state=AppointmentState.BOOKED, slot_start__isnull=False),
        lambda appt: appointment_transition(
            actor=actor, principal=None, appointment=appt, command="mark_no_show"
        ),
    )


# --- results ----------------------------------------------------------------------------------


def clean_items(items: Any, wanted: set[str]) -> dict[str, dict[str, str]]:
    """Check a station's per-item result and return it cleaned: ``items`` maps each
    inspection item (``InspectionItem``, GB 38900-2020) to ``{"outcome": "pass"|"fail",
    "fix": "what to fix"}``; a fail must say what to fix (at most 200 characters); exactly
    the ``wanted`` items must be given (all of them on a first inspection, the failed ones on
    a re-test). Refuses with a ``DomainError`` naming the item (``items.<item>``).

    Public: the stations' own results (``inspection_result_record``) and the inspections of
    vehicles from other provinces (``exchange.services.foreign_inspection_record``) use it,
    so both check items the same way."""
    if not isinstance(items, dict):
        raise DomainError("invalid_items", _("Give a result for each item"), field="items")
    clean: dict[str, dict[str, str]] = {}
    for key, value in items.items():
        if key not in InspectionItem.values:
            raise DomainError("unknown_item", _("Unknown inspection item"), field=f"items.{key}")
        outcome = value.get("outcome") if isinstance(value, dict) else None
        fix = str(value.get("fix") or "").strip() if isinstance(value, dict) else ""
        if outcome not in Outcome.values:
            raise DomainError("invalid_outcome", _("Give pass or fail"), field=f"items.{key}")
        if outcome == Outcome.FAIL and not fix:
            raise DomainError("fix_required", _("Say what must be fixed"), field=f"items.{key}")
        if len(fix) > 200:
            raise DomainError("fix_too_long", _("At most 200 characters"), field=f"items.{key}")
        clean[key] = {"outcome": outcome, "fix": fix if outcome == Outcome.FAIL else ""}
    missing = sorted(wanted - set(clean))
    if missing:
        raise DomainError(
            "items_missing", _("Give a result for each item"), field=f"items.{missing[0]}"
        )
    extra = sorted(set(clean) - wanted)
    if extra:
        raise DomainError(
            "item_not_retested",
            _("A re-test examines only the items that failed"),
            field=f"items.{extra[0]}",
        )
    return clean


def _first_result(result: InspectionResult) -> tuple[InspectionResult, int]:
    retests = 0
    while result.retest_of_id is not None:
        result = InspectionResult.objects.get(pk=result.retest_of_id)
        retests += 1
    return result, retests


@transaction.atomic
def inspection_result_record(
    *,
    actor: Actor,
    principal: Any,
    appointment: Appointment,
    items: dict[str, Any],
    inspector: str = "",
) -> InspectionResult:
    """Record the station's result of an inspection, item by item. The first result closes
    the visit (checked_in → done); a failed vehicle may be re-tested on its failed items
    (local policy, see ``rules.RETEST_DAYS``). A pass issues the label at once, in the same
    transaction: the vehicle's new period (``rules.next_valid_until``) on its record and the
    electronic label voucher (R164 Arts. 54–56), wherever the vehicle is registered."""
    appt = _locked(appointment)
    if _role(principal, appt) != "station":
        raise NotFound("not_found", _("Appointment not found"))
    if appt.station.status != StationStatus.RECOGNISED:
        raise DomainError(
            "station_suspended",
            _("This station is not recognised at present"),
            field="station",
            citation="R164 Art. 72",
        )
    today = clock.today()
    last = appt.results.order_by("-id").first()
    retest_of: InspectionResult | None = None
    if appt.state == AppointmentState.CHECKED_IN:
        wanted = set(InspectionItem.values)
    elif appt.state == AppointmentState.DONE and last is not None and last.outcome == Outcome.FAIL:
        first, retests = _first_result(last)
        if not retest_open(
            first_result_on=clock_day(first.recorded_at), retests=retests, today=today
        ):
            raise DomainError(
                "retest_closed",
                _(
                    "A re-test is possible within %(days)s days and at most %(max)s times; "
                    "book a new inspection"
                )
                % {"days": RETEST_DAYS, "max": RETEST_MAX},
                field="items",
            )
        wanted = {k for k, v in last.items.items() if v["outcome"] == Outcome.FAIL}
        retest_of = last
    else:
        raise Conflict(
            "not_checked_in",
            _("Record a result for a vehicle checked in (or a failed one, for a re-test)"),
            field="state",
        )
    inspector = inspector.strip()
    if len(inspector) > 64:
        raise DomainError("inspector_too_long", _("At most 64 characters"), field="inspector")
    clean = clean_items(items, wanted)
    passed = all(v["outcome"] == Outcome.PASS for v in clean.values())
    if retest_of is None:
        appointment_move(appt, "record_result", actor=actor)
    vehicle = appt.vehicle
    facts = facts_of(vehicle)
    valid_until: dt.date | None = None
    label_ref = ""
    if passed:
        due = vehicle.inspection_valid_until or appt.due
        valid_until = next_valid_until(facts, due=due, passed_on=today)
        vehicle = registry.vehicle_inspection_record(
            actor=actor,
            vehicle=vehicle,
            valid_until=valid_until,
            reason=f"inspection {appt.public_id}",
        )
        label = document_issue(
            actor=actor,
            kind=DocumentKind.INSPECTION_LABEL,
            subject_type="vehicle",
            subject_ref=str(vehicle.public_id),
            holder_person_ref=str(appt.owner.public_id) if appt.owner else "",
            fields={
                "plate": vehicle.plate.number if vehicle.plate else "",
                "vin": vehicle.vin,
                "inspection_valid_until": valid_until.strftime("%Y-%m"),
                "valid_until": valid_until.strftime("%Y-%m"),
                "remarks": f"检验合格 {appt.station.organisation.name}"[:80],
            },
        )
        label_ref = str(label.public_id)
    reform = reform_on(today)
    result = InspectionResult.objects.create(
        appointment=appt,
        retest_of=retest_of,
        outcome=Outcome.PASS if passed else Outcome.FAIL,
        items=clean,
        inspector=inspector,
        recorded_by=actor.ref[:64],
        recorded_at=clock.now(),
        valid_until=valid_until,
        label_ref=label_ref,
        rule=f"inspection.schedule@{reform.since.isoformat() if reform else 'statutory'}",
    )
    audit_record(
        actor=actor,
        action="inspection.result_record",
        object_type="inspection_result",
        object_ref=str(result.public_id),
        after={
            "appointment": str(appt.public_id),
            "retest_of": str(retest_of.public_id) if retest_of else None,
            "outcome": result.outcome,
            "items": clean,
            "valid_until": valid_until.isoformat() if valid_until else None,
            "label": label_ref,
            "rule": result.rule,
        },
        subject_person_ref=str(appt.owner.public_id) if appt.owner else "",
    )
    return result
