"""Every write of plate selection. Each is one transaction with its audit row.

Concurrency (issue 5, item 5). A number is claimed by one conditional statement: on
PostgreSQL ``UPDATE … SET state = 'reserved' WHERE id = (SELECT id … WHERE number = %s AND
state = 'available' FOR UPDATE SKIP LOCKED) RETURNING id`` (a number another transaction is
claiming is skipped, not waited for, and the loser is told at once); elsewhere the ORM's
``UPDATE … WHERE state = 'available'``, whose row count says who won. Behind it the partial
unique index ``plates_reservation_one_live`` (one active or confirmed reservation per number)
and the registry's unique ``Plate.number`` refuse a second holder even if that statement were
wrong. Every action on a right first locks the right's row, so one applicant's picks, draws
and compositions are serialised. Expiry and confirmation both lock the reservation row:
the expiry job skips rows being confirmed (``SKIP LOCKED``) and confirmation re-reads the
state and deadline under the lock, so a reservation expiring while it is confirmed is either
confirmed (before its deadline) or expired, never both.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _

from jiaoguan.audit.services import Actor, audit_record
from jiaoguan.kernel import clock, crypto, regions
from jiaoguan.kernel.calendar import WorkingCalendar
from jiaoguan.kernel.errors import Conflict, DomainError, Forbidden, PartnerUnavailable, Problem
from jiaoguan.kernel.plates import LETTERS
from jiaoguan.kernel.plates import Plate as ParsedPlate
from jiaoguan.kernel.vin import VIN
from jiaoguan.plates import beacon, rules
from jiaoguan.plates import draw as algo
from jiaoguan.plates.constants import (
    BatchSource,
    BatchState,
    NumberState,
    PoolKind,
    ReservationState,
    RightState,
)
from jiaoguan.plates.models import (
    Batch,
    Draw,
    DrawWindow,
    NumberPool,
    PlateNumber,
    Reservation,
    SelectionBlock,
    SelectionRight,
)
from jiaoguan.registry.models import Organisation, Person, Plate

SEED_CONTEXT = b"plates.window.seed"


def current_policy() -> rules.Policy:
    return rules.policy(getattr(settings, "PLATES_POLICY", None))


@dataclass(frozen=True)
class Acting:
    """Who acts on a selection right, on which channel (decided by ``selectors.acting_for``)."""

    actor: Actor
    channel: str


# ---- pools and batches (staff) ----------------------------------------------------------------


def _parse_prefix(prefix: str) -> tuple[str, str]:
    """(prefix, region code of the authority): the city when known, else the province."""
    prefix = (prefix or "").strip().upper()
    province = regions.province_by_plate_char(prefix[:1]) if prefix else None
    if len(prefix) != 2 or province is None or prefix[1] not in LETTERS:
        raise DomainError(
            "bad_prefix",
            _("Give the province character and the authority letter, for example 苏A"),
            field="prefix",
        )
    city = regions.city_by_plate_prefix(prefix)
    return prefix, city.code if city is not None else province.code


@transaction.atomic
def pool_create(*, actor: Actor, prefix: str, kind: str, scope: str) -> NumberPool:
    """A pool for one authority and kind (staff holding ``plates.manage_pools`` in ``scope``)."""
    prefix, region_code = _parse_prefix(prefix)
    if kind not in PoolKind.values:
        raise DomainError("bad_kind", _("Choose a plate kind"), field="kind")
    if not regions.contains(scope, region_code):
        raise Forbidden("outside_scope", _("This authority is outside your region"), field="prefix")
    if NumberPool.objects.filter(prefix=prefix, kind=kind).exists():
        raise Conflict("pool_exists", _("This pool already exists"), field="prefix")
    pool = NumberPool.objects.create(
        prefix=prefix, kind=kind, region_code=region_code, created_at=clock.now()
    )
    audit_record(
        actor=actor,
        action="plates.pool_create",
        object_type="plate_pool",
        object_ref=str(pool.public_id),
        after={"prefix": prefix, "kind": kind},
    )
    return pool


def _refuse_numbers(problems: list[Problem]) -> DomainError:
    return DomainError(
        problems[0].code, problems[0].message, field="numbers", problems=problems[:20]
    )


@transaction.atomic
def batch_create(
    *,
    actor: Actor,
    pool: NumberPool,
    label: str,
    pattern: str = "",
    numbers: list[str] | None = None,
) -> Batch:
    """A draft batch: generated from ``pattern`` (``#`` digit, ``@`` letter, ``*`` either,
    after the prefix; numbers already in the registry or another batch are left out) or
    imported from ``numbers`` (each must be a valid new number of the pool's kind)."""
    kind = PoolKind(pool.kind).plate_kind
    label = (label or "").strip()[:80]
    if not label:
        raise DomainError("label_required", _("Give the batch a name"), field="label")
    if bool(pattern) == (numbers is not None):
        raise DomainError(
            "pattern_or_numbers", _("Give either a pattern or a list of numbers"), field="pattern"
        )
    if pattern:
        size = rules.pattern_size(pattern)
        if size > rules.MAX_BATCH:
            raise DomainError(
                "batch_too_large",
                _("A batch holds at most 100,000 numbers"),
                field="pattern",
            )
        wanted: list[str] = []
        for serial in rules.expand(pattern):
            try:
                wanted.append(str(ParsedPlate.parse(pool.prefix + serial, kind=kind)))
            except DomainError:
                continue
        source = BatchSource.GENERATED
    else:
        source = BatchSource.IMPORTED
        wanted, problems = [], []
        for raw in numbers or []:
            try:
                parsed = ParsedPlate.parse(raw, kind=kind)
            except DomainError:
                problems.append(
                    Problem("bad_number", _("Not a valid number of this kind: %s") % raw[:12])
                )
                continue
            if parsed.prefix != pool.prefix:
                problems.append(
                    Problem("wrong_prefix", _("Not a number of this pool: %s") % parsed.value)
                )
            wanted.append(parsed.value)
        if problems:
            raise _refuse_numbers(problems)
    wanted = algo.canonical(wanted)
    taken = set(
        PlateNumber.objects.filter(number__in=wanted).values_list("number", flat=True)
    ) | set(Plate.objects.filter(number__in=wanted).values_list("number", flat=True))
    if taken and source == BatchSource.IMPORTED:
        raise _refuse_numbers(
            [
                Problem("number_exists", _("Already in a batch or issued: %s") % n)
                for n in sorted(taken)
            ]
        )
    wanted = [n for n in wanted if n not in taken]
    if not wanted:
        raise DomainError("batch_empty", _("The batch would hold no number"), field="pattern")
    algorithm = current_policy().hash_algorithm
    batch = Batch.objects.create(
        pool=pool,
        label=label,
        source=source,
        rule={"pattern": pattern} if pattern else {},
        size=len(wanted),
        hash_algorithm=algorithm,
        content_hash=algo.list_hash(wanted, algorithm),
        created_at=clock.now(),
        created_by_ref=actor.ref,
    )
    PlateNumber.objects.bulk_create(
        [PlateNumber(number=n, batch=batch, pool=pool) for n in wanted], batch_size=2000
    )
    audit_record(
        actor=actor,
        action="plates.batch_create",
        object_type="plate_batch",
        object_ref=str(batch.public_id),
        after={"size": batch.size, "hash": batch.content_hash, "source": source},
    )
    return batch


@transaction.atomic
def batch_release(
    *,
    actor: Actor,
    batch: Batch,
    opens_at: dt.datetime | None = None,
    compose_from: dt.datetime | None = None,
) -> Batch:
    """Announce a draft batch: its hash is published now and it opens at ``opens_at`` (not
    before now). ``compose_from``: from when numbers may be self-composed (default: opening)."""
    batch = Batch.objects.select_for_update().get(pk=batch.pk)
    if batch.state != BatchState.DRAFT:
        raise Conflict("batch_released", _("This batch is already released"), field="batch")
    now = clock.now()
    opens_at = opens_at or now
    if opens_at < now:
        raise DomainError(
            "opens_in_past",
            _("A batch opens after its announcement, not before"),
            field="opens_at",
        )
    compose_from = compose_from or opens_at
    if compose_from < opens_at:
        raise DomainError(
            "compose_before_open",
            _("Self-composition cannot start before the batch opens"),
            field="compose_from",
        )
    # The announced hash is recomputed from the stored numbers, so it is the list that counts.
    numbers = list(batch.numbers.values_list("number", flat=True))
    if algo.list_hash(numbers, batch.hash_algorithm) != batch.content_hash:
        raise Conflict("batch_changed", _("The batch list no longer matches its hash"))
    batch.state = BatchState.RELEASED
    batch.announced_at = now
    batch.opens_at = opens_at
    batch.compose_from = compose_from
    batch.save(update_fields=["state", "announced_at", "opens_at", "compose_from"])
    audit_record(
        actor=actor,
        action="plates.batch_release",
        object_type="plate_batch",
        object_ref=str(batch.public_id),
        after={"hash": batch.content_hash, "opens_at": opens_at.isoformat()},
    )
    return batch


# ---- draw windows -------------------------------------------------------------------------------


@transaction.atomic
def window_open(
    *, actor: Actor, pool: NumberPool, opens_at: dt.datetime, closes_at: dt.datetime
) -> DrawWindow:
    """A draw window with a fresh secret seed; its commitment is public at once."""
    if closes_at <= opens_at:
        raise DomainError("window_order", _("A window closes after it opens"), field="closes_at")
    if DrawWindow.objects.filter(
        pool=pool, opens_at__lt=closes_at, closes_at__gt=opens_at
    ).exists():
        raise Conflict("window_overlap", _("Another window covers this time"), field="opens_at")
    seed = secrets.token_bytes(algo.SEED_BYTES)
    cfg = beacon.config()
    now = clock.now()
    window = DrawWindow.objects.create(
        pool=pool,
        opens_at=opens_at,
        closes_at=closes_at,
        commitment=algo.seed_commitment(seed),
        seed_enc=crypto.encrypt(seed.hex(), context=SEED_CONTEXT),
        beacon_round=beacon.future_round(cfg, opens_at=opens_at, now=now) if cfg else None,
        created_at=now,
    )
    audit_record(
        actor=actor,
        action="plates.window_open",
        object_type="plate_window",
        object_ref=str(window.public_id),
        after={
            "commitment": window.commitment,
            "closes_at": closes_at.isoformat(),
            "beacon_round": window.beacon_round,
        },
    )
    return window


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=clock.SHANGHAI)


