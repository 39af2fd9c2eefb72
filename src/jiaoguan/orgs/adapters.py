"""HTTP adapter for the market-regulation data link (``sandbox/market.py`` speaks the same
protocol). Transport failures and malformed answers become
:class:`~jiaoguan.kernel.errors.PartnerUnavailable` through
:class:`~jiaoguan.partners.client.PartnerClient`."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy

from jiaoguan.orgs.ports import Enterprise, Signature, SigningKey
from jiaoguan.partners.client import PartnerAnswer, PartnerClient

STATUSES = frozenset({"active", "revoked", "deregistered"})


def _str(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    return value if isinstance(value, str) else None


class HttpMarketRegister:
    def __init__(
        self, *, base_url: str | None = None, key: str | None = None, timeout: float | None = None
    ) -> None:
        self._client = PartnerClient(
            gettext_lazy("The market-regulation register"),
            base_url=base_url,
            key=key,
            timeout=timeout,
        )

    def _malformed(self, answer: PartnerAnswer, what: str) -> Exception:
        return self._client.protocol_error(answer, what)

    def lookup(self, *, uscc: str) -> Enterprise:
        answer = self._client.request("GET", "/market/v1/enterprises", query={"uscc": uscc})
        if answer.status == 404 and answer.data.get("error") == "not_registered_here":
            return Enterprise(uscc=uscc, found=False)
        data = answer.data
        rep = data.get("legal_representative")
        fields = [_str(data, k) for k in ("uscc", "name", "status", "region_code")]
        if (
            answer.status != 200
            or any(f is None for f in fields)
            or data.get("uscc") != uscc
            or data.get("status") not in STATUSES
            or not isinstance(rep, dict)
            or _str(rep, "name") is None
            or _str(rep, "id_number") is None
        ):
            raise self._malformed(answer, "enterprise answer malformed")
        return Enterprise(
            uscc=uscc,
            found=True,
            name=str(data["name"]),
            status=str(data["status"]),
            legal_representative_name=str(rep["name"]),
            legal_representative_id_number=str(rep["id_number"]),
            region_code=str(data["region_code"]),
        )

    def signing_key(self, *, uscc: str) -> SigningKey:
        answer = self._client.request("GET", "/market/v1/signing-key", query={"uscc": uscc})
        key_id, pem = _str(answer.data, "key_id"), _str(answer.data, "public_key_pem")
        if answer.status != 200 or not key_id or not pem:
            raise self._malformed(answer, "signing key answer malformed")
        return SigningKey(key_id=key_id, public_key_pem=pem)

    def sign(self, *, uscc: str, signer_id_number: str, digest: str) -> Signature:
        answer = self._client.request(
            "POST",
            "/market/v1/signatures",
            {"uscc": uscc, "signer_id_number": signer_id_number, "digest": digest},
        )
        error = answer.data.get("error")
        if answer.status in (409, 422) and error in ("not_active", "not_legal_representative"):
            return Signature(signature="", key_id="", refused=str(error))
        signature, key_id = _str(answer.data, "signature"), _str(answer.data, "key_id")
        if answer.status != 200 or not signature or not key_id:
            raise self._malformed(answer, "signature answer malformed")
        return Signature(signature=signature, key_id=key_id)
