"""The payment provider port (DESIGN.md, "Outside parties").

A provider creates a native (QR code) order, answers queries about it, and signs the
callbacks it sends; :class:`PaymentProvider` is what the services need of one. The adapters in
``adapters.py`` use the providers' official SDKs against the real hosts or the sandbox.
``settings.PORTS["payment_wechat"]`` / ``["payment_alipay"]`` may name other adapter classes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from django.conf import settings
from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from jiaoguan.payments.models import FeeOrder

DEFAULT_ADAPTERS = {
    "wechat": "jiaoguan.payments.adapters.WeChatPayV3Adapter",
    "alipay": "jiaoguan.payments.adapters.AlipayAdapter",
}


class BadSignature(Exception):
    """A callback whose signature (or decryption) did not check out: not from the provider."""


@dataclass(frozen=True)
class ProviderEvent:
    """What a provider said about one trade, after its signature was verified."""

    provider: str
    out_trade_no: str
    state: str  # constants.TradeState
    transaction_id: str = ""
    amount_fen: int | None = None
    paid_at: dt.datetime | None = None
    #: The provider's notification id (callbacks only; redeliveries repeat it).
    event_id: str = ""
    #: The verified content (a WeChat callback's decrypted resource, Alipay's fields).
    content: Mapping[str, Any] = field(default_factory=dict)


class PaymentProvider(Protocol):
    name: str

    def create_native_order(self, order: FeeOrder, *, notify_url: str) -> str:
        """Open a QR-code order at the provider; returns the code URL to show."""
        ...

    def query(self, order: FeeOrder) -> ProviderEvent:
        """The provider's current view of the order (verified answer)."""
        ...

    def parse_callback(self, headers: Mapping[str, str], body: bytes) -> ProviderEvent:
        """Verify and decode a callback; raises :class:`BadSignature` when it is not genuine."""
        ...


def get_provider(name: str) -> PaymentProvider:
    ports = getattr(settings, "PORTS", {}) or {}
    path = ports.get(f"payment_{name}") or DEFAULT_ADAPTERS[name]
    provider: PaymentProvider = import_string(path)()
    return provider
