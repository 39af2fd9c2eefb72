"""Produced documents: versions, signed tokens, offline and online verification, PDF."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
from io import StringIO
from pathlib import Path
from typing import Any

import jwt
import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from jiaoguan.audit.models import AuditEvent
from jiaoguan.audit.services import Actor
from jiaoguan.documents import pdf, selectors, services, signing
from jiaoguan.documents.constants import DocumentKind, DocumentStatus
from jiaoguan.documents.models import Document, SigningKey
from jiaoguan.kernel.errors import Conflict, DomainError
from tests.conftest import make_citizen, make_licence, make_person, make_staff, make_vehicle

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"
ACTOR = Actor.system("tests")


def issue_permit(vehicle: Any, **kw: Any) -> Document:
    return services.document_issue(
        actor=ACTOR,
        kind=DocumentKind.DRIVING_PERMIT,
        subject_type="vehicle",
        subject_ref=str(vehicle.public_id),
        holder_person_ref=str(vehicle.owner_person.public_id),
        fields=selectors.permit_fields(vehicle),
        **kw,
    )


@pytest.fixture
def owner() -> Any:
    return make_person("320102")


@pytest.fixture
def vehicle(owner: Any) -> Any:
    return make_vehicle(owner, plate="苏A2B345")


def client_for(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def tamper(token: str) -> str:
    header, payload, sig = token.split(".")
    i = len(payload) // 2
    flipped = "A" if payload[i] != "A" else "B"
    return ".".join([header, payload[:i] + flipped + payload[i + 1 :], sig])


def test_reissue_supersedes_the_previous_version(vehicle: Any) -> None:
    v1 = issue_permit(vehicle)
    v2 = issue_permit(vehicle)
    v1.refresh_from_db()
    assert (v1.version, v1.status) == (1, DocumentStatus.SUPERSEDED)
    assert v1.voided_at is not None
    assert (v2.version, v2.status, v2.supersedes_id) == (2, DocumentStatus.VALID, v1.pk)
    assert v2.number == v1.number and v2.fields["plate"] == "苏A2B345"
    actions = list(
        AuditEvent.objects.filter(object_type="document").values_list("action", "object_ref")
    )
    assert actions.count(("documents.document_issue", str(v1.public_id))) == 1
    assert ("documents.document_supersede", str(v1.public_id)) in actions
    assert ("documents.document_issue", str(v2.public_id)) in actions
    assert selectors.document_status(v1.public_id) == "superseded"
    assert selectors.document_status(v2.public_id) == "valid"


def test_token_header_and_claims(vehicle: Any) -> None:
    doc = issue_permit(vehicle)
    header = jwt.get_unverified_header(doc.token)
    assert header["alg"] == "ES256" and header["kid"] == doc.kid
    claims = signing.verify_offline(doc.token, selectors.published_jwks())
    assert claims["iss"] == "jiaoguan" and claims["sub"] == str(doc.public_id)
    assert (claims["kind"], claims["number"], claims["version"]) == (
        "driving_permit",
        doc.number,
        1,
    )
    assert claims["fields"] == doc.fields
    assert len(doc.token) < 1600


def test_licence_fields_are_masked(owner: Any) -> None:
    fields = selectors.licence_fields(make_licence(owner))
    assert "*" in fields["licence_number"] and owner.id_number not in json.dumps(fields)


def test_void_then_void_again_conflicts(vehicle: Any) -> None:
    doc = services.document_void(actor=ACTOR, document=issue_permit(vehicle), reason="遗失")
    assert doc.status == DocumentStatus.VOID and doc.void_reason == "遗失"
    assert AuditEvent.objects.filter(action="documents.document_void", reason="遗失").exists()
    with pytest.raises(Conflict):
        services.document_void(actor=ACTOR, document=doc, reason="again")
    with pytest.raises(DomainError):
        services.document_void(actor=ACTOR, document=issue_permit(vehicle), reason=" ")


def test_bad_issue_input_is_refused(vehicle: Any) -> None:
    for kw in ({"kind": "plate_order"}, {"fields": {}}, {"fields": {"x": "长" * 500}}):
        args: dict[str, Any] = {
            "kind": DocumentKind.DRIVING_PERMIT,
            "fields": {"plate": "苏A2B345"},
            **kw,
        }
        with pytest.raises(DomainError):
            services.document_issue(
                actor=ACTOR, subject_type="vehicle", subject_ref="x", holder_person_ref="", **args
            )


def test_offline_verification_rejects_tampering_and_unknown_keys(vehicle: Any) -> None:
    doc = issue_permit(vehicle)
    jwks = selectors.published_jwks()
    with pytest.raises(signing.TokenRejected) as bad:
        signing.verify_offline(tamper(doc.token), jwks)
    assert bad.value.code == "bad_signature"
    kid, _jwk, pem = signing.new_key_pair()
    forged = signing.sign(
        jwt.decode(doc.token, options={"verify_signature": False}), kid=kid, private_key_pem=pem
    )
    with pytest.raises(signing.TokenRejected) as unknown:
        signing.verify_offline(forged, jwks)
    assert unknown.value.code == "unknown_key"
    # the same forgery claiming the real kid fails the signature check
    stolen_kid = signing.sign(
        jwt.decode(doc.token, options={"verify_signature": False}), kid=doc.kid, private_key_pem=pem
    )
    with pytest.raises(signing.TokenRejected) as wrong:
        signing.verify_offline(stolen_kid, jwks)
    assert wrong.value.code == "bad_signature"
    for junk in ("", "abc", "a.b.c", "x" * 5000, "eyJhbGciOiJub25lIn0.e30."):
        with pytest.raises(signing.TokenRejected) as malformed:
            signing.verify_offline(junk, jwks)
        assert malformed.value.code == "malformed"


def test_rotation_keeps_old_documents_verifiable(vehicle: Any, owner: Any) -> None:
    old = issue_permit(vehicle)
    new_key = services.signing_key_rotate(actor=ACTOR)
    assert SigningKey.objects.filter(retired_at__isnull=True).get() == new_key
    licence = make_licence(owner)
    fresh = services.document_issue(
        actor=ACTOR,
        kind=DocumentKind.DRIVING_LICENCE,
        subject_type="licence",
        subject_ref=str(licence.public_id),
        holder_person_ref=str(owner.public_id),
        fields=selectors.licence_fields(licence),
    )
    assert fresh.kid == new_key.kid != old.kid
    jwks = selectors.published_jwks()
    assert {k["kid"] for k in jwks["keys"]} == {old.kid, new_key.kid}
    assert signing.verify_offline(old.token, jwks)["sub"] == str(old.public_id)
    assert signing.verify_offline(fresh.token, jwks)["sub"] == str(fresh.public_id)
    assert AuditEvent.objects.filter(action="documents.signing_key_retire").count() == 1


def test_jwks_endpoint(vehicle: Any) -> None:
    doc = issue_permit(vehicle)
    resp = Client().get("/.well-known/jwks.json")
    assert resp.status_code == 200 and "max-age" in resp["Cache-Control"]
    (key,) = resp.json()["keys"]
    assert key["kid"] == doc.kid and key["kty"] == "EC" and key["crv"] == "P-256"
    assert key["alg"] == "ES256" and key["use"] == "sig" and "d" not in key
    # a verifier that only has the downloaded key set accepts the token
    assert signing.verify_offline(doc.token, resp.json())["number"] == doc.number


def test_private_key_is_encrypted_at_rest(vehicle: Any) -> None:
    doc = issue_permit(vehicle)
    key = SigningKey.objects.get(kid=doc.kid)
    assert b"PRIVATE KEY" not in bytes(key.private_key_enc)
    assert key.private_key_pem.startswith("-----BEGIN PRIVATE KEY-----")


def test_verify_api_reports_live_status(vehicle: Any) -> None:
    c = Client()
    v1 = issue_permit(vehicle)
    body = c.get("/api/v1/documents/verify", {"token": v1.token}).json()
    assert body["signature_valid"] and body["status"] == "valid"
    assert body["fields"]["plate"] == "苏A2B345" and body["version"] == 1
    v2 = issue_permit(vehicle)
    assert c.get("/api/v1/documents/verify", {"token": v1.token}).json()["status"] == "superseded"
    services.document_void(actor=ACTOR, document=v2, reason="被盗")
    voided = c.get("/api/v1/documents/verify", {"token": v2.token}).json()
    assert voided["status"] == "void" and voided["voided_at"]


@pytest.mark.parametrize("token", ["", "nonsense", "a.b.c", "x" * 10_000, "é.é.é"])
def test_verify_api_bad_tokens_are_problems(vehicle: Any, token: str) -> None:
    resp = Client().get("/api/v1/documents/verify", {"token": token})
    assert resp.status_code == 422 and resp["Content-Type"] == PROBLEM
    assert resp.json()["code"] == "malformed"


def test_verify_api_tampered_and_missing(vehicle: Any) -> None:
    doc = issue_permit(vehicle)
    resp = Client().get("/api/v1/documents/verify", {"token": tamper(doc.token)})
    assert resp.status_code == 422 and resp.json()["code"] == "bad_signature"
    missing = Client().get("/api/v1/documents/verify")
    assert missing.status_code == 422 and missing["Content-Type"] == PROBLEM


def test_verify_page(vehicle: Any) -> None:
    c = Client()
    v1 = issue_permit(vehicle)
    empty = c.get("/verify/")
    assert empty.status_code == 200 and "token" in empty.content.decode()
    page = c.get("/verify/", {"token": v1.token}).content.decode()
    assert "苏A2B345" in page and "status-valid" in page and "机动车行驶证" in page
    issue_permit(vehicle)
    assert "status-superseded" in c.get("/verify/", {"token": v1.token}).content.decode()
    v3 = services.document_void(actor=ACTOR, document=issue_permit(vehicle), reason="遗失")
    assert "status-void" in c.get("/verify/", {"token": v3.token}).content.decode()
    bad = c.get("/verify/", {"token": tamper(v1.token)})
    assert bad.status_code == 422 and 'role="alert"' in bad.content.decode()


def test_holder_and_staff_see_the_document_others_get_404(vehicle: Any, owner: Any) -> None:
    doc = issue_permit(vehicle)
    url = f"/api/v1/documents/{doc.public_id}"
    holder = client_for(make_citizen(owner))
    body = holder.get(url).json()
    assert body["token"] == doc.token and body["status"] == "valid"
    assert not AuditEvent.objects.filter(action="documents.document_read").exists()
    assert client_for(make_staff("counter_clerk", "3201")).get(url).status_code == 200
    read = AuditEvent.objects.get(action="documents.document_read")
    assert read.subject_person_ref == str(owner.public_id)
    stranger = client_for(make_citizen(make_person("320505")))
    for path in (url, f"{url}/pdf", "/api/v1/documents/not-a-uuid"):
        resp = stranger.get(path)
        assert resp.status_code == 404 and resp["Content-Type"] == PROBLEM
    assert client_for(make_staff("outlet_dealer", "3201")).get(url).status_code == 404
    assert Client().get(url).status_code == 401


def test_pdf(vehicle: Any, tmp_path: Path) -> None:
    doc = issue_permit(vehicle)
    resp = client_for(make_citizen(vehicle.owner_person)).get(
        f"/api/v1/documents/{doc.public_id}/pdf"
    )
    assert resp.status_code == 200 and resp["Content-Type"] == "application/pdf"
    data = resp.content
    assert data.startswith(b"%PDF") and b"STSong-Light" in data
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not installed")
    out = tmp_path / "doc.pdf"
    out.write_bytes(pdf.render(doc))
    text = subprocess.run(
        ["pdftotext", str(out), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert doc.number in text and "机动车行驶证" in text and "苏A2B345" in text


def test_command_verify_and_rotate(vehicle: Any, tmp_path: Path) -> None:
    doc = issue_permit(vehicle)
    out = StringIO()
    call_command("documents", "verify", doc.token, stdout=out)
    assert json.loads(out.getvalue())["sub"] == str(doc.public_id)
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps(selectors.published_jwks()))
    out = StringIO()
    call_command("documents", "rotate-key", stdout=out)
    assert "active key" in out.getvalue()
    with pytest.raises(CommandError, match="bad_signature"):
        call_command("documents", "verify", tamper(doc.token), "--jwks", str(jwks))
    out = StringIO()
    call_command("documents", "verify", doc.token, "--jwks", str(jwks), stdout=out)
    assert json.loads(out.getvalue())["number"] == doc.number
    with pytest.raises(CommandError):
        call_command("documents", "verify", doc.token, "--jwks", str(tmp_path / "none.json"))


def test_token_payload_is_plain_base64url_json(vehicle: Any) -> None:
    """Anyone can read the disclosed fields without our software (RFC 7515 compact form)."""
    payload = issue_permit(vehicle).token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert claims["fields"]["plate"] == "苏A2B345"