def windows_open_ahead(*, actor: Actor, days: int = 1) -> int:
    """Open the day windows (Asia/Shanghai) of every pool for today and the next ``days`` days
    where none exists, so each commitment is public before the day's first draw."""
    today = clock.today()
    opened = 0
    for pool in NumberPool.objects.all():
        for offset in range(days + 1):
            start = _day_start(today + dt.timedelta(days=offset))
            end = start + dt.timedelta(days=1)
            if DrawWindow.objects.filter(pool=pool, opens_at__lt=end, closes_at__gt=start).exists():
                continue
            try:
                with transaction.atomic():
                    window_open(actor=actor, pool=pool, opens_at=start, closes_at=end)
                    opened += 1
            except (Conflict, IntegrityError):
                continue
    return opened


def _day_window(pool: NumberPool, now: dt.datetime) -> DrawWindow:
    """The window covering ``now``: an existing one, else today's (Asia/Shanghai) day window,
    created (and its commitment published) before the draw that needs it."""
    window = (
        DrawWindow.objects.filter(pool=pool, opens_at__lte=now, closes_at__gt=now)
        .order_by("opens_at")
        .first()
    )
    if window is not None:
        return window
    start = _day_start(now.astimezone(clock.SHANGHAI).date())
    try:
        with transaction.atomic():
            return window_open(
                actor=Actor.system("plates-windows"),
                pool=pool,
                opens_at=start,
                closes_at=start + dt.timedelta(days=1),
            )
    except (Conflict, IntegrityError):  # another draw opened it at the same instant
        return DrawWindow.objects.get(pool=pool, opens_at__lte=now, closes_at__gt=now)


