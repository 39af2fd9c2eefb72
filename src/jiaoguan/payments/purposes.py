"""What a paid fee order is for. A module that sells something registers a handler for its
``purpose_ref`` prefix (``"application:"`` for the business engine); the handler runs inside the
transaction that marks the order paid, so a payment is never recorded without its effect."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from jiaoguan.payments.models import FeeOrder

_HANDLERS: dict[str, Callable[[FeeOrder], None]] = {}


def register(prefix: str, handler: Callable[[FeeOrder], None]) -> None:
    _HANDLERS[prefix] = handler


def on_paid(order: FeeOrder) -> None:
    for prefix, handler in _HANDLERS.items():
        if order.purpose_ref.startswith(prefix):
            handler(order)
            return
