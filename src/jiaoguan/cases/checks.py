"""Checks of an application's materials and eligibility (measure 1: no paper that a data link
can replace). Each material gets a result: ``ok``, ``failed`` (with a reason citing its source)
or ``pending`` (the data link did not answer: the application waits and is retried)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext_noop

from jiaoguan.accounts.ports import get_port
from jiaoguan.cases import rules
from jiaoguan.cases.constants import MaterialSource, State
from jiaoguan.cases.models import Application
from jiaoguan.documents.models import Document
from jiaoguan.kernel import clock
from jiaoguan.kernel.errors import PartnerUnavailable
from jiaoguan.registry.models import DrivingLicence, Vehicle


def _result(status: str, source: str, **detail: Any) -> dict[str, Any]:
    return {"status": status, "source": source, "at": clock.now().isoformat(), **detail}


def _medical(app: Application) -> dict[str, Any]:
    """The driver's medical certificate, looked up at the hospitals' data link (R162 Art. 63:
    renewal needs ID and a medical certificate)."""
    cert = get_port("hospital").driver_medical(id_number=app.applicant.id_number)
    if cert.status != "fit":
        return _result(
            "failed",
            "hospital",
            code=f"medical_{cert.status}",
            message=gettext_noop("No valid medical certificate found for this person"),
            citations=["R162 Art. 63"],
        )
    if cert.valid_until is not None and cert.valid_until < clock.today():
        return _result(
            "failed",
            "hospital",
            code="medical_expired",
            message=gettext_noop("The medical certificate has expired"),
            citations=["R162 Art. 63"],
        )
    return _result(
        "ok",
        "hospital",
        hospital=cert.hospital,
        examined_on=cert.examined_on.isoformat() if cert.examined_on else None,
    )


def _insurance(app: Application) -> dict[str, Any]:
    """Compulsory traffic insurance (交强险), looked up at the insurers' platform: a lost label
    is replaced only while the vehicle is insured (R164 Art. 57)."""
    vin = app.form.get("vin") or ""
    policy = get_port("insurance").compulsory(vin=vin, on=clock.today())
    if policy.status != "valid" or not policy.covers(clock.today()):
        return _result(
            "failed",
            "insurance",
            code=f"insurance_{policy.status}",
            message=gettext_noop("No compulsory insurance in force for this vehicle"),
            citations=["R164 Art. 57"],
        )
    return _result(
        "ok",
        "insurance",
        insurer=policy.insurer,
        policy_no=policy.policy_no,
        valid_until=policy.valid_until.isoformat() if policy.valid_until else None,
    )


def _vessel_tax(app: Application) -> dict[str, Any]:
    """The vehicle-and-vessel tax (车船税) of this year, at the tax authority's data link: paid
    or exempt is a precondition of the label (R164 Art. 55; DOMAIN.md §4.3)."""
    year = clock.today().year
    tax = get_port("tax").vessel_tax(vin=app.form.get("vin") or "", year=year)
    if not tax.settled:
        return _result(
            "failed",
            "tax",
            code=f"vessel_tax_{tax.status}",
            message=gettext_noop("The vehicle and vessel tax of this year is not paid"),
            citations=["R164 Art. 55"],
        )
    return _result("ok", "tax", year=year, tax_status=tax.status, receipt_no=tax.receipt_no)


def _purchase_tax(app: Application) -> dict[str, Any]:
    """The vehicle purchase tax (车辆购置税) paid or exempt, at the tax authority's data link:
    checked online instead of the paper certificate for a new registration (measure 1;
    DOMAIN.md §0)."""
    tax = get_port("tax").purchase_tax(vin=app.form.get("vin") or "")
    if not tax.settled:
        return _result(
            "failed",
            "tax",
            code=f"purchase_tax_{tax.status}",
            message=gettext_noop("No purchase tax paid or exemption on file for this vehicle"),
            citations=["DOMAIN.md §0 measure 1"],
        )
    return _result("ok", "tax", tax_status=tax.status, certificate_no=tax.certificate_no)


def _registration_insurance(app: Application) -> dict[str, Any]:
    """A new vehicle is registered only while its compulsory insurance is in force."""
    result = _insurance(app)
    if result["status"] == "failed":
        result["citations"] = ["DOMAIN.md §3.4", "DOMAIN.md §0 measure 1"]
    return result


def _population(app: Application) -> dict[str, Any]:
    """The changed name, confirmed by the population register through the identity platform
    (R162 Art. 66: the proof of the change is looked up, not handed in)."""
    name = str(app.form.get("new_name") or "").strip()
    verdict = get_port("identity").verify(name=name, id_number=app.applicant.id_number)
    if not verdict.match:
        return _result(
            "failed",
            "population",
            code=f"register_{verdict.reason}",
            message=gettext_noop("The population register does not hold this name for you"),
            citations=["R162 Art. 66"],
        )
    return _result("ok", "population", assurance=verdict.assurance)


def _residence(app: Application) -> dict[str, Any]:
    """A valid residence permit in the office's province, at the population system's data
    link: a driver living outside the issuing province renews where they live (R162 Art. 64;
    DOMAIN.md §5.6)."""
    permit = get_port("residence").permit(id_number=app.applicant.id_number)
    if (
        permit.status != "valid"
        or not permit.valid_on(clock.today())
        or not (permit.region_code or "").startswith(app.province_code)
    ):
        return _result(
            "failed",
            "residence",
            code=f"residence_{permit.status}",
            message=gettext_noop("No valid residence permit in this province"),
            citations=["R162 Art. 64"],
        )
    return _result(
        "ok",
        "residence",
        region_code=permit.region_code,
        valid_until=permit.valid_until.isoformat() if permit.valid_until else None,
    )


LINKS = {
    "hospital": _medical,
    "insurance": _insurance,
    "tax": _vessel_tax,
    "population": _population,
    "residence": _residence,
    "purchase_tax": _purchase_tax,
    "registration_insurance": _registration_insurance,
}


def _outside_issuing_province(app: Application) -> bool:
    licence = DrivingLicence.objects.filter(public_id=app.subject_ref).only("province_code")
    return any(lic.province_code != app.province_code for lic in licence)


#: Conditions under which a material marked ``"when"`` in the catalogue is asked for.
CONDITIONS = {"outside_issuing_province": _outside_issuing_province}


def materials(app: Application) -> list[dict[str, Any]]:
    """The materials this application needs: the catalogue's, less conditional ones whose
    condition does not hold."""
    return [
        m for m in app.catalogue_entry.materials if "when" not in m or CONDITIONS[m["when"]](app)
    ]


def run(app: Application) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for material in materials(app):
        code, source = material["code"], material["source"]
        if app.checks.get(code, {}).get("status") == "ok":
            continue  # a retry does not ask again for what already passed
        if source == MaterialSource.IDENTITY:
            # the applicant is a registry person bound by real-name verification or an ID read
            out[code] = _result("ok", "identity")
        elif source == MaterialSource.DATA_LINK:
            try:
                out[code] = LINKS[material["link"]](app)
            except PartnerUnavailable as exc:
                out[code] = _result("pending", material["link"], code=exc.code)
        else:
            from jiaoguan.cases.models import Attachment

            attachment = Attachment.current(app, code)
            if attachment is not None:
                # the newest image; a reviewer compares it (review policy of the entry)
                out[code] = _result(
                    "ok",
                    "upload",
                    attachment=str(attachment.public_id),
                    sha256=attachment.sha256,
                )
                continue
            out[code] = _result(
                "failed",
                "upload",
                code="upload_missing",
                message=gettext_noop("The required image has not been uploaded"),
            )
    return out


def _licence(app: Application) -> DrivingLicence:
    """The application's licence, read once per check however many rules look at it."""
    cached: DrivingLicence | None = getattr(app, "_checked_licence", None)
    if cached is None:
        cached = DrivingLicence.objects.select_related("person").get(public_id=app.subject_ref)
        app._checked_licence = cached  # type: ignore[attr-defined]
    return cached


