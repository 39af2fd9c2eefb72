"""HTTP adapters for the data-link ports (DESIGN.md, "Outside parties"; 2018 measure 1).

Each adapter speaks its partner's JSON protocol through
:class:`~jiaoguan.partners.client.PartnerClient` (bearer auth, signed answers, timeouts;
failures become :class:`~jiaoguan.kernel.errors.PartnerUnavailable` with code
``partner_timeout``, ``partner_unreachable``, ``partner_error`` or
``partner_bad_signature``). The protocols are those of the sandbox partners:

* tax authority: ``GET /tax/v1/purchase-tax?vin=`` and ``GET /tax/v1/vessel-tax?vin=&year=``;
* insurers' platform: ``GET /insurance/v1/compulsory?vin=[&on=]``;
* hospital network: ``GET /hospital/v1/driver-medical?id_number=[&on=]``;
* residence permits: ``GET /residence/v1/permit?id_number=[&on=]``.

A signed answer that does not match the protocol (unknown status, missing or malformed
field, an answer about another key) is ``PartnerUnavailable("partner_error")``. The partner
refusing the key itself (``400 invalid_vin`` / ``invalid_id_number``) is a
:class:`~jiaoguan.kernel.errors.DomainError` on that field.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, TypeVar, cast

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiaoguan.kernel.errors import DomainError
from jiaoguan.partners.client import PartnerAnswer, PartnerClient
from jiaoguan.partners.ports import (
    CompulsoryInsurance,
    IdCard,
    InsuranceStatus,
    MedicalCertificate,
    MedicalStatus,
    PurchaseTax,
    PurchaseTaxStatus,
    ResidencePermit,
    ResidenceStatus,
    Shipment,
    ShipmentStatus,
    VesselTax,
    VesselTaxStatus,
)

T = TypeVar("T")


class _Malformed(Exception):
    """A signed answer that is not what the protocol promises."""


def _status(data: dict[str, Any], allowed: tuple[str, ...]) -> str:
    value = data.get("status")
    if value not in allowed:
        raise _Malformed(f"status {value!r}")
    return cast(str, value)


def _text(data: dict[str, Any], name: str, *, present: bool) -> str | None:
    """``data[name]``: a non-empty string if ``present``, else ``null``."""
    value = data.get(name)
    if present and (not isinstance(value, str) or not value):
        raise _Malformed(f"{name} is not a non-empty string")
    if not present and value is not None:
        raise _Malformed(f"{name} should be null")
    return value


def _date(data: dict[str, Any], name: str, *, present: bool) -> dt.date | None:
    """``data[name]``: a ``YYYY-MM-DD`` date if ``present``, else ``null``."""
    value = _text(data, name, present=present)
    if value is None:
        return None
    try:
        if len(value) != 10:
            raise ValueError(value)
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise _Malformed(f"{name} is not a date") from exc


def _on(on: dt.date | None) -> dict[str, str]:
    return {} if on is None else {"on": on.isoformat()}


class _Adapter:
    """Shared plumbing: one client, key-refusal handling and strict answer parsing."""

    def __init__(
        self,
        label: str | Promise,
        *,
        base_url: str | None = None,
        key: str | None = None,
        timeout: float | None = None,
    ) -> None:
        self._client = PartnerClient(label, base_url=base_url, key=key, timeout=timeout)

    def _get(self, path: str, query: dict[str, str]) -> PartnerAnswer:
        answer = self._client.request("GET", path, query=query)
        if answer.status == 400 and answer.data.get("error") == "invalid_vin":
            raise DomainError("invalid_vin", _("The VIN is not valid"), field="vin")
        if answer.status == 400 and answer.data.get("error") == "invalid_id_number":
            raise DomainError(
                "invalid_id_number", _("The ID number is not valid"), field="id_number"
            )
        return answer

    def _parse(
        self,
        answer: PartnerAnswer,
        what: str,
        key: tuple[str, str],
        parse: Callable[[dict[str, Any]], T],
    ) -> T:
        """``parse(answer.data)`` for a 200 answer about ``key`` (field, value), else a
        partner error."""
        name, value = key
        try:
            if answer.status != 200:
                raise _Malformed(f"HTTP {answer.status}")
            if answer.data.get(name) != value:
                raise _Malformed(f"{name} is not the one asked about")
            return parse(answer.data)
        except _Malformed as exc:
            raise self._client.protocol_error(answer, f"{what}: {exc}") from exc


def _vin(vin: str) -> str:
    return vin.strip().upper()


def _id_number(id_number: str) -> str:
    return id_number.strip().upper()


class HttpTaxAuthority(_Adapter):
    """The tax authority: vehicle purchase tax and vehicle-and-vessel tax."""

    def __init__(
        self, *, base_url: str | None = None, key: str | None = None, timeout: float | None = None
    ) -> None:
        super().__init__(
            gettext_lazy("The tax authority"), base_url=base_url, key=key, timeout=timeout
        )

    def purchase_tax(self, *, vin: str) -> PurchaseTax:
        vin = _vin(vin)
        answer = self._get("/tax/v1/purchase-tax", {"vin": vin})

        def parse(data: dict[str, Any]) -> PurchaseTax:
            status = _status(data, ("paid", "exempt", "not_found"))
            found = status != "not_found"
            return PurchaseTax(
                vin=vin,
                status=cast(PurchaseTaxStatus, status),
                certificate_no=_text(data, "certificate_no", present=found),
                paid_on=_date(data, "paid_on", present=found),
            )

        return self._parse(answer, "purchase tax", ("vin", vin), parse)

    def vessel_tax(self, *, vin: str, year: int) -> VesselTax:
        vin = _vin(vin)
        answer = self._get("/tax/v1/vessel-tax", {"vin": vin, "year": f"{year:04d}"})

        def parse(data: dict[str, Any]) -> VesselTax:
            if data.get("year") != year:
                raise _Malformed("year is not the one asked about")
            status = _status(data, ("paid", "exempt", "unpaid"))
            return VesselTax(
                vin=vin,
                year=year,
                status=cast(VesselTaxStatus, status),
                receipt_no=_text(data, "receipt_no", present=status == "paid"),
            )

        return self._parse(answer, "vessel tax", ("vin", vin), parse)


class HttpInsurancePlatform(_Adapter):
    """The insurers' platform: compulsory traffic accident liability insurance (交强险)."""

    def __init__(
        self, *, base_url: str | None = None, key: str | None = None, timeout: float | None = None
    ) -> None:
        super().__init__(
            gettext_lazy("The insurers' platform"), base_url=base_url, key=key, timeout=timeout
        )

    def compulsory(self, *, vin: str, on: dt.date | None = None) -> CompulsoryInsurance:
        vin = _vin(vin)
        answer = self._get("/insurance/v1/compulsory", {"vin": vin, **_on(on)})

        def parse(data: dict[str, Any]) -> CompulsoryInsurance:
            status = _status(data, ("valid", "expired", "not_found"))
            found = status != "not_found"
            result = CompulsoryInsurance(
                vin=vin,
                status=cast(InsuranceStatus, status),
                insurer=_text(data, "insurer", present=found),
                policy_no=_text(data, "policy_no", present=found),
                valid_from=_date(data, "valid_from", present=found),
                valid_until=_date(data, "valid_until", present=found),
            )
            start, end = result.valid_from, result.valid_until
            if start is not None and end is not None and end < start:
                raise _Malformed("policy ends before it starts")
            return result

        return self._parse(answer, "compulsory insurance", ("vin", vin), parse)


