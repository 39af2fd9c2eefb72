"""Materials satisfied by an uploaded image (measure 1 of the 2018 reform, the "four
reductions": the VIN rubbing, 车辆识别代号拓印膜, is recorded free and attached as an image
instead of paper handed over the counter).

The applicant, the clerk at the window or the agent of the outlet that handles the application
attaches the image while the application is a draft or returned for correction; the reviewer
sees it beside the case. Only JPEG and PNG are accepted, recognised by their magic bytes (never
by the name or the type the client claims), up to ``settings.UPLOAD_MAX_BYTES``
(``JIAOGUAN_UPLOAD_MAX_BYTES``). A new upload supersedes the older ones, which stay as history.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from jiaoguan.accounts.constants import AccountKind
from jiaoguan.accounts.principal import Principal
from jiaoguan.audit.services import Actor, audit_record
from jiaoguan.cases import selectors
from jiaoguan.cases.constants import MaterialSource, State
from jiaoguan.cases.models import Application, Attachment
from jiaoguan.cases.services import _lock
from jiaoguan.kernel import clock
from jiaoguan.kernel.errors import Conflict, DomainError, Forbidden, NotFound

#: leading bytes of the accepted formats -> (content type, file extension)
SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),  # JPEG SOI marker and the next marker's 0xFF
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),  # PNG signature (RFC 2083 §3.1)
)
EDITABLE_STATES = frozenset({State.DRAFT, State.RETURNED})


def upload_materials(app: Application) -> list[dict[str, Any]]:
    """The materials of the application's catalogue entry that are satisfied by an upload."""
    return [m for m in app.catalogue_entry.materials if m["source"] == MaterialSource.UPLOAD]


def sniff(content: bytes) -> tuple[str, str] | None:
    """(content type, extension) of an accepted image, from its magic bytes; None otherwise."""
    for magic, content_type, ext in SIGNATURES:
        if content.startswith(magic):
            return content_type, ext
    return None


def read_limited(upload: UploadedFile) -> bytes:
    """The uploaded bytes, at most one more than the limit: enough to refuse an oversize file
    without holding all of it in memory."""
    return upload.read(settings.UPLOAD_MAX_BYTES + 1)


def _may_attach(principal: Principal | None, app: Application) -> bool:
    """The applicant; staff who handle applications (the selector scopes them to their region);
    an outlet agent, for an application of their own outlet only."""
    if principal is None or not getattr(principal, "is_authenticated", False):
        return False
    if getattr(principal, "person_id", None) == app.applicant_id:
        return True
    if principal.has_perm("cases.handle_application"):
        return True
    return (
        principal.has_perm("cases.handle_outlet_application")
        and app.outlet_id is not None
        and getattr(principal, "organisation_id", None) == app.outlet_id
    )


@transaction.atomic
def application_attach(
    *,
    actor: Actor,
    principal: Principal | None,
    application: Application,
    material: str,
    content: bytes,
) -> Attachment:
    """Attach an image for an ``upload`` material of the application's catalogue entry.

    The application row is locked; the image supersedes earlier uploads of the material and
    the material's earlier check result is dropped, so the next checks look at this image."""
    app = _lock(application)
    if not _may_attach(principal, app):
        raise Forbidden("not_permitted", _("You may not do this"))
    if material not in {m["code"] for m in upload_materials(app)}:
        raise DomainError(
            "unknown_material",
            _("This business takes no uploaded image for this material"),
            field="material",
        )
    if app.state not in EDITABLE_STATES:
        raise Conflict(
            "not_editable",
            _("The application is %(state)s: images can no longer be attached")
            % {"state": app.get_state_display()},
        )
    limit = settings.UPLOAD_MAX_BYTES
    if len(content) > limit:
        raise DomainError(
            "file_too_large",
            _("The image may be at most %(size)s") % {"size": filesizeformat(limit)},
            field="file",
        )
    kind = sniff(content)
    if kind is None:
        raise DomainError(
            "unsupported_file_type", _("Only JPEG or PNG images are accepted"), field="file"
        )
    content_type, ext = kind
    attachment = Attachment(
        public_id=uuid.uuid4(),
        application=app,
        material=material,
        content_type=content_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by_ref=actor.ref,
        uploaded_by_label=actor.label[:150],
        uploaded_at=clock.now(),
    )
    # the bytes first, then the row: a row never points to bytes that were not stored
    attachment.file.save(f"{attachment.public_id}.{ext}", ContentFile(content), save=False)
    attachment.save(force_insert=True)
    app.checks = {k: v for k, v in app.checks.items() if k != material}
    app.version += 1
    app.updated_at = attachment.uploaded_at
    app.save(update_fields=["checks", "version", "updated_at"])
    audit_record(
        actor=actor,
        action="application.attach",
        object_type="application",
        object_ref=str(app.public_id),
        after={
            "material": material,
            "attachment": str(attachment.public_id),
            "content_type": content_type,
            "size": attachment.size,
            "sha256": attachment.sha256,
        },
        subject_person_ref=str(app.applicant.public_id),
    )
    return attachment


