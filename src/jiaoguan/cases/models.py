"""The business engine: the catalogue of business types (data, versioned) and applications
moving through the workflow table (``workflow.py``)."""

from __future__ import annotations

import uuid

from django.db import models

from jiaoguan.cases.constants import Channel, ReviewPolicy, State, SubjectType


class BusinessType(models.Model):
    code = models.CharField(max_length=48, unique=True)
    name_zh = models.CharField(max_length=64)
    name_en = models.CharField(max_length=120)

    def __str__(self) -> str:
        return self.code


class CatalogueEntry(models.Model):
    """One version of a business type's definition, in force from ``valid_from`` (inclusive)
    to ``valid_until`` (exclusive) in ``regions`` (GB/T 2260 prefixes; empty = nationwide).
    The rollout of a measure (36 cities first, then national) is a set of entries."""

    business_type = models.ForeignKey(
        BusinessType, on_delete=models.PROTECT, related_name="entries"
    )
    version = models.PositiveIntegerField()
    valid_from = models.DateField()
    valid_until = models.DateField(null=True, blank=True)
    regions = models.JSONField(default=list)
    channels = models.JSONField(default=list)  # Channel values
    outlet_kinds = models.JSONField(default=list)  # OrganisationKind values for the outlet channel
    subject_type = models.CharField(max_length=16, choices=SubjectType.choices)
    materials = models.JSONField(default=list)  # [{code, name_zh, name_en, source, link}]
    prefill = models.JSONField(default=list)  # field names taken from the registry
    fees = models.JSONField(default=list)  # [{code, amount_fen}]
    review_policy = models.CharField(max_length=16, choices=ReviewPolicy.choices)
    time_limit_working_days = models.PositiveSmallIntegerField()
    effect = models.CharField(max_length=48)  # registry effect handler (cases/effects.py)
    citations = models.JSONField(default=list)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["business_type", "version"], name="catalogue_type_version_uniq"
            )
        ]

    def __str__(self) -> str:
        return f"{self.business_type.code} v{self.version}"


class Application(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case_number = models.CharField(max_length=24, unique=True)
    business_type = models.ForeignKey(BusinessType, on_delete=models.PROTECT)
    catalogue_entry = models.ForeignKey(CatalogueEntry, on_delete=models.PROTECT)
    applicant = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, related_name="applications"
    )
    channel = models.CharField(max_length=16, choices=Channel.choices)
    outlet = models.ForeignKey(
        "registry.Organisation", null=True, blank=True, on_delete=models.PROTECT
    )
    region_code = models.CharField(max_length=6, db_index=True)  # the handling office's county
    city_code = models.CharField(max_length=4, db_index=True)
    province_code = models.CharField(max_length=2, db_index=True)
    subject_type = models.CharField(max_length=16, choices=SubjectType.choices)
    subject_ref = models.CharField(max_length=64, blank=True)
    form = models.JSONField(default=dict)  # prefilled, confirmed by the applicant
    checks = models.JSONField(default=dict)  # material code -> {ok, source, detail, at}
    state = models.CharField(
        max_length=20, choices=State.choices, default=State.DRAFT, db_index=True
    )
    refusal = models.JSONField(null=True, blank=True)  # {code, message, citation}
    delivery = models.CharField(max_length=12, default="electronic")  # constants.Delivery
    submitted_at = models.DateTimeField(null=True, blank=True)
    due_date = models.DateField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["state", "id"], name="case_state_id_idx")]
        permissions = [
            ("review_application", "Review applications (approve, reject, return)"),
            ("handle_application", "Handle applications at the window"),
            ("handle_outlet_application", "Handle applications for citizens at an outlet"),
        ]

    def __str__(self) -> str:
        return self.case_number


class ApplicationEvent(models.Model):
    """Append-only history of an application: every transition with who, when and why."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="events")
    command = models.CharField(max_length=32)
    from_state = models.CharField(max_length=20)
    to_state = models.CharField(max_length=20)
    actor_ref = models.CharField(max_length=64)
    actor_label = models.CharField(max_length=150)
    reason = models.TextField(blank=True)
    at = models.DateTimeField()
    audit_partition = models.PositiveSmallIntegerField()
    audit_seq = models.PositiveBigIntegerField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.command}: {self.from_state} -> {self.to_state}"


class CaseCounter(models.Model):
    """Sequence for human case numbers: one row per office and day."""

    key = models.CharField(max_length=16, primary_key=True)  # region code + yyyymmdd
    value = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.key}={self.value}"


class Ticket(models.Model):
    """A queue ticket in a service hall (measure 3, one window): taken at the hall's kiosk,
    called by the next free clerk, finished in one visit."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    hall = models.CharField(max_length=6)  # the office's region code (its clerks' scope)
    day = models.DateField()
    number = models.PositiveIntegerField()
    state = models.CharField(max_length=10, default="waiting")  # constants.TicketState
    person = models.ForeignKey(
        "registry.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="tickets"
    )
    window = models.CharField(max_length=32, blank=True)
    clerk_ref = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField()
    called_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["hall", "day", "number"], name="ticket_hall_day_number_uniq"
            )
        ]
        indexes = [models.Index(fields=["hall", "day", "state", "number"], name="ticket_queue_idx")]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return f"A{self.number:03d}"


class Shipment(models.Model):
    """A produced document on its way by post, as the postal service reports it."""

    application = models.OneToOneField(
        Application, on_delete=models.PROTECT, related_name="shipment"
    )
    tracking_no = models.CharField(max_length=32, unique=True)
    status = models.CharField(max_length=20)
    events = models.JSONField(default=list)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.tracking_no


def _attachment_path(instance: Attachment, filename: str) -> str:
    return f"attachments/{instance.application.public_id}/{filename}"


class Attachment(models.Model):
    """An image attached to an application for one of its ``upload`` materials (measure 1:
    the VIN rubbing is recorded free, as an image, not as paper handed over the counter).

    Rows are never changed or deleted: a new upload for the same material supersedes the
    older ones, which stay as history; only the newest counts (:meth:`current`).

    The bytes live in Django's default storage (``STORAGES["default"]``, a folder under
    ``MEDIA_ROOT`` unless configured otherwise), not in the database: images of up to a few
    megabytes per application would make the database, its replicas and its backups grow by
    terabytes in a province, while the row keeps what the record needs (material, type, size,
    SHA-256 of the exact bytes, who and when). The storage is pluggable, so hosts that share no
    disk use an object store; the files are never served from ``MEDIA_URL``, only through the
    scoped API (``GET /api/v1/applications/{id}/attachments/{id}``). The bytes are written
    before the row (a row never points to missing bytes); a rolled-back upload can leave an
    unreferenced file behind, never a reference without its file."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="attachments"
    )
    material = models.CharField(max_length=48)  # a material code of the catalogue entry
    content_type = models.CharField(max_length=32)  # from the file's magic bytes
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    file = models.FileField(upload_to=_attachment_path, max_length=200)
    uploaded_by_ref = models.CharField(max_length=64)
    uploaded_by_label = models.CharField(max_length=150)
    uploaded_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["application", "material", "id"], name="attachment_current_idx")
        ]

    def __str__(self) -> str:
        return f"{self.material} {self.sha256[:12]}"

    @classmethod
    def current(cls, application: Application, material: str) -> Attachment | None:
        """The newest upload of ``material`` for ``application``: the one that counts."""
        return (
            cls.objects.filter(application=application, material=material).order_by("-id").first()
        )
