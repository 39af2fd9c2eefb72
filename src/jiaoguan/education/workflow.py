"""The enrolment lifecycle as data: named commands, the states they leave from and lead to,
who may run them. ``services.enrolment_transition`` is the only code that moves an enrolment.

studying → passed (the exam closing the course is passed) → completed (its effect is fed to
the rules: the full-score duty closed and the licence returned, the review education recorded,
the points reduced). A learner may withdraw while studying; staff void an enrolment for
cheating (R162 Art. 100, R163 Art. 31).
"""

from __future__ import annotations

from dataclasses import dataclass

from jiaoguan.education.constants import EnrolmentState as S

VOID_PERMISSION = "education.record_onsite"


@dataclass(frozen=True)
class Transition:
    command: str
    source: frozenset[str]
    target: str
    by: str  # "learner", "staff" (needs ``permission``) or "system"
    permission: str = ""
    reason_required: bool = False
    citation: str = ""


TRANSITIONS: dict[str, Transition] = {
    t.command: t
    for t in (
        Transition("pass_exam", frozenset({S.STUDYING}), S.PASSED, "system"),
        Transition("complete", frozenset({S.PASSED}), S.COMPLETED, "system"),
        Transition("withdraw", frozenset({S.STUDYING}), S.WITHDRAWN, "learner"),
        Transition(
            "void",
            frozenset({S.STUDYING, S.PASSED}),
            S.VOID,
            "staff",
            VOID_PERMISSION,
            reason_required=True,
            citation="R162 Art. 100",
        ),
    )
}


def allowed(command: str, state: str) -> bool:
    transition = TRANSITIONS.get(command)
    return transition is not None and state in transition.source
