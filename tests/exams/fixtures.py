"""Exam sites, their staff, applicants and a clock that moves between days, for the exams
tests (and the browser journey)."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from jiaoguan.audit.services import Actor
from jiaoguan.exams import services
from jiaoguan.exams.models import Booking, ExamPlan, ExamSite, LicenceApplication
from jiaoguan.kernel import clock
from jiaoguan.kernel.uscc import USCC
from jiaoguan.registry import services as registry
from jiaoguan.registry.constants import OrganisationKind
from jiaoguan.registry.models import Person
from tests.conftest import make_citizen, make_person, make_staff

_n = itertools.count(1)
#: A Monday; 10:00 in Beijing.
DAY0 = dt.date(2026, 3, 2)


def at(day: dt.date, hhmm: str = "10:00") -> dt.datetime:
    h, m = (int(x) for x in hhmm.split(":"))
    return dt.datetime(day.year, day.month, day.day, h, m, tzinfo=clock.SHANGHAI)


@contextmanager
def on(day: dt.date, hhmm: str = "10:00") -> Iterator[None]:
    with clock.frozen(at(day, hhmm)):
        yield


def make_site(
    city: str = "3201", *, examiners: list[str] | None = None, classes: list[str] | None = None
) -> ExamSite:
    n = next(_n)
    org = registry.organisation_create(
        actor=Actor.system("tests"),
        uscc=str(USCC.generate(city + "02", f"{n + 80_000_000:08d}")),
        name=f"南京市机动车驾驶人考场{n}",
        kind=OrganisationKind.EXAM_SITE,
        region_code=city + "02",
    )
    manager = make_staff("reviewer", city)
    return services.exam_site_create(
        actor=Actor.of(manager),
        principal=manager,
        organisation=org,
        subjects=[1, 2, 3],
        classes=classes or ["C1", "C2", "B2", "D"],
        examiners=examiners or ["考官01", "考官02", "考官03"],
    )


def site_staff(site: ExamSite) -> Any:
    return make_staff("exam_site", site.organisation.city_code, site.organisation)


def publish(
    site: ExamSite, subject: int, exam_date: dt.date, capacity: int = 10, staff: Any = None
) -> ExamPlan:
    staff = staff or site_staff(site)
    return services.plan_publish(
        actor=Actor.of(staff),
        principal=staff,
        site=site,
        exam_date=exam_date,
        subject=subject,
        capacity=capacity,
    )


def applicant(county: str = "320102", **kw: Any) -> tuple[Person, Any]:
    person = make_person(county, **kw)
    return person, make_citizen(person)


def apply(user: Any, cls: str = "C1", office: str = "320102") -> LicenceApplication:
    return services.licence_application_start(
        actor=Actor.of(user),
        principal=user,
        person=user.person,
        licence_class=cls,
        office_region=office,
    )


def book(user: Any, app: LicenceApplication, plan: ExamPlan) -> Booking:
    return services.booking_request(
        actor=Actor.of(user), principal=user, application=app, plan=plan
    )


def sit(staff: Any, booking: Booking, scores: dict[str, list[int]]) -> Any:
    """Check in (examiner drawn) and record the result, on the exam day."""
    with on(booking.plan.exam_date, "09:00"):
        b = services.booking_check_in(actor=Actor.of(staff), principal=staff, booking=booking)
        return services.booking_result_record(
            actor=Actor.of(staff), principal=staff, booking=b, scores=scores
        )
