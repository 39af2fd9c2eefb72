from __future__ import annotations

import datetime as dt
import uuid

from ninja import Field, Schema

from jiaoguan.kernel.crypto import mask_name
from jiaoguan.violations.models import EducationDuty, PointEntry, Violation
from jiaoguan.violations.selectors import PointsSummary


class EvidenceIn(Schema):
    url: str = Field(max_length=500, description="Where the recording system keeps it")
    sha256: str = Field(max_length=64, description="SHA-256 of the file, 64 hex digits")


class ViolationIn(Schema):
    plate_number: str = Field(max_length=16, examples=["苏A12345"])
    occurred_at: dt.datetime = Field(description="With its time zone")
    place: str = Field(max_length=120)
    region_code: str = Field(max_length=6, description="GB/T 2260 county where it happened")
    offence_code: str = Field(max_length=5, description="违法代码, 4 or 5 digits")
    description: str = Field(max_length=200)
    citation: str = Field(max_length=200, description="The provisions broken and applied")
    points: int = Field(ge=0, le=12, description="0, or 1, 3, 6, 9, 12 (R163 Art. 7)")
    fine_fen: int = Field(ge=0, description="The fine in fen (0 to 500000)")
    evidence: list[EvidenceIn] = Field(default_factory=list, max_length=20)
    twelve_point_offence: str = Field(
        "", max_length=32, description="One of the 12-point offences of R163 Art. 8, if it is"
    )
    external_ref: str = Field(
        "", max_length=64, description="The recording system's own id: a retry returns the record"
    )


class ConfirmIn(Schema):
    driver_id_number: str = Field(
        "", max_length=18, description="Empty: I drove. Else the driver's ID number"
    )


class PayIn(Schema):
    provider: str = Field(description="wechat or alipay")


class ReasonIn(Schema):
    reason: str = Field(max_length=500)


class EvidenceOut(Schema):
    url: str
    sha256: str


class ViolationOut(Schema):
    id: uuid.UUID
    number: str
    vehicle_id: uuid.UUID
    plate_number: str
    occurred_at: dt.datetime
    place: str
    region_code: str
    offence_code: str
    description: str
    citation: str
    points: int
    fine_fen: int
    evidence: list[EvidenceOut]
    source: str
    state: str
    driver_name: str | None = Field(description="Masked")
    decided_on: dt.date | None
    fine_due_on: dt.date | None
    paid_at: dt.datetime | None
    fee_order_no: str
    reason: str

    @staticmethod
    def build(v: Violation) -> ViolationOut:
        return ViolationOut(
            id=v.public_id,
            number=v.number,
            vehicle_id=v.vehicle.public_id,
            plate_number=v.plate_number,
            occurred_at=v.occurred_at,
            place=v.place,
            region_code=v.region_code,
            offence_code=v.offence_code,
            description=v.description,
            citation=v.citation,
            points=v.points,
            fine_fen=v.fine_fen,
            evidence=[EvidenceOut(**e) for e in v.evidence],
            source=v.source,
            state=v.state,
            driver_name=mask_name(v.driver.name) if v.driver else None,
            decided_on=v.decided_on,
            fine_due_on=v.fine_due_on,
            paid_at=v.paid_at,
            fee_order_no=v.fee_order_no,
            reason=v.reason,
        )


class PayOut(Schema):
    code_url: str = Field(description="The payment code to scan")
    order_id: uuid.UUID
    order_no: str
    amount_fen: int


class CycleOut(Schema):
    number: int = Field(description="1: the first cycle after the first issue")
    start: dt.date
    end: dt.date = Field(description="Its last day")


class EntryOut(Schema):
    violation_id: uuid.UUID
    violation_number: str
    occurred_at: dt.datetime
    points: int
    kind: str = Field(description="violation, or carry_over (R163 Art. 15)")
    state: str = Field(description="active, cleared, carried or void")
    fine_paid: bool

    @staticmethod
    def build(e: PointEntry) -> EntryOut:
        return EntryOut(
            violation_id=e.violation.public_id,
            violation_number=e.violation.number,
            occurred_at=e.violation.occurred_at,
            points=e.points,
            kind=e.kind,
            state=e.state,
            fine_paid=e.fine_paid,
        )


class DutyOut(Schema):
    id: uuid.UUID
    state: str
    opened_at: dt.datetime
    study_days: int = Field(description="R163 Art. 18")
    min_counted_days: int = Field(description="On-site plus online days, R163 Art. 19")
    min_onsite_days: int
    points_in_cycle: int
    full_scores_in_cycle: int
    rule: str

    @staticmethod
    def build(d: EducationDuty) -> DutyOut:
        return DutyOut(
            id=d.public_id,
            state=d.state,
            opened_at=d.opened_at,
            study_days=d.study_days,
            min_counted_days=d.min_counted_days,
            min_onsite_days=d.min_onsite_days,
            points_in_cycle=d.points_in_cycle,
            full_scores_in_cycle=d.full_scores_in_cycle,
            rule=d.rule,
        )


class PointsOut(Schema):
    licence_id: uuid.UUID
    licence_status: str
    cycle: CycleOut
    points: int = Field(description="Points counting in the current cycle")
    full_score: int
    close_pending: bool = Field(description="An ended cycle still waits for the cycle-end job")
    ledger: list[EntryOut]
    duty: DutyOut | None = Field(description="The open full-score education duty")
    reduced: int = Field(0, description="Points taken off this cycle by study (R163 Art. 25)")

    @staticmethod
    def build(s: PointsSummary) -> PointsOut:
        return PointsOut(
            licence_id=s.licence.public_id,
            licence_status=s.licence.status,
            cycle=CycleOut(number=s.cycle_number, start=s.start, end=s.end),
            points=s.points,
            full_score=s.full_score,
            close_pending=s.close_pending,
            ledger=[EntryOut.build(e) for e in s.entries],
            duty=DutyOut.build(s.duty) if s.duty else None,
            reduced=s.reduced,
        )
