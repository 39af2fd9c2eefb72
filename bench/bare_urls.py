"""The bare view: the same ORM lookup by plate as the API, serialised to JSON, nothing else."""

from django.http import HttpRequest, JsonResponse
from django.urls import path

from jiaoguan.registry.models import Vehicle


def vehicle_by_plate(request: HttpRequest) -> JsonResponse:
    number = (request.GET.get("plate") or "").strip().upper()[:10]
    v = Vehicle.objects.select_related("plate").filter(plate__number=number).first()
    if v is None:
        return JsonResponse({"detail": "not found"}, status=404)
    return JsonResponse(
        {
            "id": v.public_id,
            "vin": v.vin,
            "plate": {"number": v.plate.number, "kind": v.plate.kind} if v.plate else None,
            "brand": v.brand,
            "model_name": v.model_name,
            "vehicle_class": v.vehicle_class,
            "use": v.use,
            "seats": v.seats,
            "fuel": v.fuel,
            "status": v.status,
            "manufacture_date": v.manufacture_date,
            "registration_date": v.registration_date,
            "region_code": v.region_code,
        }
    )


urlpatterns = [path("bare/vehicles", vehicle_by_plate)]
