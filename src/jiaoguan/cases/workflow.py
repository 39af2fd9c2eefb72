"""The application lifecycle as data: named commands, the states they leave from, the state they
lead to, and who may run them. ``services.application_transition`` is the only code that moves
an application, and it consults this table."""

from __future__ import annotations

from dataclasses import dataclass

from jiaoguan.cases.constants import State as S


@dataclass(frozen=True)
class Transition:
    command: str
    source: frozenset[str]
    target: str
    #: "applicant" (the person the application is for, or an agent for them), "staff" (needs
    #: ``permission``), or "system" (the engine itself: checks, payment, production)
    by: str
    permission: str = ""


_OPEN = frozenset(
    {S.DRAFT, S.SUBMITTED, S.VERIFYING, S.AWAITING_PAYMENT, S.UNDER_REVIEW, S.RETURNED}
)

TRANSITIONS: dict[str, Transition] = {
    t.command: t
    for t in (
        Transition("submit", frozenset({S.DRAFT, S.RETURNED}), S.SUBMITTED, "applicant"),
        Transition("start_checks", frozenset({S.SUBMITTED}), S.VERIFYING, "system"),
        Transition("await_payment", frozenset({S.VERIFYING}), S.AWAITING_PAYMENT, "system"),
        Transition(
            "send_to_review", frozenset({S.VERIFYING, S.AWAITING_PAYMENT}), S.UNDER_REVIEW, "system"
        ),
        Transition(
            "approve_automatically",
            frozenset({S.VERIFYING, S.AWAITING_PAYMENT}),
            S.APPROVED,
            "system",
        ),
        Transition("refuse_automatically", frozenset({S.VERIFYING}), S.REJECTED, "system"),
        Transition(
            "approve", frozenset({S.UNDER_REVIEW}), S.APPROVED, "staff", "cases.review_application"
        ),
        Transition(
            "reject", frozenset({S.UNDER_REVIEW}), S.REJECTED, "staff", "cases.review_application"
        ),
        Transition(
            "return_for_correction",
            frozenset({S.UNDER_REVIEW}),
            S.RETURNED,
            "staff",
            "cases.review_application",
        ),
        Transition("withdraw", _OPEN, S.WITHDRAWN, "applicant"),
        Transition("produce", frozenset({S.APPROVED}), S.IN_PRODUCTION, "system"),
        Transition("ready_for_pickup", frozenset({S.IN_PRODUCTION}), S.READY, "system"),
        Transition("dispatch", frozenset({S.IN_PRODUCTION}), S.DISPATCHED, "system"),
        Transition(
            "complete", frozenset({S.APPROVED, S.READY, S.DISPATCHED}), S.COMPLETED, "system"
        ),
        Transition(
            "hand_over", frozenset({S.READY}), S.COMPLETED, "staff", "cases.handle_application"
        ),
    )
}
