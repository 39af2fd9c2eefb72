"""Whatever the interleaving of draws, picks, confirmations, releases, expiries and the passing
of time, no number is held or issued twice (issue 5, "Done when")."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from jiaoguan.kernel import clock
from jiaoguan.kernel.errors import DomainError
from jiaoguan.plates import services
from jiaoguan.plates.constants import NumberState, ReservationState, RightState
from jiaoguan.plates.models import PlateNumber, Reservation, SelectionRight
from jiaoguan.registry.models import Plate
from tests.plates.conftest import STAFF, T0, grant, released_pool

pytestmark = pytest.mark.django_db

RIGHTS = 4
#: what the runs achieved (so the test fails if the machine never reached the interesting states)
SEEN: Counter[str] = Counter()
LIVE = [ReservationState.ACTIVE, ReservationState.CONFIRMED]


class Selection(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.now = T0
        with clock.frozen(self.now):
            released_pool(pattern="QA00#")  # 10 numbers for 4 applicants: much contention
            self.rights = [grant() for _ in range(RIGHTS)]

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    def _do(self, fn: Any, **kw: Any) -> Any:
        with clock.frozen(self.now):
            try:
                with transaction.atomic():
                    result = fn(**kw)
            except DomainError:
                SEEN[f"{fn.__name__}:refused"] += 1
                return None
        won = result.reservation if isinstance(result, services.ComposeOutcome) else result
        SEEN[fn.__name__] += 1 if won else 0
        return result

    def _acting(self, i: int, channel: str) -> services.Acting:
        return services.Acting(STAFF, channel)

    @rule(i=st.integers(0, RIGHTS - 1), channel=st.sampled_from(["online", "hall"]))
    def draw(self, i: int, channel: str) -> None:
        right = SelectionRight.objects.get(pk=self.rights[i].pk)
        self._do(services.draw_make, acting=self._acting(i, channel), right=right)

    @rule(
        i=st.integers(0, RIGHTS - 1),
        k=st.integers(0, 9),
        channel=st.sampled_from(["online", "hall"]),
    )
    def pick(self, i: int, k: int, channel: str) -> None:
        right = SelectionRight.objects.get(pk=self.rights[i].pk)
        draw = right.draws.order_by("-attempt").first()
        if draw is None:
            return
        number = draw.candidates[k % len(draw.candidates)]
        self._do(
            services.plate_pick,
            acting=self._acting(i, channel),
            right=right,
            draw=draw,
            number=number,
        )

    @rule(i=st.integers(0, RIGHTS - 1), j=st.integers(0, 9))
    def pick_any(self, i: int, j: int) -> None:
        """Try a number that may not be a candidate at all (refused, never allocated)."""
        right = SelectionRight.objects.get(pk=self.rights[i].pk)
        draw = right.draws.order_by("-attempt").first()
        if draw is not None:
            self._do(
                services.plate_pick,
                acting=self._acting(i, "hall"),
                right=right,
                draw=draw,
                number=f"苏AQA00{j}",
            )

    @rule(i=st.integers(0, RIGHTS - 1), j=st.integers(0, 9))
    def compose(self, i: int, j: int) -> None:
        right = SelectionRight.objects.get(pk=self.rights[i].pk)
        self._do(
            services.plate_compose, acting=self._acting(i, "hall"), right=right, serial=f"Q200{j}"
        )

    @rule(i=st.integers(0, RIGHTS - 1))
    def confirm(self, i: int) -> None:
        live = Reservation.objects.filter(
            right_id=self.rights[i].pk, state=ReservationState.ACTIVE
        ).first()
        if live is not None:
            self._do(services.plate_confirm, actor=STAFF, reservation=live)

    @rule(i=st.integers(0, RIGHTS - 1), channel=st.sampled_from(["online", "hall"]))
    def release(self, i: int, channel: str) -> None:
        """Give up the right's held number (the number returns to the pool at once)."""
        mine = Reservation.objects.filter(right_id=self.rights[i].pk).order_by("-id").first()
        held = mine or Reservation.objects.order_by("-id").first()
        if held is not None:  # may be confirmed, expired or released already: then refused
            self._do(services.plate_release, acting=self._acting(i, channel), reservation=held)

    @rule(hours=st.sampled_from([1, 24, 72]))
    def time_passes(self, hours: int) -> None:
        self.now += dt.timedelta(hours=hours)

    @rule(days=st.sampled_from([0, 3, 7]))
    def expire(self, days: int) -> None:
        self.now += dt.timedelta(days=days)
        self._do(services.reservations_expire, actor=STAFF)

    @invariant()
    def never_twice(self) -> None:
        live = Counter(
            Reservation.objects.filter(state__in=LIVE).values_list("number_id", flat=True)
        )
        assert all(n == 1 for n in live.values()), live
        per_right = Counter(
            Reservation.objects.filter(state__in=LIVE).values_list("right_id", flat=True)
        )
        assert all(n == 1 for n in per_right.values()), per_right
        plates = Counter(Plate.objects.values_list("number", flat=True))
        assert all(n == 1 for n in plates.values())
        for number in PlateNumber.objects.all():
            states = set(number.reservations.filter(state__in=LIVE).values_list("state", flat=True))
            expected = {
                NumberState.AVAILABLE: set(),
                NumberState.RESERVED: {ReservationState.ACTIVE},
                NumberState.ISSUED: {ReservationState.CONFIRMED},
            }[NumberState(number.state)]
            assert states == expected, (number.number, number.state, states)
            assert (number.state == NumberState.ISSUED) == Plate.objects.filter(
                number=number.number
            ).exists()
        for right in SelectionRight.objects.all():
            held = right.reservations.filter(state__in=LIVE).first()
            if right.state == RightState.OPEN:
                assert held is None
            elif right.state == RightState.RESERVED:
                assert held is not None and held.state == ReservationState.ACTIVE
            else:
                assert held is not None and held.state == ReservationState.CONFIRMED
                assert right.plate is not None and right.plate.number == held.number.number


def test_no_number_is_held_or_issued_twice() -> None:
    run_state_machine_as_test(
        Selection,
        settings=settings(
            max_examples=30,
            derandomize=True,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
    assert SEEN["plate_pick"] and SEEN["plate_confirm"] and SEEN["reservations_expire"], SEEN
    assert SEEN["plate_pick:refused"], SEEN
    assert SEEN["plate_release"], SEEN