class HttpHospitalNetwork(_Adapter):
    """The hospital network: drivers' medical examinations (机动车驾驶人身体条件证明)."""

    def __init__(
        self, *, base_url: str | None = None, key: str | None = None, timeout: float | None = None
    ) -> None:
        super().__init__(
            gettext_lazy("The hospital network"), base_url=base_url, key=key, timeout=timeout
        )

    def driver_medical(self, *, id_number: str, on: dt.date | None = None) -> MedicalCertificate:
        id_number = _id_number(id_number)
        answer = self._get("/hospital/v1/driver-medical", {"id_number": id_number, **_on(on)})

        def parse(data: dict[str, Any]) -> MedicalCertificate:
            status = _status(data, ("fit", "unfit", "not_found"))
            found = status != "not_found"
            return MedicalCertificate(
                id_number=id_number,
                status=cast(MedicalStatus, status),
                hospital=_text(data, "hospital", present=found),
                examined_on=_date(data, "examined_on", present=found),
                valid_until=_date(data, "valid_until", present=status == "fit"),
            )

        return self._parse(answer, "driver medical", ("id_number", id_number), parse)


class HttpResidencePermits(_Adapter):
    """The population system's residence permits (居住证)."""

    def __init__(
        self, *, base_url: str | None = None, key: str | None = None, timeout: float | None = None
    ) -> None:
        super().__init__(
            gettext_lazy("The residence permit system"),
            base_url=base_url,
            key=key,
            timeout=timeout,
        )

    def permit(self, *, id_number: str, on: dt.date | None = None) -> ResidencePermit:
        id_number = _id_number(id_number)
        answer = self._get("/residence/v1/permit", {"id_number": id_number, **_on(on)})

        def parse(data: dict[str, Any]) -> ResidencePermit:
            status = _status(data, ("valid", "expired", "none"))
            held = status != "none"
            region_code = _text(data, "region_code", present=held)
            if region_code is not None and not (
                len(region_code) == 6 and region_code.isascii() and region_code.isdigit()
            ):
                raise _Malformed("region_code is not a 6-digit code")
            return ResidencePermit(
                id_number=id_number,
                status=cast(ResidenceStatus, status),
                region_code=region_code,
                valid_until=_date(data, "valid_until", present=held),
            )

        return self._parse(answer, "residence permit", ("id_number", id_number), parse)