@transaction.atomic
def window_reveal(*, actor: Actor, window: DrawWindow) -> DrawWindow:
    """Publish a closed window's seed (idempotent); refused while the window is open."""
    window = DrawWindow.objects.select_for_update().get(pk=window.pk)
    if window.revealed_seed:
        return window
    if clock.now() < window.closes_at:
        raise Conflict("window_open", _("The seed is revealed when the window closes"))
    seed_hex = crypto.decrypt(bytes(window.seed_enc), context=SEED_CONTEXT)
    window.revealed_seed = seed_hex
    window.revealed_at = clock.now()
    window.save(update_fields=["revealed_seed", "revealed_at"])
    audit_record(
        actor=actor,
        action="plates.window_reveal",
        object_type="plate_window",
        object_ref=str(window.public_id),
        after={"seed": seed_hex},
    )
    return window


def windows_reveal_due(*, actor: Actor) -> int:
    """Reveal every closed window's seed (the periodic job); returns how many."""
    due = DrawWindow.objects.filter(revealed_seed="", closes_at__lte=clock.now())
    count = 0
    for window in due.order_by("closes_at")[:1000]:
        window_reveal(actor=actor, window=window)
        count += 1
    return count


# ---- selection rights ----------------------------------------------------------------------------


@transaction.atomic
def selection_right_grant(
    *,
    actor: Actor,
    person: Person,
    vin: str,
    prefix: str,
    kind: str,
    scope: str,
    dealer: Organisation | None = None,
    application_ref: str = "",
) -> SelectionRight:
    """Let ``person`` select a number for the vehicle ``vin`` pending registration (a counter
    clerk in ``scope``, or a dealer for its buyer). The new-vehicle registration
    (``plates.registration``) calls this with its ``application_ref``."""
    try:
        parsed_vin = str(VIN.parse(vin))
    except DomainError as exc:
        raise DomainError(
            exc.code,
            exc.message,
            field="vin",
            problems=[dataclasses.replace(p, field="vin") for p in exc.problems],
            message_en=exc.message_en,
        ) from exc
    prefix, region_code = _parse_prefix(prefix)
    if kind not in PoolKind.values:
        raise DomainError("bad_kind", _("Choose a plate kind"), field="kind")
    if not regions.contains(scope, region_code):
        raise Forbidden("outside_scope", _("This authority is outside your region"), field="prefix")
    if not NumberPool.objects.filter(prefix=prefix, kind=kind).exists():
        raise DomainError("no_pool", _("This authority has no pool of this kind"), field="prefix")
    if SelectionRight.objects.filter(
        vin=parsed_vin, state__in=[RightState.OPEN, RightState.RESERVED]
    ).exists():
        raise Conflict(
            "right_exists", _("This vehicle already has a number being selected"), field="vin"
        )
    right = SelectionRight.objects.create(
        person=person,
        vin=parsed_vin,
        prefix=prefix,
        kind=kind,
        dealer=dealer,
        application_ref=application_ref,
        created_at=clock.now(),
        created_by_ref=actor.ref,
    )
    audit_record(
        actor=actor,
        action="plates.right_grant",
        object_type="plate_right",
        object_ref=str(right.public_id),
        subject_person_ref=str(person.public_id),
        after={
            "vin": parsed_vin,
            "prefix": prefix,
            "kind": kind,
            "application": application_ref or None,
        },
    )
    return right


