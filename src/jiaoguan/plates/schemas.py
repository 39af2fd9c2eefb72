"""API schemas of plate selection."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Schema

from jiaoguan.plates import draw as algo
from jiaoguan.plates.models import Batch, Draw, DrawWindow, NumberPool, Reservation, SelectionRight
from jiaoguan.plates.selectors import DrawCheck

KindIn = Literal["ordinary", "small_nev", "large_nev"]


class PoolIn(Schema):
    prefix: str = Field(max_length=4, description="Province character and authority letter: 苏A")
    kind: KindIn


class PoolOut(Schema):
    id: str
    prefix: str
    kind: str
    region_code: str

    @staticmethod
    def build(p: NumberPool) -> PoolOut:
        return PoolOut(id=str(p.public_id), prefix=p.prefix, kind=p.kind, region_code=p.region_code)


class BatchIn(Schema):
    label: str = Field(max_length=80)
    pattern: str = Field(
        "",
        max_length=6,
        description="Serial pattern after the prefix: # digit, @ letter (no I/O), * either",
    )
    numbers: list[str] | None = Field(None, max_length=100_000, description="Imported numbers")


class ReleaseIn(Schema):
    opens_at: dt.datetime | None = Field(None, description="Default: now (never before now)")
    compose_from: dt.datetime | None = Field(
        None, description="Self-composition allowed from (default: opening)"
    )


class BatchOut(Schema):
    id: str
    pool_prefix: str
    pool_kind: str
    label: str
    source: str
    rule: dict[str, str]
    state: str
    size: int
    hash_algorithm: str
    hash: str = Field(description="Hash of the canonical list (sorted, '\\n'-joined, UTF-8)")
    announced_at: dt.datetime | None
    opens_at: dt.datetime | None
    compose_from: dt.datetime | None

    @staticmethod
    def build(b: Batch) -> BatchOut:
        return BatchOut(
            id=str(b.public_id),
            pool_prefix=b.pool.prefix,
            pool_kind=b.pool.kind,
            label=b.label,
            source=b.source,
            rule=b.rule,
            state=b.state,
            size=b.size,
            hash_algorithm=b.hash_algorithm,
            hash=b.content_hash,
            announced_at=b.announced_at,
            opens_at=b.opens_at,
            compose_from=b.compose_from,
        )


class BatchNumbersOut(Schema):
    id: str
    hash_algorithm: str
    hash: str
    numbers: list[str]


class WindowOut(Schema):
    id: str
    opens_at: dt.datetime
    closes_at: dt.datetime
    commitment: str = Field(description="SHA-256 of the seed, published before the first draw")
    seed: str = Field(description="The seed (hex), revealed after the window closes")
    beacon_round: int | None = Field(
        None, description="The beacon round committed to with the seed (None: no beacon)"
    )
    beacon_randomness: str = Field("", description="That round's randomness (hex)")
    beacon_signature: str = Field("", description="That round's Ed25519 signature (hex)")

    @staticmethod
    def build(w: DrawWindow) -> WindowOut:
        return WindowOut(
            id=str(w.public_id),
            opens_at=w.opens_at,
            closes_at=w.closes_at,
            commitment=w.commitment,
            seed=w.revealed_seed,
            beacon_round=w.beacon_round,
            beacon_randomness=w.beacon_randomness,
            beacon_signature=w.beacon_signature,
        )


class DrawOut(Schema):
    algorithm: str = algo.ALGORITHM
    right_id: str
    attempt: int
    channel: str
    count: int
    drawn_at: dt.datetime
    expires_at: dt.datetime
    window: WindowOut
    batch_ids: list[str]
    batch_hashes: list[str]
    taken: list[str]
    snapshot_size: int
    snapshot_hash: str
    snapshot_algorithm: str
    candidates: list[str]

    @staticmethod
    def build(d: Draw) -> DrawOut:
        return DrawOut(
            right_id=str(d.right.public_id),
            attempt=d.attempt,
            channel=d.channel,
            count=d.count,
            drawn_at=d.drawn_at,
            expires_at=d.expires_at,
            window=WindowOut.build(d.window),
            batch_ids=d.batch_ids,
            batch_hashes=d.batch_hashes,
            taken=d.taken,
            snapshot_size=d.snapshot_size,
            snapshot_hash=d.snapshot_hash,
            snapshot_algorithm=d.snapshot_algorithm,
            candidates=d.candidates,
        )


class VerifyOut(Schema):
    verified: bool | None = Field(description="None while the seed is still secret")
    failures: list[str]
    recomputed: list[str]
    draw: DrawOut

    @staticmethod
    def build(c: DrawCheck) -> VerifyOut:
        return VerifyOut(
            verified=c.ok if c.verification is not None else None,
            failures=c.failures,
            recomputed=c.verification.recomputed if c.verification else [],
            draw=DrawOut.build(c.draw),
        )


class RightIn(Schema):
    id_number: str = Field(max_length=64, description="The buyer's resident ID number")
    vin: str = Field(max_length=32)
    prefix: str = Field(max_length=4)
    kind: KindIn


class ReservationOut(Schema):
    id: str
    number: str
    state: str
    channel: str
    composed: bool
    created_at: dt.datetime
    expires_at: dt.datetime

    @staticmethod
    def build(r: Reservation) -> ReservationOut:
        return ReservationOut(
            id=str(r.public_id),
            number=r.number.number,
            state=r.state,
            channel=r.channel,
            composed=r.composed,
            created_at=r.created_at,
            expires_at=r.expires_at,
        )


class RightOut(Schema):
    id: str
    vin: str
    prefix: str
    kind: str
    state: str
    draws_used: int
    draws_left: int
    compose_attempts_left: int
    plate: str | None
    reservation: ReservationOut | None
    latest_draw: DrawOut | None

    @staticmethod
    def build(
        r: SelectionRight,
        *,
        draws_left: int,
        compose_left: int,
        reservation: Reservation | None,
        latest: Draw | None,
    ) -> RightOut:
        return RightOut(
            id=str(r.public_id),
            vin=r.vin,
            prefix=r.prefix,
            kind=r.kind,
            state=r.state,
            draws_used=r.draws_used,
            draws_left=draws_left,
            compose_attempts_left=compose_left,
            plate=r.plate.number if r.plate_id and r.plate else None,
            reservation=ReservationOut.build(reservation) if reservation else None,
            latest_draw=DrawOut.build(latest) if latest else None,
        )


class PickIn(Schema):
    attempt: int = Field(ge=1, le=1000, description="The draw picked from (the latest)")
    number: str = Field(max_length=12)


class ComposeIn(Schema):
    serial: str = Field(max_length=12, description="The characters after the prefix")


class ComposeRuleIn(Schema):
    prefix: str = Field(max_length=4)
    kind: KindIn
    serial: str = Field(max_length=12)


class RefusalOut(Schema):
    code: str
    message: str
    citation: str


class ComposeRuleOut(Schema):
    acceptable: bool
    rule_set: str
    rule_set_name: str
    citation: str
    refusals: list[RefusalOut]


class RegistrationIn(Schema):
    id_number: str = Field(
        "", max_length=64, description="The buyer's ID number (counter clerk or dealer agent)"
    )
    vin: str = Field(max_length=32)
    vehicle_class: str = Field(max_length=24, description="registry VehicleClass value")
    use: str = Field(max_length=16, description="non_commercial or commercial")
    seats: int = Field(ge=0, le=1000)
    fuel: str = Field(max_length=8, description="petrol, diesel, bev, phev or fcev")
    manufacture_date: str = Field(max_length=10, description="YYYY-MM-DD")
    brand: str = Field("", max_length=64)
    model_name: str = Field("", max_length=64)
    colour: str = Field("", max_length=16)


class RegistrationOut(Schema):
    application_id: str
    case_number: str
    state: str
    channel: str
    fee_fen: int
    right: RightOut


class PlateOrderOut(Schema):
    id: str
    order_no: str
    number: str
    kind: str
    vin: str
    case_number: str
    delivery: str
    state: str
    created_at: dt.datetime


class SwapIn(Schema):
    vehicle_a: str = Field(max_length=64, description="public id of one of my vehicles")
    vehicle_b: str = Field(max_length=64)


class SwapOut(Schema):
    id: str
    day: dt.date
    vehicle_a_number: str
    vehicle_b_number: str
