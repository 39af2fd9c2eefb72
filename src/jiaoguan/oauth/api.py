"""Resource endpoints a third-party app reaches with the access token a citizen authorised:
the citizen's licence, points, violations and vehicles, and submitting business for them. Each
is limited to its scope and to that one citizen, and every read is written to the citizen's
access log with the app's purpose."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status

from jiaoguan.cases import services as cases
from jiaoguan.cases.constants import Channel, State
from jiaoguan.kernel.errors import DomainError, NotFound
from jiaoguan.oauth import scopes
from jiaoguan.oauth.auth import AppCaller, app_auth
from jiaoguan.oauth.constants import READ_ACTIONS
from jiaoguan.oauth.schemas import (
    AppApplicationIn,
    AppApplicationOut,
    AppLicenceOut,
    AppPointsOut,
    AppVehicleOut,
    AppViolationOut,
)
from jiaoguan.oauth.services import app_actor, app_authorisation_used, app_read_record
from jiaoguan.registry import selectors as registry
from jiaoguan.violations import selectors as violations

router = Router(tags=["third-party apps"], auth=app_auth)


def _doc(scope: str, *errors: int) -> dict[str, Any]:
    """OpenAPI extras of an endpoint: the OAuth 2.0 scope it needs (django-ninja writes the
    security requirement without scopes, so the scope goes in ``x-required-scopes``) and its
    error answers."""
    return {
        "x-required-scopes": [scope],
        "responses": {code: {} for code in (401, 403, *errors)},
    }


def _caller(request: HttpRequest) -> AppCaller:
    return request.auth  # type: ignore[attr-defined]


def _record(caller: AppCaller, scope: str, object_type: str, refs: list[str]) -> None:
    app_read_record(
        authorisation=caller.authorisation,
        action=READ_ACTIONS[scope],
        object_type=object_type,
        object_refs=refs,
        purpose=caller.registration.purpose,
    )


def _no_licence() -> NotFound:
    return NotFound("not_found", _("%(what)s not found") % {"what": _("Driving licence")})


@router.get(
    "/app/me/licence",
    response=AppLicenceOut,
    summary="The citizen's driving licence (scope licence:read)",
    openapi_extra=_doc("licence:read", 404),
)
def app_licence(request: HttpRequest) -> AppLicenceOut:
    caller = _caller(request)
    caller.require(scopes.LICENCE_READ)
    licence = registry.licences_for(caller.user).first()
    if licence is None:
        raise _no_licence()
    _record(caller, scopes.LICENCE_READ, "drivinglicence", [str(licence.public_id)])
    return AppLicenceOut(
        classes=licence.class_list,
        status=licence.status,
        valid_from=licence.valid_from,
        valid_until=licence.valid_until,
        points=licence.points,
    )


@router.get(
    "/app/me/points",
    response=AppPointsOut,
    summary="The citizen's points in the current scoring cycle (scope points:read)",
    openapi_extra=_doc("points:read", 404),
)
def app_points(request: HttpRequest) -> AppPointsOut:
    caller = _caller(request)
    caller.require(scopes.POINTS_READ)
    summary = violations.points_summary(caller.authorisation.person_id)
    if summary is None:
        raise _no_licence()
    _record(caller, scopes.POINTS_READ, "drivinglicence", [str(summary.licence.public_id)])
    return AppPointsOut(
        points=summary.points,
        full_score=summary.full_score,
        cycle_start=summary.start,
        cycle_end=summary.end,
    )


@router.get(
    "/app/me/violations",
    response=list[AppViolationOut],
    summary="The citizen's violations, newest first, at most 100 (scope violations:read)",
    openapi_extra=_doc("violations:read"),
)
def app_violations(request: HttpRequest) -> list[AppViolationOut]:
    caller = _caller(request)
    caller.require(scopes.VIOLATIONS_READ)
    rows = list(violations.violations_for(caller.user).order_by("-occurred_at", "-id")[:100])
    _record(caller, scopes.VIOLATIONS_READ, "violation", [str(v.public_id) for v in rows])
    return [
        AppViolationOut(
            id=str(v.public_id),
            occurred_at=v.occurred_at,
            place=v.place,
            plate_number=v.plate_number,
            description=v.description,
            points=v.points,
            fine_fen=v.fine_fen,
            state=v.state,
        )
        for v in rows
    ]


@router.get(
    "/app/me/vehicles",
    response=list[AppVehicleOut],
    summary="The vehicles registered to the citizen, at most 100 (scope vehicles:read)",
    openapi_extra=_doc("vehicles:read"),
)
def app_vehicles(request: HttpRequest) -> list[AppVehicleOut]:
    caller = _caller(request)
    caller.require(scopes.VEHICLES_READ)
    rows = list(registry.vehicles_for(caller.user).order_by("id")[:100])
    _record(caller, scopes.VEHICLES_READ, "vehicle", [str(v.public_id) for v in rows])
    return [
        AppVehicleOut(
            id=str(v.public_id),
            plate_number=v.plate.number if v.plate else None,
            vehicle_class=v.vehicle_class,
            brand=v.brand,
            model_name=v.model_name,
            status=v.status,
            inspection_valid_until=v.inspection_valid_until,
        )
        for v in rows
    ]


@router.post(
    "/app/me/applications",
    response={201: AppApplicationOut},
    summary="Start and submit a business application for the citizen, online "
    "(scope applications:submit)",
    openapi_extra=_doc("applications:submit", 422),
)
def app_application_submit(request: HttpRequest, payload: AppApplicationIn) -> Status:
    caller = _caller(request)
    caller.require(scopes.APPLICATIONS_SUBMIT)
    actor = app_actor(caller.authorisation)
    app = cases.application_start(
        actor=actor,
        applicant=caller.authorisation.person,
        business_type=payload.business_type[:64],
        channel=Channel.ONLINE,
        subject_ref=payload.subject_id[:64],
    )
    try:
        app = cases.application_submit(
            actor=actor, principal=caller.user, application=app, changes=dict(payload.changes)
        )
    except DomainError:
        # the app cannot resume a draft: the refused one is withdrawn (kept, with its history
        # and audit row) rather than left open in the citizen's list; an application that got
        # past the draft (submitted, then a later step failed) is left as it is
        app.refresh_from_db(fields=["state"])
        if app.state == State.DRAFT:
            cases.application_transition(
                actor=actor,
                principal=caller.user,
                application=app,
                command="withdraw",
                reason="refused at submission through the app",
            )
        raise
    app_authorisation_used(authorisation=caller.authorisation)
    return Status(
        201,
        AppApplicationOut(
            id=str(app.public_id),
            case_number=app.case_number,
            business_type=app.business_type.code,
            state=app.state,
        ),
    )
