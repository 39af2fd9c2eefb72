from __future__ import annotations

import datetime as dt
import uuid

from ninja import Field, Schema

from jiaoguan.registry.models import DrivingLicence, Person, Vehicle


class PlateOut(Schema):
    number: str
    kind: str


class VehicleOut(Schema):
    id: uuid.UUID
    vin: str
    plate: PlateOut | None
    brand: str
    model_name: str
    vehicle_class: str
    use: str
    seats: int
    fuel: str
    status: str
    manufacture_date: dt.date
    registration_date: dt.date
    region_code: str
    owner_name: str = Field(description="Owner's name, masked unless the caller may see it")

    @staticmethod
    def build(v: Vehicle, *, full: bool) -> VehicleOut:
        from jiaoguan.kernel.crypto import mask_name

        owner = (
            v.owner_person.name
            if v.owner_person
            else (v.owner_organisation.name if v.owner_organisation else "")
        )
        if v.owner_person and not full:
            owner = mask_name(owner)
        return VehicleOut(
            id=v.public_id,
            vin=v.vin,
            plate=PlateOut(number=v.plate.number, kind=v.plate.kind) if v.plate else None,
            brand=v.brand,
            model_name=v.model_name,
            vehicle_class=v.vehicle_class,
            use=v.use,
            seats=v.seats,
            fuel=v.fuel,
            status=v.status,
            manufacture_date=v.manufacture_date,
            registration_date=v.registration_date,
            region_code=v.region_code,
            owner_name=owner,
        )


class LicenceOut(Schema):
    id: uuid.UUID
    number: str = Field(description="The holder's ID number (R162 Art. 12), masked unless allowed")
    holder_name: str
    classes: list[str]
    first_issue_date: dt.date
    valid_from: dt.date
    valid_until: dt.date | None = Field(description="null: permanent (长期)")
    term: str
    status: str
    points: int = Field(description="Points in the current 12-month cycle (R163 Art. 3)")

    @staticmethod
    def build(lic: DrivingLicence, *, full: bool) -> LicenceOut:
        from jiaoguan.kernel.crypto import mask_name

        p = lic.person
        return LicenceOut(
            id=lic.public_id,
            number=p.id_number if full else p.id_number_masked,
            holder_name=p.name if full else mask_name(p.name),
            classes=lic.class_list,
            first_issue_date=lic.first_issue_date,
            valid_from=lic.valid_from,
            valid_until=lic.valid_until,
            term=lic.term,
            status=lic.status,
            points=lic.points,
        )


class PersonOut(Schema):
    id: uuid.UUID
    name: str
    sex: str
    birth_date: dt.date
    id_kind: str
    id_number: str
    phone: str
    region_code: str

    @staticmethod
    def build(p: Person, *, full: bool) -> PersonOut:
        from jiaoguan.kernel.crypto import mask_name

        return PersonOut(
            id=p.public_id,
            name=p.name if full else mask_name(p.name),
            sex=p.sex,
            birth_date=p.birth_date,
            id_kind=p.id_kind,
            id_number=p.id_number if full else p.id_number_masked,
            phone=p.phone if full else p.phone_masked,
            region_code=p.region_code,
        )


class VehicleCommandIn(Schema):
    command: str = Field(
        description="mortgage, release_mortgage, seize, release_seizure, deregister", max_length=32
    )
    reason: str = Field(max_length=500)


class SearchOut(Schema):
    kind: str
    normalized: str
    vehicles: list[VehicleOut]
    persons: list[PersonOut]
    licences: list[LicenceOut]


class ContactIn(Schema):
    phone: str | None = Field(default=None, max_length=20)
    address: str | None = Field(default=None, max_length=200)
