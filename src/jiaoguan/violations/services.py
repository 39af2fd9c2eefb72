"""Every write about violations and points (DESIGN.md, "Where things go"). Each public function
is one transaction with its audit rows; a violation's state moves only through
:func:`violation_transition` and the table in ``workflow.py``.

When points land (R163 Art. 13; DOMAIN.md §5.7): "在作出行政处罚决定的同时予以记分": the points
are recorded with the penalty decision, and a camera record becomes a decision when its driver
is established. Here that is the moment the driver is confirmed (``violation_confirm_driver``):
the decision date is that day, the fine falls due 15 days later, and the points go into the
ledger of the cycle that contains the *date of the violation* (cycles of 12 months counted from
the licence's first issue, Art. 3, ``licensing.rules.cycle_bounds``).

The ledger (:class:`PointEntry`, per licence and cycle) is the record of points; the licence's
``points`` field is kept equal to the points counting in the current cycle through the
registry's ``licence_scoring_record`` (history and audit there):

* reaching 12 in a cycle (Art. 17) detains the licence and opens the full-score education duty
  with its study days (Art. 18, ``full_score_study_days``); points landing while a duty is open
  belong to it and lengthen the study when they pass another 12;
* at the end of a cycle below 12 its points are cleared, except those of fines overdue and
  unpaid, which carry over into the next cycle (Art. 15, ``cycle_end_clearing``); at 12 or more
  they stay until the full-score process ends (Art. 23);
* a violation handled after its cycle was closed still counts there: it can bring that cycle
  to 12; otherwise it is settled as the cycle's end settled the others (its fine, decided
  after that end, was not overdue then, so its points are cleared);
* voiding a violation voids its points (Art. 16); a duty left below 12 points is cancelled and
  the licence returned.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import secrets
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, Sum
from django.utils.translation import gettext as _

from jiaoguan.accounts.constants import AccountKind
from jiaoguan.accounts.principal import Principal
from jiaoguan.audit.services import Actor, AuditEntry, audit_record, audit_record_many
from jiaoguan.cases.rules import Decision
from jiaoguan.kernel import clock, regions
from jiaoguan.kernel.errors import Conflict, DomainError, Forbidden, InvalidIdentifier, Problem
from jiaoguan.kernel.idnumber import IdNumber
from jiaoguan.kernel.plates import Plate as PlateNumber
from jiaoguan.licensing.rules import (
    FULL_SCORE,
    REDUCTION_CAP,
    PointRecord,
    cycle_bounds,
    cycle_end_clearing,
    full_score_release,
    full_score_study_days,
    offence_points,
    point_value,
    scoring_cycle,
)
from jiaoguan.payments.constants import OrderStatus
from jiaoguan.payments.models import FeeOrder
from jiaoguan.payments.services import fee_order_close, fee_order_create, payment_start
from jiaoguan.registry import services as registry
from jiaoguan.registry.models import DrivingLicence, Person, Vehicle
from jiaoguan.violations import rules, workflow
from jiaoguan.violations.apps import PURPOSE_PREFIX
from jiaoguan.violations.constants import DutyState, EntryKind, EntryState, Source, State
from jiaoguan.violations.models import (
    EducationDuty,
    PointCycle,
    PointEntry,
    PointReduction,
    Violation,
    ViolationEvent,
)

OBJECT_TYPE = "violation"
RECORD_PERMISSION = "violations.record_violation"
MAX_EVIDENCE = 20
_SHA256 = re.compile(r"[0-9a-f]{64}")
#: A clock a few minutes fast at a camera is not an error; a date in the future is.
CLOCK_SKEW = dt.timedelta(minutes=10)
FINE_ITEM_NAME = "交通违法罚款"
logger = logging.getLogger(__name__)


def snapshot(v: Violation) -> dict[str, Any]:
    return {
        "number": v.number,
        "state": v.state,
        "plate_number": v.plate_number,
        "occurred_at": v.occurred_at.isoformat(),
        "region_code": v.region_code,
        "offence_code": v.offence_code,
        "points": v.points,
        "fine_fen": v.fine_fen,
        "driver": str(v.driver.public_id) if v.driver_id and v.driver else None,
        "decided_on": v.decided_on.isoformat() if v.decided_on else None,
        "fee_order_no": v.fee_order_no,
    }


def _owner_ref(v: Violation) -> str:
    owner = v.vehicle.owner_person
    return str(owner.public_id) if owner is not None else ""


def _subject_ref(v: Violation) -> str:
    return str(v.driver.public_id) if v.driver_id and v.driver else _owner_ref(v)


def occurred_on(v: Violation) -> dt.date:
    """The date of the violation in China: the date that picks its scoring cycle."""
    return v.occurred_at.astimezone(clock.SHANGHAI).date()


# ---- recording ---------------------------------------------------------------------------


def _in_scope(principal: Principal, region_code: str) -> bool:
    return regions.contains(principal.region_scope or "", region_code)


def _check_evidence(evidence: Sequence[Mapping[str, Any]], problems: list[Problem]) -> list[dict]:
    clean: list[dict[str, str]] = []
    if len(evidence) > MAX_EVIDENCE:
        problems.append(Problem("invalid_evidence", _("At most 20 pieces of evidence"), "evidence"))
        return clean
    for n, item in enumerate(evidence):
        url, digest = str(item.get("url") or ""), item.get("sha256")
        try:
            parts = urlsplit(url)
        except ValueError:
            parts = None
        if parts is None or parts.scheme not in ("https", "http") or not parts.netloc:
            problems.append(
                Problem(
                    "invalid_evidence", _("Give the evidence's web address"), f"evidence.{n}.url"
                )
            )
        elif len(url) > 500:
            problems.append(
                Problem("invalid_evidence", _("The address is too long"), f"evidence.{n}.url")
            )
        if not isinstance(digest, str) or not _SHA256.fullmatch(digest.lower()):
            problems.append(
                Problem(
                    "invalid_digest",
                    _("A SHA-256 digest is 64 hexadecimal digits"),
                    f"evidence.{n}.sha256",
                )
            )
        if not problems:
            clean.append({"url": url, "sha256": str(digest).lower()})
    return clean


def _text(value: str, name: str, limit: int, problems: list[Problem]) -> str:
    value = (value or "").strip()
    if not value or len(value) > limit:
        problems.append(
            Problem(
                "invalid_text",
                _("Enter 1 to %(limit)d characters") % {"limit": limit},
                name,
            )
        )
    return value


@transaction.atomic
def violation_record(
    *,
    actor: Actor,
    principal: Principal,
    plate_number: str,
    occurred_at: dt.datetime,
    place: str,
    region_code: str,
    offence_code: str,
    description: str,
    citation: str,
    points: int,
    fine_fen: int,
    evidence: Sequence[Mapping[str, Any]] = (),
    twelve_point_offence: str = "",
    external_ref: str = "",
) -> tuple[Violation, bool]:
    """Record a violation, from an enforcement system (partner API scope
    ``violations:write``) or an officer (permission ``violations.record_violation``), each
    only where its region scope covers the place. Returns the violation and whether it was
    created: an enforcement system sending the same ``external_ref`` again gets the first
    record back (retries are safe)."""
    if not principal.has_perm(RECORD_PERMISSION):
        raise Forbidden("not_permitted", _("You may not record violations"))
    partner = principal.kind == "partner"
    source = Source.ENFORCEMENT_SYSTEM if partner else Source.OFFICER
    source_ref = actor.ref
    external_ref = (external_ref or "").strip()[:64]
    if external_ref:
        existing = Violation.objects.filter(source_ref=source_ref, external_ref=external_ref)
        if (found := existing.first()) is not None:
            return found, False
    problems: list[Problem] = []
    vehicle: Vehicle | None = None
    try:
        plate = str(PlateNumber.parse(plate_number or ""))
    except InvalidIdentifier as exc:
        problems.append(Problem(exc.code, exc.message, "plate_number", exc.citation))
        plate = ""
    if plate:
        vehicle = Vehicle.objects.select_related("owner_person").filter(plate__number=plate).first()
        if vehicle is None:
            problems.append(
                Problem(
                    "unknown_plate", _("No vehicle is registered with this plate"), "plate_number"
                )
            )
    region_code = (region_code or "").strip()
    region_ok = (
        len(region_code) == 6
        and region_code.isdigit()
        and regions.province(region_code[:2]) is not None
    )
    if not region_ok:
        problems.append(
            Problem("invalid_region", _("Enter a 6-digit region code (GB/T 2260)"), "region_code")
        )
    if occurred_at.tzinfo is None:
        problems.append(
            Problem("invalid_time", _("Give the time with its time zone"), "occurred_at")
        )
    elif occurred_at > clock.now() + CLOCK_SKEW:
        problems.append(
            Problem("invalid_time", _("The time of the violation is in the future"), "occurred_at")
        )
    place = _text(place, "place", 120, problems)
    description = _text(description, "description", 200, problems)
    citation = _text(citation, "citation", 200, problems)
    offence_code = (offence_code or "").strip()
    if not rules.OFFENCE_CODE.fullmatch(offence_code):
        problems.append(
            Problem("invalid_offence_code", _("An offence code has 4 or 5 digits"), "offence_code")
        )
    if points != 0:
        decision = point_value(points=points)
        if not decision.allowed:
            problems.append(
                Problem(decision.code, _(decision.message), "points", decision.citations[0])
            )
    if twelve_point_offence:
        decision = offence_points(offence=twelve_point_offence)
        if not decision.allowed:
            problems.append(
                Problem(decision.code, _(decision.message), "twelve_point_offence", "R163 Art. 8")
            )
        elif points != FULL_SCORE:
            problems.append(
                Problem(
                    "twelve_points_required",
                    _("This offence carries 12 points"),
                    "points",
                    "R163 Art. 8",
                )
            )
    if not 0 <= fine_fen <= rules.MAX_FINE_FEN:
        problems.append(
            Problem(
                "invalid_fine",
                _("A fine is 0 to 5,000 yuan, in fen"),
                "fine_fen",
                rules.MAX_FINE_CITATION,
            )
        )
    elif fine_fen == 0 and points == 0:
        problems.append(
            Problem("nothing_to_record", _("A violation carries a fine or points"), "fine_fen")
        )
    clean_evidence = _check_evidence(evidence, problems)
    if partner and not evidence:
        problems.append(
            Problem(
                "evidence_required",
                _("A record from an enforcement system needs its evidence"),
                "evidence",
            )
        )
    if problems:
        first = problems[0]
        raise DomainError(
            first.code, first.message, field=first.field, citation=first.citation, problems=problems
        )
    if not _in_scope(principal, region_code):
        raise Forbidden(
            "outside_region",
            _("The place of the violation is outside your region"),
            field="region_code",
        )
    assert vehicle is not None
    now = clock.now()
    violation = Violation.objects.create(
        number=f"{region_code[:4]}{now.astimezone(clock.SHANGHAI):%y%m%d}"
        f"{secrets.randbelow(10**8):08d}",
        vehicle=vehicle,
        plate_number=plate,
        occurred_at=occurred_at,
        place=place,
        region_code=region_code,
        city_code=region_code[:4],
        province_code=region_code[:2],
        offence_code=offence_code,
        description=description,
        citation=citation,
        twelve_point_offence=twelve_point_offence,
        points=points,
        fine_fen=fine_fen,
        evidence=clean_evidence,
        source=source,
        source_ref=source_ref,
        external_ref=external_ref,
        recorded_by_label=actor.label[:150],
        created_at=now,
        updated_at=now,
    )
    ViolationEvent.objects.create(
        violation=violation,
        command="record",
        from_state="",
        to_state=violation.state,
        actor_ref=actor.ref,
        actor_label=actor.label[:150],
        at=now,
    )
    audit_record(
        actor=actor,
        action="violation.record",
        object_type=OBJECT_TYPE,
        object_ref=str(violation.public_id),
        after=snapshot(violation),
        subject_person_ref=_owner_ref(violation),
    )
    return violation, True


# ---- the workflow ------------------------------------------------------------------------


def _is_owner(principal: Principal | None, v: Violation) -> bool:
    person_id = getattr(principal, "person_id", None)
    return bool(person_id) and v.vehicle.owner_person_id == person_id


def _check_actor(t: workflow.Transition, principal: Principal | None, v: Violation) -> None:
    if t.by == "system":
        if principal is not None:
            raise Forbidden("not_permitted", _("You may not do this"))
        return
    if principal is None:
        raise Forbidden("not_permitted", _("You may not do this"))
    staff_may = (
        principal.kind == AccountKind.STAFF
        and principal.has_perm(t.permission)
        and _in_scope(principal, v.region_code)
    )
    if t.by == "party" and _is_owner(principal, v):
        return
    if not staff_may:
        raise Forbidden("not_permitted", _("You may not do this"))


@transaction.atomic
def violation_transition(
    *,
    actor: Actor,
    principal: Principal | None,
    violation: Violation,
    command: str,
    reason: str = "",
    **changes: Any,
) -> Violation:
    """The only code that moves a violation: locks it, checks the table and who may run the
    command, appends the history row and writes the audit row."""
    t = workflow.TRANSITIONS.get(command)
    if t is None:
        raise DomainError("unknown_command", _("Unknown command"), field="command")
    v = (
        Violation.objects.select_for_update(of=("self",))
        .select_related("vehicle__owner_person", "driver")
        .get(pk=violation.pk)
    )
    _check_actor(t, principal, v)
    if not workflow.allowed(command, v.state):
        raise Conflict(
            "transition_not_allowed",
            _("The violation is %(state)s: this does not apply") % {"state": v.get_state_display()},
            citation=t.citation or None,
        )
    reason = (reason or "").strip()
    if t.reason_required and not reason:
        raise DomainError("reason_required", _("Give a reason"), field="reason")
    before = snapshot(v)
    previous = v.state
    v.state = t.target
    for name, value in changes.items():
        setattr(v, name, value)
    if t.reason_required:
        v.reason = reason[:500]
    v.version += 1
    v.updated_at = clock.now()
    v.save()
    ViolationEvent.objects.create(
        violation=v,
        command=command,
        from_state=previous,
        to_state=v.state,
        actor_ref=actor.ref,
        actor_label=actor.label[:150],
        reason=reason[:500],
        at=v.updated_at,
    )
    audit_record(
        actor=actor,
        action=f"violation.{command}",
        object_type=OBJECT_TYPE,
        object_ref=str(v.public_id),
        before=before,
        after=snapshot(v),
        reason=reason,
        subject_person_ref=_subject_ref(v),
    )
    return v


def _driver_of(principal: Principal, driver_id_number: str) -> Person:
    number = (driver_id_number or "").strip().upper()
    if not number:
        person = (
            getattr(principal, "person", None) if getattr(principal, "person_id", None) else None
        )
        if person is None:
            raise DomainError(
                "driver_required", _("Enter the driver's ID number"), field="driver_id_number"
            )
        return person
    try:
        parsed = str(IdNumber.parse(number))
    except InvalidIdentifier as exc:
        raise DomainError(
            exc.code, exc.message, field="driver_id_number", citation=exc.citation
        ) from exc
    person = Person.objects.filter(id_number_index=registry.id_number_index(parsed)).first()
    if person is None or not DrivingLicence.objects.filter(person=person).exists():
        raise DomainError(
            "no_licence",
            _("No driving licence is recorded for this ID number"),
            field="driver_id_number",
        )
    return person


@transaction.atomic
def violation_confirm_driver(
    *, actor: Actor, principal: Principal, violation: Violation, driver_id_number: str = ""
) -> Violation:
    """The vehicle's owner confirms who drove: themselves (no ID number) or another person
    with a licence, named by ID number; an officer in scope may record it for them. This is
    the penalty decision (R163 Art. 13): the fine falls due and the points land in the cycle
    of the violation's date."""
    driver = _driver_of(principal, driver_id_number)
    # rows locked in the order every service uses: the licence, then its violations
    licence = DrivingLicence.objects.select_for_update().get(person=driver)
    v = (
        Violation.objects.select_for_update(of=("self",))
        .select_related("vehicle")
        .get(pk=violation.pk)
    )
    if licence.status in ("cancelled", "revoked"):
        raise DomainError(
            "licence_not_in_use",
            _("This driving licence is cancelled or revoked"),
            field="driver_id_number",
        )
    cycle = scoring_cycle(first_issued=licence.first_issue_date, on=occurred_on(v))
    if not cycle.allowed:
        raise DomainError(
            cycle.code, _(cycle.message), field="driver_id_number", citation=cycle.citations[0]
        )
    if v.vehicle.owner_person_id != driver.pk and _open_duty(licence) is not None:
        raise DomainError(
            "driver_at_full_score",
            _("A driver at 12 points may not take the violations of another vehicle"),
            field="driver_id_number",
            citation="R163 Art. 14",
        )
    today = clock.today()
    v = violation_transition(
        actor=actor,
        principal=principal,
        violation=v,
        command="confirm_driver",
        driver=driver,
        licence=licence,
        decided_on=today,
        fine_due_on=rules.fine_due_on(today),
    )
    if v.points:
        _land(actor, v, licence, cycle.rule)
    return v


