"""States of a sign-in attempt and the allowed transitions (DESIGN.md, "Workflow is data").

An attempt is used once: the callback moves it from ``pending`` to ``exchanging`` in one
conditional update, so a second callback with the same state (a replayed redirect) finds it
no longer pending and is refused.
"""

from __future__ import annotations

from jiaoguan.sso.constants import AttemptStatus as S

ALLOWED: dict[str, frozenset[str]] = {
    S.PENDING: frozenset({S.EXCHANGING, S.REFUSED}),
    S.EXCHANGING: frozenset({S.COMPLETED, S.REFUSED}),
    S.COMPLETED: frozenset(),
    S.REFUSED: frozenset(),
}


def can_move(current: str, target: str) -> bool:
    return target in ALLOWED.get(current, frozenset())
