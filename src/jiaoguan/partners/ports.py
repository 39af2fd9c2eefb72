"""Ports to the data links of other departments (DESIGN.md, "Outside parties").

Measure 1 of the 2018 reform (部门联网信息免提交, DOMAIN.md §0): certificates of other
departments are checked online instead of handed in on paper. Each port is a Protocol;
``settings.PORTS`` names the adapter class (``get_port("tax")`` etc. from
:mod:`jiaoguan.accounts.ports`). The HTTP adapters in ``adapters.py`` talk to the real
service (or the sandbox, which speaks the same protocol).

The answers are frozen dataclasses with dates as :class:`datetime.date`. They report what
the partner has on file; the helper properties and methods say what jiaoguan may conclude
(for example, whether the tax is settled: paid or exempt, DOMAIN.md §4.3). ID numbers are
kept out of ``repr`` so that an answer never prints one in a log.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal, Protocol

PurchaseTaxStatus = Literal["paid", "exempt", "not_found"]
VesselTaxStatus = Literal["paid", "exempt", "unpaid"]
InsuranceStatus = Literal["valid", "expired", "not_found"]
MedicalStatus = Literal["fit", "unfit", "not_found"]
ResidenceStatus = Literal["valid", "expired", "none"]


@dataclass(frozen=True)
class PurchaseTax:
    """The tax authority's record of a vehicle's purchase tax (车辆购置税)."""

    vin: str
    status: PurchaseTaxStatus
    certificate_no: str | None  # the tax (or exemption) certificate; None if not found
    paid_on: dt.date | None

    @property
    def settled(self) -> bool:
        """Paid or exempt."""
        return self.status in ("paid", "exempt")


@dataclass(frozen=True)
class VesselTax:
    """The tax authority's record of a vehicle's vehicle-and-vessel tax (车船税) for a year."""

    vin: str
    year: int
    status: VesselTaxStatus
    receipt_no: str | None  # only when paid

    @property
    def settled(self) -> bool:
        """Paid or exempt: the label precondition of DOMAIN.md §4.3."""
        return self.status in ("paid", "exempt")


@dataclass(frozen=True)
class CompulsoryInsurance:
    """The insurers' platform record of a vehicle's latest 交强险 policy."""

    vin: str
    status: InsuranceStatus
    insurer: str | None
    policy_no: str | None
    valid_from: dt.date | None
    valid_until: dt.date | None

    def covers(self, day: dt.date) -> bool:
        """Whether the policy is in force on ``day``."""
        return (
            self.valid_from is not None
            and self.valid_until is not None
            and self.valid_from <= day <= self.valid_until
        )


@dataclass(frozen=True)
class MedicalCertificate:
    """The hospital network's latest driver medical examination (机动车驾驶人身体条件证明)."""

    id_number: str = field(repr=False)
    status: MedicalStatus
    hospital: str | None
    examined_on: dt.date | None
    valid_until: dt.date | None  # None unless fit

    def accepted_on(self, day: dt.date) -> bool:
        """Fit, and the certificate has not lapsed by ``day``."""
        return self.status == "fit" and self.valid_until is not None and day <= self.valid_until


@dataclass(frozen=True)
class ResidencePermit:
    """The population system's record of a person's residence permit (居住证)."""

    id_number: str = field(repr=False)
    status: ResidenceStatus
    region_code: str | None  # 6-digit GB/T 2260 county code where the permit was issued
    valid_until: dt.date | None

    def valid_on(self, day: dt.date) -> bool:
        return self.valid_until is not None and day <= self.valid_until


class TaxAuthority(Protocol):
    def purchase_tax(self, *, vin: str) -> PurchaseTax: ...

    def vessel_tax(self, *, vin: str, year: int) -> VesselTax: ...


class InsurancePlatform(Protocol):
    def compulsory(self, *, vin: str, on: dt.date | None = None) -> CompulsoryInsurance:
        """The latest 交强险 policy, judged on ``on`` (default: the partner's today)."""
        ...


class HospitalNetwork(Protocol):
    def driver_medical(self, *, id_number: str, on: dt.date | None = None) -> MedicalCertificate:
        """The latest examination as of ``on`` (default: the partner's today)."""
        ...


class ResidencePermits(Protocol):
    def permit(self, *, id_number: str, on: dt.date | None = None) -> ResidencePermit:
        """The residence permit, judged on ``on`` (default: the partner's today)."""
        ...


@dataclass(frozen=True)
class IdCard:
    """What the window's reader read from a resident ID card's chip."""

    window: str
    name: str
    id_number: str = field(repr=False)
    address: str


class IdCardReader(Protocol):
    def read(self, *, window: str) -> IdCard | None:
        """The card lying on ``window``'s reader, or None when there is none."""
        ...


ShipmentStatus = Literal["accepted", "in_transit", "out_for_delivery", "delivered"]


@dataclass(frozen=True)
class Shipment:
    tracking_no: str
    status: ShipmentStatus
    events: tuple[dict[str, str], ...] = ()


class PostService(Protocol):
    def ship(
        self, *, reference: str, name: str, phone: str, address: str, content: str
    ) -> Shipment: ...

    def track(self, *, tracking_no: str) -> Shipment: ...