def _purpose(v: Violation) -> str:
    return f"{PURPOSE_PREFIX}{v.public_id}"


@transaction.atomic
def violation_fee_order(*, actor: Actor, principal: Principal, violation: Violation) -> FeeOrder:
    """The fee order of a confirmed violation's fine (one open order; created on first ask).
    Its payer is the driver; the owner or the driver may pay it."""
    v = (
        Violation.objects.select_for_update(of=("self",))
        .select_related("vehicle", "driver")
        .get(pk=violation.pk)
    )
    if not (_is_owner(principal, v) or getattr(principal, "person_id", None) == v.driver_id):
        raise Forbidden("not_permitted", _("You may not do this"))
    if v.state != State.DRIVER_CONFIRMED or v.driver is None:
        raise Conflict("not_payable", _("Confirm the driver first; a paid fine is not paid again"))
    if v.fine_fen == 0:
        raise Conflict("no_fine", _("This violation carries no fine"))
    existing = (
        FeeOrder.objects.filter(purpose_ref=_purpose(v))
        .exclude(status=OrderStatus.CLOSED)
        .order_by("-id")
        .first()
    )
    if existing is not None:
        return existing
    order = fee_order_create(
        actor=actor,
        payer_person_ref=str(v.driver.public_id),
        purpose_ref=_purpose(v),
        subject=f"{FINE_ITEM_NAME} {v.number}",
        items=[
            {"code": f"fine_{v.offence_code}", "name": FINE_ITEM_NAME, "amount_fen": v.fine_fen}
        ],
    )
    v.fee_order_no = order.order_no
    v.save(update_fields=["fee_order_no"])
    return order


