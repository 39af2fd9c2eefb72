"""Uploaded materials: the VIN rubbing (车辆识别代号拓印膜) attached to vehicle business
(measure 1, the four reductions), from the service to the API and the application page."""

from __future__ import annotations

import hashlib
import io
import struct
import zlib
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from jiaoguan.accounts.models import User
from jiaoguan.audit.models import AuditEvent
from jiaoguan.audit.services import Actor
from jiaoguan.cases import services
from jiaoguan.cases.models import Application, Attachment, CatalogueEntry
from jiaoguan.cases.uploads import application_attach
from jiaoguan.documents.models import Document
from jiaoguan.kernel.errors import Conflict, DomainError, Forbidden
from jiaoguan.kernel.uscc import USCC
from jiaoguan.registry import services as registry
from jiaoguan.registry.models import Person
from tests.conftest import make_citizen, make_person, make_staff, make_vehicle

pytestmark = pytest.mark.django_db
ENGINE = Actor.system("tests")


def png(width: int = 2, height: int = 2, pad: int = 0) -> bytes:
    """A real PNG (signature, IHDR, IDAT, IEND with their CRCs); ``pad`` (at least 20) adds an
    ancillary text chunk of exactly that many bytes, to make it as large as a test needs."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    rows = b"".join(b"\x00" + b"\x80\x40\x20" * width for _ in range(height))
    body = (
        chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows))
        + (chunk(b"tEXt", b"Comment\x00" + b"x" * (pad - 20)) if pad else b"")
        + chunk(b"IEND", b"")
    )
    return b"\x89PNG\r\n\x1a\n" + body


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, "JPEG")
    return out.getvalue()


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def draft(person: Person | None = None, channel: str = "online", **kw: Any) -> Application:
    person = person or make_person()
    vehicle = make_vehicle(person)
    return services.application_start(
        actor=ENGINE,
        applicant=person,
        business_type="certificate_replacement",
        channel=channel,
        subject_ref=str(vehicle.public_id),
        **kw,
    )


def attach(app: Application, who: User, content: bytes, material: str = "vin_rubbing") -> Any:
    return application_attach(
        actor=Actor.of(who), principal=who, application=app, material=material, content=content
    )


def signed_in(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


def upload(c: Client, app: Application, content: bytes, name: str = "vin.png", **kw: Any) -> Any:
    file = SimpleUploadedFile(name, content, content_type=kw.pop("content_type", "image/png"))
    return c.post(
        f"/api/v1/applications/{app.public_id}/attachments",
        {"material": kw.pop("material", "vin_rubbing"), "file": file},
    )


# --- the service ----------------------------------------------------------------------------


def test_attach_stores_the_bytes_with_digest_and_audit() -> None:
    person = make_person()
    citizen = make_citizen(person)
    app = draft(person)
    image = png()
    attachment = attach(app, citizen, image)
    assert attachment.content_type == "image/png" and attachment.size == len(image)
    assert attachment.sha256 == hashlib.sha256(image).hexdigest()
    assert attachment.uploaded_by_ref == str(citizen.public_id)
    with attachment.file.open("rb") as f:
        assert f.read() == image
    assert attachment.file.name.startswith(f"attachments/{app.public_id}/")
    event = AuditEvent.objects.get(action="application.attach")
    assert event.object_ref == str(app.public_id)
    assert event.subject_person_ref == str(person.public_id)


def test_jpeg_is_accepted_by_its_magic_bytes() -> None:
    person = make_person()
    app = draft(person)
    attachment = attach(app, make_citizen(person), jpeg())
    assert attachment.content_type == "image/jpeg" and attachment.file.name.endswith(".jpg")


@pytest.mark.parametrize(
    "content",
    [PDF, b"", b"GIF89a\x01\x00\x01\x00", b"\x89PNX\r\n\x1a\n", b"<svg></svg>"],
    ids=["pdf", "empty", "gif", "almost-png", "svg"],
)
def test_only_jpeg_and_png_are_accepted(content: bytes) -> None:
    person = make_person()
    app = draft(person)
    with pytest.raises(DomainError) as exc:
        attach(app, make_citizen(person), content)
    assert (exc.value.code, exc.value.field) == ("unsupported_file_type", "file")
    assert not Attachment.objects.exists()


def test_size_limit_is_inclusive(settings: Any) -> None:
    settings.UPLOAD_MAX_BYTES = 4096
    person = make_person()
    citizen = make_citizen(person)
    app = draft(person)
    exact = png(pad=4096 - len(png()))
    assert len(exact) == 4096
    assert attach(app, citizen, exact).size == 4096
    with pytest.raises(DomainError) as exc:
        attach(app, citizen, exact + b"\x00")
    assert (exc.value.code, exc.value.field) == ("file_too_large", "file")
    assert Attachment.objects.count() == 1


def test_only_upload_materials_of_the_entry() -> None:
    person = make_person()
    citizen = make_citizen(person)
    app = draft(person)
    for material in ("identity", "medical_certificate", "../etc/passwd"):
        with pytest.raises(DomainError) as exc:
            attach(app, citizen, png(), material=material)
        assert (exc.value.code, exc.value.field) == ("unknown_material", "material")
    permit = services.application_start(
        actor=ENGINE,
        applicant=person,
        business_type="permit_replacement",
        channel="online",
        subject_ref=app.subject_ref,
    )
    with pytest.raises(DomainError) as exc:
        attach(permit, citizen, png())  # the rubbing belongs to certificate_replacement only
    assert exc.value.code == "unknown_material"


def test_who_may_attach() -> None:
    person = make_person("320102")
    app = draft(person)
    for outsider in (
        make_citizen(),
        make_staff("police_officer", "3201"),
        make_staff("outlet_post", "3201"),
    ):
        with pytest.raises(Forbidden):
            attach(app, outsider, png())
    with pytest.raises(Forbidden):
        application_attach(
            actor=ENGINE, principal=None, application=app, material="vin_rubbing", content=png()
        )
    clerk = make_staff("counter_clerk", "3201")  # at the window, for the person at the desk
    assert attach(app, clerk, png()).uploaded_by_label == clerk.username


def test_outlet_agent_attaches_only_at_their_own_outlet() -> None:
    CatalogueEntry.objects.filter(business_type__code="certificate_replacement").update(
        channels=["online", "window", "outlet"], outlet_kinds=["post_office"]
    )

    def post_office(n: str) -> Any:
        return registry.organisation_create(
            actor=ENGINE,
            uscc=str(USCC.generate("320102", f"M00070{n}Y")),
            name=f"邮政网点{n}",
            kind="post_office",
            region_code="320102",
        )

    mine, other = post_office("1"), post_office("2")
    app = draft(make_person("320102"), channel="outlet", outlet=mine)
    with pytest.raises(Forbidden):
        attach(app, make_staff("outlet_post", "3201", organisation=other), png())
    agent = make_staff("outlet_post", "3201", organisation=mine)
    assert attach(app, agent, png()).application_id == app.pk


def test_submit_is_refused_while_the_rubbing_is_missing() -> None:
    person = make_person()
    citizen = make_citizen(person)
    app = draft(person)
    with pytest.raises(DomainError) as exc:
        services.application_submit(actor=Actor.of(citizen), principal=citizen, application=app)
    assert (exc.value.code, exc.value.field) == ("upload_missing", "vin_rubbing")
    app.refresh_from_db()
    assert app.state == "draft" and not app.events.exists()


def test_a_new_upload_replaces_the_old_which_stays_as_history() -> None:
    person = make_person()
    citizen = make_citizen(person)
    app = draft(person)
    first = attach(app, citizen, png())
    second = attach(app, citizen, jpeg())
    assert Attachment.current(app, "vin_rubbing") == second
    assert Attachment.objects.filter(application=app).count() == 2
    with first.file.open("rb") as f:
        assert f.read() == png()  # the old image is kept
    app = services.application_submit(actor=Actor.of(citizen), principal=citizen, application=app)
    check = app.checks["vin_rubbing"]
    assert check["status"] == "ok" and check["source"] == "upload"
    assert check["sha256"] == second.sha256 and check["attachment"] == str(second.public_id)


def test_only_while_draft_or_returned_and_a_new_image_is_checked_again() -> None:
    person = make_person("320102")
    citizen = make_citizen(person)
    app = draft(person)
    attach(app, citizen, png())
    app = services.application_submit(actor=Actor.of(citizen), principal=citizen, application=app)
    app = services.application_payment_confirmed(application=app, reference="paid")
    assert app.state == "under_review"
    with pytest.raises(Conflict) as exc:
        attach(app, citizen, jpeg())
    assert exc.value.code == "not_editable"
    reviewer = make_staff("reviewer", "3201")
    app = services.application_review(
        actor=Actor.of(reviewer),
        principal=reviewer,
        application=app,
        command="return_for_correction",
        reason="拓印膜不清晰",
    )
    assert app.state == "returned"
    clearer = attach(app, citizen, jpeg())
    app.refresh_from_db()
    assert "vin_rubbing" not in app.checks  # the new image is checked, not the old result kept
    app = services.application_submit(actor=Actor.of(citizen), principal=citizen, application=app)
    assert app.checks["vin_rubbing"]["sha256"] == clearer.sha256


# --- the API --------------------------------------------------------------------------------


def test_api_upload_read_and_scoping() -> None:
    person = make_person("320102")
    owner = signed_in(make_citizen(person))
    app = draft(person)
    resp = upload(owner, app, png())
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert body["material"] == "vin_rubbing" and body["content_type"] == "image/png"
    assert body["sha256"] == hashlib.sha256(png()).hexdigest() and body["current"] is True
    url = body["url"]
    assert url == f"/api/v1/applications/{app.public_id}/attachments/{body['id']}"

    image = owner.get(url)
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    assert b"".join(image.streaming_content) == png()
    assert image["Content-Disposition"].startswith("inline")
    assert image["ETag"] == f'"{body["sha256"]}"'
    assert not AuditEvent.objects.filter(action="attachment.read").exists()  # one's own

    detail = owner.get(f"/api/v1/applications/{app.public_id}").json()
    assert [a["id"] for a in detail["attachments"]] == [body["id"]]

    stranger = signed_in(make_citizen())
    assert stranger.get(url).status_code == 404
    refused = upload(stranger, app, png())
    assert refused.status_code == 404 and refused["Content-Type"] == "application/problem+json"
    assert signed_in(make_staff("reviewer", "3205")).get(url).status_code == 404  # Suzhou

    reviewer = signed_in(make_staff("reviewer", "3201"))
    seen = reviewer.get(url)
    assert seen.status_code == 200 and b"".join(seen.streaming_content) == png()
    read = AuditEvent.objects.get(action="attachment.read")
    assert read.subject_person_ref == str(person.public_id)
    assert owner.get(url.rsplit("/", 1)[0] + "/not-a-uuid").status_code == 404


@pytest.mark.parametrize(
    ("name", "content", "material", "status", "code", "field"),
    [
        ("scan.png", PDF, "vin_rubbing", 422, "unsupported_file_type", "file"),
        ("vin.png", png(), "identity", 422, "unknown_material", "material"),
        ("vin.png", png(), "no_such_thing", 422, "unknown_material", "material"),
    ],
    ids=["pdf-renamed-png", "identity-material", "unknown-material"],
)
def test_api_bad_uploads_are_problems(
    name: str, content: bytes, material: str, status: int, code: str, field: str
) -> None:
    person = make_person()
    c = signed_in(make_citizen(person))
    app = draft(person)
    resp = upload(c, app, content, name=name, material=material)
    assert resp.status_code == status and resp["Content-Type"] == "application/problem+json"
    problem = resp.json()
    assert problem["code"] == code
    assert [p["name"] for p in problem["invalid_params"]] == [field]
    assert not Attachment.objects.exists()


def test_api_too_big_missing_file_and_wrong_state(settings: Any) -> None:
    settings.UPLOAD_MAX_BYTES = 2048
    person = make_person()
    c = signed_in(make_citizen(person))
    app = draft(person)
    big = upload(c, app, png(pad=4000))
    assert big.status_code == 422 and big.json()["code"] == "file_too_large"
    assert big.json()["invalid_params"][0]["name"] == "file"
    missing = c.post(
        f"/api/v1/applications/{app.public_id}/attachments", {"material": "vin_rubbing"}
    )
    assert missing.status_code == 422 and missing["Content-Type"] == "application/problem+json"
    assert missing.json()["invalid_params"][0]["name"].startswith("file")  # ninja: "file.file"

    submit = c.post(
        f"/api/v1/applications/{app.public_id}/submit", {}, content_type="application/json"
    )
    assert submit.status_code == 422 and submit.json()["code"] == "upload_missing"
    assert submit.json()["invalid_params"][0]["name"] == "vin_rubbing"

    assert upload(c, app, png()).status_code == 201
    c.post(f"/api/v1/applications/{app.public_id}/submit", {}, content_type="application/json")
    late = upload(c, app, png())
    assert late.status_code == 409 and late.json()["code"] == "not_editable"


def test_certificate_replacement_end_to_end_with_the_rubbing() -> None:
    """Online: the owner attaches the rubbing and submits, pays; the reviewer compares the
    rubbing with the vehicle on record and approves; a new certificate is issued."""
    person = make_person("320102")
    owner = signed_in(make_citizen(person))
    vehicle = make_vehicle(person)
    app_id = owner.post(
        "/api/v1/applications",
        {
            "business_type": "certificate_replacement",
            "channel": "online",
            "subject_id": str(vehicle.public_id),
        },
        content_type="application/json",
    ).json()["id"]
    app = Application.objects.get(public_id=app_id)
    url = upload(owner, app, jpeg(), name="rubbing.jpg", content_type="image/jpeg").json()["url"]
    body = owner.post(
        f"/api/v1/applications/{app_id}/submit",
        {"changes": {"delivery": "pickup"}},
        content_type="application/json",
    ).json()
    assert body["state"] == "awaiting_payment"
    assert body["checks"]["vin_rubbing"]["status"] == "ok"
    app = services.application_payment_confirmed(application=app, reference="paid")
    assert app.state == "under_review"

    reviewer = make_staff("reviewer", "3201")
    c = signed_in(reviewer)
    page = c.get(f"/applications/{app_id}/").content.decode()
    assert f'href="{url}"' in page and "车辆识别代号拓印膜" in page
    assert c.get(url)["Content-Type"] == "image/jpeg"
    resp = c.post(f"/applications/{app_id}/", {"action": "approve"})
    assert resp.status_code == 302
    app.refresh_from_db()
    assert app.state == "ready"
    assert Document.objects.get(subject_ref=str(vehicle.public_id)).kind == (
        "registration_certificate"
    )


# --- the page -------------------------------------------------------------------------------


def test_page_uploads_shows_errors_beside_the_field_and_submits() -> None:
    person = make_person()
    c = signed_in(make_citizen(person))
    app = draft(person)
    url = f"/applications/{app.public_id}/"
    page = c.get(url).content.decode()
    assert 'enctype="multipart/form-data"' in page
    assert '<label for="f-vin_rubbing">车辆识别代号拓印膜</label>' in page
    assert 'type="file" id="f-vin_rubbing" name="vin_rubbing"' in page

    page = c.post(url, {"delivery": "pickup"}).content.decode()  # no image yet
    assert 'data-testid="error-vin_rubbing"' in page and "请上传图片" in page
    assert 'data-testid="error"' not in page  # beside the field, not at the top

    bad = SimpleUploadedFile("vin.png", PDF, content_type="image/png")
    page = c.post(url, {"action": "upload", "vin_rubbing": bad}).content.decode()
    assert 'data-testid="error-vin_rubbing"' in page and "仅接受JPEG或PNG格式的图片" in page

    good = SimpleUploadedFile("vin.png", png(), content_type="image/png")
    assert c.post(url, {"action": "upload", "vin_rubbing": good}).status_code == 302
    current = Attachment.current(app, "vin_rubbing")
    assert current is not None
    page = c.get(url).content.decode()
    assert f"/attachments/{current.public_id}" in page and 'data-testid="state">草稿' in page

    again = SimpleUploadedFile("vin.jpg", jpeg(), content_type="image/jpeg")
    assert c.post(url, {"delivery": "pickup", "vin_rubbing": again}).status_code == 302
    app.refresh_from_db()
    assert app.state == "awaiting_payment"
    assert app.checks["vin_rubbing"]["sha256"] == hashlib.sha256(jpeg()).hexdigest()
    page = c.get(url).content.decode()
    assert 'data-testid="uploads"' in page and 'type="file"' not in page


def test_page_hides_upload_fields_where_the_business_takes_none() -> None:
    person = make_person()
    c = signed_in(make_citizen(person))
    app = services.application_start(
        actor=ENGINE, applicant=person, business_type="contact_change", channel="online"
    )
    page = c.get(f"/applications/{app.public_id}/").content.decode()
    assert 'type="file"' not in page and 'data-testid="uploads"' not in page
