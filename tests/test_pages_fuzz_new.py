"""Bad input into the new pages' POST forms never yields a 500 (DESIGN.md): each page is fetched,
its POST forms are read from the HTML, and every field is filled with garbage (NUL bytes, huge
strings, wrong types, impossible dates, unknown ids), as the citizen or staff member the page is
for. A refusal is a page (or a redirect) with a message, never a server error."""

from __future__ import annotations

import random
import uuid
from html.parser import HTMLParser
from typing import Any

import pytest
from django.test import Client

from tests.conftest import make_citizen, make_person, make_staff, make_vehicle

pytestmark = pytest.mark.django_db

GARBAGE = [
    "",
    "\x00",
    "a\x00b",
    "x" * 5000,
    "-1",
    "99999999999999999999",
    "1.5",
    "2026-02-30",
    "not-a-uuid",
    str(uuid.uuid4()),
    "<script>alert(1)</script>",
    "苏A\x00123",
]

# logging out or switching language mid-walk would end the walk, not test a form
SKIP = {"/accounts/logout/", "/i18n/setlang/"}
FALLBACK_FIELDS = [
    "application",
    "plan",
    "course",
    "action",
    "check",
    "enrolment",
    "day",
    "minutes",
    "score",
    "reason",
    "plate",
    "x",
]

CITIZEN_PAGES = [
    "/portal/exams/",
    "/portal/exams/book/",
    f"/portal/exams/{uuid.uuid4()}/cancel/",
    "/portal/education/",
    f"/portal/education/{uuid.uuid4()}/",
    f"/portal/education/exam/{uuid.uuid4()}/",
    "/portal/plates/register/",
    "/portal/plates/swap/",
    "/portal/transfers/",
    "/organisations/",
    f"/organisations/{uuid.uuid4()}/",
]
STAFF_PAGES = [
    ("counter_clerk", "3201", "/console/exams/"),
    ("counter_clerk", "3201", "/console/education/"),
    ("counter_clerk", "3201", "/console/plates/register/"),
    ("counter_clerk", "3201", "/console/plates/orders/"),
    ("counter_clerk", "3201", "/console/transfers/"),
    ("counter_clerk", "3201", f"/console/transfers/{uuid.uuid4()}/"),
    ("counter_clerk", "3201", f"/console/transfers/{uuid.uuid4()}/accept/"),
    ("counter_clerk", "3201", f"/console/transfers/{uuid.uuid4()}/%00/"),
    ("administrator", "32", "/organisations/"),
    ("administrator", "32", "/organisations/staff/"),
    ("outlet_dealer", "3201", "/outlet/plates/register/"),
    ("exam_site", "3201", "/exam-site/"),
    ("exam_site", "3201", f"/exam-site/bookings/{uuid.uuid4()}/check-in/"),
    ("exam_site", "3201", f"/exam-site/bookings/{uuid.uuid4()}/result/"),
]


