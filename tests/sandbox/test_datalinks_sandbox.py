"""The data-link sandbox partners (tax, insurance, hospital, residence) over real HTTP."""

from __future__ import annotations

import datetime as dt
import http.client
import json
from collections import Counter
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac

from sandbox import hospital, insurance, population, residence, tax, vehicles
from sandbox.server import SandboxServer

KEY = "test-sandbox-key"  # the key of the session sandbox_server fixture (tests/conftest.py)
ON = dt.date(2025, 6, 1)
ENDPOINTS = {
    "tax": "/tax/v1/purchase-tax",
    "insurance": "/insurance/v1/compulsory",
    "hospital": "/hospital/v1/driver-medical",
    "residence": "/residence/v1/permit",
}


@pytest.fixture(autouse=True)
def _no_faults(sandbox_server: SandboxServer) -> Iterator[None]:
    yield
    call(sandbox_server, "DELETE", "/_sandbox/faults")


def call(
    server: SandboxServer,
    method: str,
    path: str,
    query: dict[str, str] | None = None,
    body: Any = None,
    *,
    key: str | None = KEY,
) -> tuple[int, Any]:
    """One request; returns (status, parsed JSON) after checking the signature."""
    host, port = server.server_address[:2]
    conn = http.client.HTTPConnection(str(host), port, timeout=10)
    headers = {} if key is None else {"Authorization": f"Bearer {key}"}
    target = path + (f"?{urlencode(query)}" if query else "")
    data = None if body is None else json.dumps(body).encode()
    try:
        conn.request(method, target, body=data, headers=headers)
        resp = conn.getresponse()
        payload = resp.read()
    finally:
        conn.close()
    mac = crypto_hmac.HMAC(KEY.encode(), hashes.SM3())
    mac.update(payload)
    assert resp.headers["X-Sandbox-Signature"] == mac.finalize().hex()
    return resp.status, json.loads(payload)


def query_for(service: str) -> dict[str, str]:
    """A valid query for each data-link endpoint."""
    if service in ("tax", "insurance"):
        return {"vin": vehicles.make_vin(1)}
    return {"id_number": population.make_id_number("320102", dt.date(1985, 6, 15), 1)}


# --- the helpers behind the data ------------------------------------------------------------


def test_make_vin_gives_well_formed_vins_with_check_digits() -> None:
    vins = [vehicles.make_vin(i) for i in range(500)]
    assert len(set(vins)) == 500
    assert all(vehicles.is_well_formed_vin(v) and v[8] == vehicles.check_digit(v) for v in vins)
    # DOMAIN.md §2, verified examples
    assert vehicles.check_digit("LSJA24U62JG269225") == "2"
    assert vehicles.check_digit("1M8GDM9AXKP042788") == "X"


def test_add_months_clamps_to_the_end_of_the_month() -> None:
    assert vehicles.add_months(dt.date(2025, 8, 31), 6) == dt.date(2026, 2, 28)
    assert vehicles.add_months(dt.date(2023, 8, 31), 6) == dt.date(2024, 2, 29)
    assert vehicles.add_months(dt.date(2025, 1, 15), 6) == dt.date(2025, 7, 15)


def test_shares_roughly_match_the_documentation() -> None:
    vins = [vehicles.make_vin(i) for i in range(2000)]
    ids = list(vehicles.sample_id_numbers())[:2000]
    purchase = Counter(tax.purchase_tax(v)["status"] for v in vins)
    assert 40 < purchase["not_found"] < 120 and 300 < purchase["exempt"] < 480
    assert 150 < Counter(tax.vessel_tax(v, 2025)["status"] for v in vins)["unpaid"] < 280
    cover = Counter(insurance.compulsory(v, ON)["status"] for v in vins)
    assert 30 < cover["not_found"] < 100 and 170 < cover["expired"] < 300
    medical = Counter(hospital.driver_medical(i, ON)["status"] for i in ids)
    assert 150 < medical["not_found"] < 270 and 25 < medical["unfit"] < 100
    permits = Counter(residence.permit(i, ON)["status"] for i in ids)
    assert 900 < permits["none"] < 1100 and 60 < permits["expired"] < 160