def _vehicle(app: Application) -> Vehicle:
    return Vehicle.objects.get(public_id=app.subject_ref)


def _age(licence: DrivingLicence) -> int:
    return rules.age_on(licence.person.birth_date, clock.today())


def _date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


def _label(app: Application) -> rules.Decision:
    return rules.label_on_record(
        has_label=Document.objects.filter(
            kind="inspection_label", subject_ref=app.subject_ref, status="valid"
        ).exists()
    )


def _renewal(app: Application) -> rules.Decision:
    return rules.renewal_window(valid_until=_licence(app).valid_until, today=clock.today())


def _downgrade(app: Application) -> rules.Decision:
    return rules.downgrade(
        held=_licence(app).class_list, keep=list(app.form.get("keep_classes") or [])
    )


def _usable(app: Application) -> rules.Decision:
    return rules.licence_usable(status=_licence(app).status)


def _detail_change(app: Application) -> rules.Decision:
    return rules.details_changed(
        recorded_name=app.applicant.name, new_name=str(app.form.get("new_name") or "")
    )


def _age_downgrade(app: Application) -> rules.Decision:
    licence = _licence(app)
    return rules.age_downgrade(
        held=licence.class_list,
        age=_age(licence),
        today=clock.today(),
        small_class=str(app.form.get("small_class") or "C1"),
    )


