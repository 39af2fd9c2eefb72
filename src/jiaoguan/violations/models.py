"""Traffic violations, the points ledger of each licence and scoring cycle, and the
full-score education duty (R163; DOMAIN.md §5.7). Every write goes through ``services.py``."""

from __future__ import annotations

import uuid

from django.db import models

from jiaoguan.violations.constants import DutyState, EntryKind, EntryState, Source, State


class Violation(models.Model):
    """One recorded violation (交通违法记录): what happened, where and when, with its evidence,
    fine and points. ``region_code`` is where it happened (the scope of officers and partner
    systems). The state only moves through ``workflow.TRANSITIONS``."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    number = models.CharField(max_length=24, unique=True)  # human reference (决定书编号)
    vehicle = models.ForeignKey(
        "registry.Vehicle", on_delete=models.PROTECT, related_name="violations"
    )
    plate_number = models.CharField(max_length=10)  # the plate as recorded at the time
    occurred_at = models.DateTimeField()
    place = models.CharField(max_length=120)
    region_code = models.CharField(max_length=6, db_index=True)
    city_code = models.CharField(max_length=4, db_index=True)
    province_code = models.CharField(max_length=2, db_index=True)
    offence_code = models.CharField(max_length=5)  # 违法代码
    description = models.CharField(max_length=200)
    citation = models.CharField(max_length=200)  # 违反/依据的法律条文
    twelve_point_offence = models.CharField(max_length=32, blank=True)  # R163 Art. 8 kind
    points = models.PositiveSmallIntegerField()
    fine_fen = models.PositiveIntegerField()
    #: [{"url": ..., "sha256": ...}]: references to the evidence kept by the recording system
    evidence = models.JSONField(default=list)
    source = models.CharField(max_length=24, choices=Source.choices)
    source_ref = models.CharField(max_length=64)  # who recorded: API client or officer id
    external_ref = models.CharField(max_length=64, blank=True)  # the source system's own id
    recorded_by_label = models.CharField(max_length=150)
    driver = models.ForeignKey(
        "registry.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="violations_driven",
    )
    licence = models.ForeignKey(
        "registry.DrivingLicence",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="violations",
    )
    state = models.CharField(max_length=20, choices=State.choices, default=State.RECORDED)
    decided_on = models.DateField(null=True, blank=True)  # the penalty decision (driver confirmed)
    fine_due_on = models.DateField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    fee_order_no = models.CharField(max_length=32, blank=True)
    reason = models.CharField(max_length=500, blank=True)  # of the last contest or void
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        permissions = [
            ("record_violation", "Record traffic violations"),
            ("void_violation", "Contest, uphold and void violations, confirm drivers"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["source_ref", "external_ref"],
                condition=~models.Q(external_ref=""),
                name="violation_external_ref_uniq",
            )
        ]
        indexes = [models.Index(fields=["vehicle", "id"], name="violation_vehicle_idx")]

    def __str__(self) -> str:
        return self.number


class ViolationEvent(models.Model):
    """Append-only history: every state change of a violation."""

    violation = models.ForeignKey(Violation, on_delete=models.PROTECT, related_name="events")
    command = models.CharField(max_length=32)
    from_state = models.CharField(max_length=20)
    to_state = models.CharField(max_length=20)
    actor_ref = models.CharField(max_length=64)
    actor_label = models.CharField(max_length=150)
    reason = models.CharField(max_length=500, blank=True)
    at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.command}: {self.from_state} -> {self.to_state}"


class PointCycle(models.Model):
    """One scoring cycle of one licence (R163 Art. 3: 12 months from the first issue), with
    what its end decided (Art. 15) once closed."""

    licence = models.ForeignKey(
        "registry.DrivingLicence", on_delete=models.PROTECT, related_name="point_cycles"
    )
    index = models.IntegerField()  # 0: the first cycle (scoring_cycle's "cycle" is index + 1)
    start = models.DateField()
    end = models.DateField()  # the last day
    #: points the licence already carried when its ledger began in this cycle (records made
    #: before this app, such as seeded data): counted like points with their fines paid
    opening_points = models.PositiveSmallIntegerField(default=0)
    closed_at = models.DateTimeField(null=True, blank=True)
    total = models.PositiveSmallIntegerField(default=0)
    cleared = models.PositiveSmallIntegerField(default=0)
    carried_over = models.PositiveSmallIntegerField(default=0)
    rule = models.CharField(max_length=64, blank=True)  # the rule version the close used

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["licence", "index"], name="point_cycle_uniq")
        ]
        indexes = [models.Index(fields=["closed_at", "end", "id"], name="point_cycle_due_idx")]

    def __str__(self) -> str:
        return f"cycle {self.index + 1} of {self.licence_id}"


class EducationDuty(models.Model):
    """The full-score education duty (满分教育, R163 Arts. 17–19): opened when a cycle reaches
    12 points, with the study days owed; courses and exams come with the education app."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    licence = models.ForeignKey(
        "registry.DrivingLicence", on_delete=models.PROTECT, related_name="education_duties"
    )
    cycle = models.ForeignKey(PointCycle, on_delete=models.PROTECT, related_name="duties")
    state = models.CharField(max_length=16, choices=DutyState.choices, default=DutyState.OPEN)
    opened_at = models.DateTimeField()
    study_days = models.PositiveSmallIntegerField()
    min_counted_days = models.PositiveSmallIntegerField()
    min_onsite_days = models.PositiveSmallIntegerField()
    group = models.CharField(max_length=8)  # "large" (A1 A2 A3 B1 B2) or "other"
    full_scores_in_cycle = models.PositiveSmallIntegerField()
    points_in_cycle = models.PositiveSmallIntegerField()
    rule = models.CharField(max_length=64)
    closed_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["licence"],
                condition=models.Q(state="open"),
                name="education_duty_one_open",
            )
        ]

    def __str__(self) -> str:
        return f"duty {self.public_id}"