# --- tax authority --------------------------------------------------------------------------


@pytest.mark.parametrize("status", tax.PURCHASE_STATUSES)
def test_purchase_tax(sandbox_server: SandboxServer, status: str) -> None:
    vin = tax.example_vin(purchase=status)
    code, data = call(sandbox_server, "GET", "/tax/v1/purchase-tax", {"vin": vin})
    assert code == 200 and data == tax.purchase_tax(vin)
    assert data["vin"] == vin and data["status"] == status
    if status == "not_found":
        assert data["certificate_no"] is None and data["paid_on"] is None
    else:
        assert len(data["certificate_no"]) == 17 and data["certificate_no"].startswith("32")
        assert (
            dt.date(2015, 1, 1) <= dt.date.fromisoformat(data["paid_on"]) <= dt.date(2025, 12, 31)
        )


@pytest.mark.parametrize("status", tax.VESSEL_STATUSES)
def test_vessel_tax(sandbox_server: SandboxServer, status: str) -> None:
    vin = tax.example_vin(vessel=status, year=2024)
    code, data = call(sandbox_server, "GET", "/tax/v1/vessel-tax", {"vin": vin, "year": "2024"})
    assert code == 200 and data == tax.vessel_tax(vin, 2024)
    assert (data["vin"], data["year"], data["status"]) == (vin, 2024, status)
    if status == "paid":
        assert data["receipt_no"].startswith("CCS2024") and len(data["receipt_no"]) == 17
    else:
        assert data["receipt_no"] is None


def test_new_energy_vehicles_are_exempt_from_both_taxes() -> None:
    for i in range(300):
        vin = vehicles.make_vin(i)
        if tax.is_new_energy(vin):
            assert tax.vessel_tax(vin, 2025)["status"] == "exempt"
            assert tax.purchase_tax(vin)["status"] in ("exempt", "not_found")
        else:
            assert tax.purchase_tax(vin)["status"] in ("paid", "not_found")


def test_vin_is_normalised(sandbox_server: SandboxServer) -> None:
    vin = vehicles.make_vin(7)
    code, data = call(sandbox_server, "GET", "/tax/v1/purchase-tax", {"vin": f" {vin.lower()} "})
    assert code == 200 and data["vin"] == vin


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ({}, "bad_request"),
        ({"vin": ""}, "bad_request"),
        ({"vin": "LSVA24U69LA00000"}, "invalid_vin"),  # 16 characters
        ({"vin": "LSVA24U69LA0000001"}, "invalid_vin"),  # 18 characters
        ({"vin": "LSVA24U69LO000000"}, "invalid_vin"),  # O is not used in VINs
        ({"vin": "LSVA24U69LA00000中"}, "invalid_vin"),
    ],
)
def test_purchase_tax_bad_input(
    sandbox_server: SandboxServer, query: dict[str, str], error: str
) -> None:
    code, data = call(sandbox_server, "GET", "/tax/v1/purchase-tax", query)
    assert code == 400 and data["error"] == error


@pytest.mark.parametrize("year", [None, "", "25", "2o25", "1999", "2101", "+2025"])
def test_vessel_tax_bad_year(sandbox_server: SandboxServer, year: str | None) -> None:
    query = {"vin": vehicles.make_vin(1)} | ({} if year is None else {"year": year})
    code, data = call(sandbox_server, "GET", "/tax/v1/vessel-tax", query)
    assert code == 400 and data["error"] == "bad_request"


# --- insurers' platform ---------------------------------------------------------------------


@pytest.mark.parametrize("status", insurance.STATUSES)
def test_compulsory_insurance(sandbox_server: SandboxServer, status: str) -> None:
    vin = insurance.example_vin(status, ON)
    code, data = call(
        sandbox_server, "GET", "/insurance/v1/compulsory", {"vin": vin, "on": ON.isoformat()}
    )
    assert code == 200 and data == insurance.compulsory(vin, ON)
    assert (data["vin"], data["status"]) == (vin, status)
    if status == "not_found":
        assert [data[k] for k in ("insurer", "policy_no", "valid_from", "valid_until")] == [
            None
        ] * 4
        return
    start, end = (
        dt.date.fromisoformat(data["valid_from"]),
        dt.date.fromisoformat(data["valid_until"]),
    )
    assert data["insurer"] in {name for name, _ in insurance.INSURERS}
    assert data["policy_no"][4:8] == str(start.year) and len(data["policy_no"]) == 20
    assert end == start.replace(year=start.year + 1) - dt.timedelta(days=1)
    if status == "valid":
        assert start <= ON <= end
    else:
        assert ON - dt.timedelta(days=366) < end < ON


