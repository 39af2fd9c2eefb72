"""Checks of an application's materials and eligibility (measure 1: no paper that a data link
can replace). Each material gets a result: ``ok``, ``failed`` (with a reason citing its source)
or ``pending`` (the data link did not answer: the application waits and is retried)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_noop

from jiaoguan.accounts.ports import get_port
from jiaoguan.cases import rules
from jiaoguan.cases.constants import MaterialSource
from jiaoguan.cases.models import Application
from jiaoguan.documents.models import Document
from jiaoguan.kernel import clock
from jiaoguan.kernel.errors import PartnerUnavailable
from jiaoguan.registry.models import DrivingLicence


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


LINKS = {"hospital": _medical, "insurance": _insurance}


def run(app: Application) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for material in app.catalogue_entry.materials:
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


def eligibility(app: Application) -> rules.Decision | None:
    """The business rule of this type, decided on the registry as it is now."""
    code = app.business_type.code
    if code == "label_replacement":
        return rules.label_on_record(
            has_label=Document.objects.filter(
                kind="inspection_label", subject_ref=app.subject_ref, status="valid"
            ).exists()
        )
    if code in ("licence_renewal", "licence_downgrade"):
        licence = DrivingLicence.objects.get(public_id=app.subject_ref)
        if code == "licence_renewal":
            return rules.renewal_window(valid_until=licence.valid_until, today=clock.today())
        return rules.downgrade(
            held=licence.class_list, keep=list(app.form.get("keep_classes") or [])
        )
    return None
