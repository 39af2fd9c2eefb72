"""Every write of the platforms app: consent revisions (give, withdraw) and share codes
(create, revoke). Each is one transaction with its audit rows (DESIGN.md)."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from dataclasses import dataclass

from django.core.exceptions import ObjectDoesNotExist
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from jiaoguan.audit.services import GENESIS, Actor, audit_record
from jiaoguan.documents.constants import ISSUER
from jiaoguan.kernel import clock, crypto
from jiaoguan.kernel.errors import Conflict, DomainError, NotFound
from jiaoguan.platforms import rules, signing
from jiaoguan.platforms.constants import (
    CONSENT_OBJECT,
    SHARE_PARTY,
    SHARE_PURPOSE,
    ConsentState,
    ShareFact,
    ShareStatus,
)
from jiaoguan.platforms.models import ConsentHead, ConsentRecord, LicenceShare
from jiaoguan.registry.models import DrivingLicence, Person

CODE_INDEX_PURPOSE = "platforms.share_code"
SHARE_TOKEN_KIND = "licence_check"  # noqa: S105 (a claim value, not a secret)


def consent_hash(record: ConsentRecord) -> str:
    """SM3 over the canonical JSON of the revision and the previous hash."""
    return crypto.digest(record.hashed_fields())


def _lock_head(person: Person) -> ConsentHead:
    """The person's chain head, locked for this transaction (created on first use)."""
    try:
        return ConsentHead.objects.select_for_update().get(person=person)
    except ObjectDoesNotExist:
        pass
    try:
        with transaction.atomic():
            ConsentHead.objects.create(person=person, seq=0, hash=GENESIS)
    except IntegrityError:  # created meanwhile by a concurrent first consent
        pass
    return ConsentHead.objects.select_for_update().get(person=person)


def _clean_text(value: str, *, field: str, limit: int) -> str:
    value = (value or "").strip()
    if not value or len(value) > limit:
        raise DomainError(
            "invalid_" + field,
            _("Give a short text (at most %(limit)d characters)") % {"limit": limit},
            field=field,
        )
    return value


def _append(
    *,
    actor: Actor,
    person: Person,
    consent_ref: uuid.UUID,
    revision: int,
    party_name: str,
    party_id: str,
    purpose: str,
    scopes: list[str],
    legal_basis: str,
    state: str,
    expires_at: dt.datetime | None,
    reason: str = "",
) -> ConsentRecord:
    head = _lock_head(person)
    record = ConsentRecord(
        public_id=uuid.uuid4(),
        person=person,
        consent_ref=consent_ref,
        revision=revision,
        seq=head.seq + 1,
        party_name=party_name,
        party_id=party_id,
        purpose=purpose,
        scopes=list(scopes),
        legal_basis=legal_basis,
        state=state,
        expires_at=expires_at,
        actor_ref=actor.ref[:64],
        created_at=clock.now(),
        prev_hash=head.hash,
    )
    record.hash = consent_hash(record)
    record.signature, record.kid = signing.sign(
        {
            "iss": ISSUER,
            "sub": str(record.public_id),
            "typ": "consent",
            "consent": str(consent_ref),
            "revision": revision,
            "hash": record.hash,
            "iat": int(record.created_at.timestamp()),
        },
        actor=actor,
    )
    record.save(force_insert=True)
    ConsentHead.objects.filter(person=person).update(seq=record.seq, hash=record.hash)
    audit_record(
        actor=actor,
        action=f"platforms.consent_{'give' if state == ConsentState.GIVEN else 'withdraw'}",
        object_type=CONSENT_OBJECT,
        object_ref=str(record.public_id),
        after=record.hashed_fields(),
        reason=reason,
        subject_person_ref=str(person.public_id),
    )
    return record