def violation_pay(
    *, actor: Actor, principal: Principal, violation: Violation, provider: str
) -> tuple[FeeOrder, str]:
    """Pay a confirmed violation's fine: its fee order (created in one transaction with its
    audit row) opened at WeChat Pay or Alipay; returns the order and the code to scan. The
    provider is asked outside any transaction (as ``payment_start`` does); the payment itself
    arrives by the provider's callback or a poll, and :func:`on_fine_paid` applies it."""
    order = violation_fee_order(actor=actor, principal=principal, violation=violation)
    return order, payment_start(actor=actor, order=order, provider=provider)


def on_fine_paid(order: FeeOrder) -> None:
    """Payments tells us a fine was paid (inside the transaction that marks the order paid):
    the violation moves to paid, the ledger marks its fine paid, and a violation whose points
    are already settled is closed."""
    v = Violation.objects.filter(public_id=order.purpose_ref.removeprefix(PURPOSE_PREFIX)).first()
    if v is None or v.state != State.DRIVER_CONFIRMED:
        return
    actor = Actor.system("payments")
    v = violation_transition(
        actor=actor, principal=None, violation=v, command="pay", paid_at=order.paid_at
    )
    PointEntry.objects.filter(violation=v).update(fine_paid=True)
    _close_if_settled(actor, v)


def _close_if_settled(actor: Actor, v: Violation) -> None:
    if v.state == State.PAID and not v.point_entries.filter(state=EntryState.ACTIVE).exists():
        violation_transition(actor=actor, principal=None, violation=v, command="close")


