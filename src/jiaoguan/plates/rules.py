"""Plate-selection rules as data: the selection policy, the self-composition rule sets and the
patterns batches are generated from. Pure functions over plain data (no ORM).

Sources (DOMAIN.md §3.3):

* R164 Arts. 43, 83(5) [primary]: the number is chosen by computer random selection or
  composed by the owner under the selection rules, in the unified selection system.
* Everything else here is **reported local practice** [secondary] (12123 and vehicle-office
  halls: Yantai, Zhejiang, Beijing guides cited in DOMAIN.md §3.3), not national law, so each
  figure is a default that ``settings.PLATES_POLICY`` overrides per deployment.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_noop

from jiaoguan.kernel.plates import ENERGY_LETTERS, LETTERS, SERIAL_CHARS

NATIONAL_CITATION = "R164 Arts. 43, 83(5) [primary]; DOMAIN.md §3.3"
PRACTICE_CITATION = "DOMAIN.md §3.3, reported practice on 12123 and in halls [secondary]"
RESERVATION_CITATION = (
    "DOMAIN.md §3.3 Reservation: held 3 working days not counting the day of selection; "
    "online selection blocked 2 years when the car is not registered in time "
    "(Yantai and other local guides) [secondary, local practice]"
)
COMPOSE_SINCE = dt.date(2022, 5, 1)  # R164 in force; the local formats are undated practice


@dataclass(frozen=True)
class Policy:
    """The configurable figures of selection. Defaults: DOMAIN.md §3.3 [secondary]."""

    #: "10 numbers per batch" online; "50选1" in the hall.
    online_candidates: int = 10
    hall_candidates: int = 50
    #: seconds to pick before a draw lapses (halls report 60–180 s).
    countdown_seconds: int = 180
    #: "a limited number of batches (for example 5)" per selection right.
    draws_per_right: int = 5
    #: "a limited number of attempts (for example 20)" for self-composition.
    compose_attempts: int = 20
    #: held for 3 working days, not counting the day of selection.
    reservation_working_days: int = 3
    #: online selection blocked for 2 years after a lapsed reservation.
    block_years: int = 2
    #: channels a block applies to: online self-service, and a dealer acting remotely.
    blocked_channels: tuple[str, ...] = ("online", "dealer")
    #: hash of batch lists and snapshots: "sha256" or "sm3".
    hash_algorithm: str = "sha256"
    citation: str = PRACTICE_CITATION

    def candidates_for(self, channel: str) -> int:
        return self.hall_candidates if channel == "hall" else self.online_candidates


def policy(overrides: dict[str, Any] | None = None) -> Policy:
    """The policy with ``overrides`` (``settings.PLATES_POLICY``) applied."""
    if not overrides:
        return Policy()
    known = {f.name for f in dataclasses.fields(Policy)}
    unknown = set(overrides) - known
    if unknown:
        raise ValueError(f"unknown PLATES_POLICY keys: {sorted(unknown)}")
    if "blocked_channels" in overrides:
        overrides = {**overrides, "blocked_channels": tuple(overrides["blocked_channels"])}
    return dataclasses.replace(Policy(), **overrides)


# ---- self-composition -----------------------------------------------------------------------


@dataclass(frozen=True)
class Refusal:
    """One failed rule: a stable code and the (English msgid) message the pages translate."""

    code: str
    message: str
    rule_set: str
    citation: str


@dataclass(frozen=True)
class RuleSet:
    code: str
    name: str
    kind: str  # PoolKind value
    prefixes: frozenset[str] | None  # None: every prefix no other rule set of the kind claims
    checks: tuple[str, ...]
    citation: str
    since: dt.date = COMPOSE_SINCE


_ORDINARY = ("length", "characters", "no_i_o")
RULE_SETS: tuple[RuleSet, ...] = (
    RuleSet(
        "beijing",
        "Beijing 京N: exactly 2 of the first 3 positions letters, the last 2 digits",
        "ordinary",
        frozenset({"京N"}),
        (*_ORDINARY, "beijing_two_letters_in_first_three", "beijing_last_two_digits"),
        "DOMAIN.md §3.3 (Beijing 京N self-composition format; pay1999.com, egb634.com) "
        "[secondary, local practice]",
    ),
    RuleSet(
        "other_cities",
        "Other cities: a letter first plus exactly one more letter, never all zeros",
        "ordinary",
        None,
        (*_ORDINARY, "first_is_letter", "exactly_two_letters", "not_all_zero"),
        "DOMAIN.md §3.3 (other cities' self-composition format; pay1999.com, egb634.com) "
        "[secondary, local practice]",
    ),
    RuleSet(
        "small_nev",
        "Small new-energy: energy letter, a letter or digit, 4 digits not all zeros",
        "small_nev",
        None,
        ("length", "characters", "no_i_o", "small_nev_layout", "not_all_zero"),
        "GA 36-2018 new-energy layout, DOMAIN.md §3.1 [secondary]; never all zeros, "
        "DOMAIN.md §3.3 [secondary, local practice]",
    ),
    RuleSet(
        "large_nev",
        "Large new-energy: 5 digits not all zeros, then the energy letter",
        "large_nev",
        None,
        ("length", "characters", "no_i_o", "large_nev_layout", "not_all_zero"),
        "GA 36-2018 new-energy layout, DOMAIN.md §3.1 [secondary]; never all zeros, "
        "DOMAIN.md §3.3 [secondary, local practice]",
    ),
)

SERIAL_LENGTH = {"ordinary": 5, "small_nev": 6, "large_nev": 6}

MESSAGES: dict[str, str] = {
    "length": gettext_noop("The number has the wrong length after the authority letter"),
    "characters": gettext_noop("Only digits and capital letters may be used"),
    "no_i_o": gettext_noop("The letters I and O are never used"),
    "beijing_two_letters_in_first_three": gettext_noop(
        "Exactly two of the first three characters must be letters"
    ),
    "beijing_last_two_digits": gettext_noop("The last two characters must be digits"),
    "first_is_letter": gettext_noop("The first character must be a letter"),
    "exactly_two_letters": gettext_noop("The number must contain exactly two letters"),
    "not_all_zero": gettext_noop("The digits may not all be zeros"),
    "small_nev_layout": gettext_noop(
        "A small new-energy number is an energy letter, a letter or digit, then four digits"
    ),
    "large_nev_layout": gettext_noop(
        "A large new-energy number is five digits, then an energy letter"
    ),
}


def rule_set_for(prefix: str, kind: str) -> RuleSet:
    """The rule set of a prefix and pool kind: a set naming the prefix, else the kind's default."""
    for rs in RULE_SETS:
        if rs.kind == kind and rs.prefixes is not None and prefix in rs.prefixes:
            return rs
    for rs in RULE_SETS:
        if rs.kind == kind and rs.prefixes is None:
            return rs
    raise KeyError(kind)


