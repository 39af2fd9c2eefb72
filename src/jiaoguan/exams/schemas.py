from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Schema

from jiaoguan.exams import rules as exam_rules
from jiaoguan.exams.models import Booking, ExamPlan, ExamResult, ExamSite, LicenceApplication
from jiaoguan.kernel.crypto import mask_id_number, mask_name


class SiteOut(Schema):
    id: str
    name: str
    region_code: str
    subjects: list[int]
    classes: list[str]

    @staticmethod
    def build(s: ExamSite) -> SiteOut:
        return SiteOut(
            id=str(s.public_id),
            name=s.organisation.name,
            region_code=s.organisation.region_code,
            subjects=s.subjects,
            classes=s.classes,
        )


class SiteIn(Schema):
    organisation_id: str = Field(max_length=64, description="the exam_site organisation")
    subjects: list[int] = Field(max_length=3)
    classes: list[str] = Field(max_length=20)
    examiners: list[str] = Field(max_length=200, description="examiner codes drawn on the day")


class PlanOut(Schema):
    id: str
    site_id: str
    site_name: str
    exam_date: dt.date
    subject: int
    classes: list[str]
    capacity: int
    booked: int
    remaining: int = Field(description="places left; 0 means new bookings join the queue")
    published_on: dt.date
    rule: str

    @staticmethod
    def build(p: ExamPlan) -> PlanOut:
        return PlanOut(
            id=str(p.public_id),
            site_id=str(p.site.public_id),
            site_name=p.site.organisation.name,
            exam_date=p.exam_date,
            subject=p.subject,
            classes=p.classes,
            capacity=p.capacity,
            booked=p.booked,
            remaining=max(0, p.capacity - p.booked),
            published_on=p.published_on,
            rule=p.rule,
        )


class PlanIn(Schema):
    exam_date: dt.date
    subject: Literal[1, 2, 3]
    capacity: int = Field(ge=1, le=5000)
    classes: list[str] = Field(default_factory=list, max_length=20)


class ApplicationOut(Schema):
    id: str
    applicant_name: str = Field(description="masked unless the caller may see full identifiers")
    id_number: str = Field(description="masked unless the caller may see full identifiers")
    licence_class: str
    kind: str
    channel: str
    region_code: str
    where_basis: str
    where_rule: str
    state: str
    passed: dict[str, str]
    permit_issued_on: dt.date | None
    permit_valid_until: dt.date | None
    licence_case_id: str | None = Field(description="the engine application for the licence")
    location_changes: int = Field(0, description="exam place changes after a move (R162 Art. 39)")

    @staticmethod
    def build(a: LicenceApplication, *, full: bool) -> ApplicationOut:
        person = a.person
        return ApplicationOut(
            id=str(a.public_id),
            applicant_name=person.name if full else mask_name(person.name),
            id_number=person.id_number if full else mask_id_number(person.id_number),
            licence_class=a.licence_class,
            kind=a.kind,
            channel=a.channel,
            region_code=a.region_code,
            where_basis=a.where_basis,
            where_rule=a.where_rule,
            state=a.state,
            passed=a.passed,
            permit_issued_on=a.permit_issued_on,
            permit_valid_until=a.permit_valid_until,
            licence_case_id=a.licence_case_ref or None,
            location_changes=a.location_changes,
        )


class ApplicationIn(Schema):
    licence_class: str = Field(max_length=3)
    region_code: str = Field(max_length=6, description="the office applied at (GB/T 2260)")
    kind: Literal["first", "add_class"] = "first"
    id_number: str = Field(
        "", max_length=18, description="the applicant, when a counter or a school applies for them"
    )
    name: str = Field(
        "",
        max_length=64,
        description="the applicant's name as on the ID card: required when a driving school "
        "applies (it reads no registry: the number and the name must both match)",
    )


class ResultOut(Schema):
    passed: bool
    scores: dict[str, list[int]]
    parts_passed: dict[str, bool]
    rule: str
    recorded_at: dt.datetime

    @staticmethod
    def build(r: ExamResult) -> ResultOut:
        return ResultOut(
            passed=r.passed,
            scores=r.scores,
            parts_passed=r.parts_passed,
            rule=r.rule,
            recorded_at=r.recorded_at,
        )


class BookingOut(Schema):
    id: str
    application_id: str
    applicant_name: str = Field(description="masked unless the caller may see full identifiers")
    licence_class: str
    plan: PlanOut
    subject: int
    state: str
    number: int = Field(description="the how-manyth booking of this subject (R162 Art. 47)")
    queue_position: int | None = Field(description="place in the day's queue while waiting")
    allocation_rule: str
    examiner: str = Field(description="drawn at random at check-in")
    result: ResultOut | None

    @staticmethod
    def build(b: Booking, *, full: bool, position: int | None = None) -> BookingOut:
        result = ExamResult.objects.filter(booking=b).first()
        name = b.application.person.name
        return BookingOut(
            id=str(b.public_id),
            application_id=str(b.application.public_id),
            applicant_name=name if full else mask_name(name),
            licence_class=b.application.licence_class,
            plan=PlanOut.build(b.plan),
            subject=b.subject,
            state=b.state,
            number=b.number,
            queue_position=position,
            allocation_rule=b.allocation_rule,
            examiner=b.examiner,
            result=ResultOut.build(result) if result else None,
        )


class BookIn(Schema):
    application_id: str = Field(max_length=64)
    plan_id: str = Field(max_length=64)


class ScoresIn(Schema):
    scores: dict[Literal["main", "road", "safety"], list[int]] = Field(
        description="per part, the score and (after a fail) the free retake: 科目一/二 "
        '{"main": [s]}; 科目三 {"road": [s], "safety": [s]} (a part passed before is left out)'
    )


class RelocateIn(Schema):
    region_code: str = Field(
        max_length=6, description="the office of the new place of residence (GB/T 2260)"
    )
    reason: str = Field("", max_length=200)


class ReasonIn(Schema):
    reason: str = Field("", max_length=200)


class PriorityRuleOut(Schema):
    key: str
    name_zh: str
    name_en: str
    source: str


class PriorityRulesOut(Schema):
    version: str
    since: dt.date
    rules: list[PriorityRuleOut]
    note: str

    @staticmethod
    def build(r: exam_rules.PriorityRules) -> PriorityRulesOut:
        return PriorityRulesOut(
            version=r.version,
            since=r.since,
            rules=[
                PriorityRuleOut(key=x.key, name_zh=x.name_zh, name_en=x.name_en, source=x.source)
                for x in r.rules
            ],
            note=r.note,
        )


class WhereIn(Schema):
    kind: Literal["first", "add_class"] = "first"
    office_region: str = Field(max_length=6)
    household_region: str = Field(max_length=6, description="first 6 digits of the ID number")
    residence_region: str = Field("", max_length=6)
    licence_region: str | None = Field(None, max_length=6)
    permit_status: Literal["valid", "expired", "none"] | None = None
    permit_region: str | None = Field(None, max_length=6)
    permit_valid_until: dt.date | None = None
    on: dt.date | None = None
