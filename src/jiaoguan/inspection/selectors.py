"""Reads: the inspection schedule of a registry vehicle."""

from __future__ import annotations

from jiaoguan.inspection.rules import Schedule, Vehicle, schedule
from jiaoguan.kernel import clock
from jiaoguan.registry.models import Vehicle as RegistryVehicle


def facts_of(vehicle: RegistryVehicle) -> Vehicle:
    """The schedule's facts from the registry record. Casualty accidents and illegal
    modification are not in the registry yet (they come with the accidents and violations
    registers), so they count as absent."""
    return Vehicle(
        vehicle_class=vehicle.vehicle_class,
        use=vehicle.use,
        seats=vehicle.seats,
        registration_date=vehicle.registration_date,
        van=vehicle.van,
    )


def vehicle_schedule(vehicle: RegistryVehicle) -> Schedule:
    """The current inspection period of a registered vehicle, today."""
    return schedule(facts_of(vehicle), on=clock.today(), valid_until=vehicle.inspection_valid_until)