@transaction.atomic
def violation_contest(
    *, actor: Actor, principal: Principal, violation: Violation, reason: str
) -> Violation:
    """An officer marks a record contested while it is checked (R163 Art. 33(1))."""
    return violation_transition(
        actor=actor, principal=principal, violation=violation, command="contest", reason=reason
    )


@transaction.atomic
def violation_uphold(
    *, actor: Actor, principal: Principal, violation: Violation, reason: str
) -> Violation:
    """The check found the record right: it is open again for the driver to be confirmed."""
    return violation_transition(
        actor=actor, principal=principal, violation=violation, command="uphold", reason=reason
    )


@transaction.atomic
def violation_void(
    *, actor: Actor, principal: Principal, violation: Violation, reason: str
) -> Violation:
    """An officer voids an unpaid record, with the reason (R163 Art. 16): its points leave the
    ledger, an open fee order is closed, and a full-score duty left below 12 points is
    cancelled and the licence returned."""
    licence_id = Violation.objects.filter(pk=violation.pk).values_list("licence_id", flat=True)[0]
    if licence_id is not None:  # the licence first, then the violation (the services' order)
        DrivingLicence.objects.select_for_update().filter(pk=licence_id).first()
    v = violation_transition(
        actor=actor, principal=principal, violation=violation, command="void", reason=reason
    )
    for order in FeeOrder.objects.filter(
        purpose_ref=_purpose(v), status__in=(OrderStatus.CREATED, OrderStatus.PAYING)
    ):
        fee_order_close(actor=actor, order=order, reason="violation void")
    if v.licence_id is None:
        return v
    licence = DrivingLicence.objects.select_for_update().get(pk=v.licence_id)
    entries = list(v.point_entries.exclude(state=EntryState.VOID).select_related("duty"))
    if not entries:
        return v
    now = clock.now()
    PointEntry.objects.filter(pk__in=[e.pk for e in entries]).update(
        state=EntryState.VOID, settled_at=now
    )
    detained: bool | None = None
    for duty in {e.duty for e in entries if e.duty and e.duty.state == DutyState.OPEN}:
        if _duty_points(duty) < FULL_SCORE:
            _duty_end(actor, duty, DutyState.CANCELLED, reason)
            detained = False if licence.status == "suspended" else None
        else:
            _duty_recompute(actor, duty, licence)
    _sync_points(actor, licence, reason=f"violation {v.number} void", detained=detained)
    return v


# ---- the ledger --------------------------------------------------------------------------


def _cycle_of(licence: DrivingLicence, on: dt.date) -> tuple[PointCycle, bool]:
    """The ledger cycle of ``licence`` containing ``on``, made when missing; and whether it
    was made now (then it has no entries yet). Every caller holds the licence's row lock, so
    no one else can insert the row between the read and the insert: no savepoint is needed
    around the insert (``get_or_create`` would take one)."""
    index, start, end = cycle_bounds(licence.first_issue_date, on)
    cycle = PointCycle.objects.filter(licence=licence, index=index).first()
    if cycle is not None:
        return cycle, False
    return PointCycle.objects.create(licence=licence, index=index, start=start, end=end), True


def _cycle(licence: DrivingLicence, on: dt.date) -> PointCycle:
    return _cycle_of(licence, on)[0]


def _ledger_start(licence: DrivingLicence) -> None:
    """A licence's first ledger cycle takes over the points it already carried (records older
    than this app, such as seeded data) as its opening points."""
    if licence.points and not PointCycle.objects.filter(licence=licence).exists():
        cycle = _cycle(licence, clock.today())
        cycle.opening_points = licence.points
        cycle.save(update_fields=["opening_points"])


def _open_duty(licence: DrivingLicence) -> EducationDuty | None:
    return EducationDuty.objects.filter(licence=licence, state=DutyState.OPEN).first()


def _sum(qs: Any) -> int:
    return int(qs.aggregate(total=Sum("points"))["total"] or 0)


def _counted(cycle: PointCycle) -> Any:
    return cycle.entries.exclude(state=EntryState.VOID)


def _opening_counts(cycle: PointCycle) -> int:
    """Opening points count in their cycle until a completed full-score process clears them."""
    if not cycle.opening_points:
        return 0
    return 0 if cycle.duties.filter(state=DutyState.COMPLETED).exists() else cycle.opening_points


def _points_now(licence: DrivingLicence) -> int:
    """The points counting in the cycle that contains today."""
    cycle, created = _cycle_of(licence, clock.today())
    if created:  # made just now: no entries, no opening points
        return 0
    opening = _opening_counts(cycle) if cycle.closed_at is None else 0
    points = _sum(cycle.entries.filter(state=EntryState.ACTIVE)) + opening
    return max(points - _sum(cycle.reductions.all()), 0)


def _sync_points(
    actor: Actor,
    licence: DrivingLicence,
    *,
    reason: str,
    detained: bool | None = None,
    fresh: bool = False,
) -> DrivingLicence:
    """Make the licence's ``points`` the points counting in the current cycle (and record a
    detention or return) through the registry, which keeps its history. ``fresh``: the caller
    read ``licence`` with its row lock in this transaction and nothing has changed it since
    (the row is not read again)."""
    points = _points_now(licence)
    if not fresh:
        licence.refresh_from_db(fields=["points", "status"])
    if points == licence.points and detained is None:
        return licence
    return registry.licence_scoring_record(
        actor=actor, licence=licence, points=points, reason=reason, detained=detained
    )


def _land(actor: Actor, v: Violation, licence: DrivingLicence, rule: str) -> None:
    """Put a decided violation's points into the cycle of its date (called with the licence
    row locked, inside the confirmation's transaction)."""
    _ledger_start(licence)
    _catch_up(actor, licence)
    cycle = _cycle(licence, occurred_on(v))
    now = clock.now()
    duty = _open_duty(licence)
    entry = PointEntry.objects.create(
        licence=licence,
        cycle=cycle,
        violation=v,
        kind=EntryKind.VIOLATION,
        points=v.points,
        rule=rule,
        duty=duty,
        created_at=now,
    )
    audit_record(
        actor=actor,
        action="points.record",
        object_type="point_entry",
        object_ref=str(entry.pk),
        after={
            "violation": v.number,
            "points": v.points,
            "cycle": cycle.index + 1,
            "cycle_start": cycle.start.isoformat(),
            "rule": rule,
        },
        subject_person_ref=str(licence.person.public_id),
    )
    detained: bool | None = None
    if duty is not None:
        _duty_recompute(actor, duty, licence)
        if cycle.closed_at is not None:  # its points stay with the duty until it ends
            _carry(licence, cycle, [entry], rule)
    elif _pending(cycle) >= FULL_SCORE:
        _full_score(actor, licence, cycle)
        # detained (R163 Art. 17); an expired or cancelled licence keeps its own status
        detained = True if licence.status == "valid" else None
    elif cycle.closed_at is not None:
        entry.state, entry.settled_at = EntryState.CLEARED, now
        entry.save(update_fields=["state", "settled_at"])
    _catch_up(actor, licence)  # a cycle that has ended is settled now (ledger rows just made)
    _sync_points(actor, licence, reason=f"violation {v.number}", detained=detained)


