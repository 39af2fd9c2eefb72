"""Project-level checks: committed generated files match the code; the demo seeds."""

from __future__ import annotations

from pathlib import Path

import pytest

from jiaoguan import cli
from jiaoguan.conf import env

ROOT = Path(__file__).resolve().parents[1]


def test_openapi_file_matches_the_code() -> None:
    committed = (ROOT / "docs" / "openapi.json").read_text(encoding="utf-8")
    assert committed == cli.openapi_text(), "run `jiaoguan openapi` and commit docs/openapi.json"


def test_configuration_doc_matches_the_code() -> None:
    committed = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert committed == env.markdown(), "run `jiaoguan configdoc` and commit the result"


def test_every_env_read_is_declared() -> None:
    """Settings read variables only through conf.env (no stray os.environ reads in src/)."""
    offenders = []
    for path in (ROOT / "src" / "jiaoguan").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if "os.environ" in text and path.name not in {
            "env.py",
            "_devsecrets.py",
            "dev.py",
            "test.py",
            "cli.py",
            "wsgi.py",
        }:
            offenders.append(str(path))
    assert offenders == []


def test_production_settings_require_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(env.ConfigurationError):
        env.require("SECRET_KEY")


@pytest.mark.django_db
def test_demo_seed_small(capsys: pytest.CaptureFixture[str]) -> None:
    from jiaoguan.accounts.models import User
    from jiaoguan.audit.selectors import audit_verify
    from jiaoguan.demo import seed
    from jiaoguan.registry.models import Vehicle

    report = seed.seed_demo(persons=60, vehicles=60, progress=lambda _m: None)
    assert (report.persons, report.vehicles) == (60, 60)
    roles = {login.role for login in seed.demo_logins()}
    from jiaoguan.accounts.roles import ROLES

    assert roles == {r.code for r in ROLES} - {"partner_system"}
    assert report.partner_token.startswith("jg_")
    assert User.objects.filter(kind="citizen").count() == report.citizens > 0
    assert Vehicle.objects.filter(plate__number__startswith="苏").count() == 60
    assert audit_verify().ok
    with pytest.raises(RuntimeError):
        seed.seed_demo(persons=1, vehicles=1)


def test_translation_catalogue_is_complete() -> None:
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "i18n.py"), "check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.django_db
def test_pages_are_chinese_first_with_english(client: object) -> None:
    zh = client.get("/").content.decode()  # type: ignore[attr-defined]
    assert '<html lang="zh-hans">' in zh and "交通管理服务" in zh
    client.cookies["django_language"] = "en"  # type: ignore[attr-defined]
    en = client.get("/").content.decode()  # type: ignore[attr-defined]
    assert '<html lang="en">' in en and "Traffic administration services" in en


@pytest.mark.django_db
def test_unknown_page_is_a_page_not_a_500(client: object) -> None:
    resp = client.get("/no/such/page/")  # type: ignore[attr-defined]
    assert resp.status_code == 404 and "页面不存在" in resp.content.decode()
