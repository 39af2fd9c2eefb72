"""Browser journeys in headless Chromium (Playwright, sync API) against pytest-django's
``live_server``.

The Debian Chromium at /usr/bin/chromium is used; Playwright's own browser download is not.
Without it the journeys are skipped, except in CI (``CI=true``) or with
``JIAOGUAN_REQUIRE_BROWSER=1``, where a missing browser fails the run loudly.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# The sync Playwright API runs an event loop in the main thread, so Django's async-unsafe
# guard would fire on every ORM call a test makes. Documented workaround for
# Playwright + pytest-django: allow it for the e2e tests.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-results"


def _browser_required() -> bool:
    return (
        os.environ.get("CI", "").lower() == "true"
        or os.environ.get("JIAOGUAN_REQUIRE_BROWSER") == "1"
    )


def pytest_collection_modifyitems(config: Any, items: list[pytest.Item]) -> None:
    if CHROMIUM.exists() or _browser_required():
        return
    skip = pytest.mark.skip(
        reason=f"e2e: no Chromium at {CHROMIUM} (apt-get install chromium); "
        "set CI=true or JIAOGUAN_REQUIRE_BROWSER=1 to make this a failure"
    )
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"e2e: Chromium is required (CI / JIAOGUAN_REQUIRE_BROWSER) but {CHROMIUM} is missing"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshot(page: Any) -> Any:
    """``screenshot("name")`` saves a full-page PNG to test-results/e2e-<name>.png."""
    SCREENSHOTS.mkdir(exist_ok=True)

    def take(name: str) -> Path:
        path = SCREENSHOTS / f"e2e-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
