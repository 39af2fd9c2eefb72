"""``{% points_of_cycle %}`` on the citizen portal: the points of the current cycle, its
ledger and any full-score duty, with a link to the violations page."""

from __future__ import annotations

from typing import Any

from django import template

from jiaoguan.violations.selectors import points_summary

register = template.Library()


@register.inclusion_tag("violations/portal_points.html", takes_context=True)
def points_of_cycle(context: Any) -> dict[str, Any]:
    user = context.get("user")
    return {"points": points_summary(getattr(user, "person_id", None))}