def _lock_right(right: SelectionRight) -> SelectionRight:
    locked = (
        SelectionRight.objects.select_for_update(of=("self",))
        .select_related("person")
        .get(pk=right.pk)
    )
    if locked.state != RightState.OPEN:
        raise Conflict(
            "right_not_open",
            _("A number is already held or issued for this vehicle"),
            field="right",
        )
    return locked


def _check_not_blocked(right: SelectionRight, channel: str, policy: rules.Policy) -> None:
    if channel not in policy.blocked_channels:
        return
    block = (
        SelectionBlock.objects.filter(person_id=right.person_id, until__gte=clock.today())
        .order_by("-until")
        .first()
    )
    if block is not None:
        raise Forbidden(
            "selection_blocked",
            _(
                "Online selection is closed to you until %(until)s: a number you held lapsed. "
                "Select at a vehicle office hall."
            )
            % {"until": block.until.isoformat()},
            field="right",
            citation=rules.RESERVATION_CITATION,
        )


def _open_batches(pool: NumberPool, now: dt.datetime) -> list[Batch]:
    return list(
        Batch.objects.filter(pool=pool, state=BatchState.RELEASED, opens_at__lte=now).order_by(
            "opens_at", "id"
        )
    )


@functools.lru_cache(maxsize=64)
def _batch_numbers(batch_id: int, content_hash: str) -> tuple[str, ...]:
    """A released batch's canonical list (immutable once announced, so cached by its hash)."""
    numbers = tuple(
        PlateNumber.objects.filter(batch_id=batch_id).order_by().values_list("number", flat=True)
    )
    return tuple(algo.canonical(numbers))


@functools.lru_cache(maxsize=64)
def _union(batches: tuple[tuple[int, str], ...]) -> tuple[str, ...]:
    """The canonical union of released batches' lists, cached like the lists themselves."""
    numbers: set[str] = set()
    for batch_id, content_hash in batches:
        numbers.update(_batch_numbers(batch_id, content_hash))
    return tuple(algo.canonical(numbers))


