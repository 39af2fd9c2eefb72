"""What a paid fee order is for. A module that sells something registers its ``purpose_ref``
prefix (``"application:"`` for the business engine) with:

* ``on_paid``: runs inside the transaction that marks the order paid, so a payment is never
  recorded without its effect;
* ``describe`` (optional): what the order pays for, in words, and the human reference of the
  purpose (the case number), printed on the signed receipt;
* ``visible_to`` (optional): whether a principal other than the payer may see the order. It
  is the purpose's own scoping selector (staff see an application's fee order exactly when they
  may see the application); without one, only the payer sees the order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jiaoguan.payments.models import FeeOrder


@dataclass(frozen=True)
class Described:
    """What an order pays for (``title``) and the reference of the purpose (a case number)."""

    title: str
    reference: str = ""


@dataclass(frozen=True)
class Purpose:
    on_paid: Callable[[FeeOrder], None]
    describe: Callable[[FeeOrder], Described | None] | None = None
    visible_to: Callable[[Any, FeeOrder], bool] | None = None


_PURPOSES: dict[str, Purpose] = {}


def register(
    prefix: str,
    handler: Callable[[FeeOrder], None],
    *,
    describe: Callable[[FeeOrder], Described | None] | None = None,
    visible_to: Callable[[Any, FeeOrder], bool] | None = None,
) -> None:
    _PURPOSES[prefix] = Purpose(on_paid=handler, describe=describe, visible_to=visible_to)


def _purpose_of(order: FeeOrder) -> Purpose | None:
    for prefix, purpose in _PURPOSES.items():
        if order.purpose_ref.startswith(prefix):
            return purpose
    return None


def on_paid(order: FeeOrder) -> None:
    purpose = _purpose_of(order)
    if purpose is not None:
        purpose.on_paid(order)


def describe(order: FeeOrder) -> Described:
    """What the order pays for; the order's own subject when its purpose does not say."""
    purpose = _purpose_of(order)
    described = purpose.describe(order) if purpose and purpose.describe else None
    return described or Described(title=order.subject)


def visible_to(principal: Any, order: FeeOrder) -> bool:
    """Whether the purpose's scoping lets ``principal`` see the order (deny by default)."""
    purpose = _purpose_of(order)
    return bool(purpose and purpose.visible_to and purpose.visible_to(principal, order))
