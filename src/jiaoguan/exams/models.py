"""Licence applications, exam sites, their booking plans, bookings and results.

State moves only through ``services`` consulting the tables of ``workflow``; every change
appends a history row (``ApplicationEvent``, ``BookingEvent``) and an audit row."""

from __future__ import annotations

import uuid

from django.db import models

from jiaoguan.exams.constants import (
    ApplicationChannel,
    ApplicationKind,
    ApplicationState,
    BookingState,
    Subject,
    WhereBasis,
)


class ExamSite(models.Model):
    """The profile of an exam site (考场): one per organisation of kind ``exam_site``. Its
    staff (accounts with ``exams.operate_exam_site`` and this organisation) see only its own
    plans and bookings. ``examiners`` are the codes of the examiners who may be drawn on the
    day (R162 Art. 48: examiners are assigned at random)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.OneToOneField(
        "registry.Organisation", on_delete=models.PROTECT, related_name="exam_site"
    )
    subjects = models.JSONField(default=list)  # of 1, 2, 3
    classes = models.JSONField(default=list)  # licence class codes examined here
    examiners = models.JSONField(default=list)  # examiner codes
    active = models.BooleanField(default=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        permissions = [
            ("manage_exam_sites", "Register exam sites and see every application in scope"),
            ("operate_exam_site", "Publish plans, check in and record results at one's own site"),
            ("handle_licence_application", "Start licence applications for applicants"),
        ]

    def __str__(self) -> str:
        return f"exam site {self.public_id}"


class LicenceApplication(models.Model):
    """One application for a licence class (first licence or an added class), from the first
    exam to the licence. ``region_code`` is the office it was made at (where to apply, R162
    Art. 22, decided by ``rules.where_to_apply`` and recorded in ``where_basis``)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, related_name="licence_applications"
    )
    licence_class = models.CharField(max_length=3)
    kind = models.CharField(max_length=12, choices=ApplicationKind.choices)
    channel = models.CharField(max_length=8, choices=ApplicationChannel.choices)
    agent = models.ForeignKey(
        "registry.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="licence_applications",
    )  # the driving school or office that made it for the applicant
    region_code = models.CharField(max_length=6, db_index=True)
    city_code = models.CharField(max_length=4, db_index=True)
    province_code = models.CharField(max_length=2, db_index=True)
    where_basis = models.CharField(max_length=20, choices=WhereBasis.choices)
    where_rule = models.CharField(max_length=64)
    state = models.CharField(
        max_length=20, choices=ApplicationState.choices, default=ApplicationState.OPEN
    )
    #: subject passed -> ISO date: "1", "2", "3road", "3safety"
    passed = models.JSONField(default=dict)
    permit_issued_on = models.DateField(null=True, blank=True)
    permit_valid_until = models.DateField(null=True, blank=True)
    permit_rule = models.CharField(max_length=64, blank=True)
    licence_case_ref = models.CharField(max_length=36, blank=True, db_index=True)
    void_reason = models.CharField(max_length=200, blank=True)
    #: times the exam place was changed after a move (R162 Art. 39 para 3: at most 3)
    location_changes = models.PositiveSmallIntegerField(default=0)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person", "licence_class"],
                condition=models.Q(state__in=["open", "learning", "awaiting_licence"]),
                name="exams_one_open_application",
            )
        ]

    def __str__(self) -> str:
        return f"licence application {self.public_id}"


class ApplicationEvent(models.Model):
    """Append-only history of an application's states."""

    application = models.ForeignKey(
        LicenceApplication, on_delete=models.PROTECT, related_name="events"
    )
    command = models.CharField(max_length=32)
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20)
    actor_ref = models.CharField(max_length=64)
    reason = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.command} {self.from_state}->{self.to_state}"


class ExamPlan(models.Model):
    """A booking plan (考试计划) of one site for one day and subject, published ahead (R162
    Art. 52: at least 10 days). ``booked`` is the counter the booking service increments in
    one conditional ``UPDATE … WHERE booked < capacity``, so it never passes ``capacity``."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    site = models.ForeignKey(ExamSite, on_delete=models.PROTECT, related_name="plans")
    exam_date = models.DateField()
    subject = models.PositiveSmallIntegerField(choices=Subject.choices)
    classes = models.JSONField(default=list)
    capacity = models.PositiveIntegerField()
    booked = models.PositiveIntegerField(default=0)
    published_on = models.DateField()
    rule = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    version = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["site", "exam_date", "subject"], name="exams_one_plan_per_day"
            ),
            models.CheckConstraint(
                condition=models.Q(booked__lte=models.F("capacity")), name="exams_never_overbook"
            ),
        ]
        indexes = [models.Index(fields=["exam_date", "subject"])]

    def __str__(self) -> str:
        return f"plan {self.site_id} {self.exam_date} {self.subject}"

    @property
    def remaining(self) -> int:
        return max(0, self.capacity - self.booked)


class Booking(models.Model):
    """One booking of one subject on one plan. ``waiting`` bookings hold no place: they are
    ranked by the published priority rules (``rules.PRIORITY_RULES``) and take a place freed
    by a cancellation. ``number`` is the how-manyth booking of this subject it is."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    application = models.ForeignKey(
        LicenceApplication, on_delete=models.PROTECT, related_name="bookings"
    )
    plan = models.ForeignKey(ExamPlan, on_delete=models.PROTECT, related_name="bookings")
    subject = models.PositiveSmallIntegerField(choices=Subject.choices)
    state = models.CharField(max_length=16, choices=BookingState.choices)
    number = models.PositiveSmallIntegerField(default=0)  # set when a place is allocated
    #: facts the priority rules rank on, frozen at request time
    priority = models.JSONField(default=dict)
    requested_at = models.DateTimeField()
    allocated_at = models.DateTimeField(null=True, blank=True)
    allocation_rule = models.CharField(max_length=64, blank=True)
    examiner = models.CharField(max_length=32, blank=True)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    booking_rule = models.CharField(max_length=64, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["application", "subject"],
                condition=models.Q(state__in=["waiting", "booked", "checked_in"]),
                name="exams_one_open_booking",
            )
        ]
        indexes = [models.Index(fields=["plan", "state"])]

    def __str__(self) -> str:
        return f"booking {self.public_id}"


class BookingEvent(models.Model):
    """Append-only history of a booking's states."""

    booking = models.ForeignKey(Booking, on_delete=models.PROTECT, related_name="events")
    command = models.CharField(max_length=32)
    from_state = models.CharField(max_length=16, blank=True)
    to_state = models.CharField(max_length=16)
    actor_ref = models.CharField(max_length=64)
    reason = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.command} {self.from_state}->{self.to_state}"


class ExamResult(models.Model):
    """The result of one sitting as entered by the site: the score of each attempt (one free
    retake per sitting, R162 Art. 47) per part (科目三: ``road`` and ``safety``)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    booking = models.OneToOneField(Booking, on_delete=models.PROTECT, related_name="result")
    #: {"main" | "road" | "safety": [score, retake score?]}
    scores = models.JSONField()
    #: {"main" | "road" | "safety": True/False}
    parts_passed = models.JSONField()
    passed = models.BooleanField()
    rule = models.CharField(max_length=64)
    examiner = models.CharField(max_length=32)
    recorded_by = models.CharField(max_length=64)
    recorded_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"result {self.public_id} {'pass' if self.passed else 'fail'}"
