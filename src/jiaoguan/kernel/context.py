"""Per-request context (request id, channel) carried into audit rows without threading it
through every call. Set by ``jiaoguan.web.middleware.RequestIdMiddleware``."""

from __future__ import annotations

import contextvars
import uuid

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
channel: contextvars.ContextVar[str] = contextvars.ContextVar("channel", default="system")


def new_request_id() -> str:
    return uuid.uuid4().hex
