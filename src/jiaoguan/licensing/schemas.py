"""Request and response shapes of the licence, exam and scoring rules API: facts in (typed and
bounded, so bad input is a 422 naming the field), decision and citations out."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.utils.translation import gettext
from ninja import Field, Schema

from jiaoguan.cases.rules import Decision

ClassCode = Literal[
    "A1", "A2", "A3", "B1", "B2", "C1", "C2", "C3", "C4", "C5", "C6",
    "D", "E", "F", "M", "N", "P",
]  # fmt: skip
# Dates the rules can compute with (years and months are added to them): nothing absurd.
Day = Annotated[dt.date, Field(ge=dt.date(1900, 1, 1), le=dt.date(2199, 12, 31))]
Age = Annotated[int, Field(ge=0, le=150)]
Count = Annotated[int, Field(ge=0, le=1000)]
Subject = Literal[1, 2, 3]
ON_HELP = "The date asked about (default: today, Asia/Shanghai)"


class DecisionOut(Schema):
    allowed: bool = Field(
        description="For a permission, whether it is allowed; for a duty or an effect "
        "(review owed, class cancelled, licence suspended), whether it applies"
    )
    rule: str = Field(
        description="Rule id and version (date of force), e.g. exam.booking@2022-04-01"
    )
    citations: list[str]
    code: str = Field(description="Refusal code; empty when allowed")
    message: str = Field(description="The refusal in the request's language (zh-hans default)")
    facts: dict[str, Any] = Field(description="The facts the rule used and what it computed")

    @staticmethod
    def build(d: Decision) -> DecisionOut:
        return DecisionOut(
            allowed=d.allowed,
            rule=d.rule,
            citations=list(d.citations),
            code=d.code,
            message=gettext(d.message) if d.message else "",
            facts=dict(d.facts),
        )


class RuleInfoOut(Schema):
    id: str
    versions: list[str] = Field(description="Dates of force of each version encoded")
    citations: list[str]
    section: str = Field(description="Section of DOMAIN.md")
    confidence: str
    endpoint: str
    summary: str


class FirstApplicationIn(Schema):
    cls: ClassCode = Field(alias="class")
    age: Age = Field(description="Whole years of age on `on`")
    on: Day | None = Field(None, description=ON_HELP)
    ability_tests_passed: bool = Field(
        False, description="From 70: memory, judgement and reaction tests passed"
    )


class HeldClassIn(Schema):
    cls: ClassCode = Field(alias="class")
    since: Day


class AddClassIn(Schema):
    cls: ClassCode = Field(alias="class")
    held: list[HeldClassIn] = Field(max_length=17)
    age: Age
    first_issued: Day = Field(description="First issue of the licence (starts the cycles)")
    full_score_dates: list[Day] = Field(
        default_factory=list, max_length=100, description="Days the holder reached 12 points"
    )
    on: Day | None = Field(None, description=ON_HELP)
    vocational_student: bool = False
    ability_tests_passed: bool = False


class ProbationIn(Schema):
    probation_started: Day = Field(description="First issue of the car or motorcycle class")
    on: Day | None = Field(None, description=ON_HELP)
    activity: (
        Literal[
            "bus",
            "commercial_passenger",
            "emergency_vehicle",
            "hazardous_goods",
            "trailer",
            "expressway",
            "other",
        ]
        | None
    ) = None
    companion_years: Annotated[int, Field(ge=0, le=100)] | None = None
    original_class: bool = Field(
        False, description="Driving a class held before the class in probation was added"
    )


class ProbationFullScoreIn(Schema):
    probation_started: Day
    on: Day | None = Field(None, description=ON_HELP)
    points_in_probation: Count


class ReviewIn(Schema):
    classes: list[ClassCode] = Field(min_length=1, max_length=17)
    age: Age
    points_in_cycle: Count
    cycle_end: Day = Field(description="Last day of the scoring cycle")
    fatal_accident_responsible: bool = False
    injury_accident_responsible: bool = False
    school_bus: bool = False


class RenewalWindowIn(Schema):
    valid_until: Day | None = Field(description="End of validity; null for a permanent licence")
    on: Day | None = Field(None, description=ON_HELP)


class DeferralIn(Schema):
    matter: Literal["renewal", "review", "medical"]
    classes: list[ClassCode] = Field(min_length=1, max_length=17)
    age: Age
    valid_until: Day | None
    until: Day = Field(description="The date asked for")
    reason: Literal["military_service", "abroad", "other"]
    on: Day | None = Field(None, description=ON_HELP)


class AgeDowngradeIn(Schema):
    held: list[ClassCode] = Field(min_length=1, max_length=17)
    age: Age
    small_class: Literal["C1", "C2"] = "C1"
    on: Day | None = Field(None, description=ON_HELP)


class ExamPassIn(Schema):
    subject: Subject
    cls: ClassCode = Field(alias="class")
    score: Annotated[int, Field(ge=0, le=100)]
    part: Literal["road", "safety"] = Field(
        "road", description="科目三 only: road skills, or 安全文明驾驶常识"
    )


class LearnerPermitIn(Schema):
    cls: ClassCode = Field(alias="class")
    issued_on: Day
    birth_date: Day


class BookingIn(Schema):
    subject: Subject
    cls: ClassCode = Field(alias="class")
    permit_issued_on: Day
    birth_date: Day
    exam_date: Day
    on: Day | None = Field(None, description=ON_HELP)
    bookings_made: Count = Field(0, description="Bookings of this subject within the permit")
    retake_failed_on: Day | None = Field(None, description="Day the last retake was failed")
    adding_to_car_licence: bool = False


class FailureIn(Schema):
    subject: Subject
    failed_on: Day
    was_retake: bool
    booking_number: Annotated[int, Field(ge=1, le=1000)]


class CancellationIn(Schema):
    exam_date: Day
    on: Day | None = Field(None, description=ON_HELP)


class LocationChangeIn(Schema):
    cls: ClassCode = Field(alias="class")
    changes_made: Count


class RoadTestIn(Schema):
    cls: ClassCode = Field(alias="class")
    first_application: bool
    km: Annotated[float, Field(ge=0, le=1000)]


class CycleIn(Schema):
    first_issued: Day
    on: Day | None = Field(None, description=ON_HELP)


class PointRecordIn(Schema):
    points: Literal[12, 9, 6, 3, 1]
    fine_unpaid: bool = False


class CycleEndIn(Schema):
    records: list[PointRecordIn] = Field(max_length=500)


class FullScoreIn(Schema):
    classes: list[ClassCode] = Field(min_length=1, max_length=17)
    full_scores_in_cycle: Annotated[int, Field(ge=0, le=100)]
    points_in_cycle: Count


class StudySessionIn(Schema):
    day: Day
    mode: Literal["onsite", "online"]
    minutes: Annotated[int, Field(ge=0, le=1440)]


class StudyDaysIn(Schema):
    classes: list[ClassCode] = Field(min_length=1, max_length=17)
    sessions: list[StudySessionIn] = Field(max_length=1000)


class FullScoreExamsIn(Schema):
    full_scores_in_cycle: Annotated[int, Field(ge=0, le=100)]
    points_in_cycle: Count


class ReleaseIn(Schema):
    exams_passed: bool
    fines_unpaid: Count


class SuspensionIn(Schema):
    notice_served_on: Day
    attended: bool
    on: Day | None = Field(None, description=ON_HELP)


class PointReductionIn(Schema):
    activity: Literal["online", "onsite", "public_service"]
    minutes: Annotated[int, Field(ge=0, le=1440)]
    test_passed: bool = False
    points_now: Annotated[int, Field(ge=0, le=100)]
    reduced_this_cycle: Annotated[int, Field(ge=0, le=100)] = 0
    violations_open: bool = False
    full_score_educations_recent: Annotated[int, Field(ge=0, le=100)] = Field(
        0, description="满分 educations in this and the last cycle"
    )
    offences_last_3_cycles: list[
        Literal["hit_and_run", "drink_driving", "fake_plates", "point_trading"]
    ] = Field(default_factory=list, max_length=4)
    in_probation: bool = False
    review_overdue: bool = False
    licence_detained: bool = False
    vehicle_overdue: bool = Field(
        False, description="A vehicle of the driver overdue for inspection or not de-registered"
    )
    fraud_last_3_cycles: bool = False


class AgeCancellationIn(Schema):
    classes: list[ClassCode] = Field(min_length=1, max_length=17)
    age: Age
    on: Day | None = Field(None, description=ON_HELP)


class MedicalIn(Schema):
    classes: list[ClassCode] = Field(min_length=1, max_length=17)
    age: Age


class RestorationIn(Schema):
    cancelled_on: Day = Field(description="Day the licence was cancelled for not being renewed")
    on: Day | None = Field(None, description=ON_HELP)


class ContactChangeIn(Schema):
    changed_on: Day = Field(description="Day the phone number or address changed")
    on: Day | None = Field(None, description=ON_HELP)


class BookingPlanIn(Schema):
    published_on: Day
    exam_date: Day


class PointValueIn(Schema):
    points: Annotated[int, Field(ge=0, le=100)]


class OffenceIn(Schema):
    offence: Literal[
        "drink_driving",
        "hit_and_run",
        "fake_plates",
        "overloading",
        "speeding",
        "expressway_reversing",
        "taking_points_for_money",
        "other",
    ]
