from django.db import models
from django.utils.translation import gettext_lazy as _


class Sex(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class IdKind(models.TextChoices):
    """Identity proofs (身份证明), R162 Art. 109; R164 Art. 89 (DOMAIN.md §1.1)."""

    RESIDENT = "resident", _("Resident ID card")
    PERMIT_HK = "permit_hk", _("Residence permit (Hong Kong)")
    PERMIT_MO = "permit_mo", _("Residence permit (Macau)")
    PERMIT_TW = "permit_tw", _("Residence permit (Taiwan)")


class OrganisationKind(models.TextChoices):
    VEHICLE_OFFICE = "vehicle_office", _("Vehicle administration office")
    COUNTY_OFFICE = "county_office", _("County vehicle office")
    TOWNSHIP_POINT = "township_point", _("Township service point")
    DEALER = "dealer", _("Car dealer")
    USED_CAR_MARKET = "used_car_market", _("Used-car market")
    INSURER = "insurer", _("Insurer")
    POST_OFFICE = "post_office", _("Post office")
    INSPECTION_STATION = "inspection_station", _("Inspection station")
    EXAM_SITE = "exam_site", _("Exam site")
    POLICE_UNIT = "police_unit", _("Traffic police unit")
    COMPANY = "company", _("Company")


class VehicleClass(models.TextChoices):
    """Simplified vehicle classes (the GA 802 codes come with the registration business)."""

    SMALL_PASSENGER = "small_passenger", _("Small passenger car")
    MINI_PASSENGER = "mini_passenger", _("Mini passenger car")
    MEDIUM_PASSENGER = "medium_passenger", _("Medium bus")
    LARGE_PASSENGER = "large_passenger", _("Large bus")
    LIGHT_TRUCK = "light_truck", _("Light truck")
    HEAVY_TRUCK = "heavy_truck", _("Heavy truck")
    TRAILER = "trailer", _("Trailer")
    MOTORCYCLE = "motorcycle", _("Motorcycle")
    LIGHT_MOTORCYCLE = "light_motorcycle", _("Light motorcycle")


class VehicleUse(models.TextChoices):
    NON_COMMERCIAL = "non_commercial", _("Non-commercial")
    COMMERCIAL = "commercial", _("Commercial")


class Fuel(models.TextChoices):
    PETROL = "petrol", _("Petrol")
    DIESEL = "diesel", _("Diesel")
    BATTERY_ELECTRIC = "bev", _("Battery electric")
    PLUG_IN_HYBRID = "phev", _("Plug-in hybrid")
    FUEL_CELL = "fcev", _("Fuel cell")

    @classmethod
    def new_energy(cls) -> set[str]:
        return {cls.BATTERY_ELECTRIC, cls.PLUG_IN_HYBRID, cls.FUEL_CELL}


class VehicleStatus(models.TextChoices):
    NORMAL = "normal", _("Normal")
    MORTGAGED = "mortgaged", _("Mortgaged")
    SEIZED = "seized", _("Seized")
    DEREGISTERED = "deregistered", _("Deregistered")
    TRANSFERRING = "transferring", _("Archive transfer to another province in progress")
    TRANSFERRED = "transferred", _("Transferred to another province")


class PlateStatus(models.TextChoices):
    ACTIVE = "active", _("In use")
    RETIRED = "retired", _("Retired")


class LicenceStatus(models.TextChoices):
    VALID = "valid", _("Valid")
    EXPIRED = "expired", _("Expired")
    SUSPENDED = "suspended", _("Suspended (detained)")
    REVOKED = "revoked", _("Revoked")
    CANCELLED = "cancelled", _("Cancelled")


class LicenceTerm(models.TextChoices):
    """Validity terms, R162 Art. 13 (DOMAIN.md §5.3)."""

    SIX_YEARS = "6y", _("6 years")
    TEN_YEARS = "10y", _("10 years")
    PERMANENT = "permanent", _("Permanent")
