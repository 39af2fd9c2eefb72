"""The registry: master data that every business changes (people, organisations, vehicles,
plates, driving licences). Every change goes through ``services.py`` and keeps a version in
:class:`RecordVersion`."""

from __future__ import annotations

import uuid

from django.db import models

from jiaoguan.kernel import crypto
from jiaoguan.registry.constants import (
    Fuel,
    IdKind,
    LicenceStatus,
    LicenceTerm,
    OrganisationKind,
    PlateStatus,
    Sex,
    VehicleClass,
    VehicleStatus,
    VehicleUse,
)


class ScopedRegion(models.Model):
    """Where a record belongs: county code plus its city and province prefixes, each indexed,
    so that a staff scope (2, 4 or 6 digits) filters with one equality."""

    region_code = models.CharField(max_length=6, db_index=True)
    city_code = models.CharField(max_length=4, db_index=True)
    province_code = models.CharField(max_length=2, db_index=True)

    class Meta:
        abstract = True

    def set_region(self, code: str) -> None:
        self.region_code, self.city_code, self.province_code = code, code[:4], code[:2]


class Person(ScopedRegion):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=64)
    sex = models.CharField(max_length=1, choices=Sex.choices)
    birth_date = models.DateField()
    id_kind = models.CharField(max_length=16, choices=IdKind.choices, default=IdKind.RESIDENT)
    id_number_enc = models.BinaryField()
    id_number_index = models.CharField(max_length=64, unique=True)
    phone_enc = models.BinaryField(null=True, blank=True)
    phone_index = models.CharField(max_length=64, blank=True, db_index=True)
    address = models.CharField(max_length=200, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        permissions = [("view_full_identifiers", "See unmasked ID and phone numbers")]

    def __str__(self) -> str:
        return f"{crypto.mask_name(self.name)} ({self.public_id})"

    @property
    def id_number(self) -> str:
        return crypto.decrypt(self.id_number_enc, context=b"person.id_number")

    @property
    def phone(self) -> str:
        if not self.phone_enc:
            return ""
        return crypto.decrypt(self.phone_enc, context=b"person.phone")

    @property
    def id_number_masked(self) -> str:
        return crypto.mask_id_number(self.id_number)

    @property
    def phone_masked(self) -> str:
        return crypto.mask_phone(self.phone) if self.phone_enc else ""


class Organisation(ScopedRegion):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    uscc = models.CharField(max_length=18, unique=True)
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=32, choices=OrganisationKind.choices)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.name


class Plate(models.Model):
    """A number plate as issued (GA 36-2018). Selection pools come with the plates app."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    number = models.CharField(max_length=10, unique=True)
    kind = models.CharField(max_length=2)  # GA 24.7 code, see kernel.plates.PlateKind
    status = models.CharField(
        max_length=16, choices=PlateStatus.choices, default=PlateStatus.ACTIVE
    )
    issued_at = models.DateTimeField()
    retired_at = models.DateTimeField(null=True, blank=True)
    #: how many times plates with this number were made (re-issue keeps the number, R164 Art. 51)
    issue_count = models.PositiveSmallIntegerField(default=1)
    version = models.PositiveIntegerField(default=1)

    def __str__(self) -> str:
        return self.number


class Vehicle(ScopedRegion):
    """A motor vehicle. ``region_code`` is the registering office's county (its scope)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    vin = models.CharField(max_length=17, unique=True)
    brand = models.CharField(max_length=64, blank=True)
    model_name = models.CharField(max_length=64, blank=True)
    colour = models.CharField(max_length=16, blank=True)
    vehicle_class = models.CharField(max_length=24, choices=VehicleClass.choices)
    use = models.CharField(max_length=16, choices=VehicleUse.choices)
    seats = models.PositiveSmallIntegerField()
    fuel = models.CharField(max_length=8, choices=Fuel.choices)
    manufacture_date = models.DateField()
    registration_date = models.DateField()
    owner_person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="vehicles"
    )
    owner_organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="vehicles"
    )
    status = models.CharField(
        max_length=16, choices=VehicleStatus.choices, default=VehicleStatus.NORMAL
    )
    # A van (面包车) keeps the original inspection cycle whatever its seats (DOMAIN.md §4.2).
    van = models.BooleanField(default=False)
    # The end of the inspection period the current label covers (R164 Arts. 54–55); null when
    # the registry does not know it (the inspection business records it).
    inspection_valid_until = models.DateField(null=True, blank=True, db_index=True)
    plate = models.OneToOneField(
        Plate, null=True, blank=True, on_delete=models.PROTECT, related_name="vehicle"
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        permissions = [
            ("search_registry", "Search the registry by plate, VIN or ID number"),
            ("change_vehicle_status", "Change a vehicle's status (mortgage, seizure...)"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~(
                    models.Q(owner_person__isnull=False)
                    & models.Q(owner_organisation__isnull=False)
                ),
                name="vehicle_single_owner",
            )
        ]

    def __str__(self) -> str:
        return self.plate.number if self.plate_id and self.plate else self.vin

    @property
    def is_new_energy(self) -> bool:
        return self.fuel in Fuel.new_energy()


class DrivingLicence(ScopedRegion):
    """A driving licence. Its number is the holder's ID number (R162 Art. 12)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.OneToOneField(Person, on_delete=models.PROTECT, related_name="licence")
    classes = models.CharField(max_length=64)  # space-separated codes, e.g. "C1 D"
    first_issue_date = models.DateField()
    valid_from = models.DateField()
    valid_until = models.DateField(null=True, blank=True)  # null: permanent (长期)
    term = models.CharField(max_length=10, choices=LicenceTerm.choices)
    status = models.CharField(
        max_length=16, choices=LicenceStatus.choices, default=LicenceStatus.VALID
    )
    points = models.PositiveSmallIntegerField(default=0)  # points in the current cycle
    # Matters deferred under R162 Art. 75: {"renewal" | "review" | "medical": "YYYY-MM-DD"}
    deferrals = models.JSONField(default=dict, blank=True)
    # The examination date of the last medical certificate filed (R162 Art. 74)
    medical_filed_on = models.DateField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"licence {self.public_id}"

    @property
    def class_list(self) -> list[str]:
        return self.classes.split()


class RecordVersion(models.Model):
    """History: one row for every version of every registry record, as a JSON snapshot
    (identifiers masked), with the audit row that recorded the change."""

    object_type = models.CharField(max_length=32)
    object_ref = models.UUIDField()
    version = models.PositiveIntegerField()
    changed_at = models.DateTimeField()
    action = models.CharField(max_length=64)
    snapshot = models.JSONField()
    audit_partition = models.PositiveSmallIntegerField()
    audit_seq = models.PositiveBigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["object_type", "object_ref", "version"], name="record_version_uniq"
            )
        ]

    def __str__(self) -> str:
        return f"{self.object_type}:{self.object_ref} v{self.version}"