@transaction.atomic
def consent_give(
    *,
    actor: Actor,
    person: Person,
    party_name: str,
    party_id: str,
    purpose: str,
    scopes: list[str],
    legal_basis: str,
    expires_at: dt.datetime | None = None,
) -> ConsentRecord:
    """Record that ``person`` consents to ``party`` using ``scopes`` for ``purpose``: a new
    consent at revision 1, appended to the person's chain."""
    if not scopes or not all(isinstance(s, str) and 0 < len(s) <= 64 for s in scopes):
        raise DomainError("invalid_scopes", _("Choose at least one kind of data"), field="scopes")
    return _append(
        actor=actor,
        person=person,
        consent_ref=uuid.uuid4(),
        revision=1,
        party_name=_clean_text(party_name, field="party_name", limit=120),
        party_id=_clean_text(party_id, field="party_id", limit=64),
        purpose=_clean_text(purpose, field="purpose", limit=200),
        scopes=sorted(set(scopes)),
        legal_basis=_clean_text(legal_basis, field="legal_basis", limit=200),
        state=ConsentState.GIVEN,
        expires_at=expires_at,
    )


def _not_found() -> NotFound:
    return NotFound("not_found", _("%(what)s not found") % {"what": _("Authorisation")})


@transaction.atomic
def consent_withdraw(
    *, actor: Actor, person: Person, consent_ref: uuid.UUID | str, reason: str = ""
) -> ConsentRecord:
    """Withdraw one of ``person``'s consents: a new revision in state ``withdrawn`` (the old
    revisions stay as they were). Another person's consent answers "not found"."""
    try:
        ref = uuid.UUID(str(consent_ref))
    except ValueError as exc:
        raise _not_found() from exc
    _lock_head(person)  # serialises revisions of this person's consents
    latest = (
        ConsentRecord.objects.filter(person=person, consent_ref=ref).order_by("-revision").first()
    )
    if latest is None:
        raise _not_found()
    if latest.state == ConsentState.WITHDRAWN:
        raise Conflict(
            "already_withdrawn", _("This authorisation is already withdrawn"), field="consent"
        )
    return _append(
        actor=actor,
        person=person,
        consent_ref=ref,
        revision=latest.revision + 1,
        party_name=latest.party_name,
        party_id=latest.party_id,
        purpose=latest.purpose,
        scopes=list(latest.scopes),
        legal_basis=latest.legal_basis,
        state=ConsentState.WITHDRAWN,
        expires_at=latest.expires_at,
        reason=reason[:200],
    )


# ---- share codes -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ShareCreated:
    share: LicenceShare
    code: str  # shown once to the holder; only its keyed hash is stored

    @property
    def display_code(self) -> str:
        return rules.format_code(self.code)


def code_index(code: str) -> str:
    return crypto.blind_index(code, purpose=CODE_INDEX_PURPOSE)


def new_code() -> str:
    return "".join(secrets.choice(rules.CODE_ALPHABET) for _ in range(rules.CODE_LENGTH))


def licence_data(licence: DrivingLicence) -> rules.LicenceData:
    return rules.LicenceData(
        holder_name=licence.person.name,
        classes=licence.classes,
        status=licence.status,
        valid_until=licence.valid_until,
        points=licence.points,
        first_issue_date=licence.first_issue_date,
    )


def _clean_facts(facts: list[str]) -> list[str]:
    if not isinstance(facts, list) or not facts:
        raise DomainError("facts_required", _("Tick at least one fact to share"), field="facts")
    if any(not isinstance(f, str) or f not in ShareFact.values for f in facts):
        raise DomainError("invalid_fact", _("Unknown fact"), field="facts")
    chosen = set(facts)
    return [f for f in rules.FACT_ORDER if f in chosen]


