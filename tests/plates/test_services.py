"""Plate selection services: pools and batches, draws, picks, composition, reservation,
confirmation and expiry."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from jiaoguan.kernel import clock
from jiaoguan.kernel.errors import Conflict, DomainError, Forbidden
from jiaoguan.plates import draw as algo
from jiaoguan.plates import selectors, services
from jiaoguan.plates.constants import NumberState, ReservationState, RightState
from jiaoguan.plates.models import PlateNumber, Reservation, SelectionBlock
from jiaoguan.registry.models import Plate
from tests.plates.conftest import STAFF, T0, grant, hall, online, released_pool

pytestmark = pytest.mark.django_db


def test_batch_hash_is_published_and_matches_the_list(at_t0: Any) -> None:
    _pool, batch = released_pool()
    numbers = list(PlateNumber.objects.filter(batch=batch).values_list("number", flat=True))
    assert len(numbers) == batch.size == 100
    assert batch.content_hash == algo.list_hash(numbers)
    assert batch.announced_at == T0 and batch.opens_at == T0
    assert "苏AQ2000" in numbers and "苏AQ2099" in numbers


def test_batch_opening_before_announcement_is_refused(at_t0: Any) -> None:
    pool, _ = released_pool()
    batch = services.batch_create(actor=STAFF, pool=pool, label="二", pattern="Q21##")
    with pytest.raises(DomainError) as exc:
        services.batch_release(actor=STAFF, batch=batch, opens_at=T0 - dt.timedelta(hours=1))
    assert exc.value.code == "opens_in_past"


def test_imported_numbers_are_checked() -> None:
    with clock.frozen(T0):
        pool, _ = released_pool()
        with pytest.raises(DomainError) as exc:
            services.batch_create(
                actor=STAFF, pool=pool, label="导入", numbers=["苏AQ2001", "苏B12345", "苏AI2345"]
            )
    codes = {p.code for p in exc.value.problems}
    assert {"wrong_prefix", "bad_number"} <= codes


def test_draw_pick_confirm(at_t0: Any) -> None:
    released_pool()
    right = grant()
    draw = services.draw_make(acting=online(right), right=right)
    assert len(draw.candidates) == 10 and len(set(draw.candidates)) == 10
    assert draw.snapshot_size == 100 and draw.taken == []
    reservation = services.plate_pick(
        acting=online(right), right=right, draw=draw, number=draw.candidates[3]
    )
    # held to the end of the 3rd working day after Tuesday 10 March: Friday 13 March
    assert reservation.expires_at == dt.datetime(2026, 3, 13, 16, 0, tzinfo=dt.UTC)
    assert reservation.last_day == dt.date(2026, 3, 13)
    number = PlateNumber.objects.get(number=draw.candidates[3])
    assert number.state == NumberState.RESERVED
    plate = services.plate_confirm(actor=STAFF, reservation=reservation)
    assert plate.number == draw.candidates[3]
    right.refresh_from_db()
    assert right.state == RightState.ISSUED and right.plate == plate
    number.refresh_from_db()
    assert number.state == NumberState.ISSUED


def test_hall_draw_offers_50() -> None:
    with clock.frozen(T0):
        released_pool()
        right = grant()
        draw = services.draw_make(acting=hall(right), right=right)
    assert len(draw.candidates) == 50


def test_draws_are_limited_and_countdown_enforced(at_t0: Any) -> None:
    released_pool()
    right = grant()
    for _ in range(5):
        draw = services.draw_make(acting=online(right), right=right)
    with pytest.raises(Conflict) as exc:
        services.draw_make(acting=online(right), right=right)
    assert exc.value.code == "draws_exhausted"
    with clock.frozen(T0 + dt.timedelta(seconds=181)), pytest.raises(Conflict) as late:
        services.plate_pick(acting=online(right), right=right, draw=draw, number=draw.candidates[0])
    assert late.value.code == "draw_expired"


def test_only_a_candidate_of_the_latest_draw_can_be_picked(at_t0: Any) -> None:
    released_pool()
    right = grant()
    first = services.draw_make(acting=online(right), right=right)
    second = services.draw_make(acting=online(right), right=right)
    with pytest.raises(Conflict):
        services.plate_pick(
            acting=online(right), right=right, draw=first, number=first.candidates[0]
        )
    outsider = next(
        n
        for n in PlateNumber.objects.values_list("number", flat=True)
        if n not in second.candidates
    )
    with pytest.raises(DomainError) as exc:
        services.plate_pick(acting=online(right), right=right, draw=second, number=outsider)
    assert exc.value.code == "not_a_candidate"


def test_two_applicants_cannot_hold_one_number(at_t0: Any) -> None:
    _pool, _batch = released_pool(pattern="Q200#")  # 10 numbers: both see all of them
    a, b = grant(), grant()
    da = services.draw_make(acting=online(a), right=a)
    db = services.draw_make(acting=online(b), right=b)
    assert set(da.candidates) == set(db.candidates)
    services.plate_pick(acting=online(a), right=a, draw=da, number="苏AQ2005")
    with pytest.raises(Conflict) as exc:
        services.plate_pick(acting=online(b), right=b, draw=db, number="苏AQ2005")
    assert exc.value.code == "number_taken"
    # the next draw leaves the held number out, and publishes it as taken
    db2 = services.draw_make(acting=online(b), right=b)
    assert db2.taken == ["苏AQ2005"] and "苏AQ2005" not in db2.candidates


def test_compose_reports_every_failed_rule_and_counts_attempts(at_t0: Any) -> None:
    released_pool(pattern="Q2#@#")
    right = grant()
    outcome = services.plate_compose(acting=online(right), right=right, serial="0I000")
    assert outcome.reservation is None
    assert {r.code for r in outcome.refusals} == {
        "no_i_o",
        "first_is_letter",
        "exactly_two_letters",
        "not_all_zero",
    }
    assert outcome.attempts_left == 19
    with pytest.raises(DomainError) as exc:
        services.plate_compose(acting=online(right), right=right, serial="QB123")
    assert exc.value.code == "not_in_pool"
    right.refresh_from_db()
    assert right.compose_attempts_used == 2
    ok = services.plate_compose(acting=online(right), right=right, serial="Q21A3")
    assert ok.reservation is not None and ok.reservation.composed
    assert ok.reservation.number.number == "苏AQ21A3"


def test_compose_attempts_are_limited(at_t0: Any, settings: Any) -> None:
    settings.PLATES_POLICY = {"compose_attempts": 2}
    released_pool()
    right = grant()
    for _ in range(2):
        services.plate_compose(acting=online(right), right=right, serial="11111")
    with pytest.raises(Conflict) as exc:
        services.plate_compose(acting=online(right), right=right, serial="Q2001")
    assert exc.value.code == "compose_exhausted"


def test_random_only_period_refuses_composition(at_t0: Any) -> None:
    released_pool(pattern="Q2#@#", compose_from=T0 + dt.timedelta(days=7))
    right = grant()
    with pytest.raises(DomainError) as exc:
        services.plate_compose(acting=online(right), right=right, serial="Q21A3")
    assert exc.value.code == "not_in_pool"


def test_lapsed_reservation_returns_the_number_and_blocks_online(at_t0: Any) -> None:
    released_pool()
    right = grant()
    draw = services.draw_make(acting=online(right), right=right)
    reservation = services.plate_pick(
        acting=online(right), right=right, draw=draw, number=draw.candidates[0]
    )
    assert services.reservations_expire(actor=STAFF) == 0  # not yet due
    with clock.frozen(reservation.expires_at):
        assert services.reservations_expire(actor=STAFF) == 1
        with pytest.raises(Conflict):
            services.plate_confirm(actor=STAFF, reservation=reservation)
        right.refresh_from_db()
        assert right.state == RightState.OPEN
        block = SelectionBlock.objects.get(person=right.person)
        assert block.until == dt.date(2028, 3, 14)
        with pytest.raises(Forbidden) as exc:
            services.draw_make(acting=online(right), right=right)
        assert exc.value.code == "selection_blocked"
        # the hall is still open to them
        again = services.draw_make(acting=hall(right), right=right)
    assert PlateNumber.objects.get(number=draw.candidates[0]).state == NumberState.AVAILABLE
    assert Reservation.objects.get(pk=reservation.pk).state == ReservationState.EXPIRED
    assert again.attempt == 2


def test_confirm_before_deadline_beats_expiry(at_t0: Any) -> None:
    released_pool()
    right = grant()
    draw = services.draw_make(acting=online(right), right=right)
    reservation = services.plate_pick(
        acting=online(right), right=right, draw=draw, number=draw.candidates[0]
    )
    with clock.frozen(reservation.expires_at - dt.timedelta(seconds=1)):
        services.plate_confirm(actor=STAFF, reservation=reservation)
    with clock.frozen(reservation.expires_at + dt.timedelta(days=1)):
        assert services.reservations_expire(actor=STAFF) == 0
    assert Plate.objects.filter(number=draw.candidates[0]).count() == 1


def test_draw_is_verifiable_after_the_window(at_t0: Any) -> None:
    released_pool()
    right = grant()
    services.draw_make(acting=online(right), right=right)
    check = selectors.draw_check(right.public_id, 1)
    assert check.verification is None  # the seed is still secret
    with clock.frozen(T0 + dt.timedelta(days=1)):
        assert services.windows_reveal_due(actor=STAFF) == 1
    check = selectors.draw_check(right.public_id, 1)
    assert check.ok, check.failures
    assert check.verification is not None
    assert check.verification.recomputed == check.draw.candidates
