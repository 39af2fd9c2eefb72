"""The port to the market-regulation data link (DESIGN.md, "Outside parties").

``settings.PORTS["market"]`` names the adapter; :class:`~jiaoguan.orgs.adapters.HttpMarketRegister`
speaks the sandbox's protocol (``sandbox/market.py``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Enterprise:
    """The register's record of one organisation. ``found`` is False for a code the market
    register does not hold (another registration authority)."""

    uscc: str
    found: bool
    name: str = ""
    status: str = ""  # "active" (存续), "revoked" (吊销), "deregistered" (注销)
    legal_representative_name: str = ""
    legal_representative_id_number: str = ""
    region_code: str = ""


@dataclass(frozen=True)
class SigningKey:
    key_id: str
    public_key_pem: str


@dataclass(frozen=True)
class Signature:
    """The electronic business licence's signature over a document digest."""

    signature: str  # base64 DER ECDSA P-256
    key_id: str
    refused: str = ""  # "", "not_legal_representative", "not_active"


class MarketRegister(Protocol):
    def lookup(self, *, uscc: str) -> Enterprise: ...

    def signing_key(self, *, uscc: str) -> SigningKey: ...

    def sign(self, *, uscc: str, signer_id_number: str, digest: str) -> Signature: ...
