"""What a sign-in through the provincial identity platform may do, by assurance level.

The provincial platform states how sure it is of the person in the ID token's ``acr`` claim:

* ``L1``: a mobile number only; the name and ID number are what the person typed, not checked;
* ``L2``: the real name was checked against the population register (the same check as
  real-name registration in jiaoguan, ``accounts.services.citizen_register``);
* ``L3``: real name plus a face check against the ID card photo.

**This is a policy of the project, not a rule of law**: DOMAIN.md states no rule on identity
assurance levels. The policy follows from what jiaoguan itself requires to open a citizen
account: real-name verification against the register (measure 6 of the 2018 reforms, identity
"collected once, used everywhere", asks that the platform's verification replace ours, not
weaken it). So:

* ``L1`` may not sign in: an unchecked ID number must not reach a person's records;
* ``L2`` and ``L3`` may sign in, bind to the person's existing account or open one.

The decision carries the policy version so that each stored sign-in records what it used.
"""

from __future__ import annotations

from dataclasses import dataclass

POLICY_VERSION = "sso-assurance-2026-1"
POLICY_SOURCE = (
    "jiaoguan policy sso-assurance-2026-1 (docs/identity-and-organisations.md); not a rule of law"
)
LEVELS = ("L1", "L2", "L3")
SIGN_IN_LEVELS = frozenset({"L2", "L3"})


@dataclass(frozen=True)
class AssuranceDecision:
    acr: str
    may_sign_in: bool
    reason: str  # "ok", "assurance_too_low", "assurance_unknown"
    policy_version: str = POLICY_VERSION
    citation: str = POLICY_SOURCE


def assurance_decision(acr: str | None) -> AssuranceDecision:
    """Whether a sign-in at assurance level ``acr`` may reach a citizen account."""
    level = acr or ""
    if level not in LEVELS:
        return AssuranceDecision(level, False, "assurance_unknown")
    if level not in SIGN_IN_LEVELS:
        return AssuranceDecision(level, False, "assurance_too_low")
    return AssuranceDecision(level, True, "ok")