def _pending(cycle: PointCycle) -> int:
    """Points of a cycle not yet taken in by a full score (cleared ones included: a cycle's
    end does not undo its accumulation when a late violation is added)."""
    taken = cycle.duties.filter(state__in=(DutyState.OPEN, DutyState.COMPLETED)).exists()
    pending = _sum(_counted(cycle).filter(duty__isnull=True))
    pending += 0 if taken else cycle.opening_points
    # points taken off by study (R163 Art. 25) no longer count towards 12
    return pending - _sum(cycle.reductions.all())


def _duty_points(duty: EducationDuty) -> int:
    """The points in the cycle of a duty: its cycle's own and those that came in while it was
    open (carry-over rows of later cycles repeat a violation already counted: left out)."""
    qs = PointEntry.objects.exclude(state=EntryState.VOID)
    own = Q(cycle=duty.cycle) | Q(duty=duty, kind=EntryKind.VIOLATION)
    return _sum(qs.filter(own)) + duty.cycle.opening_points


def _study_days(licence: DrivingLicence, full_scores: int, points: int) -> Any:
    decision = full_score_study_days(
        classes=licence.class_list, full_scores_in_cycle=full_scores, points_in_cycle=points
    )
    if not decision.allowed:
        raise DomainError(decision.code, _(decision.message), citation=decision.citations[0])
    return decision


def _full_score(actor: Actor, licence: DrivingLicence, cycle: PointCycle) -> EducationDuty:
    """12 points in a cycle (R163 Art. 17): the full-score education duty with its study days
    (Art. 18); the caller detains the licence."""
    full_scores = cycle.duties.count() + 1
    points = _sum(_counted(cycle)) + _opening_counts(cycle)
    decision = _study_days(licence, full_scores, points)
    facts = decision.facts
    duty = EducationDuty.objects.create(
        licence=licence,
        cycle=cycle,
        opened_at=clock.now(),
        study_days=int(str(facts["study_days"])),
        min_counted_days=int(str(facts["min_counted_days"])),
        min_onsite_days=int(str(facts["min_onsite_days"])),
        group=str(facts["group"]),
        full_scores_in_cycle=full_scores,
        points_in_cycle=points,
        rule=decision.rule,
    )
    cycle.entries.filter(duty__isnull=True).exclude(state=EntryState.VOID).update(duty=duty)
    # the continuation of a carried entry belongs to the same duty (counted once)
    while PointEntry.objects.filter(carried_from__duty=duty, duty__isnull=True).update(duty=duty):
        pass
    if cycle.closed_at is not None:
        # a cycle already settled reached 12 with a late violation: at full score all its
        # points stay until the full-score process ends (cycle_end_clearing's answer at 12)
        settled = cycle.entries.filter(
            duty=duty, state__in=(EntryState.ACTIVE, EntryState.CLEARED)
        ).select_related("violation")
        _carry(licence, cycle, list(settled), cycle_end_clearing(records=[]).rule)
    audit_record(
        actor=actor,
        action="points.full_score",
        object_type="education_duty",
        object_ref=str(duty.public_id),
        after={
            "cycle": cycle.index + 1,
            "points_in_cycle": points,
            "full_scores_in_cycle": full_scores,
            "study_days": duty.study_days,
            "rule": decision.rule,
        },
        reason="R163 Art. 17",
        subject_person_ref=str(licence.person.public_id),
    )
    return duty


def _duty_recompute(actor: Actor, duty: EducationDuty, licence: DrivingLicence) -> None:
    """More points while a duty is open: each further 12 adds study days (R163 Art. 18)."""
    points = _duty_points(duty)
    decision = _study_days(licence, duty.full_scores_in_cycle, max(points, FULL_SCORE))
    days = int(str(decision.facts["study_days"]))
    if (points, days) == (duty.points_in_cycle, duty.study_days):
        return
    before = {"points_in_cycle": duty.points_in_cycle, "study_days": duty.study_days}
    duty.points_in_cycle, duty.study_days, duty.rule = points, days, decision.rule
    duty.save(update_fields=["points_in_cycle", "study_days", "rule"])
    audit_record(
        actor=actor,
        action="points.duty_change",
        object_type="education_duty",
        object_ref=str(duty.public_id),
        before=before,
        after={"points_in_cycle": points, "study_days": days, "rule": decision.rule},
        subject_person_ref=str(licence.person.public_id),
    )


def _duty_end(
    actor: Actor, duty: EducationDuty, state: str, reason: str, after: Any = None
) -> None:
    command = "complete" if state == DutyState.COMPLETED else "cancel"
    if not workflow.duty_allowed(command, duty.state):
        raise Conflict("invalid_state", _("This education duty is no longer open"))
    duty.state, duty.closed_at, duty.reason = state, clock.now(), reason[:500]
    duty.save(update_fields=["state", "closed_at", "reason"])
    if state != DutyState.COMPLETED:
        # a completed duty keeps its entries: the cycle's points were taken in by it
        duty.entries.exclude(state=EntryState.VOID).update(duty=None)
    audit_record(
        actor=actor,
        action=f"points.duty_{state}",
        object_type="education_duty",
        object_ref=str(duty.public_id),
        after=after,
        reason=reason,
        subject_person_ref=str(duty.licence.person.public_id),
    )


# ---- education (the education app calls these) ------------------------------------------


def duty_fines_unpaid(duty: EducationDuty) -> int:
    """How many violations of a duty still have their fine to pay (R163 Art. 23)."""
    return (
        Violation.objects.filter(
            point_entries__duty=duty, state=State.DRIVER_CONFIRMED, fine_fen__gt=0
        )
        .distinct()
        .count()
    )


@transaction.atomic
def education_duty_complete(
    *, actor: Actor, duty: EducationDuty, exams_passed: bool, source_ref: str
) -> EducationDuty:
    """The full-score process ends (R163 Art. 23): once the study is done and the exams are
    passed (``exams_passed``, decided by the education app) **and** every fine is paid, the
    duty's points are cleared and the detained licence is returned. Refused with the rule's
    reason otherwise; the duty stays open."""
    licence = (
        DrivingLicence.objects.select_for_update(of=("self",))
        .select_related("person")
        .get(pk=duty.licence_id)
    )
    duty = EducationDuty.objects.select_for_update().get(pk=duty.pk)
    if not workflow.duty_allowed("complete", duty.state):
        raise Conflict("invalid_state", _("This education duty is no longer open"))
    decision = full_score_release(exams_passed=exams_passed, fines_unpaid=duty_fines_unpaid(duty))
    if not decision.allowed:
        raise DomainError(decision.code, _(decision.message), citation=decision.citations[0])
    entries = list(duty.entries.filter(state=EntryState.ACTIVE).select_related("violation"))
    now = clock.now()
    PointEntry.objects.filter(pk__in=[e.pk for e in entries]).update(
        state=EntryState.CLEARED, settled_at=now
    )
    _duty_end(
        actor,
        duty,
        DutyState.COMPLETED,
        "R163 Art. 23",
        after={
            "cleared": sum(e.points for e in entries) + duty.cycle.opening_points,
            "education": source_ref,
            "rule": decision.rule,
        },
    )
    for v in {e.violation for e in entries}:
        v.refresh_from_db()
        _close_if_settled(actor, v)
    _sync_points(
        actor,
        licence,
        reason="R163 Art. 23: full-score education completed",
        detained=False if licence.status == "suspended" else None,
    )
    return duty


