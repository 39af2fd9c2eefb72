"""Roles are data: each group holds exactly the permissions its role names."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from jiaoguan.accounts.roles import ROLES

pytestmark = pytest.mark.django_db


def perms(role: str) -> set[str]:
    group = Group.objects.get(name=role)
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}


def test_every_role_is_a_group_with_exactly_its_permissions() -> None:
    for role in ROLES:
        assert perms(role.code) == set(role.permissions), role.code


@pytest.mark.parametrize(
    ("role", "has", "lacks"),
    [
        (
            "counter_clerk",
            {"cases.handle_application", "registry.search_registry"},
            {"cases.review_application", "registry.view_full_identifiers"},
        ),
        ("reviewer", {"cases.review_application", "registry.view_full_identifiers"}, set()),
        ("county_clerk", {"cases.handle_application"}, {"cases.review_application"}),
        ("township_clerk", {"cases.handle_application"}, {"cases.review_application"}),
        ("administrator", {"cases.review_application", "audit.verify_chain"}, set()),
        (
            "outlet_dealer",
            {"cases.handle_outlet_application"},
            {"registry.view_vehicle", "cases.handle_application"},
        ),
        ("outlet_post", {"cases.handle_outlet_application"}, {"registry.search_registry"}),
        ("citizen", set(), {"registry.view_vehicle"}),
        (
            "police_officer",
            {
                "violations.view_violation",
                "violations.record_violation",
                "violations.void_violation",
            },
            {"cases.review_application"},
        ),
        ("counter_clerk", set(), {"violations.record_violation", "violations.void_violation"}),
        (
            "inspection_station",
            {"inspection.operate_station"},
            {"inspection.manage_station", "registry.view_vehicle", "cases.handle_application"},
        ),
        ("reviewer", {"inspection.manage_station"}, {"inspection.operate_station"}),
        ("counter_clerk", set(), {"inspection.manage_station", "inspection.operate_station"}),
    ],
)
def test_key_permissions(role: str, has: set[str], lacks: set[str]) -> None:
    held = perms(role)
    assert has <= held and not (lacks & held)
