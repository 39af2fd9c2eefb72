"""Who is asking: a signed-in user or a partner system (API client). Selectors take either."""

from __future__ import annotations

from typing import Any, Protocol


class Principal(Protocol):
    @property
    def is_authenticated(self) -> bool: ...

    @property
    def region_scope(self) -> str: ...

    @property
    def kind(self) -> str: ...

    def has_perm(self, perm: str, obj: Any = None) -> bool: ...


# Partner API scopes and the permissions each one grants (documented in the OpenAPI file).
SCOPE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "registry:read": (
        "registry.view_vehicle",
        "registry.view_drivinglicence",
        "registry.search_registry",
    ),
    "persons:read": ("registry.view_person",),
    "violations:write": ("violations.record_violation", "violations.view_violation"),
    "exams:site": ("exams.operate_exam_site",),
}
SCOPE_DESCRIPTIONS: dict[str, str] = {
    "registry:read": "Read vehicles and driving licences in the client's region.",
    "persons:read": "Read person records (masked identifiers) in the client's region.",
    "violations:write": "Record traffic violations (with evidence) in the client's region "
    "and read them back.",
    "exams:site": "An exam site's system: publish booking plans, check in applicants (random "
    "examiner) and enter results, for the client's own exam site only.",
}