def _pool_of(right: SelectionRight) -> NumberPool:
    pool = NumberPool.objects.filter(prefix=right.prefix, kind=right.kind).first()
    if pool is None:
        raise DomainError("no_pool", _("This authority has no pool of this kind"), field="right")
    return pool


def beacon_fetch(window: DrawWindow) -> DrawWindow:
    """Make sure a window committed to a beacon round holds that round's verified value. The
    beacon is asked outside any transaction (no lock is held on a slow partner); the value is
    stored only if the window has none yet. Refused while the round is not yet published."""
    if window.beacon_round is None or window.beacon_randomness:
        return window
    cfg = beacon.config()
    if cfg is None:
        raise Conflict("beacon_unconfigured", _("The randomness beacon is not configured"))
    got = beacon.port().fetch(window.beacon_round)
    if got is None:
        raise Conflict(
            "beacon_pending",
            _("The draws of today open in a few seconds: try again shortly"),
            field="right",
        )
    failures = beacon.check_round(cfg.public_key, got)
    if failures:
        raise PartnerUnavailable(
            "partner_bad_signature", _("The randomness beacon's answer failed its check")
        )
    with transaction.atomic():
        DrawWindow.objects.filter(pk=window.pk, beacon_randomness="").update(
            beacon_randomness=got.randomness, beacon_signature=got.signature
        )
        audit_record(
            actor=Actor.system("plates-beacon"),
            action="plates.beacon_round",
            object_type="plate_window",
            object_ref=str(window.public_id),
            after={"round": got.round, "randomness": got.randomness},
        )
    window.refresh_from_db()
    return window


def draw_make(*, acting: Acting, right: SelectionRight) -> Draw:
    """Offer a batch of random candidates (10 online, 50 in the hall) from the numbers free
    now, by the open algorithm of ``plates.draw``; at most ``draws_per_right`` per right.
    With a beacon configured, the window's round is fetched first (``beacon_fetch``)."""
    if beacon.config() is not None:
        pool = NumberPool.objects.filter(prefix=right.prefix, kind=right.kind).first()
        if pool is not None:
            beacon_fetch(_day_window(pool, clock.now()))
    return _draw_make(acting=acting, right=right)


@transaction.atomic
def _draw_make(*, acting: Acting, right: SelectionRight) -> Draw:
    policy = current_policy()
    right = _lock_right(right)
    _check_not_blocked(right, acting.channel, policy)
    if right.draws_used >= policy.draws_per_right:
        raise Conflict(
            "draws_exhausted",
            _("No draws left for this vehicle: compose a number or select at a hall"),
            field="right",
            citation=policy.citation,
        )
    pool = _pool_of(right)
    now = clock.now()
    batches = _open_batches(pool, now)
    if not batches:
        raise Conflict("no_open_batch", _("No numbers are released at the moment"), field="right")
    window = _day_window(pool, now)
    numbers = _union(tuple((b.pk, b.content_hash) for b in batches))
    taken_set = set(
        PlateNumber.objects.filter(
            pool=pool,
            batch__in=batches,
            state__in=[NumberState.RESERVED, NumberState.ISSUED],
        ).values_list("number", flat=True)
    )
    taken = algo.canonical(taken_set)
    # algo.snapshot(numbers, taken), without sorting again: ``numbers`` is canonical already
    snap = [n for n in numbers if n not in taken_set]
    if not snap:
        raise Conflict("pool_empty", _("Every released number is taken"), field="right")
    algorithm = policy.hash_algorithm
    snap_hash = algo.canonical_hash(snap, algorithm)
    attempt = right.draws_used + 1
    batch_hashes = [b.content_hash for b in batches]
    count = policy.candidates_for(acting.channel)
    seed = bytes.fromhex(crypto.decrypt(bytes(window.seed_enc), context=SEED_CONTEXT))
    if window.beacon_round is not None:
        if not window.beacon_randomness:  # committed to a round not fetched yet
            raise Conflict(
                "beacon_pending",
                _("The draws of today open in a few seconds: try again shortly"),
                field="right",
            )
        seed = algo.mixed_seed(seed, window.beacon_round, window.beacon_randomness)
    chosen = algo.candidates(
        seed=seed,
        right_id=str(right.public_id),
        attempt=attempt,
        batch_hashes=batch_hashes,
        snapshot_hash=snap_hash,
        available=snap,
        count=count,
    )
    draw = Draw.objects.create(
        right=right,
        attempt=attempt,
        window=window,
        channel=acting.channel,
        count=count,
        drawn_at=now,
        expires_at=now + dt.timedelta(seconds=policy.countdown_seconds),
        batch_ids=[str(b.public_id) for b in batches],
        batch_hashes=batch_hashes,
        taken=taken,
        snapshot_size=len(snap),
        snapshot_hash=snap_hash,
        snapshot_algorithm=algorithm,
        candidates=chosen,
        actor_ref=acting.actor.ref,
    )
    right.draws_used = attempt
    right.save(update_fields=["draws_used"])
    audit_record(
        actor=acting.actor,
        action="plates.draw",
        object_type="plate_right",
        object_ref=str(right.public_id),
        subject_person_ref=str(right.person.public_id),
        after={"attempt": attempt, "snapshot": snap_hash, "candidates": chosen},
    )
    return draw


