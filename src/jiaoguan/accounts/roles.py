"""Roles are data: one Django group per role, holding named permissions.

Code checks permissions (``user.has_perm("registry.search_registry")``), never role names.
Row scope (region, organisation) lives on the account and is applied by the selectors.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import Group, Permission

from jiaoguan.accounts.constants import AccountKind

_HANDLE = ("cases.handle_application",)
_REVIEW = ("cases.handle_application", "cases.review_application")
_OUTLET = ("cases.handle_outlet_application",)
_REGISTRY_READ = (
    "registry.view_vehicle",
    "registry.view_person",
    "registry.view_drivinglicence",
    "registry.search_registry",
)
_VIOLATIONS = (
    "violations.view_violation",
    "violations.record_violation",
    "violations.void_violation",
)

#: see learners' progress; record on-site sessions and void cheated enrolments
_EDUCATION = ("education.view_progress", "education.record_onsite")


@dataclass(frozen=True)
class Role:
    code: str
    name_zh: str
    name_en: str
    kind: str
    permissions: tuple[str, ...] = ()


ROLES: tuple[Role, ...] = (
    Role("citizen", "群众", "Citizen", AccountKind.CITIZEN),
    Role(
        "counter_clerk",
        "窗口民警/辅警",
        "Counter clerk",
        AccountKind.STAFF,
        (
            *_REGISTRY_READ,
            *_HANDLE,
            "plates.grant_selection_right",
            "exams.handle_licence_application",
            "exchange.handle_transfer",
            *_EDUCATION,
        ),
    ),
    Role(
        "reviewer",
        "审核员",
        "Reviewer",
        AccountKind.STAFF,
        (
            *_REGISTRY_READ,
            *_REVIEW,
            "registry.view_full_identifiers",
            "inspection.manage_station",
            "exams.manage_exam_sites",
        ),
    ),
    Role(
        "county_clerk",
        "县级车管所",
        "County office clerk",
        AccountKind.STAFF,
        (*_REGISTRY_READ, *_HANDLE),
    ),
    Role(
        "township_clerk",
        "乡镇服务站",
        "Township point clerk",
        AccountKind.STAFF,
        (*_REGISTRY_READ, *_HANDLE),
    ),
    Role(
        "outlet_dealer",
        "汽车销售企业代办",
        "Outlet agent (car dealer)",
        AccountKind.STAFF,
        (*_OUTLET, "plates.grant_selection_right", "plates.select_for_buyer"),
    ),
    Role(
        "outlet_used_car",
        "二手车市场代办",
        "Outlet agent (used-car market)",
        AccountKind.STAFF,
        _OUTLET,
    ),
    Role("outlet_insurer", "保险公司代办", "Outlet agent (insurer)", AccountKind.STAFF, _OUTLET),
    Role("outlet_post", "邮政网点代办", "Outlet agent (post office)", AccountKind.STAFF, _OUTLET),
    Role(
        "kiosk_device",
        "自助服务终端",
        "Self-service kiosk (device)",
        AccountKind.STAFF,
        ("accounts.operate_kiosk",),
    ),
    Role(
        "inspection_station",
        "机动车检验机构",
        "Inspection station",
        AccountKind.STAFF,
        ("inspection.operate_station",),
    ),
    Role("exam_site", "考场", "Exam site", AccountKind.STAFF, ("exams.operate_exam_site",)),
    #: staff of a driving school's organisation account (given with ``org_staff``): apply for
    #: their students and book their exams; they see only the applications the school made
    Role(
        "driving_school",
        "驾驶人培训机构",
        "Driving school",
        AccountKind.STAFF,
        ("exams.handle_licence_application",),
    ),
    Role(
        "police_officer",
        "交通民警",
        "Police officer",
        AccountKind.STAFF,
        (*_REGISTRY_READ, "registry.change_vehicle_status", *_VIOLATIONS, _EDUCATION[0]),
    ),
    Role("accident_assistant", "事故协理员", "Rural accident assistant", AccountKind.STAFF),
    Role("insurer_adjuster", "保险理赔员", "Insurer adjuster", AccountKind.STAFF),
    Role("partner_system", "合作方系统", "Partner system", AccountKind.PARTNER),
    Role(
        "org_admin",
        "单位管理员",
        "Organisation administrator",
        AccountKind.STAFF,
        ("orgs.manage_org_staff",),
    ),
    Role("org_staff", "单位工作人员", "Organisation staff", AccountKind.STAFF),
    Role(
        "supervisor",
        "监管人员",
        "Supervisor",
        AccountKind.STAFF,
        (*_REGISTRY_READ, "audit.view_auditevent", "audit.verify_chain", _EDUCATION[0]),
    ),
    Role(
        "administrator",
        "系统管理员",
        "Administrator",
        AccountKind.STAFF,
        (
            *_REGISTRY_READ,
            "registry.view_full_identifiers",
            "registry.change_vehicle_status",
            "audit.view_auditevent",
            "audit.verify_chain",
            "accounts.manage_api_clients",
            "plates.manage_pools",
            "plates.grant_selection_right",
            "inspection.manage_station",
            "exams.manage_exam_sites",
            "exchange.handle_transfer",
            *_REVIEW,
        ),
    ),
)
ROLE_BY_CODE = {r.code: r for r in ROLES}


def sync_roles(using: str = "default") -> None:
    """Create or update one group per role with exactly its permissions (idempotent)."""
    perms = {
        f"{p.content_type.app_label}.{p.codename}": p
        for p in Permission.objects.using(using).select_related("content_type")
    }
    for role in ROLES:
        group, _ = Group.objects.using(using).get_or_create(name=role.code)
        wanted = [perms[name] for name in role.permissions if name in perms]
        group.permissions.set(wanted)
