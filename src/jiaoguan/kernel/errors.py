"""Domain errors.

Every refusal the system makes is a :class:`DomainError` carrying a stable machine code, a
human message (translatable), the field it concerns and, where a regulation is the reason,
the citation. The API turns these into RFC 9457 problem+json; pages show the message beside
the field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: what the API lists under ``invalid_params``."""

    code: str
    message: str
    field: str | None = None
    citation: str | None = None

    def localised(self, lang: str | None) -> str:
        """The message in ``lang``: English where one is carried and asked for, else the
        message as given (Chinese, or a translation already made for the active language)."""
        english = getattr(self, "message_en", "")
        if english and (lang or "").startswith("en"):
            return str(english)
        return str(self.message)

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"code": self.code, "message": str(self.message)}
        if self.field is not None:
            data["name"] = self.field
        if self.citation is not None:
            data["citation"] = self.citation
        return data


class DomainError(Exception):
    """A business refusal. ``status`` is the HTTP status the API answers with."""

    status: int = 422
    title: str = "Request refused"

    def __init__(
        self,
        code: str,
        message: str,
        *,
        field: str | None = None,
        citation: str | None = None,
        problems: list[Problem] | None = None,
        message_en: str = "",
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.message_en = message_en
        self.field = field
        self.citation = citation
        self.problems: list[Problem] = problems or [
            Problem(code=code, message=message, field=field, citation=citation)
        ]

    def localised(self, lang: str | None) -> str:
        if self.message_en and (lang or "").startswith("en"):
            return self.message_en
        return str(self.message)


class InvalidIdentifier(DomainError):
    """An identifier (ID number, USCC, VIN, plate) failed to parse."""

    title = "Invalid identifier"

    def __init__(
        self,
        code: str,
        message: str,
        *,
        field: str | None = None,
        citation: str | None = None,
        problems: list[Problem] | None = None,
        kind: str = "",
        message_en: str = "",
    ) -> None:
        super().__init__(
            code, message, field=field, citation=citation, problems=problems, message_en=message_en
        )
        self.kind = kind


class NotFound(DomainError):
    """The object does not exist *or the caller may not see it* (never leak existence)."""

    status = 404
    title = "Not found"


class Forbidden(DomainError):
    status = 403
    title = "Forbidden"


class Conflict(DomainError):
    status = 409
    title = "Conflict"


class RateLimited(DomainError):
    status = 429
    title = "Too many requests"

    def __init__(self, code: str, message: str, *, retry_after: int = 0, **kw: Any) -> None:
        super().__init__(code, message, **kw)
        self.retry_after = retry_after  # seconds; sent as Retry-After when given


class PartnerUnavailable(DomainError):
    """An outside party (identity platform, SMS gateway, ...) did not answer in time."""

    status = 503
    title = "Partner service unavailable"


@dataclass
class Warning_:
    """A non-fatal finding (for example: an imported VIN with a wrong check digit)."""

    code: str
    message: str
    citation: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
