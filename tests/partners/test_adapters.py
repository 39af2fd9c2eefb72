"""The data-link HTTP adapters against the session sandbox over real HTTP (no database)."""

from __future__ import annotations

import datetime as dt
import http.client
import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest

from jiaoguan.accounts.ports import get_port
from jiaoguan.kernel.errors import DomainError, PartnerUnavailable
from jiaoguan.partners.adapters import (
    HttpHospitalNetwork,
    HttpInsurancePlatform,
    HttpResidencePermits,
    HttpTaxAuthority,
)
from jiaoguan.partners.client import PartnerClient, signature
from jiaoguan.partners.ports import (
    CompulsoryInsurance,
    MedicalCertificate,
    PurchaseTax,
    ResidencePermit,
    VesselTax,
)
from sandbox import hospital, insurance, residence, tax, vehicles
from sandbox.server import SandboxServer

KEY = "test-sandbox-key"  # tests/conftest.py points the adapters at the session sandbox
ON = dt.date(2025, 6, 1)
#: A person with a current examination and a valid residence permit on ON.
ID_NUMBER = vehicles.find_id_number(
    lambda n: (
        hospital.driver_medical(n, ON)["status"] == "fit"
        and residence.permit(n, ON)["status"] == "valid"
    )
)


@pytest.fixture(autouse=True)
def _no_faults(sandbox_server: SandboxServer) -> Iterator[None]:
    yield
    sandbox_call(sandbox_server, "DELETE", "/_sandbox/faults")


def sandbox_call(server: SandboxServer, method: str, path: str, body: Any = None) -> Any:
    host, port = server.server_address[:2]
    conn = http.client.HTTPConnection(str(host), port, timeout=10)
    data = None if body is None else json.dumps(body).encode()
    conn.request(method, path, body=data, headers={"Authorization": f"Bearer {KEY}"})
    answer = json.loads(conn.getresponse().read())
    conn.close()
    return answer


def inject(server: SandboxServer, service: str, mode: str, **extra: Any) -> None:
    body = {"service": service, "mode": mode, "count": 1, **extra}
    assert sandbox_call(server, "POST", "/_sandbox/faults", body)["mode"] == mode


def day(text: str | None) -> dt.date | None:
    return None if text is None else dt.date.fromisoformat(text)


# --- each answer maps to its dataclass ------------------------------------------------------


@pytest.mark.parametrize("status", tax.PURCHASE_STATUSES)
def test_purchase_tax(status: str) -> None:
    vin = tax.example_vin(purchase=status)
    expected = tax.purchase_tax(vin)
    answer = HttpTaxAuthority().purchase_tax(vin=vin)
    assert answer == PurchaseTax(
        vin=vin,
        status=status,  # type: ignore[arg-type]
        certificate_no=expected["certificate_no"],
        paid_on=day(expected["paid_on"]),
    )
    assert answer.settled == (status != "not_found")


@pytest.mark.parametrize("status", tax.VESSEL_STATUSES)
def test_vessel_tax(status: str) -> None:
    vin = tax.example_vin(vessel=status, year=2025)
    answer = HttpTaxAuthority().vessel_tax(vin=vin.lower(), year=2025)
    assert answer == VesselTax(
        vin=vin,
        year=2025,
        status=status,  # type: ignore[arg-type]
        receipt_no=tax.vessel_tax(vin, 2025)["receipt_no"],
    )
    assert (answer.receipt_no is not None) == (status == "paid")
    assert answer.settled == (status != "unpaid")


@pytest.mark.parametrize("status", insurance.STATUSES)
def test_compulsory_insurance(status: str) -> None:
    vin = insurance.example_vin(status, ON)
    expected = insurance.compulsory(vin, ON)
    answer = HttpInsurancePlatform().compulsory(vin=vin, on=ON)
    assert answer == CompulsoryInsurance(
        vin=vin,
        status=status,  # type: ignore[arg-type]
        insurer=expected["insurer"],
        policy_no=expected["policy_no"],
        valid_from=day(expected["valid_from"]),
        valid_until=day(expected["valid_until"]),
    )
    assert answer.covers(ON) == (status == "valid")


def test_compulsory_insurance_defaults_to_the_partners_today() -> None:
    vin = vehicles.make_vin(5)
    answer = HttpInsurancePlatform().compulsory(vin=vin)
    assert answer.status == insurance.compulsory(vin, dt.date.today())["status"]


