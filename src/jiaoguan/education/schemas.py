from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from ninja import Field, Schema

from jiaoguan.education.catalogue import QUESTIONS, Course
from jiaoguan.education.models import Enrolment, ExamAttempt, FaceCheck


class CourseOut(Schema):
    code: str
    kind: str
    title_zh: str
    title_en: str
    minutes: int = Field(description="Counted online minutes asked (full score: per day)")
    questions: int
    pass_mark: int
    retake_wait_days: int
    citations: list[str]

    @staticmethod
    def build(c: Course) -> CourseOut:
        return CourseOut(
            code=c.code,
            kind=c.kind,
            title_zh=c.title_zh,
            title_en=c.title_en,
            minutes=c.minutes,
            questions=c.questions,
            pass_mark=c.pass_mark,
            retake_wait_days=c.retake_wait_days,
            citations=list(c.citations),
        )


class EnrolIn(Schema):
    course: str = Field(max_length=32, examples=["full-score"])


class DayOut(Schema):
    day: dt.date
    minutes: int


class EnrolmentOut(Schema):
    id: uuid.UUID
    course: str
    kind: str
    state: str
    enrolled_on: dt.date
    counted_minutes: int
    voided_minutes: int
    online_days: list[DayOut]
    onsite_days: list[DayOut]
    ready_for_exam: bool
    ready_code: str = Field(description="Why the exam cannot be taken yet, if not")
    pending_check: uuid.UUID | None
    study_days_owed: int | None = None
    result: dict[str, Any]
    rule: str

    @staticmethod
    def build(e: Enrolment, progress: dict[str, Any]) -> EnrolmentOut:
        return EnrolmentOut(
            id=e.public_id,
            course=e.course,
            kind=e.kind,
            state=e.state,
            enrolled_on=e.enrolled_on,
            counted_minutes=progress["counted_minutes"],
            voided_minutes=progress["voided_minutes"],
            online_days=[DayOut(day=d, minutes=m) for d, m in progress["by_day"]],
            onsite_days=[DayOut(day=d, minutes=m) for d, m in progress["onsite"]],
            ready_for_exam=progress["ready"].allowed,
            ready_code=progress["ready"].code or "",
            pending_check=progress["pending_check"].public_id
            if progress["pending_check"]
            else None,
            study_days_owed=e.duty.study_days if e.duty else None,
            result=e.result,
            rule=e.rule,
        )


class HeartbeatIn(Schema):
    tab: str = Field(max_length=32, description="A random id of the page instance")
    active: bool = Field(description="The page is visible and the learner was active lately")


class HeartbeatOut(Schema):
    status: str = Field(description="start, counted, idle, gap or paused")
    credited: int
    counted_seconds: int
    today_seconds: int
    check: uuid.UUID | None = Field(description="An identity check to answer now")


class CheckIn(Schema):
    image: str = Field(max_length=60_000, description="The photo, base64 (at most 40 KB)")


class CheckOut(Schema):
    id: uuid.UUID
    number: int
    state: str
    reason: str

    @staticmethod
    def build(c: FaceCheck) -> CheckOut:
        return CheckOut(id=c.public_id, number=c.number, state=c.state, reason=c.reason)


class QuestionOut(Schema):
    id: str
    text_zh: str
    text_en: str
    options: list[str]


class ExamOut(Schema):
    id: uuid.UUID
    questions: list[QuestionOut]
    submitted: bool
    score: int | None
    passed: bool | None
    pass_mark: int

    @staticmethod
    def build(a: ExamAttempt) -> ExamOut:
        return ExamOut(
            id=a.public_id,
            questions=[
                QuestionOut(id=q.id, text_zh=q.text_zh, text_en=q.text_en, options=list(q.options))
                for q in (QUESTIONS[i] for i in a.questions if i in QUESTIONS)
            ],
            submitted=a.submitted_at is not None,
            score=a.score,
            passed=a.passed,
            pass_mark=a.pass_mark,
        )


class AnswersIn(Schema):
    answers: dict[str, int] = Field(
        max_length=100, description="Question id -> index of the option chosen"
    )


class OnsiteIn(Schema):
    day: dt.date
    minutes: int = Field(ge=1, le=720)
    place: str = Field(max_length=120)


class ReasonIn(Schema):
    reason: str = Field(max_length=500)