@transaction.atomic
def share_create(*, actor: Actor, person: Person, facts: list[str]) -> ShareCreated:
    """Create a share code for ``person``'s driving licence disclosing only ``facts``, valid
    for ``rules.SHARE_VALIDITY``; record it as a consent (party "share code", scopes = the
    facts) and sign an offline token carrying only those facts."""
    chosen = _clean_facts(facts)
    licence = DrivingLicence.objects.select_related("person").filter(person=person).first()
    if licence is None:
        raise DomainError(
            "no_licence", _("You have no driving licence on record to share"), field="facts"
        )
    now = clock.now()
    expires_at = now + rules.SHARE_VALIDITY
    share = LicenceShare(
        public_id=uuid.uuid4(),
        person=person,
        facts=chosen,
        created_at=now,
        expires_at=expires_at,
    )
    consent = consent_give(
        actor=actor,
        person=person,
        party_name=SHARE_PARTY,
        party_id=str(share.public_id),
        purpose=SHARE_PURPOSE,
        scopes=chosen,
        legal_basis=rules.CONSENT.citation,
        expires_at=expires_at,
    )
    share.consent_ref = consent.consent_ref
    share.token, share.kid = signing.sign(
        {
            "iss": ISSUER,
            "sub": str(share.public_id),
            "kind": SHARE_TOKEN_KIND,
            "iat": int(now.timestamp()),
            "exp": int(expires_at.timestamp()),
            "fields": rules.licence_facts(chosen, licence_data(licence), on=clock.today()),
        },
        actor=actor,
    )
    code = new_code()
    share.code_index = code_index(code)
    share.save(force_insert=True)
    audit_record(
        actor=actor,
        action="platforms.share_create",
        object_type="licenceshare",
        object_ref=str(share.public_id),
        after={"facts": chosen, "expires_at": expires_at.isoformat(), "kid": share.kid},
        subject_person_ref=str(person.public_id),
    )
    return ShareCreated(share=share, code=code)


def _share_of(person: Person, share_id: uuid.UUID | str) -> LicenceShare:
    try:
        ref = uuid.UUID(str(share_id))
        return LicenceShare.objects.select_for_update().get(public_id=ref, person=person)
    except (ValueError, ObjectDoesNotExist) as exc:
        raise NotFound("not_found", _("%(what)s not found") % {"what": _("Share code")}) from exc


@transaction.atomic
def share_revoke(*, actor: Actor, person: Person, share_id: uuid.UUID | str) -> LicenceShare:
    """Revoke one of ``person``'s share codes at once, and withdraw its consent. Another
    person's share answers "not found"."""
    share = _share_of(person, share_id)
    now = clock.now()
    status = share.status(now)
    if status == ShareStatus.REVOKED:
        raise Conflict("share_revoked", _("This share code is already revoked"), field="share")
    if status == ShareStatus.EXPIRED:
        raise Conflict("share_expired", _("This share code has already expired"), field="share")
    share.revoked_at = now
    share.save(update_fields=["revoked_at"])
    consent_withdraw(
        actor=actor, person=person, consent_ref=share.consent_ref, reason="share code revoked"
    )
    audit_record(
        actor=actor,
        action="platforms.share_revoke",
        object_type="licenceshare",
        object_ref=str(share.public_id),
        after={"revoked_at": now.isoformat()},
        subject_person_ref=str(person.public_id),
    )
    return share


@transaction.atomic
def authorisation_withdraw(
    *, actor: Actor, person: Person, consent_ref: uuid.UUID | str
) -> ConsentRecord:
    """Withdraw an authorisation from the "my authorisations" list: a share code's consent is
    withdrawn by revoking the share (which stops the code at once); any other consent gets a
    withdrawn revision."""
    try:
        ref = uuid.UUID(str(consent_ref))
    except ValueError as exc:
        raise _not_found() from exc
    share = LicenceShare.objects.filter(person=person, consent_ref=ref).first()
    if share is not None and share.revoked_at is None and share.status(clock.now()) == "active":
        share_revoke(actor=actor, person=person, share_id=share.public_id)
        latest = ConsentRecord.objects.filter(consent_ref=ref).order_by("-revision").first()
        assert latest is not None
        return latest
    record = consent_withdraw(actor=actor, person=person, consent_ref=ref)
    # an app's authorisation ends with its consent: its tokens are revoked in this transaction
    from jiaoguan.oauth.services import app_authorisation_end  # oauth imports this module

    app_authorisation_end(actor=actor, person=person, consent_ref=ref)
    return record
