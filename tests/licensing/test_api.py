"""The rules API: public, facts in and decision out, the message in the request's language
(Chinese by default), bad input a 422 problem+json naming the field, never a 500."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jiaoguan.licensing import api as rules_api
from jiaoguan.licensing import rules

BASE = "/api/v1/rules"


@pytest.fixture(autouse=True)
def _fresh_throttle() -> Iterator[None]:
    """The rate limit counts in the cache: every test starts with none."""
    cache.clear()
    yield
    cache.clear()


def post(client: Client, path: str, body: Any, lang: str | None = None) -> Any:
    headers = {"HTTP_ACCEPT_LANGUAGE": lang} if lang else {}
    return client.post(
        f"{BASE}{path}", data=json.dumps(body), content_type="application/json", **headers
    )


def test_first_application_in_chinese_by_default(client: Client) -> None:
    r = post(client, "/licence/first-application", {"class": "B2", "age": 64, "on": "2025-01-01"})
    assert r.status_code == 200
    body = r.json()
    assert body["allowed"] is False
    assert body["rule"] == "licence.first_application_age@2025-01-01"
    assert body["code"] == "too_old"
    assert "R162 Art. 14" in body["citations"] and "MPS order 172" in body["citations"]
    assert body["facts"]["maximum_age"] == 63
    assert body["message"] == "申请人年龄超过该准驾车型的年龄上限"


def test_first_application_in_english(client: Client) -> None:
    r = post(
        client, "/licence/first-application", {"class": "B2", "age": 64, "on": "2025-01-01"}, "en"
    )
    assert r.json()["message"] == "The applicant is older than the maximum age for this class"


def test_first_application_allowed(client: Client) -> None:
    body = post(
        client, "/licence/first-application", {"class": "B2", "age": 63, "on": "2025-01-01"}
    ).json()
    assert (body["allowed"], body["code"], body["message"]) == (True, "", "")


def test_dated_versions_through_the_api(client: Client) -> None:
    before = post(
        client, "/licence/first-application", {"class": "B2", "age": 61, "on": "2024-12-31"}
    )
    after = post(
        client, "/licence/first-application", {"class": "B2", "age": 61, "on": "2025-01-01"}
    )
    assert before.json()["rule"].endswith("@2022-04-01") and not before.json()["allowed"]
    assert after.json()["rule"].endswith("@2025-01-01") and after.json()["allowed"]


def test_add_class(client: Client) -> None:
    body = {
        "class": "A1",
        "held": [{"class": "B2", "since": "2022-07-01"}],
        "age": 40,
        "first_issued": "2010-03-10",
        "full_score_dates": [],
        "on": "2025-06-30",
    }
    assert post(client, "/licence/add-class", body).json()["code"] == "experience_too_short"
    body["on"] = "2025-07-01"
    assert post(client, "/licence/add-class", body).json()["allowed"] is True
    body["full_score_dates"] = ["2022-06-01"]
    r = post(client, "/licence/add-class", body, "en").json()
    assert r["code"] == "full_score_record" and r["facts"]["full_score_cycles_ago"] == [3]


def test_exam_booking_earliest_date(client: Client) -> None:
    body = {
        "subject": 3,
        "class": "C1",
        "permit_issued_on": "2025-03-01",
        "birth_date": "1999-05-05",
        "exam_date": "2025-04-20",
        "on": "2025-03-30",
    }
    r = post(client, "/exams/booking", body).json()
    assert (r["allowed"], r["code"], r["facts"]["earliest"]) == (False, "too_early", "2025-03-31")
    body["on"] = "2025-03-31"
    assert post(client, "/exams/booking", body).json()["allowed"] is True


def test_scoring_cycle(client: Client) -> None:
    r = post(client, "/scoring/cycle", {"first_issued": "2018-05-10", "on": "2025-05-09"}).json()
    assert (r["facts"]["start"], r["facts"]["end"]) == ("2024-05-10", "2025-05-09")
    assert r["rule"] == "scoring.cycle@2022-04-01"


def test_full_score_study_days(client: Client) -> None:
    r = post(
        client,
        "/scoring/full-score-study",
        {"classes": ["B2"], "full_scores_in_cycle": 2, "points_in_cycle": 24},
    ).json()
    assert r["facts"]["study_days"] == 60 and r["facts"]["min_onsite_days"] == 5


def test_point_reduction(client: Client) -> None:
    body = {"activity": "onsite", "minutes": 60, "test_passed": True, "points_now": 5}
    assert post(client, "/scoring/point-reduction", body).json()["facts"]["points_off"] == 2
    body["in_probation"] = True
    r = post(client, "/scoring/point-reduction", body).json()
    assert (r["code"], r["message"]) == ("in_probation", "实习期内不得申请")


def test_cases_rules_served(client: Client) -> None:
    r = post(client, "/licence/renewal-window", {"valid_until": "2026-06-30", "on": "2026-03-31"})
    assert r.json()["code"] == "renewal_too_early"
    assert r.json()["rule"] == "licence.renewal_window@2022-04-01"
    r = post(
        client,
        "/licence/deferral",
        {
            "matter": "renewal",
            "classes": ["C1"],
            "age": 40,
            "valid_until": "2025-06-30",
            "until": "2027-06-30",
            "reason": "abroad",
            "on": "2026-06-30",
        },
    )
    assert r.json()["allowed"] is True
    r = post(client, "/licence/age-downgrade", {"held": ["B2"], "age": 61, "on": "2024-12-31"})
    assert r.json()["facts"]["keep"] == ["C1"]
    r = post(client, "/licence/age-downgrade", {"held": ["B2"], "age": 61, "on": "2025-01-01"})
    assert r.json()["allowed"] is False


@pytest.mark.parametrize(
    ("path", "body"),
    [
        (
            "/licence/probation",
            {"probation_started": "2025-03-10", "on": "2025-06-01", "activity": "trailer"},
        ),
        (
            "/licence/probation-full-score",
            {"probation_started": "2025-03-10", "on": "2025-06-01", "points_in_probation": 12},
        ),
        (
            "/licence/review",
            {"classes": ["B2"], "age": 50, "points_in_cycle": 3, "cycle_end": "2025-03-09"},
        ),
        ("/exams/pass", {"subject": 2, "class": "C1", "score": 80}),
        (
            "/exams/learner-permit",
            {"class": "C1", "issued_on": "2025-03-01", "birth_date": "2000-01-01"},
        ),
        (
            "/exams/failure",
            {"subject": 2, "failed_on": "2025-05-01", "was_retake": True, "booking_number": 2},
        ),
        ("/exams/cancellation", {"exam_date": "2099-06-10", "on": "2099-06-01"}),
        ("/exams/location-change", {"class": "C2", "changes_made": 1}),
        ("/exams/road-test-distance", {"class": "C1", "first_application": True, "km": 3.5}),
        ("/scoring/cycle-end", {"records": [{"points": 6}, {"points": 3, "fine_unpaid": True}]}),
        (
            "/scoring/study-days",
            {
                "classes": ["C1"],
                "sessions": [{"day": "2025-06-01", "mode": "online", "minutes": 200}],
            },
        ),
        ("/scoring/full-score-exams", {"full_scores_in_cycle": 2, "points_in_cycle": 24}),
        ("/scoring/full-score-release", {"exams_passed": True, "fines_unpaid": 0}),
        ("/licence/age-cancellation", {"classes": ["M"], "age": 63, "on": "2025-01-01"}),
        ("/licence/medical", {"classes": ["C5"], "age": 40}),
        ("/licence/restoration", {"cancelled_on": "2024-05-01", "on": "2026-05-01"}),
        ("/licence/contact-change", {"changed_on": "2025-05-01", "on": "2025-05-31"}),
        ("/exams/booking-plan", {"published_on": "2025-06-01", "exam_date": "2025-06-10"}),
        ("/scoring/point-value", {"points": 4}),
        ("/scoring/offence", {"offence": "drink_driving"}),
        (
            "/scoring/full-score-suspension",
            {"notice_served_on": "2025-06-02", "attended": False, "on": "2025-06-10"},
        ),
    ],
)
def test_every_endpoint_answers_a_decision(client: Client, path: str, body: dict) -> None:
    r = post(client, path, body, "en")
    assert r.status_code == 200, r.content
    out = r.json()
    assert set(out) == {"allowed", "rule", "citations", "code", "message", "facts"}
    assert "@" in out["rule"] and out["citations"]
    assert bool(out["code"]) is (not out["allowed"])  # a refusal always has its code


def test_rule_catalogue(client: Client) -> None:
    r = client.get(f"{BASE}/licensing")
    assert r.status_code == 200
    ids = {row["id"] for row in r.json()}
    assert ids == {rule.id for rule in rules.CATALOGUE}


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/licence/first-application", {"class": "X9", "age": 30}, "class"),
        ("/licence/first-application", {"class": "C1", "age": -1}, "age"),
        ("/licence/first-application", {"class": "C1", "age": 30, "on": "2025-02-30"}, "on"),
        ("/licence/first-application", {"class": "C1", "age": 30, "on": "9999-12-31"}, "on"),
        ("/licence/first-application", {"age": 30}, "class"),
        (
            "/exams/booking",
            {
                "subject": 4,
                "class": "C1",
                "permit_issued_on": "2025-01-01",
                "birth_date": "2000-01-01",
                "exam_date": "2025-03-01",
            },
            "subject",
        ),
        ("/scoring/cycle-end", {"records": [{"points": 5}]}, "records.0.points"),
        (
            "/scoring/point-reduction",
            {"activity": "sleeping", "minutes": 30, "points_now": 3},
            "activity",
        ),
    ],
)
def test_bad_input_is_422_problem_json_with_the_field(
    client: Client, path: str, body: dict, field: str
) -> None:
    for lang in (None, "en"):
        r = post(client, path, body, lang)
        assert r.status_code == 422
        assert r["Content-Type"] == "application/problem+json"
        problem = r.json()
        assert problem["code"] == "validation_error"
        assert field in {p["name"] for p in problem["invalid_params"]}


def test_malformed_json_is_not_a_500(client: Client) -> None:
    r = client.post(f"{BASE}/scoring/cycle", data="{not json", content_type="application/json")
    assert r.status_code in (400, 422)
    assert r["Content-Type"] == "application/problem+json"


def test_rate_limited_per_client(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rules_api.throttle, "num_requests", 2)
    body = {"first_issued": "2018-05-10", "on": "2025-05-09"}
    assert post(client, "/scoring/cycle", body).status_code == 200
    assert post(client, "/scoring/cycle", body).status_code == 200
    r = post(client, "/scoring/cycle", body)
    assert r.status_code == 429
    assert r["Content-Type"] == "application/problem+json"
    # another address is counted apart
    other = client.post(
        f"{BASE}/scoring/cycle",
        data=json.dumps(body),
        content_type="application/json",
        REMOTE_ADDR="10.0.0.9",
    )
    assert other.status_code == 200


dates = st.dates().map(lambda d: d.isoformat())
anything = st.one_of(
    st.none(), st.integers(-(10**6), 10**6), st.text(max_size=5), dates, st.booleans()
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    path=st.sampled_from(
        [
            "/licence/first-application",
            "/licence/add-class",
            "/exams/booking",
            "/exams/learner-permit",
            "/scoring/cycle",
            "/scoring/point-reduction",
            "/licence/deferral",
            "/licence/probation",
        ]
    ),
    body=st.fixed_dictionaries(
        {},
        optional={
            "class": st.sampled_from([*rules.CLASSES, "Z"]),
            "age": anything,
            "on": st.one_of(dates, anything),
            "first_issued": dates,
            "held": st.lists(
                st.fixed_dictionaries({"class": st.sampled_from(rules.CLASSES), "since": dates}),
                max_size=3,
            ),
            "subject": anything,
            "permit_issued_on": dates,
            "birth_date": dates,
            "exam_date": dates,
            "issued_on": dates,
            "probation_started": dates,
            "activity": st.sampled_from(["online", "trailer", "expressway", "x"]),
            "minutes": anything,
            "points_now": anything,
            "matter": st.sampled_from(["renewal", "review", "medical"]),
            "classes": st.lists(st.sampled_from(rules.CLASSES), max_size=3),
            "valid_until": st.one_of(st.none(), dates),
            "until": dates,
            "reason": st.sampled_from(["abroad", "other"]),
        },
    ),
)
def test_never_a_500(client: Client, path: str, body: dict) -> None:
    cache.clear()
    r = post(client, path, body)
    # 400 is the project's NUL-character refusal (web.middleware.RejectNulMiddleware)
    assert r.status_code in (200, 400, 422), (path, body, r.content)
    if r.status_code != 200:
        assert r["Content-Type"] == "application/problem+json"
