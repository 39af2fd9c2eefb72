"""The sandbox's small routing core: parsed requests, a route table, and input helpers.

Each simulated partner lives in its own module with a ``register(table)`` function that adds
its routes (method + path -> handler). A handler takes a :class:`Request` and returns
``(status, json_body)``; it signals bad input by raising :class:`BadRequest`, which the server
turns into ``400 {"error": ..., "detail": ...}``. The server (``sandbox.server``) does the HTTP
plumbing, authentication, signatures and fault injection, so partner modules stay plain
functions over dictionaries.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

JsonObject = dict[str, Any]
Response = tuple[int, JsonObject]
Handler = Callable[["Request"], Response]


class BadRequest(Exception):
    """Bad input from the caller: answered with 400 ``{"error": error, "detail": detail}``."""

    def __init__(self, detail: str, *, error: str = "bad_request") -> None:
        super().__init__(detail)
        self.error = error
        self.detail = detail

    def as_response(self) -> Response:
        return 400, {"error": self.error, "detail": self.detail}


@dataclass(frozen=True)
class Request:
    """One HTTP request as a handler sees it (already authenticated)."""

    method: str
    path: str
    query: Mapping[str, list[str]] = field(default_factory=dict)
    body: bytes = b""

    def json(self) -> JsonObject:
        """The body parsed as a JSON object, or :class:`BadRequest`."""
        if not self.body:
            raise BadRequest("request body is empty; a JSON object is expected")
        try:
            data = json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise BadRequest(f"request body is not valid JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise BadRequest("request body must be a JSON object")
        return data

    def query_param(self, name: str) -> str:
        """A required, single query parameter, or :class:`BadRequest`."""
        values = self.query.get(name) or []
        if len(values) != 1 or not values[0]:
            raise BadRequest(f"query parameter {name!r} is required (exactly once)")
        return values[0]


def require_str(data: Mapping[str, Any], name: str) -> str:
    """``data[name]`` as a non-empty string, or :class:`BadRequest`."""
    value = data.get(name)
    if not isinstance(value, str) or not value.strip():
        raise BadRequest(f"field {name!r} is required and must be a non-empty string")
    return value


def require_int(data: Mapping[str, Any], name: str, *, minimum: int = 0) -> int:
    value = data.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise BadRequest(f"field {name!r} is required and must be an integer >= {minimum}")
    return value


def optional_number(
    data: Mapping[str, Any], name: str, *, default: float, low: float, high: float
) -> float:
    value = data.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise BadRequest(f"field {name!r} must be a number between {low} and {high}")
    return float(value)


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    handler: Handler
    #: The partner this route belongs to ("identity", "sms", ...); None for sandbox controls.
    service: str | None = None
    #: Whether injected faults for ``service`` apply to this route. Sandbox-only helper
    #: endpoints (such as reading the SMS outbox) are not faultable.
    faultable: bool = True


class RouteTable:
    """Exact-match routes keyed by (method, path)."""

    def __init__(self) -> None:
        self._routes: dict[tuple[str, str], Route] = {}

    def add(
        self,
        method: str,
        path: str,
        handler: Handler,
        *,
        service: str | None = None,
        faultable: bool = True,
    ) -> None:
        key = (method.upper(), path)
        if key in self._routes:
            raise ValueError(f"route {method} {path} is registered twice")
        self._routes[key] = Route(key[0], path, handler, service, faultable)

    def match(self, method: str, path: str) -> Route | None:
        """The exact route, else a route registered as ``/prefix/*`` (one final segment)."""
        route = self._routes.get((method.upper(), path))
        if route is None and "/" in path.strip("/"):
            route = self._routes.get((method.upper(), path.rsplit("/", 1)[0] + "/*"))
        return route

    def allowed_methods(self, path: str) -> list[str]:
        return sorted(m for (m, p) in self._routes if p == path)

    @property
    def services(self) -> list[str]:
        """The partner services registered, in registration order."""
        seen: dict[str, None] = {}
        for route in self._routes.values():
            if route.service is not None:
                seen.setdefault(route.service, None)
        return list(seen)