@pytest.mark.parametrize("status", hospital.STATUSES)
def test_driver_medical(status: str) -> None:
    id_number = hospital.example_id_number(status, ON)
    expected = hospital.driver_medical(id_number, ON)
    answer = HttpHospitalNetwork().driver_medical(id_number=id_number, on=ON)
    assert answer == MedicalCertificate(
        id_number=id_number,
        status=status,  # type: ignore[arg-type]
        hospital=expected["hospital"],
        examined_on=day(expected["examined_on"]),
        valid_until=day(expected["valid_until"]),
    )
    assert id_number not in repr(answer)
    if answer.valid_until is not None:
        assert answer.accepted_on(answer.valid_until)
        assert not answer.accepted_on(answer.valid_until + dt.timedelta(days=1))
    else:
        assert not answer.accepted_on(ON)


@pytest.mark.parametrize("status", residence.STATUSES)
def test_residence_permit(status: str) -> None:
    id_number = residence.example_id_number(status, ON)
    expected = residence.permit(id_number, ON)
    answer = HttpResidencePermits().permit(id_number=id_number, on=ON)
    assert answer == ResidencePermit(
        id_number=id_number,
        status=status,  # type: ignore[arg-type]
        region_code=expected["region_code"],
        valid_until=day(expected["valid_until"]),
    )
    assert id_number not in repr(answer)
    assert answer.valid_on(ON) == (status == "valid")


def test_ports_setting_names_the_http_adapters() -> None:
    assert isinstance(get_port("tax"), HttpTaxAuthority)
    assert isinstance(get_port("insurance"), HttpInsurancePlatform)
    assert isinstance(get_port("hospital"), HttpHospitalNetwork)
    assert isinstance(get_port("residence"), HttpResidencePermits)


# --- keys the partner refuses ---------------------------------------------------------------


@pytest.mark.parametrize(
    "ask",
    [
        lambda: HttpTaxAuthority().purchase_tax(vin="LSVA24U69LO000000"),
        lambda: HttpTaxAuthority().vessel_tax(vin="short", year=2025),
        lambda: HttpInsurancePlatform().compulsory(vin="LSVA24U69LA00000", on=ON),
    ],
)
def test_malformed_vin_is_a_domain_error(ask: Callable[[], object]) -> None:
    with pytest.raises(DomainError) as info:
        ask()
    assert not isinstance(info.value, PartnerUnavailable)
    assert (info.value.code, info.value.field) == ("invalid_vin", "vin")


@pytest.mark.parametrize(
    "ask",
    [
        lambda: HttpHospitalNetwork().driver_medical(id_number="320102198506150010"),
        lambda: HttpResidencePermits().permit(id_number="12345", on=ON),
    ],
)
def test_malformed_id_number_is_a_domain_error(ask: Callable[[], object]) -> None:
    with pytest.raises(DomainError) as info:
        ask()
    assert not isinstance(info.value, PartnerUnavailable)
    assert (info.value.code, info.value.field) == ("invalid_id_number", "id_number")


def test_out_of_range_year_is_a_partner_error() -> None:
    with pytest.raises(PartnerUnavailable) as info:
        HttpTaxAuthority().vessel_tax(vin=vehicles.make_vin(1), year=1999)
    assert info.value.code == "partner_error"


# --- failures -------------------------------------------------------------------------------

ASK: dict[str, Callable[[], object]] = {
    "tax": lambda: HttpTaxAuthority().vessel_tax(vin=vehicles.make_vin(1), year=2025),
    "insurance": lambda: HttpInsurancePlatform().compulsory(vin=vehicles.make_vin(1), on=ON),
    "hospital": lambda: HttpHospitalNetwork().driver_medical(id_number=ID_NUMBER, on=ON),
    "residence": lambda: HttpResidencePermits().permit(id_number=ID_NUMBER, on=ON),
}


@pytest.mark.parametrize("service", list(ASK))
def test_partner_error_then_recovery(sandbox_server: SandboxServer, service: str) -> None:
    inject(sandbox_server, service, "error")
    with pytest.raises(PartnerUnavailable) as info:
        ASK[service]()
    assert info.value.code == "partner_error" and info.value.status == 503
    assert info.value.message
    ASK[service]()  # the fault was used up


@pytest.mark.parametrize("service", list(ASK))
def test_partner_timeout(sandbox_server: SandboxServer, settings: Any, service: str) -> None:
    settings.PARTNER_TIMEOUT = 0.3
    inject(sandbox_server, service, "timeout", seconds=1.0)
    with pytest.raises(PartnerUnavailable) as info:
        ASK[service]()
    assert info.value.code == "partner_timeout"


