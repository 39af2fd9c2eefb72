"""HTTP adapters for the accounts ports (DESIGN.md, "Outside parties").

:class:`HttpIdentityPlatform` and :class:`HttpSmsGateway` speak the partners' JSON protocol
over HTTP through :class:`~jiaoguan.partners.client.PartnerClient` (bearer auth, signed
answers, timeouts; failures become :class:`~jiaoguan.kernel.errors.PartnerUnavailable` with
code ``partner_timeout``, ``partner_unreachable``, ``partner_error`` or
``partner_bad_signature``). The sandbox in ``sandbox/`` speaks the same protocol.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiaoguan.accounts.ports import IdentityVerdict
from jiaoguan.kernel.errors import DomainError
from jiaoguan.partners.client import PartnerClient

IDENTITY_REASONS = frozenset({"ok", "name_mismatch", "no_such_person", "deceased"})


class HttpIdentityPlatform:
    """The provincial trusted identity authentication platform (population register)."""

    def __init__(
        self, *, base_url: str | None = None, key: str | None = None, timeout: float | None = None
    ) -> None:
        self._client = PartnerClient(
            gettext_lazy("The identity platform"), base_url=base_url, key=key, timeout=timeout
        )

    def verify(self, *, name: str, id_number: str) -> IdentityVerdict:
        answer = self._client.request(
            "POST", "/identity/v1/verify", {"name": name, "id_number": id_number}
        )
        data = answer.data
        match, reason, assurance = data.get("match"), data.get("reason"), data.get("assurance")
        if (
            answer.status != 200
            or not isinstance(match, bool)
            or reason not in IDENTITY_REASONS
            or match != (reason == "ok")
            or not isinstance(assurance, str)
        ):
            raise self._client.protocol_error(answer, "verify answer malformed")
        return IdentityVerdict(match=match, reason=str(reason), assurance=assurance)


class HttpSmsGateway:
    """The SMS gateway: sends one text message, returns the gateway's message id."""

    def __init__(
        self, *, base_url: str | None = None, key: str | None = None, timeout: float | None = None
    ) -> None:
        self._client = PartnerClient(
            gettext_lazy("The SMS gateway"), base_url=base_url, key=key, timeout=timeout
        )

    def send(self, *, phone: str, text: str) -> str:
        answer = self._client.request("POST", "/sms/v1/messages", {"phone": phone, "text": text})
        if answer.status == 400 and answer.data.get("error") == "invalid_phone":
            raise DomainError("invalid_phone", _("The mobile number is not valid"), field="phone")
        message_id = answer.data.get("message_id")
        if (
            answer.status not in (200, 201, 202)
            or not isinstance(message_id, str)
            or not message_id
        ):
            raise self._client.protocol_error(answer, "send answer malformed")
        return message_id
