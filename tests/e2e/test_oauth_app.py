"""A third-party app obtains a citizen's consent, reads their points, and loses access when the
citizen withdraws it on "my authorisations" (issue 4, "done when").

The app is a tiny real HTTP server run by the test: it sends the browser to jiaoguan's
authorization endpoint with PKCE, receives the code on its callback, exchanges it at the token
endpoint and calls the resource API over real HTTP against the live server."""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
import secrets
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from playwright.sync_api import expect

from jiaoguan.audit.services import Actor
from jiaoguan.oauth import services
from tests.conftest import PASSWORD, make_citizen, make_licence, make_person
from tests.e2e.test_journeys import NEXT, code_step, sms_code

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


class ThirdPartyApp:
    """The provincial service app: a confidential OAuth client with its own web pages."""

    def __init__(self, issuer: str) -> None:
        self.issuer = issuer
        self.client_id = ""
        self.secret = ""
        self.pending: dict[str, str] = {}  # state -> PKCE verifier
        self.access_token = ""
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def redirect_uri(self) -> str:
        return f"{self.url}/callback"

    def _post(self, path: str, form: dict[str, str]) -> dict[str, Any]:
        request = urllib.request.Request(
            f"{self.issuer}{path}", data=urllib.parse.urlencode(form).encode(), method="POST"
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return dict(json.load(response))

    def read_points(self) -> tuple[int, dict[str, Any]]:
        request = urllib.request.Request(
            f"{self.issuer}/api/v1/app/me/points",
            headers={"Authorization": f"Bearer {self.access_token}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, dict(json.load(response))
        except urllib.error.HTTPError as exc:
            return exc.code, dict(json.load(exc))

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        app = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                return None

            def _page(self, body: str, status: int = 200) -> None:
                data = f"<!doctype html><meta charset=utf-8><body>{body}</body>".encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _show_points(self) -> None:
                status, body = app.read_points()
                if status == 200:
                    self._page(f'<p id="points">{body["points"]}</p>')
                else:
                    self._page(f'<p id="lost">{status} {html.escape(body.get("code", ""))}</p>')

            def do_GET(self) -> None:
                url = urllib.parse.urlparse(self.path)
                query = urllib.parse.parse_qs(url.query)
                if url.path == "/start":
                    state, verifier = secrets.token_urlsafe(16), secrets.token_urlsafe(48)
                    app.pending[state] = verifier
                    challenge = base64.urlsafe_b64encode(
                        hashlib.sha256(verifier.encode()).digest()
                    ).rstrip(b"=")
                    params = urllib.parse.urlencode(
                        {
                            "response_type": "code",
                            "client_id": app.client_id,
                            "redirect_uri": app.redirect_uri,
                            "scope": "openid points:read",
                            "state": state,
                            "nonce": secrets.token_urlsafe(8),
                            "code_challenge": challenge.decode(),
                            "code_challenge_method": "S256",
                        }
                    )
                    self.send_response(302)
                    self.send_header("Location", f"{app.issuer}/oauth/authorize/?{params}")
                    self.end_headers()
                elif url.path == "/callback":
                    verifier = app.pending.pop(query.get("state", [""])[0], "")
                    if not verifier or "code" not in query:
                        self._page('<p id="error">refused</p>', 400)
                        return
                    tokens = app._post(
                        "/oauth/token/",
                        {
                            "grant_type": "authorization_code",
                            "code": query["code"][0],
                            "redirect_uri": app.redirect_uri,
                            "code_verifier": verifier,
                            "client_id": app.client_id,
                            "client_secret": app.secret,
                        },
                    )
                    app.access_token = tokens["access_token"]
                    self._show_points()
                elif url.path == "/points":
                    self._show_points()
                else:
                    self._page("not found", 404)

        return Handler


@pytest.fixture
def third_party_app(live_server: Any) -> Iterator[ThirdPartyApp]:
    app = ThirdPartyApp(live_server.url)
    application, secret = services.app_register(
        actor=Actor.system("tests"),
        name="苏服办",
        organisation_name="江苏省政务服务管理办公室",
        purpose="在苏服办展示您的驾驶证记分",
        purpose_en="Show your licence points in the provincial service app",
        redirect_uris=[app.redirect_uri],
        scopes=["points:read", "licence:read"],
    )
    app.client_id, app.secret = application.client_id, secret
    thread = threading.Thread(target=app.server.serve_forever, daemon=True)
    thread.start()
    yield app
    app.server.shutdown()
    app.server.server_close()


def test_an_app_reads_points_with_consent_and_loses_access_on_withdrawal(
    page: Any,
    live_server: Any,
    sandbox_server: Any,
    third_party_app: ThirdPartyApp,
    screenshot: Any,
) -> None:
    person = make_person()
    make_licence(person, points=6)
    citizen = make_citizen(person)
    # the app sends the browser to jiaoguan; the citizen signs in there and comes back to the
    # consent page
    page.goto(f"{third_party_app.url}/start")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/oauth/authorize/"))
    page.get_by_label(re.compile("用户名|Username")).fill(citizen.username)
    page.get_by_label(re.compile("密码|Password")).fill(PASSWORD)
    page.get_by_role("button", name=NEXT).click()
    code_step(page, sms_code(sandbox_server.url, person.phone))
    expect(page).to_have_url(re.compile(r"/oauth/authorize/"))
    expect(page.get_by_test_id("consent-title")).to_contain_text("苏服办")
    expect(page.get_by_test_id("consent-purpose")).to_have_text("在苏服办展示您的驾驶证记分")
    scopes = page.get_by_test_id("consent-scopes").locator("li")
    expect(scopes).to_have_count(2)  # openid and points:read, not licence:read
    expect(page.get_by_test_id("consent-scopes")).to_contain_text("points:read")
    screenshot("oauth-1-consent")
    page.get_by_test_id("consent-allow").click()

    expect(page).to_have_url(re.compile(re.escape(third_party_app.url) + r"/callback\?"))
    expect(page.locator("#points")).to_have_text("6")
    screenshot("oauth-2-app-shows-points")

    page.goto(f"{live_server.url}/portal/authorisations/")
    row = page.get_by_test_id(f"app-{third_party_app.client_id}")
    expect(row).to_contain_text("苏服办")
    expect(row).to_contain_text(re.compile("本记分周期|current scoring cycle"))
    expect(row.get_by_test_id("app-last-used")).not_to_have_text("—")
    screenshot("oauth-3-my-authorisations")
    row.get_by_test_id("app-withdraw").click()
    expect(page.get_by_test_id("messages")).to_be_visible()
    expect(
        page.get_by_test_id(f"app-{third_party_app.client_id}").get_by_test_id("app-status")
    ).to_have_text(re.compile("已撤回|Withdrawn"))

    page.goto(f"{third_party_app.url}/points")
    expect(page.locator("#lost")).to_contain_text("401")
    screenshot("oauth-4-app-lost-access")

    page.goto(f"{live_server.url}/portal/access/")
    expect(page.locator("main")).to_contain_text("苏服办")
    expect(page.locator("main")).to_contain_text("在苏服办展示您的驾驶证记分")