def test_wrong_key_is_a_partner_error(settings: Any) -> None:
    settings.SANDBOX_KEY = "not-the-key"
    with pytest.raises(PartnerUnavailable) as info:
        ASK["insurance"]()
    assert info.value.code == "partner_error"


def test_partner_label_names_the_partner_in_the_message() -> None:
    client = PartnerClient("税务部门")
    assert "税务部门" in client.unavailable("partner_timeout").message


# --- signed answers that break the protocol -------------------------------------------------


class _Impostor(BaseHTTPRequestHandler):
    """Answers GETs with a status and body chosen by the test, signed with the right key
    unless ``signature`` is set."""

    status: ClassVar[int] = 200
    body: ClassVar[bytes] = b""
    signature: ClassVar[str | None] = None

    def do_GET(self) -> None:
        self.send_response(self.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(self.body)))
        self.send_header("X-Sandbox-Signature", self.signature or signature(KEY, self.body))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def impostor(settings: Any) -> Iterator[type[_Impostor]]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Impostor)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    settings.SANDBOX_URL = f"http://127.0.0.1:{server.server_address[1]}"
    settings.SANDBOX_KEY = KEY
    _Impostor.status, _Impostor.signature = 200, None
    yield _Impostor
    server.shutdown()
    server.server_close()
    thread.join()


VIN = vehicles.make_vin(1)
GOOD: dict[str, dict[str, Any]] = {
    "tax": tax.vessel_tax(VIN, 2025),
    "insurance": insurance.compulsory(VIN, ON),
    "hospital": hospital.driver_medical(ID_NUMBER, ON),
    "residence": residence.permit(ID_NUMBER, ON),
}
BROKEN: list[tuple[str, dict[str, Any]]] = [
    ("tax", {"status": "overdue"}),
    ("tax", {"vin": vehicles.make_vin(2)}),
    ("tax", {"year": 2024}),
    ("tax", {"status": "paid", "receipt_no": None}),
    ("tax", {"status": "unpaid", "receipt_no": "CCS1"}),
    ("insurance", {"status": "valid", "valid_from": "2025/01/01"}),
    ("insurance", {"status": "valid", "insurer": ""}),
    ("insurance", {"status": "valid", "valid_from": "2025-06-02", "valid_until": "2025-06-01"}),
    ("insurance", {"status": "not_found"}),  # not_found with a policy attached
    ("hospital", {"id_number": "110101198506150012"}),
    ("hospital", {"status": "fit", "valid_until": None}),
    ("hospital", {"status": "fit", "examined_on": 20250101}),
    ("residence", {"status": "valid", "region_code": "32010"}),
    ("residence", {"status": "valid", "valid_until": None}),
    ("residence", {"status": None}),
]


@pytest.mark.parametrize(("service", "change"), BROKEN)
def test_malformed_answer_is_a_partner_error(
    impostor: type[_Impostor], service: str, change: dict[str, Any]
) -> None:
    base = dict(GOOD[service])
    if base.get("status") in ("none", "not_found"):
        pytest.fail("pick a key with a full answer for the malformed-answer cases")
    impostor.body = json.dumps(base | change).encode()
    with pytest.raises(PartnerUnavailable) as info:
        ASK[service]()
    assert info.value.code == "partner_error"


@pytest.mark.parametrize("service", list(ASK))
def test_good_answer_from_the_impostor_is_accepted(impostor: type[_Impostor], service: str) -> None:
    impostor.body = json.dumps(GOOD[service]).encode()
    ASK[service]()


@pytest.mark.parametrize("status", [404, 200])
def test_signed_non_answers_are_partner_errors(impostor: type[_Impostor], status: int) -> None:
    impostor.status = status
    impostor.body = b'{"error":"not_found"}' if status == 404 else b"[]"
    with pytest.raises(PartnerUnavailable) as info:
        ASK["tax"]()
    assert info.value.code == "partner_error"


def test_wrongly_signed_answer_is_rejected(impostor: type[_Impostor]) -> None:
    impostor.body = json.dumps(GOOD["residence"]).encode()
    impostor.signature = signature("another-key", impostor.body)
    with pytest.raises(PartnerUnavailable) as info:
        ASK["residence"]()
    assert info.value.code == "partner_bad_signature"
