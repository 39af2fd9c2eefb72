"""Simulated insurers' platform: compulsory traffic accident liability insurance (交强险).

Measure 1 of the 2018 reform: the traffic police check the policy online instead of asking
for the paper policy; a valid policy is a precondition of the inspection label (DOMAIN.md
§4.3) and of replacing a lost one.

``GET /insurance/v1/compulsory?vin=<VIN>[&on=YYYY-MM-DD]`` -> ``200 {"vin", "status",
"insurer", "policy_no", "valid_from", "valid_until"}``, judged on the date ``on`` (default:
the sandbox's today), so tests are deterministic. Each simulated vehicle has a fixed policy
anniversary (a month and day from the SM3 digest of the VIN); a policy runs one year, from
the anniversary to the day before the next one. ``status`` is one of

* ``"not_found"`` (about 3 % of VINs): no policy on file; the other fields are ``null``;
* ``"expired"`` (about 12 %): the policy that ended on the day before the latest anniversary
  on or before ``on`` was not renewed, so the vehicle has been uninsured for 0 to 364 days;
* ``"valid"``: the policy covering ``on`` (``valid_from <= on <= valid_until``).

``insurer`` is one of :data:`INSURERS` (fixed per VIN); ``policy_no`` is the insurer's
prefix + the policy's start year + 12 digits (a simulated numbering). A malformed ``vin`` is
``400 {"error": "invalid_vin"}``; a malformed ``on`` is ``400 {"error": "bad_request"}``.

Tests find a VIN for each answer with :func:`example_vin`.
"""

from __future__ import annotations

import datetime as dt

from sandbox import vehicles
from sandbox.routes import JsonObject, Request, Response, RouteTable

SERVICE = "insurance"
STATUSES = ("valid", "expired", "not_found")

#: Property insurers writing 交强险, with the simulated policy-number prefix of each.
INSURERS = (
    ("中国人民财产保险股份有限公司", "PDZA"),
    ("中国平安财产保险股份有限公司", "PAJQ"),
    ("中国太平洋财产保险股份有限公司", "ACPJ"),
    ("中国人寿财产保险股份有限公司", "GSJQ"),
    ("中华联合财产保险股份有限公司", "ZHJQ"),
    ("阳光财产保险股份有限公司", "YGJQ"),
    ("中国大地财产保险股份有限公司", "DDJQ"),
    ("天安财产保险股份有限公司", "TAJQ"),
)


def compulsory(vin: str, on: dt.date) -> JsonObject:
    """The 交强险 answer for ``vin`` on the date ``on`` (deterministic)."""
    vin = vehicles.normalise_vin(vin)
    data = vehicles.digest("compulsory-insurance", vin)
    if data[0] < 8:
        return {
            "vin": vin,
            "status": "not_found",
            "insurer": None,
            "policy_no": None,
            "valid_from": None,
            "valid_until": None,
        }
    latest = vehicles.anniversary(data, 2, on.year)
    if latest > on:
        latest = vehicles.anniversary(data, 2, on.year - 1)
    lapsed = data[1] < 31
    start = vehicles.anniversary(data, 2, latest.year - 1) if lapsed else latest
    end = vehicles.anniversary(data, 2, start.year + 1) - dt.timedelta(days=1)
    insurer, prefix = INSURERS[data[4] % len(INSURERS)]
    serial = vehicles.number(vehicles.digest("policy", f"{vin}:{start.year}"), 0, 8) % 10**12
    return {
        "vin": vin,
        "status": "expired" if lapsed else "valid",
        "insurer": insurer,
        "policy_no": f"{prefix}{start.year}{serial:012d}",
        "valid_from": start.isoformat(),
        "valid_until": end.isoformat(),
    }


def example_vin(status: str, on: dt.date | None = None) -> str:
    """A VIN whose 交强险 status on ``on`` (default today) is ``status`` (for tests)."""
    day = on or dt.date.today()
    return vehicles.find_vin(lambda vin: compulsory(vin, day)["status"] == status)


def _compulsory(request: Request) -> Response:
    vin = vehicles.vin_param(request)
    return 200, compulsory(vin, vehicles.date_param(request))


def register(table: RouteTable) -> None:
    table.add("GET", "/insurance/v1/compulsory", _compulsory, service=SERVICE)