def _digits(s: str) -> str:
    return "".join(c for c in s if c.isascii() and c.isdigit())


def _is_letter(c: str) -> bool:
    return c in LETTERS


def _check(code: str, serial: str, kind: str) -> bool:
    """Whether ``serial`` passes check ``code`` (checks beyond the length assume it is right)."""
    length_ok = len(serial) == SERIAL_LENGTH[kind]
    if code == "length":
        return length_ok
    if code == "characters":
        return all(c in LETTERS or (c.isascii() and c.isdigit()) for c in serial)
    if code == "no_i_o":
        return "I" not in serial and "O" not in serial
    if code == "not_all_zero":
        digits = _digits(serial)
        return not digits or set(digits) != {"0"}
    if not length_ok:
        return True  # layout checks are only meaningful on the right length (already refused)
    if code == "beijing_two_letters_in_first_three":
        return sum(_is_letter(c) for c in serial[:3]) == 2
    if code == "beijing_last_two_digits":
        return serial[3:].isascii() and serial[3:].isdigit()
    if code == "first_is_letter":
        return _is_letter(serial[0])
    if code == "exactly_two_letters":
        return sum(_is_letter(c) for c in serial) == 2
    if code == "small_nev_layout":
        return (
            serial[0] in ENERGY_LETTERS
            and serial[1] in SERIAL_CHARS
            and serial[2:].isascii()
            and serial[2:].isdigit()
        )
    if code == "large_nev_layout":
        return serial[:5].isascii() and serial[:5].isdigit() and serial[5] in ENERGY_LETTERS
    raise KeyError(code)


