from __future__ import annotations

import json
import re
import urllib.request
from typing import Any

import pyotp
import pytest
from django.test import Client

from jiaoguan.accounts import services
from jiaoguan.accounts.models import User
from jiaoguan.audit.models import AuditEvent
from jiaoguan.kernel.errors import DomainError, PartnerUnavailable
from tests.conftest import (
    PASSWORD,
    SANDBOX_KEY,
    make_citizen,
    make_person,
    make_staff,
    new_id_number,
)

pytestmark = pytest.mark.django_db


def sandbox_call(server: Any, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    req = urllib.request.Request(
        server.url + path,
        method=method,
        data=json.dumps(body).encode() if body else None,
        headers={"Authorization": f"Bearer {SANDBOX_KEY}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=5) as resp:
        return json.loads(resp.read())


def last_sms_code(server: Any, phone: str) -> str:
    messages = sandbox_call(server, "GET", f"/sms/v1/messages?phone={phone}")["messages"]
    match = re.search(r"(\d{6})", messages[-1]["text"])
    assert match
    return match.group(1)


@pytest.fixture
def no_faults(sandbox_server: Any) -> Any:
    yield sandbox_server
    sandbox_call(sandbox_server, "DELETE", "/_sandbox/faults")


def test_register_binds_existing_person_after_identity_check() -> None:
    person = make_person()
    user = services.citizen_register(
        username="zhang.san",
        password="a-Strong-pass-42",
        name=person.name,
        id_number=person.id_number,
        phone="13811112222",
    )
    assert user.person_id == person.pk and user.real_name_verified_at is not None
    assert user.groups.filter(name="citizen").exists()
    assert AuditEvent.objects.filter(
        action="account.register", subject_person_ref=str(person.public_id)
    ).exists()


def test_register_creates_person_when_unknown() -> None:
    from sandbox.population import name_for

    number = new_id_number("320505")
    user = services.citizen_register(
        username="li.si",
        password="a-Strong-pass-42",
        name=name_for(number),
        id_number=number,
        phone="13811113333",
    )
    assert user.person is not None and user.person.id_number == number


@pytest.mark.parametrize(("name", "code"), [("不对的名字", "identity_name_mismatch")])
def test_register_refuses_wrong_name(name: str, code: str) -> None:
    with pytest.raises(DomainError) as exc:
        services.citizen_register(
            username="wang.wu",
            password="a-Strong-pass-42",
            name=name,
            id_number=new_id_number(),
            phone="13811114444",
        )
    assert exc.value.code == code and exc.value.field == "id_number"
    assert not User.objects.filter(username="wang.wu").exists()


def test_register_with_identity_platform_down_loses_nothing(no_faults: Any) -> None:
    person = make_person()
    sandbox_call(
        no_faults, "POST", "/_sandbox/faults", {"service": "identity", "mode": "error", "count": 1}
    )
    with pytest.raises(PartnerUnavailable):
        services.citizen_register(
            username="zhao.liu",
            password="a-Strong-pass-42",
            name=person.name,
            id_number=person.id_number,
            phone="13811115555",
        )
    assert not User.objects.filter(username="zhao.liu").exists()
    user = services.citizen_register(
        username="zhao.liu",
        password="a-Strong-pass-42",
        name=person.name,
        id_number=person.id_number,
        phone="13811115555",
    )
    assert user.person_id == person.pk


def test_register_page_shows_errors_beside_fields() -> None:
    resp = Client().post(
        "/accounts/register/",
        {
            "username": "ab",
            "name": "张三",
            "id_number": "110105194912310021",
            "phone": "138",
            "password": "short",
        },
    )
    assert resp.status_code == 200
    html = resp.content.decode()
    assert 'class="error"' in html and "has-error" in html


def test_citizen_signs_in_with_sms_code(sandbox_server: Any) -> None:
    citizen = make_citizen()
    c = Client()
    resp = c.post("/accounts/login/", {"username": citizen.username, "password": PASSWORD})
    assert resp.status_code == 302 and resp["Location"] == "/accounts/login/code/"
    code = last_sms_code(sandbox_server, citizen.phone)
    resp = c.post("/accounts/login/code/", {"code": code})
    assert resp.status_code == 302
    assert c.get("/api/v1/me").json()["kind"] == "citizen"
    # the code is single-use
    assert c.post("/accounts/login/code/", {"code": code}).status_code == 302
    assert (
        AuditEvent.objects.filter(action="account.login", actor_ref=str(citizen.public_id)).count()
        == 1
    )


def test_staff_signs_in_with_totp() -> None:
    clerk = make_staff("counter_clerk", "3201")
    c = Client()
    c.post("/accounts/login/", {"username": clerk.username, "password": PASSWORD})
    bad = c.post("/accounts/login/code/", {"code": "000000"})
    assert bad.status_code == 200 and "error" in bad.content.decode()
    resp = c.post("/accounts/login/code/", {"code": pyotp.TOTP(clerk.totp_secret).now()})
    assert resp.status_code == 302
    assert c.get("/console/").status_code == 200


def test_wrong_password_locks_after_limit(settings: Any) -> None:
    settings.LOGIN_MAX_FAILURES = 3
    clerk = make_staff("counter_clerk", "3201")
    for _ in range(3):
        step = services.login_start(username=clerk.username, password="wrong-password")
        assert step.error is not None
    clerk.refresh_from_db()
    assert clerk.locked_until is not None
    step = services.login_start(username=clerk.username, password=PASSWORD)
    assert step.error is not None and step.error.code == "account_locked"
    assert AuditEvent.objects.filter(action="account.locked").count() == 1


def test_unknown_user_gets_the_same_answer() -> None:
    step = services.login_start(username="nobody-here", password="whatever-pass")
    assert step.error is not None and step.error.code == "bad_credentials"


def test_sms_gateway_down_is_a_clear_error(no_faults: Any) -> None:
    citizen = make_citizen()
    sandbox_call(
        no_faults, "POST", "/_sandbox/faults", {"service": "sms", "mode": "error", "count": 1}
    )
    resp = Client().post("/accounts/login/", {"username": citizen.username, "password": PASSWORD})
    assert resp.status_code == 200
    assert "短信" in resp.content.decode() or "SMS" in resp.content.decode()


def test_staff_create_validates_roles_and_scope() -> None:
    from jiaoguan.audit.services import Actor

    with pytest.raises(DomainError) as exc:
        services.staff_create(
            actor=Actor.system(),
            username="x-user",
            password=PASSWORD,
            roles=["wizard"],
            region_scope="3201",
        )
    assert exc.value.field == "roles"
    with pytest.raises(DomainError) as exc:
        services.staff_create(
            actor=Actor.system(),
            username="x-user",
            password=PASSWORD,
            roles=["counter_clerk"],
            region_scope="32x",
        )
    assert exc.value.field == "region_scope"