class PointEntry(models.Model):
    """The points ledger: one row per violation and cycle its points count in (a carried
    entry's points continue in a carry-over row of the next cycle, R163 Art. 15)."""

    licence = models.ForeignKey(
        "registry.DrivingLicence", on_delete=models.PROTECT, related_name="point_entries"
    )
    cycle = models.ForeignKey(PointCycle, on_delete=models.PROTECT, related_name="entries")
    violation = models.ForeignKey(Violation, on_delete=models.PROTECT, related_name="point_entries")
    kind = models.CharField(max_length=16, choices=EntryKind.choices)
    carried_from = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="carried_to"
    )
    points = models.PositiveSmallIntegerField()
    fine_paid = models.BooleanField(default=False)
    state = models.CharField(max_length=16, choices=EntryState.choices, default=EntryState.ACTIVE)
    duty = models.ForeignKey(
        EducationDuty, null=True, blank=True, on_delete=models.PROTECT, related_name="entries"
    )
    rule = models.CharField(max_length=64)  # the scoring-cycle rule version that placed it
    created_at = models.DateTimeField()
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["violation", "cycle"], name="point_entry_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.points} points ({self.kind}, {self.state})"


class PointReduction(models.Model):
    """Points taken off a cycle by traffic-safety study (学法减分, R163 Arts. 25–27), at most 6
    a cycle. ``source_ref`` names what earned it (the education app's enrolment)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    licence = models.ForeignKey(
        "registry.DrivingLicence", on_delete=models.PROTECT, related_name="point_reductions"
    )
    cycle = models.ForeignKey(PointCycle, on_delete=models.PROTECT, related_name="reductions")
    points = models.PositiveSmallIntegerField()
    activity = models.CharField(max_length=16)  # "online", "onsite", "public_service"
    source_ref = models.CharField(max_length=64, unique=True)
    rule = models.CharField(max_length=64)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"-{self.points} ({self.activity})"
