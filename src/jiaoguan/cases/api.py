from __future__ import annotations

import datetime as dt

from django.http import FileResponse, HttpRequest, HttpResponse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Status, UploadedFile

from jiaoguan.api.auth import actor, principal, session_auth
from jiaoguan.api.pagination import Page, keyset
from jiaoguan.cases import pdf, selectors, services, uploads
from jiaoguan.cases.schemas import (
    ApplicationOut,
    AttachmentOut,
    CatalogueOut,
    CommandIn,
    StartIn,
    SubmitIn,
)
from jiaoguan.kernel import clock
from jiaoguan.kernel.errors import DomainError, NotFound

router = Router(tags=["applications"])


@router.get(
    "/catalogue",
    response=list[CatalogueOut],
    auth=None,
    summary="Business types in force (today, or on ?on=YYYY-MM-DD) for a region",
)
def catalogue(request: HttpRequest, region: str = "32", on: str = "") -> list[CatalogueOut]:
    try:
        day = dt.date.fromisoformat(on) if on else clock.today()
    except ValueError as exc:
        raise DomainError("invalid_date", "YYYY-MM-DD", field="on") from exc
    english = (get_language() or "").startswith("en")
    return [
        CatalogueOut.build(e, english=english)
        for e in services.catalogue_in_force(on=day, region_code=region[:6])
    ]


@router.get("/applications", response=Page[ApplicationOut], auth=session_auth)
def application_list(
    request: HttpRequest, cursor: str | None = None, limit: int = 20, state: str = ""
) -> dict[str, object]:
    qs = selectors.applications_for(principal(request))
    if state:
        qs = qs.filter(state=state[:20])
    rows, nxt = keyset(qs, cursor=cursor, limit=limit)
    return {
        "items": [ApplicationOut.build(a, with_history=False) for a in rows],
        "next_cursor": nxt,
    }


@router.post(
    "/applications",
    response={201: ApplicationOut},
    auth=session_auth,
    summary="Start an application for myself (prefilled from the registry)",
)
def application_start(request: HttpRequest, payload: StartIn) -> Status[ApplicationOut]:
    who = principal(request)
    person = getattr(who, "person", None)
    if person is None:
        raise NotFound("not_found", _("This account is not bound to a verified person"))
    app = services.application_start(
        actor=actor(request),
        applicant=person,
        business_type=payload.business_type,
        channel=payload.channel,
        subject_ref=payload.subject_id,
    )
    return Status(201, ApplicationOut.build(app))


@router.get("/applications/{application_id}", response=ApplicationOut, auth=session_auth)
def application_detail(request: HttpRequest, application_id: str) -> ApplicationOut:
    return ApplicationOut.build(selectors.application_get(principal(request), application_id))


@router.post(
    "/applications/{application_id}/submit",
    response=ApplicationOut,
    auth=session_auth,
    summary="Confirm the prefilled form and submit",
)
def application_submit(
    request: HttpRequest, application_id: str, payload: SubmitIn
) -> ApplicationOut:
    who = principal(request)
    app = selectors.application_get(who, application_id)
    return ApplicationOut.build(
        services.application_submit(
            actor=actor(request), principal=who, application=app, changes=payload.changes
        )
    )


@router.post(
    "/applications/{application_id}/commands",
    response=ApplicationOut,
    auth=session_auth,
    summary="Run a named command (withdraw, approve, reject, ...)",
)
def application_command(
    request: HttpRequest, application_id: str, payload: CommandIn
) -> ApplicationOut:
    who = principal(request)
    app = selectors.application_get(who, application_id)
    if payload.command in ("approve", "reject", "return_for_correction"):
        app = services.application_review(
            actor=actor(request),
            principal=who,
            application=app,
            command=payload.command,
            reason=payload.reason,
            out_of_order=payload.out_of_order,
        )
    else:
        app = services.application_transition(
            actor=actor(request),
            principal=who,
            application=app,
            command=payload.command,
            reason=payload.reason,
        )
    return ApplicationOut.build(app)


@router.get(
    "/applications/{application_id}/form.pdf",
    auth=session_auth,
    summary="The application form as a PDF for the record",
)
def application_form_pdf(request: HttpRequest, application_id: str) -> HttpResponse:
    app = selectors.application_get(principal(request), application_id)
    response = HttpResponse(pdf.render(app), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{app.case_number}.pdf"'
    return response


@router.post(
    "/applications/{application_id}/attachments",
    response={201: AttachmentOut},
    auth=session_auth,
    summary="Attach an image for an upload material (JPEG or PNG; draft or returned only)",
)
def attachment_add(
    request: HttpRequest,
    application_id: str,
    material: Form[str],
    file: File[UploadedFile],
) -> Status[AttachmentOut]:
    who = principal(request)
    app = selectors.application_get(who, application_id)
    attachment = uploads.application_attach(
        actor=actor(request),
        principal=who,
        application=app,
        material=material[:48],
        content=uploads.read_limited(file),
    )
    return Status(201, AttachmentOut.build(attachment))


@router.get(
    "/applications/{application_id}/attachments/{attachment_id}",
    auth=session_auth,
    summary="An attached image, to the applicant and to staff who may see the application",
)
def attachment_image(request: HttpRequest, application_id: str, attachment_id: str) -> FileResponse:
    attachment = uploads.attachment_get(
        principal(request), actor(request), application_id, attachment_id
    )
    ext = attachment.file.name.rsplit(".", 1)[-1]
    response = FileResponse(
        attachment.file.open("rb"),
        content_type=attachment.content_type,
        filename=f"{attachment.material}-{attachment.sha256[:12]}.{ext}",
    )
    response["ETag"] = f'"{attachment.sha256}"'
    response["Cache-Control"] = "private, max-age=600"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
