"""Rules of online safety education (pure functions over plain data, no ORM).

The legal rules are those of ``jiaoguan.licensing.rules`` and are used from there, never
copied: the study days of full-score education and how a day counts (R163 Arts. 18–19,
``full_score_study_days``, ``study_days``), the exams after it (Arts. 20–22,
``full_score_exams``), the release (Art. 23, ``full_score_release``), 审验教育 (R162 Arts.
72–74, ``review_duty``) and 学法减分 (R163 Arts. 25–27, ``point_reduction``). DOMAIN.md §5.4
and §5.7.

What this module adds is how online study time is *measured*, which the regulations leave to
the learning platform (R163 Art. 19 names the 互联网学习教育平台; DOMAIN.md §5.4: "exact
online limits [unconfirmed]"). These are our rules, stated once:

* the course page sends a heartbeat every ``interval`` seconds while it is open; a heartbeat
  credits the time since the learner's previous heartbeat (of any tab or course: parallel
  tabs never count twice), at most ``interval`` seconds; a gap longer than
  ``GAP_FACTOR × interval`` breaks the stretch and credits nothing; a heartbeat reporting the
  page hidden or the learner idle credits nothing;
* identity checks come at random moments, after a draw between ``CHECK_MIN_SECONDS`` and
  ``CHECK_MAX_SECONDS`` of counted study, keyed with a server secret so the learner cannot
  predict it; while a check is pending nothing counts; a failed check, or one not answered
  within ``CHECK_ANSWER_SECONDS``, voids every second counted since the last passed check
  (cheating in study voids the record: R162 Art. 100, R163 Art. 31);
* the exam scores on the server: each question the same weight, out of 100.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Mapping, Sequence

from django.utils.translation import gettext_noop

from jiaoguan.cases.rules import Decision
from jiaoguan.licensing.rules import StudySession, study_days

GAP_FACTOR = 2
CHECK_MIN_SECONDS = 20 * 60
CHECK_MAX_SECONDS = 40 * 60
CHECK_ANSWER_SECONDS = 3 * 60
RULES_SINCE = dt.date(2022, 4, 1)  # R163 and R162 in force
EDUCATION_CITE = "DOMAIN.md §5.7"


def beat_credit(
    *, gap_seconds: float | None, active: bool, interval: int, check_pending: bool
) -> tuple[int, str]:
    """Seconds one heartbeat credits and the status it is recorded with."""
    if check_pending:
        return 0, "paused"
    if gap_seconds is None or gap_seconds < 0:
        return 0, "start"
    if gap_seconds > GAP_FACTOR * interval:
        return 0, "gap"
    if not active:
        return 0, "idle"
    return int(min(gap_seconds, interval)), "counted"


def check_after(*, key: bytes, enrolment_ref: str, number: int) -> int:
    """Seconds of counted study after which identity check ``number`` (1, 2, ...) is asked,
    counted from the previous check: a keyed draw, uniform over the allowed range."""
    digest = hmac.new(key, f"{enrolment_ref}:{number}".encode(), hashlib.sha256).digest()
    span = CHECK_MAX_SECONDS - CHECK_MIN_SECONDS + 1
    return CHECK_MIN_SECONDS + int.from_bytes(digest[:8], "big") % span


def check_expired(*, requested_at: dt.datetime, now: dt.datetime) -> bool:
    return now > requested_at + dt.timedelta(seconds=CHECK_ANSWER_SECONDS)


def exam_score(*, answers: Mapping[str, int], key: Mapping[str, int]) -> int:
    """Score out of 100: the share of the drawn questions (``key``: id -> right option)
    answered right; an answer to a question not drawn is ignored."""
    if not key:
        return 0
    right = sum(1 for qid, option in key.items() if answers.get(qid) == option)
    return right * 100 // len(key)


def full_score_exam_ready(
    *,
    classes: Sequence[str],
    online_minutes_by_day: Mapping[dt.date, int],
    onsite_minutes_by_day: Mapping[dt.date, int],
    enrolled_on: dt.date,
    study_days_owed: int,
    today: dt.date,
) -> Decision:
    """Whether the law exam after full-score study may be taken (R163 Arts. 19–20 through
    ``licensing.rules.study_days``): the counted on-site and online days reach the minimum
    (5 with 2 on-site; 10 with 5 for large classes), and the study period of the duty's days
    (7 or 30, more after further full scores) has run from the enrolment date, its last day
    included (the rest of the period is self-study; our reading of Art. 19 para 2)."""
    sessions = [StudySession(d, "online", m) for d, m in online_minutes_by_day.items()]
    sessions += [StudySession(d, "onsite", m) for d, m in onsite_minutes_by_day.items()]
    counted = study_days(classes=classes, sessions=sessions)
    period_ends = enrolled_on + dt.timedelta(days=max(study_days_owed, 1) - 1)
    facts = {**counted.facts, "period_ends": period_ends.isoformat(), "study_days": study_days_owed}
    rule = f"education.full_score_exam_ready@{RULES_SINCE.isoformat()}"
    cites = (*counted.citations, "R163 Art. 20")
    if not counted.allowed:
        return Decision(False, rule, cites, counted.code, counted.message, facts)
    if today < period_ends:
        return Decision(
            False,
            rule,
            cites,
            "study_period_running",
            gettext_noop("The study period has not run yet"),
            facts,
        )
    return Decision(True, rule, cites, facts=facts)


def minutes_ready(*, rule_id: str, minutes: int, required: int, cites: tuple[str, ...]) -> Decision:
    """Whether ``minutes`` of counted study reach a course's ``required`` minutes (审验教育:
    at least 3 hours, R162 Art. 73; 学法减分 online: 30 minutes within 3 days, R163 Art. 27)."""
    facts: dict[str, object] = {"minutes": minutes, "minutes_required": required}
    rule = f"{rule_id}@{RULES_SINCE.isoformat()}"
    if minutes < required:
        return Decision(
            False,
            rule,
            cites,
            "study_incomplete",
            gettext_noop("The study time required has not been completed yet"),
            facts,
        )
    return Decision(True, rule, cites, facts=facts)


def retake_allowed(*, last_failed_on: dt.date | None, wait_days: int, today: dt.date) -> Decision:
    """A failed exam is taken again after ``wait_days`` (R163 Art. 21: 10 days for the
    full-score law exam; the review and reduction tests have no wait). A wait of N days after
    day D ends with day D+N (``licensing.rules`` conventions)."""
    rule = f"education.retake@{RULES_SINCE.isoformat()}"
    cites = ("R163 Art. 21", EDUCATION_CITE)
    facts: dict[str, object] = {"wait_days": wait_days, "today": today.isoformat()}
    if last_failed_on is None or wait_days <= 0:
        return Decision(True, rule, cites, facts=facts)
    earliest = last_failed_on + dt.timedelta(days=wait_days)
    facts["earliest"] = earliest.isoformat()
    if today < earliest:
        return Decision(
            False,
            rule,
            cites,
            "retake_wait",
            gettext_noop("A failed exam can be taken again only after the waiting period"),
            facts,
        )
    return Decision(True, rule, cites, facts=facts)
