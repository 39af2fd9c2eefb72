"""Plate selection (选号): pools, published batches, selection rights, verifiable draws,
reservations and lapsed-reservation blocks (DOMAIN.md §3.3)."""

from __future__ import annotations

import datetime as dt
import uuid

from django.db import models
from django.db.models import Q

from jiaoguan.kernel.clock import SHANGHAI
from jiaoguan.plates.constants import (
    BatchSource,
    BatchState,
    Channel,
    HashAlgorithm,
    NumberState,
    PlateOrderState,
    PoolKind,
    ReservationState,
    RightState,
)


class NumberPool(models.Model):
    """The numbers one issuing authority (province character + letter) gives one plate kind."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    prefix = models.CharField(max_length=2)  # 苏A
    kind = models.CharField(max_length=16, choices=PoolKind.choices)
    region_code = models.CharField(max_length=6, db_index=True)  # the authority's city (scope)
    created_at = models.DateTimeField()

    class Meta:
        permissions = [
            ("manage_pools", "Create pools, batches and draw windows; see reservations"),
            ("grant_selection_right", "Grant a person the right to select a number"),
            ("select_for_buyer", "Select a number for a buyer at a dealer's point of sale"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["prefix", "kind"], name="plates_pool_prefix_kind")
        ]

    def __str__(self) -> str:
        return f"{self.prefix} {self.kind}"


class Batch(models.Model):
    """Numbers released together. Its list is fixed when it is announced: the hash of the
    canonical list is published then, before ``opens_at``."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    pool = models.ForeignKey(NumberPool, on_delete=models.PROTECT, related_name="batches")
    label = models.CharField(max_length=80)
    source = models.CharField(max_length=16, choices=BatchSource.choices)
    rule = models.JSONField(default=dict)  # {"pattern": "Q####"} for generated batches
    state = models.CharField(max_length=16, choices=BatchState.choices, default=BatchState.DRAFT)
    size = models.PositiveIntegerField(default=0)
    hash_algorithm = models.CharField(
        max_length=8, choices=HashAlgorithm.choices, default=HashAlgorithm.SHA256
    )
    content_hash = models.CharField(max_length=64)
    #: a self-composed number may come from this batch (a newly released block may be
    #: random-only for a while, DOMAIN.md §3.3 Yantai)
    compose_from = models.DateTimeField(null=True, blank=True)
    announced_at = models.DateTimeField(null=True, blank=True)
    opens_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    created_by_ref = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"{self.label} ({self.size})"


class PlateNumber(models.Model):
    """One number of a batch and whether it is free, held or issued. ``taken_at`` is when it
    last stopped being free (public: it lets anyone check a draw's ``taken`` list)."""

    number = models.CharField(max_length=10, unique=True)
    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="numbers")
    pool = models.ForeignKey(NumberPool, on_delete=models.PROTECT, related_name="numbers")
    state = models.CharField(
        max_length=16, choices=NumberState.choices, default=NumberState.AVAILABLE
    )
    taken_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["pool", "state", "number"], name="plates_number_claim")]

    def __str__(self) -> str:
        return self.number


class SelectionRight(models.Model):
    """Who may select a number: a person, for a vehicle (VIN) pending registration, under an
    authority prefix and plate kind. The registration business will create these; until it
    exists a counter clerk or a dealer grants them (``selection_right_grant``)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, related_name="plate_rights"
    )
    vin = models.CharField(max_length=17)
    prefix = models.CharField(max_length=2)
    kind = models.CharField(max_length=16, choices=PoolKind.choices)
    dealer = models.ForeignKey(
        "registry.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="plate_rights",
    )
    state = models.CharField(max_length=16, choices=RightState.choices, default=RightState.OPEN)
    draws_used = models.PositiveSmallIntegerField(default=0)
    compose_attempts_used = models.PositiveSmallIntegerField(default=0)
    plate = models.OneToOneField(
        "registry.Plate", null=True, blank=True, on_delete=models.PROTECT, related_name="right"
    )
    #: the new-vehicle registration (``cases`` application public id) this right belongs to;
    #: empty for a right granted on its own (``selection_right_grant``)
    application_ref = models.CharField(max_length=64, blank=True, db_index=True)
    #: the former owner keeps this old number instead of selecting one (R164 Arts. 44–45)
    kept_plate = models.ForeignKey(
        "registry.Plate", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    created_by_ref = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["vin"],
                condition=Q(state__in=["open", "reserved"]),
                name="plates_right_one_open_per_vin",
            )
        ]

    def __str__(self) -> str:
        return f"{self.prefix} {self.vin}"


class DrawWindow(models.Model):
    """A period whose draws all use one secret seed; ``commitment`` (SHA-256 of the seed) is
    public from creation, the seed itself only after ``closes_at``."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    pool = models.ForeignKey(NumberPool, on_delete=models.PROTECT, related_name="windows")
    opens_at = models.DateTimeField()
    closes_at = models.DateTimeField()
    commitment = models.CharField(max_length=64)
    seed_enc = models.BinaryField()  # SM4-GCM, kernel.crypto
    revealed_seed = models.CharField(max_length=64, blank=True)
    revealed_at = models.DateTimeField(null=True, blank=True)
    #: the public randomness beacon round committed to with the seed (``plates.beacon``): a
    #: round published after the commitment; its value is fetched at the first draw
    beacon_round = models.PositiveBigIntegerField(null=True, blank=True)
    beacon_randomness = models.CharField(max_length=64, blank=True)
    beacon_signature = models.CharField(max_length=256, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["pool", "closes_at"], name="plates_window_pool_close")]
        constraints = [
            models.UniqueConstraint(fields=["pool", "opens_at"], name="plates_window_pool_open")
        ]

    def __str__(self) -> str:
        return f"{self.pool} {self.opens_at:%Y-%m-%d %H:%M}"


