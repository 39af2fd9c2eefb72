"""Deterministic per-key data shared by the sandbox's data-link partners.

The tax authority and the insurers' platform are keyed by VIN; the hospital network and the
residence-permit system by resident ID number (see :mod:`sandbox.population`). Every answer
is a pure function of the key (and, where time matters, of a reference date), derived from
the SM3 digest of ``"jiaoguan-sandbox:<purpose>:<key>"`` like :mod:`sandbox.population`, so
the same question always gets the same answer and tests can search for a key that yields the
answer they need (:func:`find_vin`, :func:`find_id_number`).

The sandbox is an independent party: it checks the VIN's form itself (GB 16735 / ISO 3779:
17 characters, digits and capital letters without I, O, Q) rather than importing jiaoguan's
kernel. It does not insist on the check digit (position 9): imported vehicles built under
plain ISO 3779 may lack one (DOMAIN.md §2).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator

from cryptography.hazmat.primitives import hashes

from sandbox import population
from sandbox.routes import BadRequest, Request

_VIN = re.compile(r"[A-HJ-NPR-Z0-9]{17}")
#: GB 16735 Annex A: transliteration of letters and the weights of positions 1-17.
_VALUES = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
#: World manufacturer identifiers of makers building in China, for :func:`make_vin`.
_WMIS = ("LSV", "LFV", "LGB", "LHG", "LVS", "LSG", "LBV", "LGX")
#: How many candidate keys the ``find_*`` helpers try before giving up.
SEARCH_LIMIT = 20_000


def digest(purpose: str, key: str) -> bytes:
    """The SM3 digest that drives one kind of simulated data for one key."""
    h = hashes.Hash(hashes.SM3())
    h.update(f"jiaoguan-sandbox:{purpose}:{key}".encode())
    return h.finalize()


def number(data: bytes, start: int, length: int) -> int:
    """Bytes ``start .. start+length`` of a digest as a big-endian integer."""
    return int.from_bytes(data[start : start + length], "big")


def normalise_vin(vin: str) -> str:
    return vin.strip().upper()


def is_well_formed_vin(vin: str) -> bool:
    return bool(_VIN.fullmatch(normalise_vin(vin)))


def check_digit(vin: str) -> str:
    """The GB 16735 check character (position 9) for a well-formed VIN."""
    total = sum(_VALUES[c] * w for c, w in zip(normalise_vin(vin), _WEIGHTS, strict=True))
    return "X" if total % 11 == 10 else str(total % 11)


def make_vin(sequence: int) -> str:
    """A well-formed VIN with a correct check digit (for tests and demos), distinct for
    distinct ``sequence`` below 10**6."""
    if not 0 <= sequence < 10**6:
        raise ValueError("sequence is 0 .. 999999")
    draft = f"{_WMIS[sequence % len(_WMIS)]}A24U60LA{sequence:06d}"
    return draft[:8] + check_digit(draft) + draft[9:]


def find_vin(predicate: Callable[[str], bool], *, start: int = 0) -> str:
    """The first VIN from :func:`make_vin` (from ``start`` on) that satisfies ``predicate``."""
    for sequence in range(start, start + SEARCH_LIMIT):
        vin = make_vin(sequence)
        if predicate(vin):
            return vin
    raise LookupError("no VIN in the search range satisfies the predicate")


def sample_id_numbers(region_code: str = "320102") -> Iterator[str]:
    """Well-formed ID numbers (people born 1960-1999), deterministically."""
    for i in range(SEARCH_LIMIT):
        born = dt.date(1960, 1, 1) + dt.timedelta(days=(i * 37) % 14600)
        yield population.make_id_number(region_code, born, i % 1000)


def find_id_number(predicate: Callable[[str], bool], *, region_code: str = "320102") -> str:
    """The first ID number from :func:`sample_id_numbers` that satisfies ``predicate``."""
    for id_number in sample_id_numbers(region_code):
        if predicate(id_number):
            return id_number
    raise LookupError("no ID number in the search range satisfies the predicate")


def vin_param(request: Request) -> str:
    """The ``vin`` query parameter, normalised, or 400 ``invalid_vin``."""
    vin = normalise_vin(request.query_param("vin"))
    if not _VIN.fullmatch(vin):
        raise BadRequest(
            "vin must be 17 characters: digits and capital letters except I, O and Q",
            error="invalid_vin",
        )
    return vin


def id_number_param(request: Request) -> str:
    """The ``id_number`` query parameter, normalised, or 400 ``invalid_id_number``."""
    id_number = population.normalise(request.query_param("id_number"))
    if not population.is_valid(id_number):
        raise BadRequest(
            "id_number must be a well-formed 18-character resident ID number",
            error="invalid_id_number",
        )
    return id_number


def date_param(request: Request, name: str = "on") -> dt.date:
    """An optional ``YYYY-MM-DD`` query parameter (default: today), or 400."""
    if name not in request.query:
        return dt.date.today()
    text = request.query_param(name)
    try:
        if len(text) != 10:
            raise ValueError(text)
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise BadRequest(f"query parameter {name!r} must be a date YYYY-MM-DD") from exc


def anniversary(data: bytes, start: int, year: int) -> dt.date:
    """A fixed month and day (never 29 February) picked by two digest bytes, in ``year``."""
    day_of_year = dt.date(2001, 1, 1) + dt.timedelta(days=number(data, start, 2) % 365)
    return dt.date(year, day_of_year.month, day_of_year.day)


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus whole months, clamped to the end of a shorter month."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")
