from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    kind = getattr(user, "kind", None) if user is not None and user.is_authenticated else None
    return {"nav_kind": kind}