class Draw(models.Model):
    """One batch of candidates shown to an applicant, with everything needed to recompute it."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    right = models.ForeignKey(SelectionRight, on_delete=models.PROTECT, related_name="draws")
    attempt = models.PositiveSmallIntegerField()
    window = models.ForeignKey(DrawWindow, on_delete=models.PROTECT, related_name="draws")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    count = models.PositiveSmallIntegerField()
    drawn_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    batch_ids = models.JSONField()  # public ids, in the order used
    batch_hashes = models.JSONField()
    taken = models.JSONField()  # canonical list of numbers held or issued at drawn_at
    snapshot_size = models.PositiveIntegerField()
    snapshot_hash = models.CharField(max_length=64)
    snapshot_algorithm = models.CharField(max_length=8, choices=HashAlgorithm.choices)
    candidates = models.JSONField()
    actor_ref = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["right", "attempt"], name="plates_draw_attempt")
        ]

    def __str__(self) -> str:
        return f"{self.right_id} #{self.attempt}"


class Reservation(models.Model):
    """A number held for a right until ``expires_at``; confirmed, expired or given up after.

    At most one active or confirmed reservation per number (``plates_reservation_one_live``):
    the database itself refuses a second holder."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    number = models.ForeignKey(PlateNumber, on_delete=models.PROTECT, related_name="reservations")
    right = models.ForeignKey(SelectionRight, on_delete=models.PROTECT, related_name="reservations")
    draw = models.ForeignKey(
        Draw, null=True, blank=True, on_delete=models.PROTECT, related_name="reservations"
    )
    composed = models.BooleanField(default=False)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    state = models.CharField(
        max_length=16, choices=ReservationState.choices, default=ReservationState.ACTIVE
    )
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    actor_ref = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["number"],
                condition=Q(state__in=["active", "confirmed"]),
                name="plates_reservation_one_live",
            ),
            models.UniqueConstraint(
                fields=["right"],
                condition=Q(state__in=["active", "confirmed"]),
                name="plates_reservation_one_per_right",
            ),
        ]
        indexes = [models.Index(fields=["state", "expires_at"], name="plates_res_expiry")]

    def __str__(self) -> str:
        return f"{self.number_id} {self.state}"

    @property
    def last_day(self) -> dt.date:
        """The last day the number is held (Asia/Shanghai): the deadline is its midnight."""
        return (self.expires_at.astimezone(SHANGHAI) - dt.timedelta(days=1)).date()


class SelectionBlock(models.Model):
    """Online selection refused to a person until ``until`` after a reservation lapsed."""

    person = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, related_name="plate_blocks"
    )
    reservation = models.OneToOneField(Reservation, on_delete=models.PROTECT)
    until = models.DateField()
    citation = models.CharField(max_length=300)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["person", "until"], name="plates_block_person")]

    def __str__(self) -> str:
        return f"{self.person_id} until {self.until}"


class PlateOrder(models.Model):
    """An order to make the plates of a newly issued number (号牌制作), produced when a new-vehicle
    registration is approved and delivered with its application (pickup or post)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    order_no = models.CharField(max_length=32, unique=True)
    plate = models.ForeignKey("registry.Plate", on_delete=models.PROTECT, related_name="orders")
    number = models.CharField(max_length=10)
    kind = models.CharField(max_length=2)  # GA 24.7 code
    pairs = models.PositiveSmallIntegerField(default=1)
    vin = models.CharField(max_length=17)
    application_ref = models.CharField(max_length=64, db_index=True)
    case_number = models.CharField(max_length=24)
    region_code = models.CharField(max_length=6, db_index=True)  # the registering office (scope)
    delivery = models.CharField(max_length=12)  # cases.constants.Delivery: pickup or post
    state = models.CharField(
        max_length=16, choices=PlateOrderState.choices, default=PlateOrderState.ORDERED
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.order_no


class PlateSwap(models.Model):
    """Two vehicles of one owner exchanged their numbers (R164 Art. 20: at most once a year)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="+")
    vehicle_a = models.ForeignKey("registry.Vehicle", on_delete=models.PROTECT, related_name="+")
    vehicle_b = models.ForeignKey("registry.Vehicle", on_delete=models.PROTECT, related_name="+")
    number_a = models.CharField(max_length=10)  # vehicle a's number before the swap
    number_b = models.CharField(max_length=10)
    day = models.DateField()
    created_at = models.DateTimeField()
    actor_ref = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"{self.number_a} <-> {self.number_b}"
