"""Reads of the platforms app: share codes opened by a desk (throttled, audited), a person's
shares and consents, the consent chain check, and the person's access log ("who looked at my
data")."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

import jwt
from django.core import signing as django_signing
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiaoguan.accounts.models import User
from jiaoguan.accounts.roles import ROLE_BY_CODE
from jiaoguan.audit.models import AuditEvent
from jiaoguan.audit.services import GENESIS, Actor, audit_record
from jiaoguan.documents.selectors import published_jwks
from jiaoguan.kernel import clock, crypto, regions
from jiaoguan.kernel.errors import DomainError, NotFound, RateLimited
from jiaoguan.platforms import rules, signing
from jiaoguan.platforms.constants import (
    CONSENT_OBJECT,
    SHARE_PURPOSE,
    SHARE_VIEW_ACTION,
    SHARE_VIEWER_ROLE,
    ConsentState,
    ShareStatus,
)
from jiaoguan.platforms.models import ConsentHead, ConsentRecord, LicenceShare
from jiaoguan.platforms.services import code_index, consent_hash, licence_data
from jiaoguan.registry.models import DrivingLicence, Organisation, Person


class ShareGone(DomainError):
    """A share code that existed but no longer works (revoked or expired)."""

    status = 410
    title = "Gone"


# ---- share codes opened by a desk ------------------------------------------------------------


@dataclass(frozen=True)
class ShareView:
    share: LicenceShare
    facts: dict[str, Any]


def _failures_key(client: str) -> str:
    return f"platforms:share-failures:{crypto.sm3_hex(client)[:32]}"


def _throttled() -> RateLimited:
    minutes = int(rules.LOOKUP_WINDOW.total_seconds() // 60)
    return RateLimited(
        "too_many_attempts",
        _("Too many wrong share codes. Try again in %(minutes)d minutes.") % {"minutes": minutes},
        field="code",
    )


def _count_failure(client: str) -> None:
    key = _failures_key(client)
    timeout = int(rules.LOOKUP_WINDOW.total_seconds())
    cache.add(key, 0, timeout)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout)


def share_open(code: str, *, client: str) -> ShareView:
    """What a desk sees for ``code``: the chosen facts of the holder's licence, live. The
    lookup is throttled per client address (``rules.LOOKUP_MAX_FAILURES`` wrong codes per
    ``rules.LOOKUP_WINDOW``, then 429 for every lookup), a revoked or expired code answers
    410, and every successful view is written to the holder's access log."""
    if int(cache.get(_failures_key(client)) or 0) >= rules.LOOKUP_MAX_FAILURES:
        raise _throttled()
    normalised = rules.normalise_code(code)
    share = (
        LicenceShare.objects.select_related("person")
        .filter(code_index=code_index(normalised))
        .first()
        if normalised
        else None
    )
    if share is None:
        _count_failure(client)
        raise NotFound(
            "share_not_found",
            _("No share code like this. Check the code with the licence holder."),
            field="code",
        )
    status = share.status(clock.now())
    if status == ShareStatus.REVOKED:
        raise ShareGone("share_revoked", _("The holder has revoked this share code."), field="code")
    if status == ShareStatus.EXPIRED:
        raise ShareGone("share_expired", _("This share code has expired."), field="code")
    licence = DrivingLicence.objects.select_related("person").filter(person=share.person).first()
    if licence is None:  # the licence was cancelled and removed from the record
        raise ShareGone("licence_gone", _("The licence is no longer on record."), field="code")
    facts = rules.licence_facts(share.facts, licence_data(licence), on=clock.today())
    with transaction.atomic():
        audit_record(
            actor=Actor(ref=f"share:{share.public_id}", label="share code", role=SHARE_VIEWER_ROLE),
            action=SHARE_VIEW_ACTION,
            object_type="licenceshare",
            object_ref=str(share.public_id),
            reason=SHARE_PURPOSE,
            subject_person_ref=str(share.person.public_id),
        )
    return ShareView(share=share, facts=facts)


def shares_for(person: Person) -> QuerySet[LicenceShare]:
    return LicenceShare.objects.filter(person=person).order_by("-created_at", "-id")


def share_get(person: Person, share_id: str | uuid.UUID) -> LicenceShare:
    try:
        return shares_for(person).get(public_id=uuid.UUID(str(share_id)))
    except (ValueError, LicenceShare.DoesNotExist) as exc:
        raise NotFound("not_found", _("%(what)s not found") % {"what": _("Share code")}) from exc


# ---- consents --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConsentView:
    """A consent as it stands: its latest revision, and whether it has lapsed."""

    latest: ConsentRecord
    revisions: int
    state: str  # given, withdrawn or expired

    @property
    def active(self) -> bool:
        return self.state == ConsentState.GIVEN