def points_reduced_in(cycle: PointCycle) -> int:
    return _sum(cycle.reductions.all())


@transaction.atomic
def points_reduce(
    *,
    actor: Actor,
    licence: DrivingLicence,
    points: int,
    activity: str,
    source_ref: str,
    rule: str,
) -> PointReduction:
    """Take ``points`` off the current cycle for traffic-safety study (学法减分, R163 Arts.
    25–27); the education app has decided the reduction with ``licensing.rules.point_reduction``
    (``rule``). The 6-point cap of the cycle is checked again here under the licence lock, so
    two completions at once cannot pass it. The same ``source_ref`` is never counted twice."""
    licence = (
        DrivingLicence.objects.select_for_update(of=("self",))
        .select_related("person")
        .get(pk=licence.pk)
    )
    _ledger_start(licence)
    _catch_up(actor, licence)
    existing = PointReduction.objects.filter(source_ref=source_ref).first()
    if existing is not None:
        return existing
    cycle = _cycle(licence, clock.today())
    done = points_reduced_in(cycle)
    if points < 1 or done + points > REDUCTION_CAP or points > _points_now(licence):
        raise Conflict("reduction_cap", _("At most 6 points can be reduced in one scoring cycle"))
    reduction = PointReduction.objects.create(
        licence=licence,
        cycle=cycle,
        points=points,
        activity=activity,
        source_ref=source_ref,
        rule=rule,
        created_at=clock.now(),
    )
    audit_record(
        actor=actor,
        action="points.reduce",
        object_type="point_reduction",
        object_ref=str(reduction.public_id),
        after={
            "points": points,
            "cycle": cycle.index + 1,
            "reduced_in_cycle": done + points,
            "activity": activity,
            "education": source_ref,
            "rule": rule,
        },
        reason="R163 Art. 25",
        subject_person_ref=str(licence.person.public_id),
    )
    _sync_points(actor, licence, reason="R163 Art. 25: points reduced by study")
    return reduction


# ---- the end of a cycle ------------------------------------------------------------------


def _catch_up(actor: Actor, licence: DrivingLicence) -> int:
    """Close every ended cycle of a (locked) licence, oldest first; returns how many. The
    ended cycles are read once; they are read again only when a close carried points into a
    cycle it had to make that has ended too (a licence unseen for more than a cycle)."""
    closed = 0
    today = clock.today()
    ended = (
        PointCycle.objects.filter(licence=licence, closed_at__isnull=True, end__lt=today)
        .annotate(
            counting=Exists(
                PointEntry.objects.filter(cycle=OuterRef("pk"), state=EntryState.ACTIVE)
            )
        )
        .order_by("index")
    )
    while True:
        cycles = list(ended.all())  # a new read each time (a queryset keeps its first result)
        if not cycles:
            return closed
        again = carried = False
        for cycle in cycles:
            # whether it has entries counting was read with it; true until a close carries
            # points on (into a cycle that may be one of these)
            empty = not carried and not cycle.counting
            made, moved = _close(actor, licence, cycle, empty=empty)
            closed += 1
            carried = carried or moved
            again = again or (made is not None and made.end < today)
        if not again:
            return closed


def _settle_rows(entries: Sequence[PointEntry], state: str, now: dt.datetime) -> None:
    """Mark ledger rows cleared or carried at ``now``, in memory and in one ``UPDATE``."""
    for e in entries:
        e.state, e.settled_at = state, now
    if entries:
        PointEntry.objects.filter(pk__in=[e.pk for e in entries]).update(
            state=state, settled_at=now
        )


def _carry_over_row(e: PointEntry, nxt: PointCycle, rule: str, now: dt.datetime) -> PointEntry:
    """The row that continues ``e``'s points in the next cycle ``nxt`` (not saved)."""
    return PointEntry(
        licence_id=e.licence_id,
        cycle=nxt,
        violation=e.violation,
        kind=EntryKind.CARRY_OVER,
        carried_from=e,
        points=e.points,
        fine_paid=e.fine_paid,
        duty_id=e.duty_id,
        rule=rule,
        created_at=now,
    )


def _carry(
    licence: DrivingLicence, cycle: PointCycle, entries: Sequence[PointEntry], rule: str
) -> PointCycle | None:
    """Carry ``entries`` of an ended ``cycle`` into the next cycle (R163 Art. 15, or Arts.
    17 and 23 at full score); a next cycle that has itself been closed passes them on.
    Returns the cycle made for them, if one was made."""
    if not entries:
        return None
    now = clock.now()
    nxt, made = _cycle_of(licence, cycle.end + dt.timedelta(days=1))
    _settle_rows(entries, EntryState.CARRIED, now)
    moved = PointEntry.objects.bulk_create([_carry_over_row(e, nxt, rule, now) for e in entries])
    if nxt.closed_at is not None:
        return _carry(licence, nxt, moved, rule)
    return nxt if made else None


def _settlement(
    cycle: PointCycle, entries: Sequence[PointEntry], opening: int
) -> tuple[Decision, list[PointEntry], list[PointEntry]]:
    """R163 Art. 15 through ``cycle_end_clearing`` for the active ``entries`` of an ended
    ``cycle`` (their violations read with them) and its ``opening`` points still counting:
    below 12 the points are cleared except those of fines overdue and unpaid at its end, which
    carry over; at 12 or more (a full score in progress) all of them carry over until the
    full-score process ends. Returns the decision, the entries carried and those cleared."""
    records = [
        PointRecord(
            points=e.points,
            fine_unpaid=rules.fine_overdue(
                fine_fen=e.violation.fine_fen,
                paid=e.fine_paid,
                due_on=e.violation.fine_due_on,
                on=cycle.end,
            ),
        )
        for e in entries
    ]
    if opening:
        records.append(PointRecord(points=opening, fine_unpaid=False))
    decision = cycle_end_clearing(records=records)
    if not decision.allowed:
        return decision, list(entries), []
    carried = [e for e, r in zip(entries, records, strict=False) if r.fine_unpaid]
    cleared = [e for e, r in zip(entries, records, strict=False) if not r.fine_unpaid]
    return decision, carried, cleared