class HttpIdCardReader(_Adapter):
    """The ID-card reader at a service window (a device; the sandbox simulates one per window)."""

    def __init__(
        self, *, base_url: str | None = None, key: str | None = None, timeout: float | None = None
    ) -> None:
        super().__init__(
            gettext_lazy("The ID card reader"), base_url=base_url, key=key, timeout=timeout
        )

    def read(self, *, window: str) -> IdCard | None:
        answer = self._client.request("GET", "/idreader/v1/card", query={"window": window})
        if answer.status == 404 and answer.data.get("error") == "no_card":
            return None

        def parse(data: dict[str, Any]) -> IdCard:
            return IdCard(
                window=window,
                name=_text(data, "name", present=True) or "",
                id_number=_text(data, "id_number", present=True) or "",
                address=str(data.get("address") or "")[:200],
            )

        return self._parse(answer, "id card", ("window", window), parse)


class HttpPostService(_Adapter):
    """The postal service: documents produced centrally, delivered by post (measure 10)."""

    def __init__(
        self, *, base_url: str | None = None, key: str | None = None, timeout: float | None = None
    ) -> None:
        super().__init__(
            gettext_lazy("The postal service"), base_url=base_url, key=key, timeout=timeout
        )

    @staticmethod
    def _shipment(data: dict[str, Any]) -> Shipment:
        status = _status(data, ("accepted", "in_transit", "out_for_delivery", "delivered"))
        events = data.get("events") or []
        if not isinstance(events, list):
            raise _Malformed("events is not a list")
        return Shipment(
            tracking_no=_text(data, "tracking_no", present=True) or "",
            status=cast(ShipmentStatus, status),
            events=tuple({k: str(v) for k, v in e.items()} for e in events if isinstance(e, dict)),
        )

    def ship(
        self, *, reference: str, name: str, phone: str, address: str, content: str
    ) -> Shipment:
        answer = self._client.request(
            "POST",
            "/post/v1/shipments",
            {
                "reference": reference,
                "name": name,
                "phone": phone,
                "address": address,
                "content": content,
            },
        )
        if answer.status == 400:
            raise DomainError(
                "invalid_address", _("The postal address is not valid"), field="delivery_address"
            )
        try:
            if answer.status != 201:
                raise _Malformed(f"HTTP {answer.status}")
            return self._shipment(answer.data)
        except _Malformed as exc:
            raise self._client.protocol_error(answer, f"shipment: {exc}") from exc

    def track(self, *, tracking_no: str) -> Shipment:
        answer = self._client.request(
            "GET", "/post/v1/shipments", query={"tracking_no": tracking_no}
        )
        return self._parse(answer, "tracking", ("tracking_no", tracking_no), self._shipment)
