from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from ninja import Field, Schema

from jiaoguan.cases.models import Application, Attachment, CatalogueEntry


class MaterialOut(Schema):
    code: str
    name: str
    source: str


class CatalogueOut(Schema):
    code: str
    name: str
    version: int
    valid_from: dt.date
    valid_until: dt.date | None
    channels: list[str]
    materials: list[MaterialOut]
    fee_fen: int
    review_policy: str
    time_limit_working_days: int
    citations: list[str]

    @staticmethod
    def build(e: CatalogueEntry, *, english: bool) -> CatalogueOut:
        bt = e.business_type
        return CatalogueOut(
            code=bt.code,
            name=bt.name_en if english else bt.name_zh,
            version=e.version,
            valid_from=e.valid_from,
            valid_until=e.valid_until,
            channels=e.channels,
            materials=[
                MaterialOut(
                    code=m["code"], name=m["name_en" if english else "name_zh"], source=m["source"]
                )
                for m in e.materials
            ],
            fee_fen=sum(int(f["amount_fen"]) for f in e.fees),
            review_policy=e.review_policy,
            time_limit_working_days=e.time_limit_working_days,
            citations=e.citations,
        )


class EventOut(Schema):
    command: str
    from_state: str
    to_state: str
    actor: str
    reason: str
    at: dt.datetime


class AttachmentOut(Schema):
    id: uuid.UUID
    material: str
    content_type: str = Field(description="image/jpeg or image/png, from the file's magic bytes")
    size: int
    sha256: str
    uploaded_at: dt.datetime
    current: bool = Field(description="the newest upload of its material: the one that counts")
    url: str

    @staticmethod
    def build(x: Attachment, *, current: bool = True) -> AttachmentOut:
        return AttachmentOut(
            id=x.public_id,
            material=x.material,
            content_type=x.content_type,
            size=x.size,
            sha256=x.sha256,
            uploaded_at=x.uploaded_at,
            current=current,
            url=f"/api/v1/applications/{x.application.public_id}/attachments/{x.public_id}",
        )

    @staticmethod
    def for_application(a: Application) -> list[AttachmentOut]:
        rows = list(a.attachments.order_by("id"))
        newest = {x.material: x.pk for x in rows}
        for x in rows:
            x.application = a
        return [AttachmentOut.build(x, current=newest[x.material] == x.pk) for x in rows]


class ApplicationOut(Schema):
    id: uuid.UUID
    case_number: str
    business_type: str
    channel: str
    state: str
    form: dict[str, Any]
    checks: dict[str, Any]
    refusal: dict[str, Any] | None
    delivery: str
    tracking_no: str | None = None
    fee_fen: int
    submitted_at: dt.datetime | None
    due_date: dt.date | None = Field(description="Statutory time limit, in working days")
    history: list[EventOut]
    attachments: list[AttachmentOut] = Field(
        default_factory=list, description="uploaded images, oldest first (detail only)"
    )

    @staticmethod
    def build(a: Application, *, with_history: bool = True) -> ApplicationOut:
        return ApplicationOut(
            id=a.public_id,
            case_number=a.case_number,
            business_type=a.business_type.code,
            channel=a.channel,
            state=a.state,
            form=a.form,
            checks=a.checks,
            refusal=a.refusal,
            delivery=a.delivery,
            tracking_no=a.shipment.tracking_no if hasattr(a, "shipment") else None,
            fee_fen=sum(int(f["amount_fen"]) for f in a.catalogue_entry.fees),
            submitted_at=a.submitted_at,
            due_date=a.due_date,
            history=[
                EventOut(
                    command=e.command,
                    from_state=e.from_state,
                    to_state=e.to_state,
                    actor=e.actor_label,
                    reason=e.reason,
                    at=e.at,
                )
                for e in a.events.all()
            ]
            if with_history
            else [],
            attachments=AttachmentOut.for_application(a) if with_history else [],
        )


class StartIn(Schema):
    business_type: str = Field(max_length=48)
    channel: str = Field(default="online", max_length=16)
    subject_id: str = Field(
        default="", max_length=64, description="vehicle id, when the business concerns a vehicle"
    )


class SubmitIn(Schema):
    changes: dict[str, Any] = Field(
        default_factory=dict,
        description="only the fields the business changes; everything else is prefilled",
    )


class CommandIn(Schema):
    command: str = Field(
        max_length=32,
        description="withdraw (applicant); approve, reject, return_for_correction (reviewer)",
    )
    reason: str = Field(default="", max_length=500)
    out_of_order: str = Field(
        default="",
        max_length=32,
        description="reason code when deciding a case before older ones: urgent, "
        "elderly_or_disabled, correction, supervisor",
    )