def compose_check(prefix: str, kind: str, serial: str) -> tuple[RuleSet, list[Refusal]]:
    """Every rule ``serial`` breaks under the rule set of ``prefix`` and ``kind`` (empty: the
    composition is acceptable, subject to the number being free in a released batch)."""
    rs = rule_set_for(prefix, kind)
    refusals = [
        Refusal(code, MESSAGES[code], rs.code, rs.citation)
        for code in rs.checks
        if not _check(code, serial, kind)
    ]
    return rs, refusals


# ---- generated batches ----------------------------------------------------------------------

#: Pattern characters: ``#`` a digit, ``@`` a letter (never I or O), ``*`` a letter or digit;
#: anything else stands for itself.
PATTERN_CLASSES: dict[str, str] = {
    "#": "0123456789",
    "@": "".join(sorted(LETTERS - {"I", "O"})),
    "*": "0123456789" + "".join(sorted(LETTERS - {"I", "O"})),
}
MAX_BATCH = 100_000


def pattern_size(pattern: str) -> int:
    size = 1
    for c in pattern:
        size *= len(PATTERN_CLASSES.get(c, c))
    return size


def expand(pattern: str) -> Iterator[str]:
    """Every serial the pattern describes, in canonical order of the pattern's classes."""
    pools = [PATTERN_CLASSES.get(c, c) for c in pattern]
    for combo in itertools.product(*pools):
        yield "".join(combo)


# ---- new-vehicle registration, keeping and swapping numbers ---------------------------------

REGISTRATION_CITATION = (
    "R164 Art. 43 [primary]: a new registration gets its number by random selection or "
    "self-composition; DOMAIN.md §3.2 plate kinds; DOMAIN.md §6 fees"
)
KEEP_CITATION = (
    "R164 Arts. 44–45 [primary]; DOMAIN.md §3.3: the old number is kept within 2 years, if used "
    "at least 1 year and all violations and accidents are closed"
)
SWAP_CITATION = "R164 Art. 20 [primary]; DOMAIN.md §3.3: two vehicles of one owner, once a year"
#: The accidents register does not exist yet: the refusal and the check say so.
NO_ACCIDENT_REGISTER = "accidents are not checked: jiaoguan has no accidents register yet"

_SMALL_CLASSES = frozenset({"small_passenger", "mini_passenger", "light_truck"})
_LARGE_CLASSES = frozenset({"medium_passenger", "large_passenger", "heavy_truck"})
_NEV_FUELS = frozenset({"bev", "phev", "fcev"})


@dataclass(frozen=True)
class Verdict:
    """A rule's answer: allowed, or the first refusal with its citation (English msgid)."""

    allowed: bool
    rule: str
    citation: str
    code: str = ""
    message: str = ""
    facts: dict[str, Any] = dataclasses.field(default_factory=dict)


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def plate_kind_for(*, vehicle_class: str, fuel: str) -> Verdict:
    """The pool kind a new vehicle selects from (DOMAIN.md §3.1–3.2): below-medium passenger
    and cargo vehicles take the small car plate (02), or the small new-energy plate (52) when
    new-energy; medium and larger vehicles take the large new-energy plate (51) when
    new-energy. Large yellow plates (01), trailers and motorcycles have no selection pool here."""
    rule = "plates.kind_for@2022-05-01"
    nev = fuel in _NEV_FUELS
    if vehicle_class in _SMALL_CLASSES:
        kind = "small_nev" if nev else "ordinary"
    elif vehicle_class in _LARGE_CLASSES and nev:
        kind = "large_nev"
    else:
        return Verdict(
            False,
            rule,
            REGISTRATION_CITATION,
            "kind_not_selectable",
            gettext_noop(
                "Numbers of this vehicle's plate kind are not chosen in the selection system: "
                "ask at the vehicle office"
            ),
        )
    return Verdict(True, rule, REGISTRATION_CITATION, facts={"kind": kind})