def consents_for(person: Person) -> list[ConsentView]:
    """Every consent of ``person`` (its latest revision), newest first."""
    latest: dict[uuid.UUID, ConsentRecord] = {}
    count: dict[uuid.UUID, int] = {}
    for rec in ConsentRecord.objects.filter(person=person).order_by("seq"):
        latest[rec.consent_ref] = rec
        count[rec.consent_ref] = count.get(rec.consent_ref, 0) + 1
    now = clock.now()
    views = []
    for ref, rec in latest.items():
        state = rec.state
        if state == ConsentState.GIVEN and rec.expires_at is not None and rec.expires_at <= now:
            state = "expired"
        views.append(ConsentView(latest=rec, revisions=count[ref], state=state))
    return sorted(views, key=lambda v: v.latest.seq, reverse=True)


@dataclass
class ChainCheck:
    checked: int = 0
    breaks: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.breaks


def _signature_problem(rec: ConsentRecord, jwks: dict[str, Any]) -> str | None:
    try:
        claims = signing.verify(rec.signature, jwks=jwks)
    except (jwt.PyJWTError, LookupError, ValueError):
        return "signature does not verify against the published keys"
    if claims.get("sub") != str(rec.public_id) or claims.get("hash") != rec.hash:
        return "signature does not cover this revision (re-hashed or swapped)"
    return None


def consent_chain_verify(person: Person) -> ChainCheck:
    """Walk ``person``'s consent chain. Detects an edited revision (content no longer matches
    its hash), a re-hashed one (its signature covers another hash), a deleted one (a gap in
    ``seq`` or a broken ``prev_hash`` link), a deleted tail (the head is ahead of the last
    revision) and a revision the audit trail recorded that is no longer there."""
    result = ChainCheck()
    jwks = published_jwks()
    expected, prev = 1, GENESIS
    by_id: dict[str, ConsentRecord] = {}
    for rec in ConsentRecord.objects.filter(person=person).order_by("seq"):
        rec.person = person
        result.checked += 1
        by_id[str(rec.public_id)] = rec
        where = f"revision seq {rec.seq}"
        if rec.seq != expected:
            result.breaks.append(f"{where}: expected seq {expected} (revisions deleted)")
        elif rec.prev_hash != prev:
            result.breaks.append(f"{where}: link to the previous revision broken")
        elif consent_hash(rec) != rec.hash:
            result.breaks.append(f"{where}: content does not match its hash (edited)")
        elif problem := _signature_problem(rec, jwks):
            result.breaks.append(f"{where}: {problem}")
        expected, prev = rec.seq + 1, rec.hash
    head = ConsentHead.objects.filter(person=person).first()
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS)
    if head_seq != expected - 1 or head_hash != prev:
        result.breaks.append(
            f"chain head is at seq {head_seq} but the last revision is {expected - 1} "
            "(revisions deleted at the end)"
        )
    recorded = AuditEvent.objects.filter(
        subject_person_ref=str(person.public_id), object_type=CONSENT_OBJECT
    ).values_list("object_ref", "after_digest")
    for ref, after in recorded:
        found = by_id.get(ref)
        if found is None:
            result.breaks.append(f"revision {ref} is in the audit trail but missing (deleted)")
        elif after != found.hash:
            result.breaks.append(f"revision {ref} differs from what the audit trail recorded")
    return result


# ---- who looked at my data -------------------------------------------------------------------

#: Audit actions that are reads of a person's data, with what the person is told.
READ_ACTIONS: dict[str, Any] = {
    "person.read": gettext_lazy("Read your personal record"),
    "documents.document_read": gettext_lazy("Opened one of your documents"),
    "window.id_card_read": gettext_lazy("Read your ID card at a service window"),
    SHARE_VIEW_ACTION: gettext_lazy("Checked your driving licence with a share code"),
    "app.licence_read": gettext_lazy("An app you authorised read your driving licence"),
    "app.points_read": gettext_lazy("An app you authorised read your points"),
    "app.violations_read": gettext_lazy("An app you authorised read your violations"),
    "app.vehicles_read": gettext_lazy("An app you authorised read your vehicles"),
}
OTHER_READ = gettext_lazy("Read your data")
KNOWN_PURPOSES: dict[str, Any] = {SHARE_PURPOSE: gettext_lazy("Licence check by share code")}
READER_KINDS: dict[str, Any] = {
    SHARE_VIEWER_ROLE: gettext_lazy("Holder of your share code"),
    "partner_system": gettext_lazy("Partner system"),
    "third_party_app": gettext_lazy("App you authorised"),
    "system": gettext_lazy("System"),
    "anonymous": gettext_lazy("Anonymous"),
}
_CURSOR_SALT = "jiaoguan.platforms.access-log"
MAX_PAGE = 100


@dataclass(frozen=True)
class AccessEntry:
    at: dt.datetime
    action: str
    what: str
    reader_kind: str  # staff, partner, share_code, system
    reader_role: str
    reader_name: str  # masked for staff
    organisation: str
    region: str
    purpose: str
    legal_basis: str
    citation: str
    channel: str


def _reads(person: Person, own_user_ref: str) -> QuerySet[AuditEvent]:
    is_read = (
        Q(action__in=list(READ_ACTIONS))
        | Q(action__endswith="_read")
        | Q(action__endswith=".read")
        | Q(action__endswith="_view")
    )
    return (
        AuditEvent.objects.filter(subject_person_ref=str(person.public_id))
        .filter(is_read)
        .exclude(actor_ref=own_user_ref)
    )


