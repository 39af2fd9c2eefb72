"""Every write of the inspection app."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction

from jiaoguan.audit.services import Actor, audit_record
from jiaoguan.inspection.constants import ReminderKind
from jiaoguan.inspection.models import InspectionReminder
from jiaoguan.inspection.rules import schedule
from jiaoguan.inspection.selectors import facts_of
from jiaoguan.kernel import clock
from jiaoguan.notices.services import notices_send_many
from jiaoguan.registry.constants import VehicleStatus
from jiaoguan.registry.models import Person, Vehicle

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


def _decide(vehicle: Vehicle, today: dt.date) -> tuple[str, str, dt.date]:
    """(kind, template, due) for a vehicle whose period ends within 30 days or has ended."""
    valid_until = vehicle.inspection_valid_until
    assert valid_until is not None
    facts = facts_of(vehicle)
    current = schedule(facts, on=today, valid_until=valid_until)
    if not current.overdue:
        template = "inspection.label_due" if current.label_only else "inspection.station_due"
        return ReminderKind.DUE_SOON, template, valid_until
    missed = [d for d in schedule(facts, on=today).dues if valid_until < d < today]
    if len(missed) >= SCRAP_WARNING_MISSED:
        return ReminderKind.SCRAP_WARNING, "inspection.scrap_warning", valid_until
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
    concerned = (
        Vehicle.objects.filter(
            inspection_valid_until__lte=horizon,
            status=VehicleStatus.NORMAL,
            owner_person__isnull=False,
        )
        .select_related("plate", "owner_person")
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
    decided = {v.pk: _decide(v, today) for v in vehicles}
    done = set(
        InspectionReminder.objects.filter(vehicle_id__in=list(decided)).values_list(
            "vehicle_id", "due", "kind"
        )
    )
    now = clock.now()
    reminders: list[InspectionReminder] = []
    notices: list[tuple[Person, str, dict[str, str], str, str]] = []
    for v in vehicles:
        kind, template, due = decided[v.pk]
        if (v.pk, due, kind) in done:
            continue
        reminders.append(
            InspectionReminder(vehicle=v, due=due, kind=kind, template=template, created_at=now)
        )
        owner = v.owner_person
        assert owner is not None
        params = {"plate": v.plate.number if v.plate else v.vin, "due": due.isoformat()}
        notices.append((owner, template, params, "vehicle", str(v.public_id)))
        setattr(report, kind, getattr(report, kind) + 1)
    if not reminders:
        return
    InspectionReminder.objects.bulk_create(reminders, batch_size=1000)
    notices_send_many(notices)
    audit_record(
        actor=actor,
        action="inspection.reminders_send",
        object_type="inspection_reminders",
        object_ref=today.isoformat(),
        after={"sent": len(reminders), "first_vehicle": reminders[0].vehicle_id},
    )
