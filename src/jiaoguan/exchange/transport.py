"""How the outbox reaches a peer's inbox: a port and its HTTP adapter."""

from __future__ import annotations

from typing import Any, Protocol

import requests
from django.conf import settings


class TransportError(Exception):
    """The peer could not be reached or gave no answer (the message is retried)."""


class Transport(Protocol):
    def post(self, url: str, payload: dict[str, Any]) -> tuple[int, dict[str, Any]]: ...


class HttpTransport:
    """POST the envelope as JSON; returns (status, JSON body or {})."""

    def __init__(self, timeout: float | None = None) -> None:
        self.timeout = timeout if timeout is not None else float(settings.PARTNER_TIMEOUT)

    def post(self, url: str, payload: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        try:
            resp = requests.post(url, json=payload, timeout=self.timeout)
        except requests.RequestException as exc:
            raise TransportError(f"{type(exc).__name__}: {exc}"[:300]) from exc
        try:
            body = resp.json()
        except ValueError:
            body = {}
        return resp.status_code, body if isinstance(body, dict) else {}