def _uuid_or_none(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def _describe(events: list[AuditEvent], lang: str | None) -> list[AccessEntry]:
    english = (lang or "").startswith("en")
    user_ids = {u for e in events if (u := _uuid_or_none(e.actor_ref))}
    org_ids = {o for e in events if (o := _uuid_or_none(e.outlet_ref))}
    users = {
        str(u.public_id): u
        for u in User.objects.filter(public_id__in=user_ids).select_related("organisation")
    }
    orgs = {str(o.public_id): o.name for o in Organisation.objects.filter(public_id__in=org_ids)}
    entries = []
    for e in events:
        user = users.get(e.actor_ref)
        basis = rules.legal_basis_for_reader(e.actor_role)
        organisation = orgs.get(e.outlet_ref, "")
        region_name = ""
        if e.actor_role == SHARE_VIEWER_ROLE:
            kind, role, name = "share_code", str(READER_KINDS[SHARE_VIEWER_ROLE]), ""
        elif e.actor_role == "partner_system":
            kind, role, name = "partner", str(READER_KINDS["partner_system"]), e.actor_label
        elif e.actor_role == "third_party_app":
            kind, role, name = "app", str(READER_KINDS["third_party_app"]), e.actor_label
        elif user is not None:
            kind = "staff"
            known = ROLE_BY_CODE.get(e.actor_role)
            role = (known.name_en if english else known.name_zh) if known else e.actor_role
            name = crypto.mask_name(user.get_full_name() or user.get_username())
            if user.organisation is not None:
                organisation = organisation or user.organisation.name
            found = regions.region(user.region_scope) if user.region_scope else None
            region_name = (found.name_en if english else found.name_zh) if found else ""
        else:
            kind = "system"
            role = str(READER_KINDS.get(e.actor_role, READER_KINDS["system"]))
            name = ""
        entries.append(
            AccessEntry(
                at=e.created_at,
                action=e.action,
                what=str(READ_ACTIONS.get(e.action, OTHER_READ)),
                reader_kind=kind,
                reader_role=role,
                reader_name=name,
                organisation=organisation,
                region=region_name,
                purpose=str(KNOWN_PURPOSES.get(e.reason, e.reason)),
                legal_basis=basis.text(lang),
                citation=basis.citation,
                channel=e.channel,
            )
        )
    return entries


def access_log(
    user: User, *, cursor: str | None = None, limit: int = 20, lang: str | None = None
) -> tuple[list[AccessEntry], str | None]:
    """Every read of the signed-in citizen's own record by someone else (staff, outlets,
    partners, share-code holders, other platforms), newest first, keyset-paginated by a
    signed cursor. A user not bound to a person sees nothing."""
    if not 1 <= limit <= MAX_PAGE:
        raise DomainError(
            "invalid_limit", _("A page holds 1 to %(max)d rows") % {"max": MAX_PAGE}, field="limit"
        )
    person = user.person
    if person is None:
        return [], None
    qs = _reads(person, str(user.public_id))
    if cursor:
        try:
            before = int(django_signing.loads(cursor[:200], salt=_CURSOR_SALT))
        except (django_signing.BadSignature, ValueError, TypeError) as exc:
            raise DomainError("invalid_cursor", _("Invalid page cursor"), field="cursor") from exc
        qs = qs.filter(pk__lt=before)
    rows = list(qs.order_by("-pk")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    nxt = django_signing.dumps(rows[-1].pk, salt=_CURSOR_SALT) if more and rows else None
    return _describe(rows, lang), nxt


@dataclass
class AllChainsCheck:
    persons: int = 0
    revisions: int = 0
    broken: dict[str, list[str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.broken


def consent_chains_verify() -> AllChainsCheck:
    """Verify the consent chain of everyone who has one: people with a chain head or a
    revision, then anyone else the audit trail recorded a consent revision for (a chain deleted
    whole is seen there)."""
    result = AllChainsCheck()

    def check(person: Person) -> None:
        found = consent_chain_verify(person)
        result.persons += 1
        result.revisions += found.checked
        if not found.ok:
            result.broken[str(person.public_id)] = found.breaks

    seen: set[str] = set()
    people = Person.objects.filter(
        Q(pk__in=ConsentHead.objects.values("person_id"))
        | Q(pk__in=ConsentRecord.objects.values("person_id"))
    ).order_by("pk")
    for person in people.iterator(chunk_size=500):
        seen.add(str(person.public_id))
        check(person)
    audited = (
        AuditEvent.objects.filter(object_type=CONSENT_OBJECT)
        .values_list("subject_person_ref", flat=True)
        .distinct()
    )
    for ref in audited.iterator(chunk_size=2000):
        if ref in seen or (public_id := _uuid_or_none(ref)) is None:
            continue
        seen.add(ref)
        orphan = Person.objects.filter(public_id=public_id).first()
        if orphan is None:
            result.broken[ref] = ["consent revisions are in the audit trail but the person is gone"]
        else:
            check(orphan)
    return result
