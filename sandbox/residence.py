"""Simulated residence-permit system (居住证, public-security population system).

Measure 1 of the 2018 reform: the residence permit is checked online instead of handed in.
Under the 2018 measure people from other provinces needed a local residence permit to apply
for a driving licence where they live (DOMAIN.md §5.6).

``GET /residence/v1/permit?id_number=<ID>[&on=YYYY-MM-DD]`` -> ``200 {"id_number",
"status", "region_code", "valid_until"}`` judged on the date ``on`` (default: the sandbox's
today), so tests are deterministic. ``status`` is one of

* ``"none"`` (about half of ID numbers): no residence permit; ``region_code`` and
  ``valid_until`` are ``null``;
* ``"expired"`` (about 1 in 10 of the rest): ``valid_until`` is 1 to 180 days before ``on``;
* ``"valid"``: ``valid_until`` is 0 to 364 days after ``on`` (permits are endorsed yearly).

``region_code`` is the 6-digit code of the Jiangsu county where the permit was issued, one
of :data:`JIANGSU_COUNTIES` (GB/T 2260), never the county of the person's own household
registration (the first six digits of the ID number). A malformed ``id_number`` is
``400 {"error": "invalid_id_number"}``; a malformed ``on`` is ``400 {"error":
"bad_request"}``.

Tests find an ID number for each answer with :func:`example_id_number`.
"""

from __future__ import annotations

import datetime as dt

from sandbox import population, vehicles
from sandbox.routes import JsonObject, Request, Response, RouteTable

SERVICE = "residence"
STATUSES = ("valid", "expired", "none")

#: Jiangsu counties and districts (GB/T 2260) where the simulated permits are issued.
JIANGSU_COUNTIES = (
    "320102",  # 南京市玄武区
    "320105",  # 南京市建邺区
    "320106",  # 南京市鼓楼区
    "320115",  # 南京市江宁区
    "320211",  # 无锡市滨湖区
    "320213",  # 无锡市梁溪区
    "320311",  # 徐州市泉山区
    "320412",  # 常州市武进区
    "320506",  # 苏州市吴中区
    "320508",  # 苏州市姑苏区
    "320583",  # 苏州市昆山市
    "320612",  # 南通市通州区
    "320706",  # 连云港市海州区
    "320812",  # 淮安市清江浦区
    "320902",  # 盐城市亭湖区
    "321002",  # 扬州市广陵区
    "321102",  # 镇江市京口区
    "321202",  # 泰州市海陵区
    "321302",  # 宿迁市宿城区
)


def permit(id_number: str, on: dt.date) -> JsonObject:
    """The residence permit of ``id_number`` as of ``on`` (deterministic)."""
    id_number = population.normalise(id_number)
    data = vehicles.digest("residence-permit", id_number)
    if data[0] < 128:
        return {"id_number": id_number, "status": "none", "region_code": None, "valid_until": None}
    index = data[2] % len(JIANGSU_COUNTIES)
    if JIANGSU_COUNTIES[index] == id_number[:6]:
        index = (index + 1) % len(JIANGSU_COUNTIES)
    expired = data[1] < 26
    days = vehicles.number(data, 3, 2)
    valid_until = (
        on - dt.timedelta(days=1 + days % 180) if expired else on + dt.timedelta(days=days % 365)
    )
    return {
        "id_number": id_number,
        "status": "expired" if expired else "valid",
        "region_code": JIANGSU_COUNTIES[index],
        "valid_until": valid_until.isoformat(),
    }


def example_id_number(status: str, on: dt.date | None = None) -> str:
    """An ID number whose residence-permit status on ``on`` (default today) is ``status``."""
    day = on or dt.date.today()
    return vehicles.find_id_number(lambda n: permit(n, day)["status"] == status)


def _permit(request: Request) -> Response:
    id_number = vehicles.id_number_param(request)
    return 200, permit(id_number, vehicles.date_param(request))


def register(table: RouteTable) -> None:
    table.add("GET", "/residence/v1/permit", _permit, service=SERVICE)
