"""The daily inspection reminders: due soon (label or station), overdue, heading for
compulsory scrapping; once per vehicle, period and kind."""

from __future__ import annotations

import datetime as dt

import pytest

from jiaoguan.audit.models import AuditEvent
from jiaoguan.audit.services import Actor
from jiaoguan.inspection.models import InspectionReminder
from jiaoguan.inspection.services import inspection_reminders_run
from jiaoguan.kernel import clock
from jiaoguan.notices.models import Notice
from jiaoguan.registry.models import Vehicle
from tests.conftest import make_person, make_vehicle

pytestmark = pytest.mark.django_db
ACTOR = Actor.system("tests")
TODAY = dt.date(2026, 6, 10)


def _car(registered: dt.date, valid_until: dt.date, **kw: object) -> Vehicle:
    return make_vehicle(
        make_person(),
        registration_date=registered,
        manufacture_date=registered,
        inspection_valid_until=valid_until,
        **kw,
    )


def test_due_soon_label_or_station_overdue_and_scrap_warning() -> None:
    label = _car(dt.date(2024, 7, 1), dt.date(2026, 7, 1))  # year 2 in 21 days: label only
    station = _car(dt.date(2020, 7, 1), dt.date(2026, 7, 1))  # year 6: on site
    later = _car(dt.date(2024, 8, 1), dt.date(2026, 8, 1))  # 52 days away: not yet
    overdue = _car(dt.date(2020, 6, 1), dt.date(2026, 6, 1))  # 9 days overdue
    scrap = _car(dt.date(2010, 6, 1), dt.date(2023, 6, 1))  # 2024, 2025 and 2026 missed
    report = inspection_reminders_run(actor=ACTOR, today=TODAY)
    assert (report.due_soon, report.overdue, report.scrap_warning) == (2, 1, 1)
    kinds = dict(InspectionReminder.objects.values_list("vehicle_id", "template"))
    assert kinds == {
        label.pk: "inspection.label_due",
        station.pk: "inspection.station_due",
        overdue.pk: "inspection.overdue",
        scrap.pk: "inspection.scrap_warning",
    }
    assert later.pk not in kinds
    notice = Notice.objects.get(object_ref=str(label.public_id))
    assert notice.sms_status == "queued" and "网上申领检验标志" in notice.text("zh")
    assert AuditEvent.objects.filter(action="inspection.reminders_send").count() == 1


def test_the_run_never_repeats_a_reminder() -> None:
    _car(dt.date(2024, 7, 1), dt.date(2026, 7, 1))
    assert inspection_reminders_run(actor=ACTOR, today=TODAY).sent == 1
    again = inspection_reminders_run(actor=ACTOR, today=TODAY + dt.timedelta(days=1))
    assert again.sent == 0 and again.scanned == 0  # told already: not even read
    # once overdue, it is a new kind of reminder about the same period
    assert inspection_reminders_run(actor=ACTOR, today=dt.date(2026, 7, 2)).overdue == 1
    assert Notice.objects.count() == 2


def test_batches_walk_the_whole_set_in_keyset_order() -> None:
    for i in range(7):
        _car(dt.date(2024, 7, 1), dt.date(2026, 6, 20) + dt.timedelta(days=i % 3))
    report = inspection_reminders_run(actor=ACTOR, today=TODAY, batch=2)
    assert report.scanned == 7 and report.due_soon == 7
    assert InspectionReminder.objects.count() == 7


def test_deregistered_and_unknown_periods_are_left_alone() -> None:
    v = _car(dt.date(2024, 7, 1), dt.date(2026, 7, 1))
    Vehicle.objects.filter(pk=v.pk).update(status="deregistered")
    make_vehicle(make_person())  # no inspection period on record
    assert inspection_reminders_run(actor=ACTOR, today=TODAY).scanned == 0


def test_the_default_date_is_today() -> None:
    today = clock.today()
    _car(today - dt.timedelta(days=700), today + dt.timedelta(days=30))
    assert inspection_reminders_run(actor=ACTOR).due_soon == 1