# ---- reservation --------------------------------------------------------------------------------


def reservation_deadline(day: dt.date, working_days: int) -> dt.datetime:
    """The end (midnight, Asia/Shanghai) of the ``working_days``-th working day after ``day``,
    not counting ``day`` itself (R164 Art. 92 counting; DOMAIN.md §3.3 Reservation)."""
    last = WorkingCalendar.load().add_working_days(day, working_days)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tzinfo=clock.SHANGHAI)
    return end.astimezone(dt.UTC)


_CLAIM_SQL = (
    "UPDATE plates_platenumber SET state = %s, taken_at = %s WHERE id = ("
    "SELECT id FROM plates_platenumber WHERE number = %s AND pool_id = %s AND state = %s "
    "FOR UPDATE SKIP LOCKED) RETURNING id"
)


def claim_number(*, number: str, pool_id: int, now: dt.datetime) -> int | None:
    """Take ``number`` from the free numbers of the pool in one statement; its id, or None if
    it is not free (or another transaction is claiming it this instant)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute(
                _CLAIM_SQL,
                [NumberState.RESERVED, now, number, pool_id, NumberState.AVAILABLE],
            )
            row = cur.fetchone()
        return int(row[0]) if row else None
    row_id = (
        PlateNumber.objects.filter(number=number, pool_id=pool_id)
        .values_list("id", flat=True)
        .first()
    )
    if row_id is None:
        return None
    won = PlateNumber.objects.filter(id=row_id, state=NumberState.AVAILABLE).update(
        state=NumberState.RESERVED, taken_at=now
    )
    return row_id if won else None


def _reserve(
    *,
    acting: Acting,
    right: SelectionRight,
    number: str,
    pool_id: int,
    draw: Draw | None,
    composed: bool,
    policy: rules.Policy,
) -> Reservation:
    now = clock.now()
    number_id = claim_number(number=number, pool_id=pool_id, now=now)
    if number_id is None:
        raise Conflict("number_taken", _("This number has just been taken"), field="number")
    try:
        with transaction.atomic():
            reservation = Reservation.objects.create(
                number_id=number_id,
                right=right,
                draw=draw,
                composed=composed,
                channel=acting.channel,
                created_at=now,
                expires_at=reservation_deadline(
                    now.astimezone(clock.SHANGHAI).date(), policy.reservation_working_days
                ),
                actor_ref=acting.actor.ref,
            )
    except IntegrityError as exc:  # the partial unique index: a second live holder
        raise Conflict(
            "number_taken", _("This number has just been taken"), field="number"
        ) from exc
    right.state = RightState.RESERVED
    right.save(update_fields=["state"])
    audit_record(
        actor=acting.actor,
        action="plates.reserve",
        object_type="plate_reservation",
        object_ref=str(reservation.public_id),
        subject_person_ref=str(right.person.public_id),
        after={
            "number": number,
            "right": str(right.public_id),
            "draw": str(draw.public_id) if draw else None,
            "composed": composed,
            "expires_at": reservation.expires_at.isoformat(),
        },
    )
    return reservation


@transaction.atomic
def plate_pick(*, acting: Acting, right: SelectionRight, draw: Draw, number: str) -> Reservation:
    """Pick one candidate of the right's latest draw before its countdown ends."""
    policy = current_policy()
    right = _lock_right(right)
    _check_not_blocked(right, acting.channel, policy)
    latest = right.draws.select_related("window").order_by("-attempt").first()
    if draw.right_id != right.pk or latest is None or latest.pk != draw.pk:
        raise Conflict("not_latest_draw", _("Pick from your latest draw"), field="number")
    if clock.now() >= draw.expires_at:
        raise Conflict(
            "draw_expired", _("The time to pick has run out: draw again"), field="number"
        )
    if number not in draw.candidates:
        raise DomainError(
            "not_a_candidate", _("This number was not offered to you"), field="number"
        )
    return _reserve(
        acting=acting,
        right=right,
        number=number,
        pool_id=latest.window.pool_id,
        draw=draw,
        composed=False,
        policy=policy,
    )