class _Forms(HTMLParser):
    """The POST forms of a page: their action and field names (select options kept)."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []
        self._form: dict[str, Any] | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "get").lower() == "post":
            self._form = {"action": a.get("action", ""), "fields": {}}
            self.forms.append(self._form)
        elif self._form is not None and tag in ("input", "textarea", "select") and a.get("name"):
            if a["name"] != "csrfmiddlewaretoken":
                self._form["fields"].setdefault(a["name"], [])
                if a.get("value"):
                    self._form["fields"][a["name"]].append(a["value"])
            if tag == "select":
                self._select = a["name"]
        elif tag == "option" and self._form is not None and self._select and a.get("value"):
            self._form["fields"][self._select].append(a["value"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def _fuzz_page(c: Client, url: str, seed: int) -> list[str]:
    rnd = random.Random(seed)
    failures: list[str] = []
    resp = c.get(url)
    if resp.status_code >= 500:
        return [f"GET {url}: {resp.status_code}"]
    parser = _Forms()
    if resp.status_code == 200 and "html" in resp.get("Content-Type", ""):
        parser.feed(resp.content.decode("utf-8", "replace"))
    targets = [(f["action"] or url, f["fields"]) for f in parser.forms]
    if not any(fields for action, fields in targets if action not in SKIP):
        # a POST-only endpoint (or a page with nothing to submit yet): the names its view reads
        targets.append((url, {n: [] for n in FALLBACK_FIELDS}))
    for action, fields in targets:
        if action.startswith("http") or action in SKIP:
            continue
        names = list(fields) or ["x"]
        cases: list[dict[str, Any]] = [{}]
        for name in names:
            for bad in rnd.sample(GARBAGE, 4):
                valid = {n: (fields.get(n) or ["1"])[0] for n in names}
                cases.append({**valid, name: bad})
        cases.append({n: rnd.choice(GARBAGE) for n in names})
        cases.append({n: [rnd.choice(GARBAGE), rnd.choice(GARBAGE)] for n in names})
        for data in cases:
            try:
                r = c.post(action, data)
            except Exception as exc:  # the 500 we look for
                failures.append(f"POST {action} {data!r:.200}: raised {exc!r:.300}")
                continue
            if r.status_code >= 500:
                failures.append(f"POST {action} {data!r:.200}: {r.status_code}")
    return failures


@pytest.fixture
def citizen(db: None) -> Client:
    person = make_person("320102")
    make_vehicle(person)
    c = Client()
    c.force_login(make_citizen(person))
    return c


@pytest.mark.parametrize("url", CITIZEN_PAGES)
def test_citizen_forms_never_answer_500(citizen: Client, url: str) -> None:
    failures = _fuzz_page(citizen, url, seed=len(url))
    assert not failures, "\n".join(failures[:15])


@pytest.mark.parametrize(("role", "scope", "url"), STAFF_PAGES)
def test_staff_forms_never_answer_500(db: None, role: str, scope: str, url: str) -> None:
    c = Client()
    c.force_login(make_staff(role, scope))
    failures = _fuzz_page(c, url, seed=len(url))
    assert not failures, "\n".join(failures[:15])


# The OAuth authorisation server and the SSO callback are Django views, not in the OpenAPI
# document: garbage into their parameters is refused (4xx or a redirect), never a 500.
OAUTH_SSO = [
    ("get", "/oauth/authorize/"),
    ("post", "/oauth/token/"),
    ("post", "/oauth/revoke_token/"),
    ("get", "/oauth/userinfo/"),
    ("post", "/oauth/introspect/"),
    ("get", "/accounts/sso/start/"),
    ("get", "/accounts/sso/callback/"),
]
OAUTH_FIELDS = [
    "client_id",
    "response_type",
    "redirect_uri",
    "scope",
    "state",
    "code",
    "code_challenge",
    "code_challenge_method",
    "grant_type",
    "refresh_token",
    "token",
    "nonce",
    "provider",
    "next",
]


@pytest.mark.parametrize(("method", "url"), OAUTH_SSO)
@pytest.mark.parametrize("who", ["anonymous", "citizen"])
def test_oauth_and_sso_never_answer_500(db: None, method: str, url: str, who: str) -> None:
    rnd = random.Random(url + who)
    c = Client()
    if who == "citizen":
        c.force_login(make_citizen(make_person("320102")))
    failures: list[str] = []
    cases: list[dict[str, str]] = [{}] + [
        {f: bad} for f in OAUTH_FIELDS for bad in rnd.sample(GARBAGE, 2)
    ]
    cases.append({f: rnd.choice(GARBAGE) for f in OAUTH_FIELDS})
    cases.append({**{f: "x" for f in OAUTH_FIELDS}, "response_type": "code", "grant_type": "code"})
    for data in cases:
        try:
            r = getattr(c, method)(url, data)
        except Exception as exc:
            failures.append(f"{method.upper()} {url} {data!r:.200}: raised {exc!r:.300}")
            continue
        if r.status_code >= 500:
            failures.append(f"{method.upper()} {url} {data!r:.200}: {r.status_code}")
    assert not failures, "\n".join(failures[:15])
