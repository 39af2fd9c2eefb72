"""Simulated hospital network: drivers' medical examinations (机动车驾驶人身体条件证明).

Measure 1 of the 2018 reform: the traffic police read the examination result online instead
of asking for the paper certificate. Renewing a licence needs a medical certificate
(DOMAIN.md §5.3, R162 Art. 63).

``GET /hospital/v1/driver-medical?id_number=<ID>[&on=YYYY-MM-DD]`` -> ``200 {"id_number",
"status", "hospital", "examined_on", "valid_until"}``: the person's latest examination as
of the date ``on`` (default: the sandbox's today), so tests are deterministic. ``status`` is
one of

* ``"not_found"`` (about 10 % of ID numbers): no examination on file; the other fields
  are ``null``;
* ``"unfit"`` (about 3 %): the latest examination found a condition that bars driving;
  ``hospital`` and ``examined_on`` are set, ``valid_until`` is ``null``;
* ``"fit"``: the rest.

``examined_on`` is 0 to 269 days before ``on`` (from the SM3 digest of the number), so
about a third of the "fit" certificates are already past ``valid_until``: the partner
reports the examination, the caller decides whether it is still acceptable.
``valid_until`` is ``examined_on`` plus :data:`VALIDITY_MONTHS` months.

``VALIDITY_MONTHS`` = 6 is **configuration, not law**: examination certificates are commonly
accepted for six months, but DOMAIN.md does not state such a rule.

``hospital`` is one of :data:`HOSPITALS` (fixed per person). A malformed ``id_number``
(length, province, birth date, check character) is ``400 {"error": "invalid_id_number"}``;
a malformed ``on`` is ``400 {"error": "bad_request"}``.

Tests find an ID number for each answer with :func:`example_id_number`.
"""

from __future__ import annotations

import datetime as dt

from sandbox import population, vehicles
from sandbox.routes import JsonObject, Request, Response, RouteTable

SERVICE = "hospital"
STATUSES = ("fit", "unfit", "not_found")
#: How long an examination certificate is accepted (configuration, not law; see above).
VALIDITY_MONTHS = 6
#: Examinations happened up to this many days before the reference date.
MAX_AGE_DAYS = 270

#: Jiangsu hospitals that examine drivers.
HOSPITALS = (
    "江苏省人民医院",
    "南京鼓楼医院",
    "南京市第一医院",
    "苏州大学附属第一医院",
    "无锡市人民医院",
    "常州市第一人民医院",
    "南通大学附属医院",
    "徐州医科大学附属医院",
    "扬州大学附属医院",
    "淮安市第一人民医院",
)


def driver_medical(id_number: str, on: dt.date) -> JsonObject:
    """The latest medical examination of ``id_number`` as of ``on`` (deterministic)."""
    id_number = population.normalise(id_number)
    data = vehicles.digest("driver-medical", id_number)
    answer: JsonObject = {
        "id_number": id_number,
        "status": "not_found",
        "hospital": None,
        "examined_on": None,
        "valid_until": None,
    }
    if data[0] < 26:
        return answer
    examined_on = on - dt.timedelta(days=vehicles.number(data, 2, 2) % MAX_AGE_DAYS)
    answer["hospital"] = HOSPITALS[data[4] % len(HOSPITALS)]
    answer["examined_on"] = examined_on.isoformat()
    if data[1] < 8:
        answer["status"] = "unfit"
    else:
        answer["status"] = "fit"
        answer["valid_until"] = vehicles.add_months(examined_on, VALIDITY_MONTHS).isoformat()
    return answer


def example_id_number(status: str, on: dt.date | None = None) -> str:
    """An ID number whose examination status on ``on`` (default today) is ``status``."""
    day = on or dt.date.today()
    return vehicles.find_id_number(lambda n: driver_medical(n, day)["status"] == status)


def _driver_medical(request: Request) -> Response:
    id_number = vehicles.id_number_param(request)
    return 200, driver_medical(id_number, vehicles.date_param(request))


def register(table: RouteTable) -> None:
    table.add("GET", "/hospital/v1/driver-medical", _driver_medical, service=SERVICE)
