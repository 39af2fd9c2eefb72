"""Simulated tax authority: vehicle purchase tax (车辆购置税) and vehicle-and-vessel tax (车船税).

Measure 1 of the 2018 reform (部门联网信息免提交): the traffic police check the tax online
instead of asking for the paper certificate (DOMAIN.md §0, §4.3).

* ``GET /tax/v1/purchase-tax?vin=<VIN>`` -> ``200 {"vin", "status", "certificate_no",
  "paid_on"}`` with ``status`` one of

  * ``"not_found"`` (about 4 % of VINs): no declaration on file; ``certificate_no`` and
    ``paid_on`` are ``null``;
  * ``"exempt"``: the vehicle is a new-energy vehicle (about 20 % of VINs, see
    :func:`is_new_energy`); the certificate is an exemption certificate;
  * ``"paid"``: everything else.

  ``certificate_no`` is ``"32"`` + 15 digits (a simulated numbering, not the tax
  authority's real one); ``paid_on`` is a date from 2015-01-01 to 2025-12-15.
* ``GET /tax/v1/vessel-tax?vin=<VIN>&year=<YYYY>`` -> ``200 {"vin", "year", "status",
  "receipt_no"}`` for tax years 2000 .. 2100, with ``status``

  * ``"exempt"``: new-energy vehicles (:func:`is_new_energy`), every year;
  * ``"unpaid"``: about 1 in 8 (VIN, year) pairs of the other vehicles;
  * ``"paid"``: the rest, with ``receipt_no`` ``"CCS"`` + year + 10 digits (simulated);
    ``receipt_no`` is ``null`` unless paid.

New-energy vehicles are commonly exempt from both taxes, but the VIN alone cannot tell a
new-energy vehicle, so the sandbox derives that from the SM3 digest of the VIN: the same
VIN is new-energy (exempt) for both taxes. A malformed ``vin`` (see
:func:`sandbox.vehicles.vin_param`) is ``400 {"error": "invalid_vin"}``; a missing or
malformed ``year`` is ``400 {"error": "bad_request"}``.

Tests find a VIN for each answer with :func:`example_vin`.
"""

from __future__ import annotations

import datetime as dt

from sandbox import vehicles
from sandbox.routes import BadRequest, JsonObject, Request, Response, RouteTable

SERVICE = "tax"
PURCHASE_STATUSES = ("paid", "exempt", "not_found")
VESSEL_STATUSES = ("paid", "exempt", "unpaid")
MIN_YEAR, MAX_YEAR = 2000, 2100
_FIRST_PAYMENT = dt.date(2015, 1, 1)


def is_new_energy(vin: str) -> bool:
    """Whether the simulated vehicle is a new-energy vehicle (about 20 % of VINs)."""
    return vehicles.digest("new-energy", vehicles.normalise_vin(vin))[0] < 51


def purchase_tax(vin: str) -> JsonObject:
    """The purchase-tax answer for ``vin`` (deterministic)."""
    vin = vehicles.normalise_vin(vin)
    data = vehicles.digest("purchase-tax", vin)
    if data[0] < 10:
        return {"vin": vin, "status": "not_found", "certificate_no": None, "paid_on": None}
    paid_on = _FIRST_PAYMENT + dt.timedelta(days=vehicles.number(data, 1, 4) % 4000)
    return {
        "vin": vin,
        "status": "exempt" if is_new_energy(vin) else "paid",
        "certificate_no": f"32{vehicles.number(data, 5, 8) % 10**15:015d}",
        "paid_on": paid_on.isoformat(),
    }


def vessel_tax(vin: str, year: int) -> JsonObject:
    """The vehicle-and-vessel tax answer for ``vin`` and tax ``year`` (deterministic)."""
    vin = vehicles.normalise_vin(vin)
    answer: JsonObject = {"vin": vin, "year": year, "status": "paid", "receipt_no": None}
    data = vehicles.digest("vessel-tax", f"{vin}:{year}")
    if is_new_energy(vin):
        answer["status"] = "exempt"
    elif data[0] < 32:
        answer["status"] = "unpaid"
    else:
        answer["receipt_no"] = f"CCS{year}{vehicles.number(data, 1, 8) % 10**10:010d}"
    return answer


def example_vin(*, purchase: str | None = None, vessel: str | None = None, year: int = 2025) -> str:
    """A VIN whose purchase-tax status is ``purchase`` and/or whose vessel-tax status for
    ``year`` is ``vessel`` (for tests)."""
    return vehicles.find_vin(
        lambda vin: (
            (purchase is None or purchase_tax(vin)["status"] == purchase)
            and (vessel is None or vessel_tax(vin, year)["status"] == vessel)
        )
    )


def _purchase(request: Request) -> Response:
    return 200, purchase_tax(vehicles.vin_param(request))


def _vessel(request: Request) -> Response:
    vin = vehicles.vin_param(request)
    text = request.query_param("year")
    if not (len(text) == 4 and text.isascii() and text.isdigit()):
        raise BadRequest("query parameter 'year' must be a 4-digit year")
    year = int(text)
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise BadRequest(f"year must be between {MIN_YEAR} and {MAX_YEAR}")
    return 200, vessel_tax(vin, year)


def register(table: RouteTable) -> None:
    table.add("GET", "/tax/v1/purchase-tax", _purchase, service=SERVICE)
    table.add("GET", "/tax/v1/vessel-tax", _vessel, service=SERVICE)
