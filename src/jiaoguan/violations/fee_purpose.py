"""How the payments side sees a fine's fee order (registered in ``apps.py``): what it pays
for, printed on the signed receipt, and who besides the payer may see it."""

from __future__ import annotations

import uuid

from jiaoguan.accounts.principal import Principal
from jiaoguan.payments.models import FeeOrder
from jiaoguan.payments.purposes import Described
from jiaoguan.violations.apps import PURPOSE_PREFIX
from jiaoguan.violations.models import Violation
from jiaoguan.violations.selectors import violations_for


def fee_violation(order: FeeOrder) -> Violation | None:
    try:
        public_id = uuid.UUID(order.purpose_ref.removeprefix(PURPOSE_PREFIX))
    except ValueError:
        return None
    return Violation.objects.filter(public_id=public_id).first()


def describe(order: FeeOrder) -> Described | None:
    """The fine (in Chinese, as printed) and the violation's number."""
    v = fee_violation(order)
    return Described("交通违法罚款", v.number) if v is not None else None


def visible_to(principal: Principal, order: FeeOrder) -> bool:
    """Whoever may see the violation (its owner, its driver, staff in scope) may see the order."""
    v = fee_violation(order)
    return v is not None and violations_for(principal).filter(pk=v.pk).exists()