@dataclass
class ComposeOutcome:
    reservation: Reservation | None
    refusals: list[rules.Refusal]
    rule_set: str
    attempts_left: int


def plate_compose(*, acting: Acting, right: SelectionRight, serial: str) -> ComposeOutcome:
    """Self-compose a number under the local rule set (``rules.compose_check``): every failed
    rule is returned with its reason; a number that passes must be free in a batch open for
    composition. Each try counts against ``compose_attempts``, refused or not, so the count is
    committed even when the try is refused."""
    policy = current_policy()
    serial = (serial or "").strip().upper().replace(" ", "")[:8]
    with transaction.atomic():
        right = _lock_right(right)
        _check_not_blocked(right, acting.channel, policy)
        if right.compose_attempts_used >= policy.compose_attempts:
            raise Conflict(
                "compose_exhausted",
                _("No composition attempts left: draw at random instead"),
                field="serial",
                citation=policy.citation,
            )
        right.compose_attempts_used += 1
        right.save(update_fields=["compose_attempts_used"])
        left = policy.compose_attempts - right.compose_attempts_used
        rule_set, refusals = rules.compose_check(right.prefix, right.kind, serial)
        number = right.prefix + serial
        audit_record(
            actor=acting.actor,
            action="plates.compose",
            object_type="plate_right",
            object_ref=str(right.public_id),
            subject_person_ref=str(right.person.public_id),
            after={"number": number, "refused": [r.code for r in refusals]},
        )
        if refusals:
            return ComposeOutcome(None, refusals, rule_set.code, left)
    # A number the rules allow: it must be free in a batch open for composition.
    with transaction.atomic():
        right = _lock_right(right)
        pool = _pool_of(right)
        now = clock.now()
        row = PlateNumber.objects.filter(number=number, pool=pool).select_related("batch").first()
        batch = row.batch if row is not None else None
        if (
            batch is None
            or batch.state != BatchState.RELEASED
            or batch.compose_from is None
            or batch.compose_from > now
        ):
            raise DomainError(
                "not_in_pool",
                _("This number is not in a released pool open for composition"),
                field="serial",
                citation=rules.PRACTICE_CITATION,
            )
        reservation = _reserve(
            acting=acting,
            right=right,
            number=number,
            pool_id=pool.pk,
            draw=None,
            composed=True,
            policy=policy,
        )
    return ComposeOutcome(reservation, [], rule_set.code, left)


@transaction.atomic
def plate_confirm(*, actor: Actor, reservation: Reservation, for_application: str = "") -> Plate:
    """Bind a held number: create the registry ``Plate`` (unique number) and mark the number
    issued (``right.plate``). A right of a new-vehicle registration is confirmed only by that
    registration's approval (``for_application``, ``plates.registration``), which attaches the
    plate to the vehicle in the same transaction and has charged the plate fee; a clerk
    confirming such a right directly is refused."""
    locked = (
        Reservation.objects.select_for_update()
        .select_related("number", "right")
        .get(pk=reservation.pk)
    )
    if locked.right.application_ref != for_application:
        raise Conflict(
            "issued_by_registration",
            _("This number is issued when its vehicle registration is approved"),
            field="reservation",
        )
    if locked.state != ReservationState.ACTIVE:
        raise Conflict("not_held", _("This number is no longer held"), field="reservation")
    now = clock.now()
    if now >= locked.expires_at:
        raise Conflict(
            "reservation_lapsed",
            _("The reservation has lapsed"),
            field="reservation",
            citation=rules.RESERVATION_CITATION,
        )
    won = PlateNumber.objects.filter(pk=locked.number_id, state=NumberState.RESERVED).update(
        state=NumberState.ISSUED
    )
    if not won:
        raise Conflict("not_held", _("This number is no longer held"), field="reservation")
    pool = locked.number.pool
    try:
        with transaction.atomic():
            plate = Plate.objects.create(
                number=locked.number.number,
                kind=PoolKind(pool.kind).plate_kind.value,
                issued_at=now,
            )
    except IntegrityError as exc:
        raise Conflict(
            "plate_taken", _("This plate number is in use"), field="reservation"
        ) from exc
    locked.state = ReservationState.CONFIRMED
    locked.save(update_fields=["state"])
    right = SelectionRight.objects.select_for_update().get(pk=locked.right_id)
    right.state = RightState.ISSUED
    right.plate = plate
    right.save(update_fields=["state", "plate"])
    audit_record(
        actor=actor,
        action="plates.confirm",
        object_type="plate_reservation",
        object_ref=str(locked.public_id),
        subject_person_ref=str(right.person.public_id),
        after={"number": plate.number, "plate": str(plate.public_id), "vin": right.vin},
    )
    return plate