def test_compulsory_insurance_follows_the_policy_year() -> None:
    vin = insurance.example_vin("valid", ON)
    answer = insurance.compulsory(vin, ON)
    end = dt.date.fromisoformat(answer["valid_until"])
    assert insurance.compulsory(vin, end) == answer  # the last day is still covered
    renewed = insurance.compulsory(vin, end + dt.timedelta(days=1))
    assert renewed["valid_from"] == (end + dt.timedelta(days=1)).isoformat()
    assert renewed["policy_no"] != answer["policy_no"]


def test_compulsory_insurance_defaults_to_today(sandbox_server: SandboxServer) -> None:
    vin = vehicles.make_vin(3)
    code, data = call(sandbox_server, "GET", "/insurance/v1/compulsory", {"vin": vin})
    assert code == 200 and data == insurance.compulsory(vin, dt.date.today())


@pytest.mark.parametrize("on", ["", "2025-13-01", "20250601", "2025-6-1", "yesterday"])
def test_compulsory_insurance_bad_date(sandbox_server: SandboxServer, on: str) -> None:
    query = {"vin": vehicles.make_vin(3), "on": on}
    code, data = call(sandbox_server, "GET", "/insurance/v1/compulsory", query)
    assert code == 400 and data["error"] == "bad_request"


def test_compulsory_insurance_bad_vin(sandbox_server: SandboxServer) -> None:
    code, data = call(sandbox_server, "GET", "/insurance/v1/compulsory", {"vin": "ABC"})
    assert code == 400 and data["error"] == "invalid_vin"


# --- hospital network -----------------------------------------------------------------------


@pytest.mark.parametrize("status", hospital.STATUSES)
def test_driver_medical(sandbox_server: SandboxServer, status: str) -> None:
    id_number = hospital.example_id_number(status, ON)
    code, data = call(
        sandbox_server,
        "GET",
        "/hospital/v1/driver-medical",
        {"id_number": id_number, "on": ON.isoformat()},
    )
    assert code == 200 and data == hospital.driver_medical(id_number, ON)
    assert (data["id_number"], data["status"]) == (id_number, status)
    if status == "not_found":
        assert [data[k] for k in ("hospital", "examined_on", "valid_until")] == [None] * 3
        return
    examined = dt.date.fromisoformat(data["examined_on"])
    assert data["hospital"] in hospital.HOSPITALS
    assert ON - dt.timedelta(days=hospital.MAX_AGE_DAYS) < examined <= ON
    if status == "fit":
        assert data["valid_until"] == vehicles.add_months(examined, 6).isoformat()
    else:
        assert data["valid_until"] is None


def test_driver_medical_stale_and_current_certificates_both_occur() -> None:
    ids = list(vehicles.sample_id_numbers())[:300]
    fit = [a for a in (hospital.driver_medical(i, ON) for i in ids) if a["status"] == "fit"]
    assert any(a["valid_until"] < ON.isoformat() for a in fit)
    assert any(a["valid_until"] >= ON.isoformat() for a in fit)


# --- residence permits ----------------------------------------------------------------------


@pytest.mark.parametrize("status", residence.STATUSES)
def test_residence_permit(sandbox_server: SandboxServer, status: str) -> None:
    id_number = residence.example_id_number(status, ON)
    code, data = call(
        sandbox_server,
        "GET",
        "/residence/v1/permit",
        {"id_number": id_number, "on": ON.isoformat()},
    )
    assert code == 200 and data == residence.permit(id_number, ON)
    assert (data["id_number"], data["status"]) == (id_number, status)
    if status == "none":
        assert data["region_code"] is None and data["valid_until"] is None
        return
    until = dt.date.fromisoformat(data["valid_until"])
    assert data["region_code"] in residence.JIANGSU_COUNTIES
    assert data["region_code"] != id_number[:6]
    if status == "valid":
        assert ON <= until < ON + dt.timedelta(days=365)
    else:
        assert ON - dt.timedelta(days=181) < until < ON