def _closed_by(cycle: PointCycle, decision: Decision, now: dt.datetime) -> AuditEntry:
    """Set what the end of ``cycle`` decided on it (not saved); its audit entry."""
    facts = decision.facts
    cycle.closed_at = now
    cycle.total = int(str(facts["total"]))
    cycle.carried_over = int(str(facts["carried_over"]))
    cycle.cleared = int(str(facts["cleared"]))
    cycle.rule = decision.rule
    return AuditEntry(
        action="points.cycle_close",
        object_type="point_cycle",
        object_ref=str(cycle.pk),
        after={
            "cycle": cycle.index + 1,
            "start": cycle.start.isoformat(),
            "end": cycle.end.isoformat(),
            "total": cycle.total,
            "cleared": cycle.cleared,
            "carried_over": cycle.carried_over,
            "rule": decision.rule,
        },
        reason="R163 Art. 15",
        subject_person_ref=str(cycle.licence.person.public_id),
    )


def _still_counting(violations: Sequence[Violation]) -> set[int]:
    """The ids of those of ``violations`` with points still counting somewhere."""
    return set(
        PointEntry.objects.filter(violation__in=violations, state=EntryState.ACTIVE).values_list(
            "violation_id", flat=True
        )
    )


def _close(
    actor: Actor, licence: DrivingLicence, cycle: PointCycle, *, empty: bool = False
) -> tuple[PointCycle | None, bool]:
    """Close one ended cycle of a locked licence (:func:`_settlement`). ``empty``: the caller
    read, under the licence's lock, that no entry of the cycle counts (entries are only made
    under that lock). Returns the cycle made for the carried points if one was made, and
    whether any were carried."""
    entries: list[PointEntry] = []
    if not empty:
        active = cycle.entries.filter(state=EntryState.ACTIVE)
        # their violations locked before their rows are read and changed (licence,
        # violations, ledger: the order of every service), so a fine paid meanwhile is seen,
        # not overwritten
        locked = list(
            Violation.objects.select_for_update()
            .filter(pk__in=active.values("violation_id"))
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if locked:  # no violation: no entry counting
            entries = list(active.select_related("violation").order_by("pk"))
    decision, carried, cleared = _settlement(cycle, entries, _opening_counts(cycle))
    now = clock.now()
    _settle_rows(cleared, EntryState.CLEARED, now)
    made = _carry(licence, cycle, carried, decision.rule)
    cycle.licence = licence
    entry = _closed_by(cycle, decision, now)
    cycle.save(update_fields=["closed_at", "total", "carried_over", "cleared", "rule"])
    audit_record(actor=actor, **vars(entry))  # an AuditEntry has audit_record's arguments
    # paid violations whose points are now settled are closed (``_close_if_settled``, with
    # the violations still counting somewhere read in one query instead of one per violation)
    paid = [e.violation for e in cleared if e.violation.state == State.PAID]
    if paid:
        counting = _still_counting(paid)
        for v in paid:
            if v.pk not in counting:
                violation_transition(actor=actor, principal=None, violation=v, command="close")
    return made, bool(carried)


def _transition_many(actor: Actor, violations: Sequence[Violation], command: str) -> None:
    """:func:`violation_transition` of a system command for many violations the caller holds
    locked in this transaction (read with their driver and vehicle owner): the same table
    check, new version, history row and audit row for each, in a few statements."""
    t = workflow.TRANSITIONS[command]
    if t.by != "system" or t.reason_required:
        raise ValueError(f"{command}: only a system command without a reason runs in bulk")
    if not violations:
        return
    now = clock.now()
    moved: list[tuple[Violation, str, dict[str, Any]]] = []
    for v in violations:
        if not workflow.allowed(command, v.state):
            raise Conflict(
                "transition_not_allowed",
                _("The violation is %(state)s: this does not apply")
                % {"state": v.get_state_display()},
                citation=t.citation or None,
            )
        moved.append((v, v.state, snapshot(v)))
        v.state, v.version, v.updated_at = t.target, v.version + 1, now
    Violation.objects.filter(pk__in=[v.pk for v in violations]).update(
        state=t.target, version=F("version") + 1, updated_at=now
    )
    ViolationEvent.objects.bulk_create(
        [
            ViolationEvent(
                violation=v,
                command=command,
                from_state=previous,
                to_state=v.state,
                actor_ref=actor.ref,
                actor_label=actor.label[:150],
                reason="",
                at=now,
            )
            for v, previous, _before in moved
        ],
        batch_size=2000,
    )
    audit_record_many(
        actor=actor,
        entries=[
            AuditEntry(
                action=f"violation.{command}",
                object_type=OBJECT_TYPE,
                object_ref=str(v.public_id),
                before=before,
                after=snapshot(v),
                subject_person_ref=_subject_ref(v),
            )
            for v, _previous, before in moved
        ],
    )


CYCLE_END_REASON = "R163 Art. 15: end of the scoring cycle"


@transaction.atomic
def points_cycles_close(*, actor: Actor, licence_ids: Sequence[int]) -> dict[int, int]:
    """The cycle-end job for a batch of licences, in one transaction: close their ended
    cycles (R163 Art. 15) and record the points of the cycle each is now in. Returns the
    cycles closed per licence (licences with none left out); running it again changes
    nothing.

    A licence whose one ended cycle is followed by the cycle of today, not made yet (the
    daily case: every licence is closed on the day after its cycle's last day), is settled
    with the others set-based: the same rule (:func:`_settlement`) decides each cycle, and
    the rows it writes (cycles closed and made, entries cleared or carried, carry-over rows,
    paid violations closed with their history row, licences' points with their history) and
    one audit row per decision are written for the whole batch in a few statements. Any other
    licence (unseen for more than a cycle, or with later cycles made already) is caught up on
    its own (:func:`_catch_up`) in the same transaction."""
    today, now = clock.today(), clock.now()
    licences = {
        licence.pk: licence
        for licence in DrivingLicence.objects.select_for_update(of=("self",))
        .select_related("person")
        .filter(pk__in=list(licence_ids))
        .order_by("pk")
    }
    ended = (
        PointCycle.objects.filter(
            licence_id__in=list(licences), closed_at__isnull=True, end__lt=today
        )
        .annotate(
            counting=Exists(
                PointEntry.objects.filter(cycle=OuterRef("pk"), state=EntryState.ACTIVE)
            ),
            later=Exists(
                PointCycle.objects.filter(
                    licence_id=OuterRef("licence_id"), index__gt=OuterRef("index")
                )
            ),
        )
        .order_by("licence_id", "index")
    )
    due: dict[int, list[PointCycle]] = {}
    rows: list[Any] = list(ended)  # with the annotations
    counted = {cycle.pk for cycle in rows if cycle.counting}
    later = {cycle.pk for cycle in rows if cycle.later}
    for cycle in rows:
        cycle.licence = licences[cycle.licence_id]
        due.setdefault(cycle.licence_id, []).append(cycle)
    closed: dict[int, int] = {}
    simple: list[tuple[PointCycle, tuple[int, dt.date, dt.date]]] = []
    for licence_id, cycles in due.items():
        licence = licences[licence_id]
        nxt = cycle_bounds(licence.first_issue_date, cycles[0].end + dt.timedelta(days=1))
        # one cycle ended, followed by the cycle of today, not made yet
        one = len(cycles) == 1 and cycles[0].pk not in later
        if one and nxt[0] == cycles[0].index + 1 and nxt[2] >= today:
            simple.append((cycles[0], nxt))
            continue
        closed[licence_id] = _catch_up(actor, licence)
        if closed[licence_id]:
            _sync_points(actor, licence, reason=CYCLE_END_REASON, fresh=True)
    if simple:
        _close_many(actor, simple, counted, now)
        closed.update({cycle.licence_id: 1 for cycle, _nxt in simple})
    return closed


def _close_many(
    actor: Actor,
    due: Sequence[tuple[PointCycle, tuple[int, dt.date, dt.date]]],
    counted: set[int],
    now: dt.datetime,
) -> None:
    """Close ``due`` cycles (each the one ended cycle of its licence, locked; ``counted``:
    the ids of those with an entry counting, read under the locks) and make the next ones
    (index, start, last day): the rows of
    :func:`_close`, :func:`_carry` and :func:`_sync_points` for all of them at once."""
    cycles = [cycle for cycle, _nxt in due]
    with_opening = [c.pk for c in cycles if c.opening_points]
    taken = set(  # opening points taken by a completed full-score process (_opening_counts)
        EducationDuty.objects.filter(
            cycle_id__in=with_opening, state=DutyState.COMPLETED
        ).values_list("cycle_id", flat=True)
        if with_opening
        else []
    )
    entries_of: dict[int, list[PointEntry]] = {}
    counting = [c.pk for c in cycles if c.pk in counted]
    if counting:
        active = PointEntry.objects.filter(cycle_id__in=counting, state=EntryState.ACTIVE)
        # the violations locked before the entries are read, as in _close
        locked = list(
            Violation.objects.select_for_update()
            .filter(pk__in=active.values("violation_id"))
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if locked:
            for e in active.select_related(
                "violation__driver", "violation__vehicle__owner_person"
            ).order_by("pk"):
                entries_of.setdefault(e.cycle_id, []).append(e)
    made: list[PointCycle] = []
    cleared: list[PointEntry] = []
    carried: list[tuple[PointCycle, PointEntry, str]] = []
    audit: list[AuditEntry] = []
    points: dict[int, int] = {}
    for cycle, (index, start, end) in due:
        opening = cycle.opening_points if cycle.pk not in taken else 0
        decision, carry, clear = _settlement(cycle, entries_of.get(cycle.pk, []), opening)
        nxt = PointCycle(licence=cycle.licence, index=index, start=start, end=end)
        made.append(nxt)
        cleared.extend(clear)
        carried.extend((nxt, e, decision.rule) for e in carry)
        audit.append(_closed_by(cycle, decision, now))
        # the points of the cycle of today: those carried into it (it is new: no opening
        # points, no reductions; _points_now)
        points[cycle.licence_id] = sum(e.points for e in carry)
    PointCycle.objects.bulk_create(made, batch_size=2000)
    _settle_rows(cleared, EntryState.CLEARED, now)
    _settle_rows([e for _nxt, e, _rule in carried], EntryState.CARRIED, now)
    PointEntry.objects.bulk_create(
        [_carry_over_row(e, nxt, rule, now) for nxt, e, rule in carried], batch_size=2000
    )
    outcomes: dict[tuple[int, int, int, str], list[int]] = {}
    for cycle in cycles:
        key = (cycle.total, cycle.cleared, cycle.carried_over, cycle.rule)
        outcomes.setdefault(key, []).append(cycle.pk)
    for (total, cleared_points, carried_over, rule), ids in outcomes.items():
        PointCycle.objects.filter(pk__in=ids).update(
            closed_at=now, total=total, cleared=cleared_points, carried_over=carried_over, rule=rule
        )
    audit_record_many(actor=actor, entries=audit)
    # paid violations whose points are now settled are closed, as in _close
    paid = list(
        {e.violation.pk: e.violation for e in cleared if e.violation.state == State.PAID}.values()
    )
    if paid:
        counting_ids = _still_counting(paid)
        _transition_many(actor, [v for v in paid if v.pk not in counting_ids], "close")
    registry.licence_points_record_many(actor=actor, points=points, reason=CYCLE_END_REASON)


def points_cycle_close(*, actor: Actor, licence: DrivingLicence) -> int:
    """The cycle-end job for one licence (:func:`points_cycles_close`): close its ended cycles
    (R163 Art. 15) and record the points of the cycle it is now in. Returns how many cycles
    were closed; running it again changes nothing."""
    return points_cycles_close(actor=actor, licence_ids=[licence.pk]).get(licence.pk, 0)


def points_cycles_close_due(
    *, actor: Actor, today: dt.date | None = None, batch: int = 500
) -> dict[str, int]:
    """Close the ended cycles of every licence that has one (:func:`points_cycles_close`),
    reading the open cycles that have ended in keyset pages of ``batch`` over the indexed
    ``(closed_at, end, id)``; the licences of each page in one transaction, so a crash loses
    nothing and a rerun resumes. A page that fails is rolled back and done again licence by
    licence, each in its own transaction: a licence that still fails is logged, counted in
    ``failed`` and left due for the next run, and the others are closed."""
    today = today or clock.today()
    # in the index's order (closed_at, end, id), so that each batch reads only its own rows
    # (ordered by id alone, every batch sorted all the cycles still due: 1,000,000 at first)
    due = PointCycle.objects.filter(closed_at__isnull=True, end__lt=today).order_by("end", "id")
    after: tuple[dt.date, int] | None = None
    report = {"licences": 0, "cycles": 0, "failed": 0}
    while True:
        page = due
        if after is not None:
            page = due.filter(end__gte=after[0]).filter(
                Q(end__gt=after[0]) | Q(end=after[0], id__gt=after[1])
            )
        rows = list(page.values_list("id", "end", "licence_id")[:batch])
        if not rows:
            return report
        after = (rows[-1][1], rows[-1][0])
        ids = list(dict.fromkeys(licence_id for _id, _end, licence_id in rows))
        try:
            closed = points_cycles_close(actor=actor, licence_ids=ids)
        except Exception:
            logger.exception("cycle end: a batch of %d licences failed; one by one", len(ids))
            closed = {}
            for licence_id in ids:
                try:
                    closed.update(points_cycles_close(actor=actor, licence_ids=[licence_id]))
                except Exception:
                    logger.exception(
                        "cycle end: licence %d failed; left for the next run", licence_id
                    )
                    report["failed"] += 1
        report["licences"] += sum(1 for n in closed.values() if n)
        report["cycles"] += sum(closed.values())
