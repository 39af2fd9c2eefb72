"""Small template helpers shared by the pages."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def label(labels: dict[str, Any], name: str) -> Any:
    """``labels[name]``, or the name itself when it has no label."""
    return labels.get(name, name) if isinstance(labels, dict) else name
