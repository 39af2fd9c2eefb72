"""States of an organisation account and the allowed transitions (DESIGN.md).

``verified``: the market-regulation register confirmed the USCC and that the applicant is the
legal representative; the account agreement waits for the online signature.
``active``: the representative signed the agreement with the electronic business licence and
the organisation's administrator account exists. ``withdrawn``: the application was dropped
before signing.
"""

from __future__ import annotations

from jiaoguan.orgs.constants import OrgAccountStatus as S

ALLOWED: dict[str, frozenset[str]] = {
    S.VERIFIED: frozenset({S.ACTIVE, S.WITHDRAWN}),
    S.ACTIVE: frozenset(),
    S.WITHDRAWN: frozenset(),
}


def can_move(current: str, target: str) -> bool:
    return target in ALLOWED.get(current, frozenset())
