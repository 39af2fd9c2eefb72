"""Consent records (issue 4, item 4): signed revisions chained by hash, never updated; the
verifier sees an edited, re-hashed or deleted revision."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from jiaoguan.audit.models import AppendOnlyError
from jiaoguan.audit.services import Actor
from jiaoguan.kernel import crypto
from jiaoguan.kernel.errors import Conflict, DomainError, NotFound
from jiaoguan.platforms import services
from jiaoguan.platforms.models import ConsentHead, ConsentRecord, LicenceShare
from jiaoguan.platforms.selectors import consent_chain_verify, consents_for
from jiaoguan.platforms.services import consent_give, consent_hash, consent_withdraw
from tests.conftest import make_citizen, make_licence, make_person

pytestmark = pytest.mark.django_db
ACTOR = Actor.system("tests")


def give(person: Any, party: str = "省政务服务App", scopes: list[str] | None = None) -> Any:
    return consent_give(
        actor=ACTOR,
        person=person,
        party_name=party,
        party_id="app-32-0001",
        purpose="查询驾驶证状态",
        scopes=scopes or ["licence:read", "points:read"],
        legal_basis="PIPL Art. 13(1)(1)",
    )


@pytest.fixture
def history() -> Any:
    """A person with three consents, the second withdrawn: five revisions in the chain."""
    person = make_person()
    first = give(person)
    second = give(person, party="某保险公司")
    give(person, party="某驾校")
    consent_withdraw(actor=ACTOR, person=person, consent_ref=second.consent_ref)
    consent_withdraw(actor=ACTOR, person=person, consent_ref=first.consent_ref)
    return person


def sql(statement: str, params: list[Any]) -> None:
    with connection.cursor() as cur:
        cur.execute(statement, params)


def test_chain_of_signed_revisions(history: Any) -> None:
    rows = list(ConsentRecord.objects.filter(person=history).order_by("seq"))
    assert [r.seq for r in rows] == [1, 2, 3, 4, 5]
    assert rows[0].prev_hash == "0" * 64
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(rows))
    assert all(r.hash == consent_hash(r) for r in rows)
    assert all(r.signature.count(".") == 2 for r in rows)
    check = consent_chain_verify(history)
    assert check.ok, check.breaks
    assert check.checked == 5
    head = ConsentHead.objects.get(person=history)
    assert (head.seq, head.hash) == (5, rows[-1].hash)
    views = consents_for(history)
    assert {v.latest.party_name: v.state for v in views} == {
        "省政务服务App": "withdrawn",
        "某保险公司": "withdrawn",
        "某驾校": "given",
    }


def test_revisions_are_never_updated_through_the_orm(history: Any) -> None:
    rec = ConsentRecord.objects.filter(person=history).first()
    assert rec is not None
    rec.purpose = "别的用途"
    with pytest.raises(AppendOnlyError):
        rec.save()
    with pytest.raises(AppendOnlyError):
        ConsentRecord.objects.filter(pk=rec.pk).update(purpose="x")
    with pytest.raises(AppendOnlyError):
        ConsentRecord.objects.filter(pk=rec.pk).delete()


def test_edited_revision_is_detected(history: Any) -> None:
    rec = ConsentRecord.objects.get(person=history, seq=2)
    sql(
        "UPDATE platforms_consentrecord SET scopes = %s WHERE id = %s",
        ['["vehicles:read"]', rec.pk],
    )
    check = consent_chain_verify(history)
    assert not check.ok
    assert any("seq 2" in b and "edited" in b for b in check.breaks), check.breaks


def test_rehashed_revision_is_caught_by_its_signature(history: Any) -> None:
    """Edit a revision and rewrite its hash and every later link: the hashes agree again,
    but the signatures (which only the key holder can make) do not."""
    rows = list(ConsentRecord.objects.filter(person=history).order_by("seq"))
    assert rows[3].state == "withdrawn"
    rows[3].state = "given"  # pretend the withdrawal never happened
    prev = rows[2].hash
    for rec in rows[3:]:
        rec.person = history
        rec.prev_hash = prev
        rec.hash = consent_hash(rec)
        sql(
            "UPDATE platforms_consentrecord SET state = %s, prev_hash = %s, hash = %s "
            "WHERE id = %s",
            [rec.state, rec.prev_hash, rec.hash, rec.pk],
        )
        prev = rec.hash
    sql("UPDATE platforms_consenthead SET hash = %s WHERE person_id = %s", [prev, history.pk])
    check = consent_chain_verify(history)
    assert not check.ok
    assert any("signature does not cover" in b for b in check.breaks), check.breaks


def test_deleted_revision_is_detected(history: Any) -> None:
    rec = ConsentRecord.objects.get(person=history, seq=3)
    sql("DELETE FROM platforms_consentrecord WHERE id = %s", [rec.pk])
    check = consent_chain_verify(history)
    assert not check.ok
    assert any("expected seq 3" in b for b in check.breaks), check.breaks
    assert any(str(rec.public_id) in b and "missing" in b for b in check.breaks)


def test_deleted_tail_with_head_rewound_is_detected_by_the_audit_trail(history: Any) -> None:
    last = ConsentRecord.objects.get(person=history, seq=5)
    before = ConsentRecord.objects.get(person=history, seq=4)
    sql("DELETE FROM platforms_consentrecord WHERE id = %s", [last.pk])
    check = consent_chain_verify(history)
    assert any("chain head is at seq 5" in b for b in check.breaks), check.breaks
    sql(
        "UPDATE platforms_consenthead SET seq = 4, hash = %s WHERE person_id = %s",
        [before.hash, history.pk],
    )
    check = consent_chain_verify(history)
    assert check.breaks == [
        f"revision {last.public_id} is in the audit trail but missing (deleted)"
    ]


def test_other_people_chains_are_separate(history: Any) -> None:
    other = make_person()
    give(other)
    assert consent_chain_verify(other).ok
    with pytest.raises(NotFound):
        consent_withdraw(
            actor=ACTOR,
            person=other,
            consent_ref=ConsentRecord.objects.filter(person=history).first().consent_ref,  # type: ignore[union-attr]
        )


def test_withdraw_twice_and_bad_input() -> None:
    person = make_person()
    rec = give(person)
    consent_withdraw(actor=ACTOR, person=person, consent_ref=rec.consent_ref)
    with pytest.raises(Conflict):
        consent_withdraw(actor=ACTOR, person=person, consent_ref=rec.consent_ref)
    with pytest.raises(NotFound):
        consent_withdraw(actor=ACTOR, person=person, consent_ref="not-a-uuid")
    with pytest.raises(DomainError) as exc:
        consent_give(
            actor=ACTOR,
            person=person,
            party_name="x",
            party_id="y",
            purpose="z",
            scopes=[],
            legal_basis="PIPL",
        )
    assert exc.value.field == "scopes"
    with pytest.raises(DomainError) as exc:
        give(person, party="")
    assert exc.value.field == "party_name"
    assert consent_chain_verify(person).ok


def test_share_code_is_a_consent_withdrawn_from_my_authorisations() -> None:
    person = make_person()
    make_licence(person)
    citizen = make_citizen(person)
    created = services.share_create(
        actor=Actor.of(citizen), person=person, facts=["valid", "classes"]
    )
    consent = ConsentRecord.objects.get(consent_ref=created.share.consent_ref)
    assert (consent.party_name, consent.party_id) == ("share code", str(created.share.public_id))
    assert consent.scopes == ["classes", "valid"] and consent.state == "given"
    assert consent.expires_at == created.share.expires_at
    web = Client()
    web.force_login(citizen)
    listing = web.get("/api/v1/me/consents").json()
    assert [(c["id"], c["state"]) for c in listing] == [(str(consent.consent_ref), "given")]
    page = web.get("/portal/authorisations/")
    assert page.status_code == 200 and str(consent.consent_ref) in page.content.decode()
    resp = web.post(f"/portal/authorisations/{consent.consent_ref}/withdraw/")
    assert resp.status_code == 302
    share = LicenceShare.objects.get(pk=created.share.pk)
    assert share.revoked_at is not None
    code = created.code
    assert Client().get(f"/api/v1/shares/{code}").status_code == 410
    listing = web.get("/api/v1/me/consents").json()
    assert listing[0]["state"] == "withdrawn" and listing[0]["revision"] == 2
    again = web.post(f"/api/v1/me/consents/{consent.consent_ref}/withdraw")
    assert again.status_code == 409
    other = make_citizen()
    assert Client().post(f"/api/v1/me/consents/{consent.consent_ref}/withdraw").status_code == 401
    stranger = Client()
    stranger.force_login(other)
    assert stranger.post(f"/api/v1/me/consents/{consent.consent_ref}/withdraw").status_code == 404
    assert consent_chain_verify(person).ok
    assert crypto.sm3_hex(code) not in share.code_index


def test_command_verifies_every_chain(history: Any) -> None:
    from io import StringIO

    from django.core.management import CommandError, call_command

    other = make_person()
    give(other)
    out = StringIO()
    call_command("consents", "verify", stdout=out)
    assert "2 people, 6 revisions verified" in out.getvalue()
    sql("DELETE FROM platforms_consentrecord WHERE person_id = %s", [other.pk])
    sql("DELETE FROM platforms_consenthead WHERE person_id = %s", [other.pk])
    err = StringIO()
    with pytest.raises(CommandError, match="BROKEN for 1 of 2 people"):
        call_command("consents", "verify", stdout=StringIO(), stderr=err)
    assert str(other.public_id) in err.getvalue() and "missing (deleted)" in err.getvalue()