def _medical_owed(app: Application) -> rules.Decision:
    licence = _licence(app)
    return rules.medical_owed(classes=licence.class_list, age=_age(licence))


def _deferral(app: Application) -> rules.Decision:
    licence = _licence(app)
    return rules.deferral(
        matter=app.business_type.code.removesuffix("_deferral"),
        classes=licence.class_list,
        age=_age(licence),
        valid_until=licence.valid_until,
        today=clock.today(),
        until=_date(app.form.get("until")) or clock.today(),
        reason=str(app.form.get("reason") or ""),
    )


def _cancellation(app: Application) -> rules.Decision:
    return rules.cancellation(status=_licence(app).status)


def _exemption(app: Application) -> rules.Decision:
    v = _vehicle(app)
    return rules.exemption_label(
        vehicle_class=v.vehicle_class,
        use=v.use,
        seats=v.seats,
        van=v.van,
        registration_date=v.registration_date,
        inspection_valid_until=v.inspection_valid_until,
        today=clock.today(),
    )


def _violations_handled(app: Application) -> rules.Decision:
    from jiaoguan.violations.selectors import unhandled_count

    return rules.violations_handled(unhandled=unhandled_count(_vehicle(app).pk))


#: States in which a plate replacement is under way (submitted, not yet finished).
OPEN_STATES = (
    State.VERIFYING,
    State.AWAITING_PAYMENT,
    State.UNDER_REVIEW,
    State.APPROVED,
    State.IN_PRODUCTION,
    State.READY,
    State.DISPATCHED,
)


def _temporary_plate(app: Application) -> rules.Decision:
    insured = app.checks.get("compulsory_insurance", {})
    today = clock.today()
    return rules.temporary_plate(
        today=today,
        insurance_until=_date(insured.get("valid_until")),
        replacement_open=Application.objects.filter(
            business_type__code="plate_replacement",
            subject_ref=app.subject_ref,
            state__in=OPEN_STATES,
        ).exists(),
        holds_valid=any(
            (_date(d.fields.get("valid_until")) or today) >= today
            for d in Document.objects.filter(
                kind="temporary_plate", subject_ref=app.subject_ref, status="valid"
            )
        ),
    )


def _registration(app: Application) -> rules.Decision:
    from jiaoguan.plates.registration import registration_check

    return registration_check(app)


#: The business rule of each type, by catalogue effect or business code.
RULES: dict[str, list[Callable[[Application], rules.Decision]]] = {
    "label_replacement": [_label],
    "licence_renewal": [_usable, _renewal],
    "licence_downgrade": [_usable, _downgrade],
    "licence_replacement": [_usable],
    "licence_damaged": [_usable],
    "licence_detail_change": [_usable, _detail_change],
    "age_downgrade": [_usable, _age_downgrade],
    "medical_submission": [_usable, _medical_owed],
    "renewal_deferral": [_usable, _deferral],
    "review_deferral": [_usable, _deferral],
    "medical_deferral": [_usable, _deferral],
    "licence_cancellation": [_cancellation],
    "exemption_label": [_exemption, _violations_handled],
    "temporary_plate": [_temporary_plate],
    "vehicle_registration": [_registration],
}


def eligibility(app: Application) -> rules.Decision | None:
    """The business rules of this type, decided on the registry as it is now: the first
    refusal, or the last decision when every rule allows it (None when the type has none)."""
    decision = None
    for rule in RULES.get(app.business_type.code, []):
        decision = rule(app)
        if not decision.allowed:
            return decision
    return decision
