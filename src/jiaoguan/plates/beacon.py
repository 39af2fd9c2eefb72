"""A public randomness beacon mixed into the draw seed (issue 5, item 2), drand-style.

Configured by ``settings.PLATES_BEACON = {"public_key": "<hex Ed25519 key>", "period": 30,
"genesis_time": 1577836800}`` (and optionally ``"url"``; default ``SANDBOX_URL``, the sandbox's
``/beacon`` simulator); unset, no beacon is used and the draws are as before.

When a draw window is created its commitment names, beside ``SHA-256(seed)``, a **future**
beacon round: the first round published after both the window's opening and the moment of
commitment (:func:`future_round`). The operator's secret seed is thus fixed before anyone,
the operator included, can know that round's randomness. The first draw of the window fetches
the round (:class:`HttpBeacon`), checks its signature with the configured public key and keeps
it on the window; every draw of the window uses ``draw.mixed_seed(seed, round, randomness)``
as its HMAC key. A draw asked for before the round is out is refused for a few seconds
(``beacon_pending``). Verification recomputes the mixed seed and checks the round's signature.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from dataclasses import dataclass
from typing import Any, Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy

from jiaoguan.kernel.errors import PartnerUnavailable
from jiaoguan.partners.client import PartnerClient


@dataclass(frozen=True)
class BeaconConfig:
    public_key: str
    period: int
    genesis_time: int
    url: str | None = None


@dataclass(frozen=True)
class BeaconRound:
    round: int
    randomness: str  # hex
    signature: str  # hex


class Beacon(Protocol):
    def fetch(self, number: int) -> BeaconRound | None:
        """Round ``number``, or None while it is not published yet."""
        ...


def config() -> BeaconConfig | None:
    raw: dict[str, Any] | None = getattr(settings, "PLATES_BEACON", None)
    if not raw:
        return None
    unknown = set(raw) - {"public_key", "period", "genesis_time", "url"}
    if unknown:
        raise ValueError(f"unknown PLATES_BEACON keys: {sorted(unknown)}")
    return BeaconConfig(
        public_key=str(raw["public_key"]),
        period=int(raw["period"]),
        genesis_time=int(raw["genesis_time"]),
        url=raw.get("url"),
    )


def future_round(cfg: BeaconConfig, *, opens_at: dt.datetime, now: dt.datetime) -> int:
    """The first round published strictly after ``now`` and not before ``opens_at``."""
    after = max(opens_at.timestamp(), now.timestamp() + 1)
    # round r is published at genesis + (r - 1) * period
    return max(1, math.ceil((after - cfg.genesis_time) / cfg.period) + 1)


def published_at(cfg: BeaconConfig, number: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(cfg.genesis_time + (number - 1) * cfg.period, tz=dt.UTC)


def round_message(number: int) -> bytes:
    return hashlib.sha256(number.to_bytes(8, "big")).digest()


def check_round(public_key_hex: str, r: BeaconRound) -> list[str]:
    """The failed checks of a round: its signature under the key, its randomness its hash."""
    failures: list[str] = []
    try:
        key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key_hex))
        signature = bytes.fromhex(r.signature)
        key.verify(signature, round_message(r.round))
    except (ValueError, InvalidSignature):
        failures.append("beacon_signature_invalid")
        signature = b""
    if signature and hashlib.sha256(signature).hexdigest() != r.randomness:
        failures.append("beacon_randomness_mismatch")
    return failures


class HttpBeacon:
    """The beacon over HTTP (``GET /beacon/public/<round>``, the drand API shape)."""

    def __init__(self, cfg: BeaconConfig | None = None) -> None:
        self._cfg = cfg or config()
        self._client = PartnerClient(
            gettext_lazy("The randomness beacon"), base_url=self._cfg.url if self._cfg else None
        )

    def fetch(self, number: int) -> BeaconRound | None:
        answer = self._client.request("GET", f"/beacon/public/{int(number)}")
        if answer.status == 404 and answer.data.get("error") == "not_yet":
            return None
        data = answer.data
        if (
            answer.status != 200
            or data.get("round") != number
            or not isinstance(data.get("randomness"), str)
            or not isinstance(data.get("signature"), str)
        ):
            raise self._client.protocol_error(answer, "beacon: malformed round")
        return BeaconRound(number, data["randomness"], data["signature"])


def port() -> Beacon:
    path = getattr(settings, "PORTS", {}).get("beacon", "jiaoguan.plates.beacon.HttpBeacon")
    beacon: Beacon = import_string(path)()
    return beacon


__all__ = ["Beacon", "BeaconConfig", "BeaconRound", "HttpBeacon", "PartnerUnavailable"]