def keep_old_number(
    *,
    used_from: dt.date,
    released_on: dt.date,
    applied_on: dt.date,
    open_violations: int,
) -> Verdict:
    """Whether a former owner may put their old number on a new registration (R164 Arts.
    44–45): the number was released (transfer, de-registration, moving out) on
    ``released_on``; the application is made within 2 years of it (the anniversary day is
    still inside); the number was used at least 1 year (``used_from`` to ``released_on``);
    no violation is open. Accidents are not checked (no accidents register yet)."""
    rule = "plates.keep_old_number@2022-05-01"
    facts = {
        "deadline": _add_years(released_on, 2).isoformat(),
        "used_one_year_on": _add_years(used_from, 1).isoformat(),
        "accidents": NO_ACCIDENT_REGISTER,
    }
    if applied_on < released_on:
        return Verdict(
            False,
            rule,
            KEEP_CITATION,
            "not_released",
            gettext_noop("This number has not been released by its vehicle yet"),
            facts,
        )
    if applied_on > _add_years(released_on, 2):
        return Verdict(
            False,
            rule,
            KEEP_CITATION,
            "keep_too_late",
            gettext_noop("An old number is kept only within 2 years of its release"),
            facts,
        )
    if released_on < _add_years(used_from, 1):
        return Verdict(
            False,
            rule,
            KEEP_CITATION,
            "keep_used_too_short",
            gettext_noop("An old number is kept only if it was used for at least 1 year"),
            facts,
        )
    if open_violations:
        return Verdict(
            False,
            rule,
            KEEP_CITATION,
            "keep_violations_open",
            gettext_noop("Close every traffic violation of the old vehicle first"),
            {**facts, "open_violations": open_violations},
        )
    return Verdict(True, rule, KEEP_CITATION, facts=facts)


def swap_allowed(
    *,
    same_owner: bool,
    kinds: tuple[str, str],
    prefixes: tuple[str, str],
    usable: tuple[bool, bool],
    last_swaps: tuple[dt.date | None, dt.date | None],
    today: dt.date,
) -> Verdict:
    """Whether two vehicles may swap numbers (R164 Art. 20): one owner; both in normal use;
    the same plate kind and issuing authority (a number fits only its kind's layout); neither
    swapped in the last year (the anniversary day of the last swap is allowed again)."""
    rule = "plates.swap@2022-05-01"
    if not same_owner:
        return Verdict(
            False,
            rule,
            SWAP_CITATION,
            "swap_not_same_owner",
            gettext_noop("Only two vehicles of the same owner swap numbers"),
        )
    if not all(usable):
        return Verdict(
            False,
            rule,
            SWAP_CITATION,
            "swap_vehicle_not_usable",
            gettext_noop("Both vehicles must be registered, in normal use and with plates"),
        )
    if kinds[0] != kinds[1] or prefixes[0] != prefixes[1]:
        return Verdict(
            False,
            rule,
            SWAP_CITATION,
            "swap_kind_differs",
            gettext_noop("Numbers are swapped only between plates of one kind and authority"),
        )
    for last in last_swaps:
        if last is not None and today < _add_years(last, 1):
            return Verdict(
                False,
                rule,
                SWAP_CITATION,
                "swap_once_a_year",
                gettext_noop("A vehicle swaps its number at most once a year"),
                {"next_on": _add_years(last, 1).isoformat()},
            )
    return Verdict(True, rule, SWAP_CITATION)
