"""The HTTP client every partner adapter uses (DESIGN.md, "Outside parties").

:class:`PartnerClient` speaks the partners' JSON protocol over HTTP with the standard library
(the sandbox in ``sandbox/`` speaks the same protocol):

* base URL ``settings.SANDBOX_URL``, ``Authorization: Bearer <settings.SANDBOX_KEY>``,
  socket timeout ``settings.PARTNER_TIMEOUT`` seconds (read on every call, so settings
  overrides apply);
* every answer must carry ``X-Sandbox-Signature``, the hex HMAC-SM3 of the body under the
  key; an answer without a valid signature is not trusted;
* failures become :class:`~jiaoguan.kernel.errors.PartnerUnavailable` with code
  ``partner_timeout``, ``partner_unreachable``, ``partner_error`` or
  ``partner_bad_signature`` and a message naming the partner.

Query parameters passed as ``query`` are sent but never logged (they carry ID numbers and
VINs); log lines name only the method and the path.
"""

from __future__ import annotations

import http.client
import json
import logging
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac
from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from jiaoguan.kernel.crypto import constant_time_equal
from jiaoguan.kernel.errors import PartnerUnavailable

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Sandbox-Signature"
#: Answers larger than this are not a partner's JSON reply.
MAX_RESPONSE_BYTES = 1024 * 1024


def signature(key: str, body: bytes) -> str:
    """HMAC-SM3 of ``body`` under ``key``, as lowercase hex."""
    mac = crypto_hmac.HMAC(key.encode("utf-8"), hashes.SM3())
    mac.update(body)
    return mac.finalize().hex()


@dataclass(frozen=True)
class PartnerAnswer:
    """A partner's verified answer: the HTTP status (2xx or 4xx) and the JSON object."""

    status: int
    data: dict[str, Any]


class PartnerClient:
    """JSON over HTTP to one partner, with bearer auth and response-signature checks.

    ``label`` is the partner's name (translatable), used in the messages users see.
    """

    def __init__(
        self,
        label: str | Promise,
        *,
        base_url: str | None = None,
        key: str | None = None,
        timeout: float | None = None,
    ) -> None:
        self.label = label
        self._base_url = base_url
        self._key = key
        self._timeout = timeout

    # Settings are read per call so that test overrides and reloads take effect.
    @property
    def base_url(self) -> str:
        return (self._base_url if self._base_url is not None else settings.SANDBOX_URL).rstrip("/")

    @property
    def key(self) -> str:
        return self._key if self._key is not None else settings.SANDBOX_KEY

    @property
    def timeout(self) -> float:
        return float(self._timeout if self._timeout is not None else settings.PARTNER_TIMEOUT)

    def unavailable(self, code: str) -> PartnerUnavailable:
        messages = {
            "partner_timeout": _("%(partner)s did not answer in time. Please try again later."),
            "partner_unreachable": _("%(partner)s cannot be reached. Please try again later."),
            "partner_error": _(
                "%(partner)s cannot handle the request now. Please try again later."
            ),
            "partner_bad_signature": _(
                "The answer of %(partner)s failed its signature check. Please try again later."
            ),
        }
        return PartnerUnavailable(code, messages[code] % {"partner": self.label})

    def request(
        self,
        method: str,
        path: str,
        payload: dict[str, Any] | None = None,
        *,
        query: Mapping[str, str] | None = None,
    ) -> PartnerAnswer:
        """Send one request; return the verified answer for 2xx/4xx, raise otherwise."""
        url = self.base_url + path + (f"?{urlencode(query)}" if query else "")
        if urlsplit(url).scheme not in ("http", "https") or not self.key:
            logger.error("%s: SANDBOX_URL/SANDBOX_KEY not configured", self.label)
            raise self.unavailable("partner_unreachable")
        body = None if payload is None else json.dumps(payload, ensure_ascii=False).encode()
        req = urllib.request.Request(url, data=body, method=method)  # noqa: S310 (scheme checked)
        req.add_header("Authorization", f"Bearer {self.key}")
        req.add_header("Accept", "application/json")
        if body is not None:
            req.add_header("Content-Type", "application/json; charset=utf-8")
        try:
            try:
                with urllib.request.urlopen(req, timeout=self.timeout) as resp:  # noqa: S310
                    status, headers = resp.status, resp.headers
                    raw = resp.read(MAX_RESPONSE_BYTES + 1)
            except urllib.error.HTTPError as exc:  # 4xx/5xx still carry a (signed) body
                status, headers = exc.code, exc.headers
                raw = exc.read(MAX_RESPONSE_BYTES + 1)
        except TimeoutError as exc:
            logger.warning("%s %s %s: timeout (%s)", self.label, method, path, exc)
            raise self.unavailable("partner_timeout") from exc
        except urllib.error.URLError as exc:
            code = (
                "partner_timeout" if isinstance(exc.reason, TimeoutError) else "partner_unreachable"
            )
            logger.warning("%s %s %s: %s (%s)", self.label, method, path, code, exc.reason)
            raise self.unavailable(code) from exc
        except (OSError, http.client.HTTPException) as exc:
            logger.warning("%s %s %s: connection failed (%r)", self.label, method, path, exc)
            raise self.unavailable("partner_unreachable") from exc
        return self._verify(method, path, status, headers.get(SIGNATURE_HEADER) or "", raw)

    def _verify(self, method: str, path: str, status: int, given: str, raw: bytes) -> PartnerAnswer:
        where = f"{self.label} {method} {path}"
        if status >= 500 or status in (401, 403) or len(raw) > MAX_RESPONSE_BYTES:
            logger.warning("%s: HTTP %s", where, status)
            raise self.unavailable("partner_error")
        if not given or not constant_time_equal(given, signature(self.key, raw)):
            logger.error("%s: HTTP %s with a missing or wrong signature", where, status)
            raise self.unavailable("partner_bad_signature")
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            logger.warning("%s: HTTP %s, body is not JSON", where, status)
            raise self.unavailable("partner_error") from exc
        if not isinstance(data, dict):
            logger.warning("%s: HTTP %s, body is not a JSON object", where, status)
            raise self.unavailable("partner_error")
        return PartnerAnswer(status, data)

    def protocol_error(self, answer: PartnerAnswer, what: str) -> PartnerUnavailable:
        """An answer that is signed but not what the protocol promises."""
        logger.warning("%s: unexpected answer (HTTP %s): %s", self.label, answer.status, what)
        return self.unavailable("partner_error")
