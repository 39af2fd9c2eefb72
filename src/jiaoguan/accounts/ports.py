"""Ports to outside parties used by accounts (DESIGN.md, "Outside parties").

Each port is a Protocol; ``settings.PORTS`` names the adapter class. The HTTP adapters in
``adapters.py`` talk to the real service (or the sandbox, which speaks the same protocol).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class IdentityVerdict:
    """The identity platform's answer to "does this name belong to this ID number?"."""

    match: bool
    reason: str  # "ok", "name_mismatch", "no_such_person", "deceased"
    assurance: str = ""  # e.g. "L2" (real-name, checked against the population register)


class IdentityPlatform(Protocol):
    def verify(self, *, name: str, id_number: str) -> IdentityVerdict: ...


class SmsGateway(Protocol):
    def send(self, *, phone: str, text: str) -> str:
        """Send one text message; returns the gateway's message id."""
        ...


def get_port(name: str) -> Any:
    return import_string(settings.PORTS[name])()
