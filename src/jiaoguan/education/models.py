"""Online safety education (measure 7; DOMAIN.md §5.4, §5.7): enrolments in the courses of
``catalogue.py``, the heartbeats that measure study time, identity checks, on-site sessions
and exams. Every write goes through ``services.py``; every time record is kept (a voided
heartbeat keeps its row, with when and why it was voided)."""

from __future__ import annotations

import uuid

from django.db import models

from jiaoguan.education.constants import BeatStatus, CheckState, CourseKind, EnrolmentState


class Enrolment(models.Model):
    """One learner in one course. The state moves only through ``workflow.TRANSITIONS``."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, related_name="enrolments"
    )
    licence = models.ForeignKey(
        "registry.DrivingLicence", on_delete=models.PROTECT, related_name="enrolments"
    )
    course = models.CharField(max_length=32)  # catalogue.COURSES key
    kind = models.CharField(max_length=16, choices=CourseKind.choices)
    duty = models.ForeignKey(
        "violations.EducationDuty",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="enrolments",
    )
    cycle_index = models.IntegerField(null=True, blank=True)  # review: the cycle reviewed
    state = models.CharField(
        max_length=16, choices=EnrolmentState.choices, default=EnrolmentState.STUDYING
    )
    enrolled_at = models.DateTimeField()
    enrolled_on = models.DateField()  # in China
    rule = models.CharField(max_length=64)  # the eligibility rule version
    last_beat_at = models.DateTimeField(null=True, blank=True)
    counted_seconds = models.PositiveIntegerField(default=0)  # not voided
    checks = models.PositiveSmallIntegerField(default=0)  # identity checks asked so far
    next_check_at = models.PositiveIntegerField(default=0)  # counted seconds
    result = models.JSONField(default=dict, blank=True)  # what completion fed, and its rules
    completed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        permissions = [
            ("view_progress", "See learners' education progress"),
            ("record_onsite", "Record on-site education sessions"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "course"],
                condition=models.Q(state__in=("studying", "passed")),
                name="enrolment_one_active",
            )
        ]

    def __str__(self) -> str:
        return f"{self.course} {self.public_id}"


class EnrolmentEvent(models.Model):
    """Append-only history: every state change of an enrolment."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="events")
    command = models.CharField(max_length=32)
    from_state = models.CharField(max_length=16)
    to_state = models.CharField(max_length=16)
    actor_ref = models.CharField(max_length=64)
    actor_label = models.CharField(max_length=150)
    reason = models.CharField(max_length=500, blank=True)
    at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.command}: {self.from_state} -> {self.to_state}"


class FaceCheck(models.Model):
    """An identity check asked at a random moment of study, answered through the face-check
    port (``ports.FaceCheckService``)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="face_checks")
    number = models.PositiveSmallIntegerField()
    state = models.CharField(max_length=8, choices=CheckState.choices, default=CheckState.PENDING)
    requested_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)
    score = models.FloatField(null=True, blank=True)
    partner_ref = models.CharField(max_length=64, blank=True)
    reason = models.CharField(max_length=64, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment"],
                condition=models.Q(state="pending"),
                name="face_check_one_pending",
            )
        ]

    def __str__(self) -> str:
        return f"check {self.number} ({self.state})"


class StudyBeat(models.Model):
    """One heartbeat of a course page and what it counted. ``voided_at`` is set (never
    deleted) when a failed or missed identity check voids the time since the last pass."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="beats")
    at = models.DateTimeField()
    day = models.DateField()  # in China: the date the seconds count on
    tab = models.CharField(max_length=32)
    active = models.BooleanField()
    gap_seconds = models.PositiveIntegerField(null=True, blank=True)
    seconds = models.PositiveIntegerField()
    status = models.CharField(max_length=8, choices=BeatStatus.choices)
    voided_at = models.DateTimeField(null=True, blank=True)
    void_check = models.ForeignKey(
        FaceCheck, null=True, blank=True, on_delete=models.PROTECT, related_name="voided_beats"
    )

    class Meta:
        indexes = [models.Index(fields=["enrolment", "day"], name="study_beat_day_idx")]

    def __str__(self) -> str:
        return f"{self.seconds}s {self.status}"


class OnsiteSession(models.Model):
    """An on-site session recorded by the education office (R163 Art. 19: a day counts when
    one session lasts over 3 hours)."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="onsite")
    day = models.DateField()
    minutes = models.PositiveIntegerField()
    place = models.CharField(max_length=120)
    recorded_by_ref = models.CharField(max_length=64)
    recorded_by_label = models.CharField(max_length=150)
    recorded_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.day} {self.minutes} min"


class ExamAttempt(models.Model):
    """One exam: the questions drawn from the bank, the answers and the server's score."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="exams")
    questions = models.JSONField()  # question ids, in the order shown
    answers = models.JSONField(default=dict)
    started_at = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    passed = models.BooleanField(null=True)
    pass_mark = models.PositiveSmallIntegerField()
    rule = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"exam {self.public_id}"