def attach_files(
    *,
    actor: Actor,
    principal: Principal | None,
    application: Application,
    files: Mapping[str, UploadedFile],
) -> int:
    """Attach what a page's multipart form carries: one file input per upload material, named
    by the material's code. A refusal of the file names that input. Returns how many."""
    attached = 0
    for material in upload_materials(application):
        upload = files.get(material["code"])
        if upload is None:
            continue
        try:
            application_attach(
                actor=actor,
                principal=principal,
                application=application,
                material=material["code"],
                content=read_limited(upload),
            )
        except DomainError as exc:
            if exc.field != "file":
                raise
            raise DomainError(exc.code, exc.message, field=material["code"]) from exc
        attached += 1
    return attached


def require_uploads(app: Application) -> None:
    """Nothing goes to verifying without its images: a draft (or a returned application) is
    not submitted while an upload material has no attachment. The refusal names the material's
    field. Other states are left to the workflow table to refuse."""
    if app.state not in EDITABLE_STATES:
        return
    missing = [
        m
        for m in upload_materials(app)
        if not Attachment.objects.filter(application=app, material=m["code"]).exists()
    ]
    if missing:
        english = (get_language() or "").startswith("en")
        name = missing[0]["name_en" if english else "name_zh"]
        raise DomainError(
            "upload_missing",
            _("Attach the image: %(material)s") % {"material": name},
            field=missing[0]["code"],
        )


@transaction.atomic
def attachment_get(
    principal: Principal, actor: Actor, application_id: str, attachment_id: str
) -> Attachment:
    """One attachment of an application the caller may see (the applications selector's
    scope; a superseded one too, as history). A staff member's look is recorded in the audit
    trail, as every read of a person's records is."""
    app = selectors.application_get(principal, application_id)
    try:
        attachment = Attachment.objects.get(
            application=app, public_id=uuid.UUID(str(attachment_id))
        )
    except (ValueError, Attachment.DoesNotExist) as exc:
        raise NotFound("not_found", _("%(what)s not found") % {"what": _("Image")}) from exc
    if principal.kind != AccountKind.CITIZEN:
        audit_record(
            actor=actor,
            action="attachment.read",
            object_type="application",
            object_ref=str(app.public_id),
            reason=f"{attachment.material} {attachment.public_id}",
            subject_person_ref=str(app.applicant.public_id),
        )
    return attachment


def page_rows(app: Application, *, error_field: str = "", error: str = "") -> list[dict[str, Any]]:
    """The application page's upload fields: each upload material with its current image and
    the refusal that concerns it."""
    english = (get_language() or "").startswith("en")
    return [
        {
            "code": m["code"],
            "name": m["name_en" if english else "name_zh"],
            "current": Attachment.current(app, m["code"]),
            "error": error if error_field == m["code"] else "",
            "limit": filesizeformat(settings.UPLOAD_MAX_BYTES),
        }
        for m in upload_materials(app)
    ]