def _block_until(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def reservations_expire(*, actor: Actor, limit: int = 500) -> int:
    """Release every reservation past its deadline (the periodic job): the number returns to
    the pool, the right opens again for a hall selection, and the person's online selection
    is blocked for ``block_years`` (DOMAIN.md §3.3 Reservation [secondary]; whether a lapsed
    number returns to the pool is [unconfirmed]: we return it, as the one report says).
    Reservations being confirmed are skipped (``SKIP LOCKED``) and seen on the next run."""
    policy = current_policy()
    expired = 0
    while True:
        with transaction.atomic():
            now = clock.now()
            qs = Reservation.objects.filter(
                state=ReservationState.ACTIVE, expires_at__lte=now
            ).order_by("expires_at", "id")
            if connection.features.has_select_for_update_skip_locked:
                qs = qs.select_for_update(skip_locked=True)
            else:
                qs = qs.select_for_update()
            due = list(qs.select_related("right", "number")[:limit])
            if not due:
                return expired
            for r in due:
                _expire_one(actor=actor, reservation=r, now=now, policy=policy)
            expired += len(due)


def _expire_one(
    *, actor: Actor, reservation: Reservation, now: dt.datetime, policy: rules.Policy
) -> None:
    reservation.state = ReservationState.EXPIRED
    reservation.ended_at = now
    reservation.save(update_fields=["state", "ended_at"])
    PlateNumber.objects.filter(pk=reservation.number_id, state=NumberState.RESERVED).update(
        state=NumberState.AVAILABLE
    )
    SelectionRight.objects.filter(pk=reservation.right_id, state=RightState.RESERVED).update(
        state=RightState.OPEN
    )
    until = _block_until(now.astimezone(clock.SHANGHAI).date(), policy.block_years)
    SelectionBlock.objects.create(
        person_id=reservation.right.person_id,
        reservation=reservation,
        until=until,
        citation=rules.RESERVATION_CITATION,
        created_at=now,
    )
    if reservation.right.application_ref:
        from jiaoguan.plates.registration import on_reservation_lapsed

        on_reservation_lapsed(reservation.right, reservation.number.number)
    audit_record(
        actor=actor,
        action="plates.expire",
        object_type="plate_reservation",
        object_ref=str(reservation.public_id),
        after={"number": reservation.number.number, "blocked_until": until.isoformat()},
        reason="not registered within the reservation period",
    )


@transaction.atomic
def plate_release(*, acting: Acting, reservation: Reservation) -> Reservation:
    """Give up a held number voluntarily: it returns to the pool at once and the right opens
    again (its draws and attempts already used stay used). No block follows: the block of
    DOMAIN.md §3.3 is for a number that lapsed. Whether a number given up returns to the pool
    is **unconfirmed** in DOMAIN.md §3.3; we return it, as for a lapsed one."""
    locked = (
        Reservation.objects.select_for_update()
        .select_related("number", "right__person")
        .get(pk=reservation.pk)
    )
    if locked.state != ReservationState.ACTIVE:
        raise Conflict("not_held", _("This number is no longer held"), field="reservation")
    right = SelectionRight.objects.select_for_update().get(pk=locked.right_id)
    now = clock.now()
    locked.state = ReservationState.RELEASED
    locked.ended_at = now
    locked.save(update_fields=["state", "ended_at"])
    PlateNumber.objects.filter(pk=locked.number_id, state=NumberState.RESERVED).update(
        state=NumberState.AVAILABLE
    )
    if right.state == RightState.RESERVED:
        right.state = RightState.OPEN
        right.save(update_fields=["state"])
    audit_record(
        actor=acting.actor,
        action="plates.release",
        object_type="plate_reservation",
        object_ref=str(locked.public_id),
        subject_person_ref=str(locked.right.person.public_id),
        after={"number": locked.number.number, "right": str(right.public_id)},
        reason="given up by the applicant",
    )
    return locked
