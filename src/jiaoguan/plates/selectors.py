"""Reads of plate selection: who may act on a right and on which channel, the staff lists
(scoped by region), and the public draw records with their verification."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from jiaoguan.accounts.constants import AccountKind
from jiaoguan.accounts.models import User
from jiaoguan.audit.services import Actor
from jiaoguan.kernel import clock, regions
from jiaoguan.kernel.errors import Forbidden, NotFound
from jiaoguan.plates import draw as algo
from jiaoguan.plates.constants import Channel, ReservationState
from jiaoguan.plates.models import (
    Batch,
    Draw,
    NumberPool,
    PlateOrder,
    Reservation,
    SelectionBlock,
    SelectionRight,
)
from jiaoguan.plates.services import Acting
from jiaoguan.registry.constants import OrganisationKind
from jiaoguan.registry.models import Person

MANAGE = "plates.manage_pools"
GRANT = "plates.grant_selection_right"
FOR_BUYER = "plates.select_for_buyer"
#: a reservation may end a little before a draw's timestamp yet still be read as held by the
#: draw (its transaction had not committed when the draw read the free numbers)
TAKEN_SKEW = dt.timedelta(seconds=5)


def is_dealer_agent(user: Any) -> bool:
    org = getattr(user, "organisation", None)
    return (
        isinstance(user, User)
        and user.has_perm(FOR_BUYER)
        and org is not None
        and org.kind == OrganisationKind.DEALER
    )


def is_clerk(user: Any) -> bool:
    """Staff of a vehicle office who grant rights and act at the counter (not a dealer)."""
    return (
        isinstance(user, User)
        and user.kind == AccountKind.STAFF
        and user.has_perm(GRANT)
        and not user.has_perm(FOR_BUYER)
    )


def is_manager(user: Any) -> bool:
    return isinstance(user, User) and user.kind == AccountKind.STAFF and user.has_perm(MANAGE)


def rights_of_person(person: Person) -> QuerySet[SelectionRight]:
    return SelectionRight.objects.filter(person=person).order_by("-created_at")


def rights_of_dealer(user: User) -> QuerySet[SelectionRight]:
    if not is_dealer_agent(user):
        return SelectionRight.objects.none()
    return SelectionRight.objects.filter(dealer=user.organisation).order_by("-created_at")


def right_get(public_id: Any) -> SelectionRight:
    try:
        return SelectionRight.objects.select_related("person", "dealer", "plate").get(
            public_id=public_id
        )
    except (SelectionRight.DoesNotExist, ValueError, ValidationError) as exc:
        raise NotFound("not_found", _("No such selection")) from exc


def acting_for(user: Any, right: SelectionRight, *, kiosk_holder: Person | None = None) -> Acting:
    """Who may act on ``right`` and on which channel: the person themself online; a kiosk for
    the card holder (hall); a counter clerk of the authority's region (hall); a dealer agent of
    the dealer that holds the right (dealer). Anyone else is told the right does not exist."""
    if kiosk_holder is not None:
        from jiaoguan.cases.kiosk import kiosk_actor, kiosk_device

        device = kiosk_device(user)
        if kiosk_holder.pk == right.person_id:
            return Acting(kiosk_actor(device, kiosk_holder), Channel.HALL)
    elif isinstance(user, User) and user.is_authenticated:
        if user.kind == AccountKind.CITIZEN and user.person_id == right.person_id:
            return Acting(Actor.of(user), Channel.ONLINE)
        on_behalf = str(right.person.public_id)
        if is_dealer_agent(user) and right.dealer_id == user.organisation_id:
            actor = dataclasses.replace(Actor.of(user), on_behalf_of_ref=on_behalf)
            return Acting(actor, Channel.DEALER)
        pool_region = _region_of_prefix(right.prefix)
        if is_clerk(user) and regions.contains(user.region_scope, pool_region):
            actor = dataclasses.replace(Actor.of(user), on_behalf_of_ref=on_behalf)
            return Acting(actor, Channel.HALL)
    raise NotFound("not_found", _("No such selection"))


def _region_of_prefix(prefix: str) -> str:
    city = regions.city_by_plate_prefix(prefix)
    if city is not None:
        return city.code
    province = regions.province_by_plate_char(prefix[:1])
    return province.code if province is not None else ""


def staff_scope(user: Any) -> str:
    if not is_manager(user) and not is_clerk(user):
        raise Forbidden("not_permitted", _("You may not do this"))
    return str(user.region_scope)


def pools_for(user: Any) -> QuerySet[NumberPool]:
    scope = staff_scope(user)
    return _in_scope(NumberPool.objects.all(), scope, "region_code").order_by("prefix", "kind")


def _in_scope(qs: QuerySet[Any], scope: str, field: str) -> QuerySet[Any]:
    if not scope or not scope.isdigit() or len(scope) not in (2, 4, 6):
        return qs.none()
    return qs.filter(**{f"{field}__startswith": scope})


def pool_get(user: Any, public_id: Any) -> NumberPool:
    try:
        return pools_for(user).get(public_id=public_id)
    except (NumberPool.DoesNotExist, ValueError, ValidationError) as exc:
        raise NotFound("not_found", _("No such pool")) from exc


def batch_get(user: Any, public_id: Any) -> Batch:
    try:
        return Batch.objects.select_related("pool").get(
            public_id=public_id, pool__in=pools_for(user)
        )
    except (Batch.DoesNotExist, ValueError, ValidationError) as exc:
        raise NotFound("not_found", _("No such batch")) from exc


def reservations_for(user: Any, *, state: str = "") -> QuerySet[Reservation]:
    scope = staff_scope(user)
    qs = _in_scope(
        Reservation.objects.select_related("number", "right", "number__pool"),
        scope,
        "number__pool__region_code",
    )
    if state:
        qs = qs.filter(state=state)
    return qs.order_by("-created_at", "-id")


def reservation_get(user: Any, public_id: Any) -> Reservation:
    try:
        return reservations_for(user).get(public_id=public_id)
    except (Reservation.DoesNotExist, ValueError, ValidationError) as exc:
        raise NotFound("not_found", _("No such reservation")) from exc


def live_reservation(right: SelectionRight) -> Reservation | None:
    return (
        right.reservations.filter(state__in=[ReservationState.ACTIVE, ReservationState.CONFIRMED])
        .select_related("number")
        .first()
    )


def latest_draw(right: SelectionRight) -> Draw | None:
    return right.draws.order_by("-attempt").first()


def block_of(person: Person) -> SelectionBlock | None:
    return (
        SelectionBlock.objects.filter(person=person, until__gte=clock.today())
        .order_by("-until")
        .first()
    )


def published_batches() -> QuerySet[Batch]:
    """Released batches (public: their announcement and hash, and their list once open)."""
    return Batch.objects.filter(announced_at__isnull=False).select_related("pool")


# ---- public draw records and verification --------------------------------------------------------


@dataclass
class DrawCheck:
    """A draw recomputed from public data (``verification`` None until the seed is out)."""

    draw: Draw
    record: algo.DrawRecord
    seed: str
    verification: algo.Verification | None
    unexplained_taken: list[str]

    @property
    def ok(self) -> bool:
        return self.verification is not None and self.verification.ok and not self.unexplained_taken

    @property
    def failures(self) -> list[str]:
        failures = list(self.verification.failures) if self.verification else []
        if self.unexplained_taken:
            failures.append("taken_not_held_at_draw")
        return failures


def draw_public(right_id: Any, attempt: int) -> Draw:
    try:
        return Draw.objects.select_related("window", "right").get(
            right__public_id=right_id, attempt=attempt
        )
    except (Draw.DoesNotExist, ValueError, ValidationError) as exc:
        raise NotFound("not_found", _("No such draw")) from exc


def record_of(draw: Draw) -> algo.DrawRecord:
    return algo.DrawRecord(
        right_id=str(draw.right.public_id),
        attempt=draw.attempt,
        drawn_at=draw.drawn_at,
        count=draw.count,
        batch_ids=tuple(draw.batch_ids),
        batch_hashes=tuple(draw.batch_hashes),
        taken=tuple(draw.taken),
        snapshot_hash=draw.snapshot_hash,
        snapshot_algorithm=draw.snapshot_algorithm,
        candidates=tuple(draw.candidates),
        seed_commitment=draw.window.commitment,
        beacon_round=draw.window.beacon_round,
        beacon_randomness=draw.window.beacon_randomness,
        beacon_signature=draw.window.beacon_signature,
    )


def _published(batch_ids: list[str]) -> list[algo.PublishedBatch]:
    batches = Batch.objects.filter(public_id__in=batch_ids, announced_at__isnull=False)
    return [
        algo.PublishedBatch(
            id=str(b.public_id),
            algorithm=b.hash_algorithm,
            announced_hash=b.content_hash,
            numbers=batch_list(b),
        )
        for b in batches
    ]


def batch_list(batch: Batch) -> tuple[str, ...]:
    """The batch list as stored now (not the cache): what a verifier downloads."""
    return tuple(algo.canonical(batch.numbers.values_list("number", flat=True)))


def _unexplained_taken(draw: Draw) -> list[str]:
    """Numbers the draw left out as taken that no reservation held at the draw's time."""
    if not draw.taken:
        return []
    held = set(
        Reservation.objects.filter(
            number__number__in=draw.taken,
            created_at__lte=draw.drawn_at + TAKEN_SKEW,
        )
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gte=draw.drawn_at - TAKEN_SKEW))
        .values_list("number__number", flat=True)
    )
    return [n for n in draw.taken if n not in held]


def draw_check(right_id: Any, attempt: int) -> DrawCheck:
    """Recompute one draw from what is published: the batch lists and their announced hashes,
    the draw record and the window's revealed seed."""
    draw = draw_public(right_id, attempt)
    record = record_of(draw)
    seed = draw.window.revealed_seed
    from jiaoguan.plates.beacon import config

    cfg = config()
    verification = (
        algo.verify(
            record,
            _published(list(draw.batch_ids)),
            seed,
            beacon_key=cfg.public_key if cfg else None,
        )
        if seed
        else None
    )
    return DrawCheck(draw, record, seed, verification, _unexplained_taken(draw))


def orders_for(user: Any) -> QuerySet[PlateOrder]:
    """Plate orders of the staff member's region (clerks and managers)."""
    return _in_scope(PlateOrder.objects.all(), staff_scope(user), "region_code").order_by(
        "-created_at", "-id"
    )


def order_get(user: Any, public_id: Any) -> PlateOrder:
    try:
        return orders_for(user).get(public_id=public_id)
    except (PlateOrder.DoesNotExist, ValueError, ValidationError) as exc:
        raise NotFound("not_found", _("No such plate order")) from exc