def test_residence_permit_is_never_for_the_home_county() -> None:
    for region in ("320102", "320508"):
        for id_number in list(vehicles.sample_id_numbers(region))[:300]:
            assert residence.permit(id_number, ON)["region_code"] != region


@pytest.mark.parametrize("path", ["/hospital/v1/driver-medical", "/residence/v1/permit"])
@pytest.mark.parametrize(
    ("id_number", "error"),
    [
        (None, "bad_request"),
        ("32010219850615001", "invalid_id_number"),  # 17 characters
        ("320102198506150010", "invalid_id_number"),  # wrong check character
        ("320102198502300014", "invalid_id_number"),  # 30 February
        ("990102198506150011", "invalid_id_number"),  # no such province
    ],
)
def test_id_number_bad_input(
    sandbox_server: SandboxServer, path: str, id_number: str | None, error: str
) -> None:
    good = population.make_id_number("320102", dt.date(1985, 6, 15), 1)
    assert id_number is None or id_number != good
    code, data = call(
        sandbox_server, "GET", path, None if id_number is None else {"id_number": id_number}
    )
    assert code == 400 and data["error"] == error


def test_id_number_with_lower_case_x_is_normalised(sandbox_server: SandboxServer) -> None:
    id_number = next(i for i in vehicles.sample_id_numbers() if i.endswith("X"))
    code, data = call(
        sandbox_server, "GET", "/residence/v1/permit", {"id_number": id_number.lower()}
    )
    assert code == 200 and data["id_number"] == id_number


# --- common protocol ------------------------------------------------------------------------


def test_health_lists_the_data_links(sandbox_server: SandboxServer) -> None:
    code, data = call(sandbox_server, "GET", "/_sandbox/health")
    assert code == 200 and data["ok"] is True
    assert {"identity", "sms", "tax", "insurance", "hospital", "residence"} <= set(data["services"])


@pytest.mark.parametrize("service", list(ENDPOINTS))
@pytest.mark.parametrize("key", [None, "wrong-key"])
def test_every_data_link_needs_the_key(
    sandbox_server: SandboxServer, service: str, key: str | None
) -> None:
    code, data = call(sandbox_server, "GET", ENDPOINTS[service], query_for(service), key=key)
    assert (code, data) == (401, {"error": "unauthorized"})


@pytest.mark.parametrize("service", list(ENDPOINTS))
def test_data_links_are_read_only(sandbox_server: SandboxServer, service: str) -> None:
    code, data = call(sandbox_server, "POST", ENDPOINTS[service], body={})
    assert (code, data["error"]) == (405, "method_not_allowed")


@pytest.mark.parametrize("service", list(ENDPOINTS))
def test_answers_are_deterministic(sandbox_server: SandboxServer, service: str) -> None:
    query = query_for(service) | {"on": ON.isoformat()}
    first = call(sandbox_server, "GET", ENDPOINTS[service], query)
    assert first[0] == 200 and call(sandbox_server, "GET", ENDPOINTS[service], query) == first


@pytest.mark.parametrize("service", list(ENDPOINTS))
def test_faults_apply_to_each_data_link(sandbox_server: SandboxServer, service: str) -> None:
    code, armed = call(
        sandbox_server,
        "POST",
        "/_sandbox/faults",
        body={"service": service, "mode": "error", "count": 1},
    )
    assert code == 200 and armed["service"] == service
    path, query = ENDPOINTS[service], query_for(service)
    other = next(s for s in ENDPOINTS if s != service)
    assert call(sandbox_server, "GET", ENDPOINTS[other], query_for(other))[0] == 200
    assert call(sandbox_server, "GET", path, query) == (500, {"error": "internal"})
    assert call(sandbox_server, "GET", path, query)[0] == 200  # the fault is used up
