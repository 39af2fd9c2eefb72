"""The fee order lifecycle as data. ``services._transition`` is the only code that moves an
order, and it consults this table."""

from __future__ import annotations

from dataclasses import dataclass

from jiaoguan.payments.constants import OrderStatus as S


@dataclass(frozen=True)
class Transition:
    command: str
    source: frozenset[str]
    target: str


TRANSITIONS: dict[str, Transition] = {
    t.command: t
    for t in (
        Transition("start", frozenset({S.CREATED, S.PAYING}), S.PAYING),
        Transition("mark_paid", frozenset({S.CREATED, S.PAYING}), S.PAID),
        Transition("refund", frozenset({S.PAID}), S.REFUNDED),
        Transition("close", frozenset({S.CREATED, S.PAYING}), S.CLOSED),
    )
}


def allowed(command: str, status: str) -> bool:
    transition = TRANSITIONS.get(command)
    return transition is not None and status in transition.source
