"""How the payments side sees an application's fee order (registered in ``apps.py``): what it
pays for, printed on the signed receipt, and who besides the payer may see it."""

from __future__ import annotations

import uuid

from jiaoguan.accounts.principal import Principal
from jiaoguan.cases.apps import PURPOSE_PREFIX
from jiaoguan.cases.models import Application
from jiaoguan.cases.selectors import applications_for
from jiaoguan.payments.models import FeeOrder
from jiaoguan.payments.purposes import Described


def fee_application(order: FeeOrder) -> Application | None:
    try:
        public_id = uuid.UUID(order.purpose_ref.removeprefix(PURPOSE_PREFIX))
    except ValueError:
        return None
    return Application.objects.select_related("business_type").filter(public_id=public_id).first()


def describe(order: FeeOrder) -> Described | None:
    """The business (in Chinese, as printed) and the case number."""
    app = fee_application(order)
    return Described(app.business_type.name_zh, app.case_number) if app is not None else None


def visible_to(principal: Principal, order: FeeOrder) -> bool:
    """Whoever may see the application may see its fee order: the same scoping selector."""
    app = fee_application(order)
    return app is not None and applications_for(principal).filter(pk=app.pk).exists()
