"""Pages: the applicant applies, books a subject (or joins a full day's queue), sees their
queue position and results (portal); the exam site publishes plans, checks applicants in
(random examiner) and enters results (desk); vehicle-office staff see the applications of
their region, masked (console). The same services and selectors as the API."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from jiaoguan.audit.services import Actor
from jiaoguan.exams import selectors, services
from jiaoguan.exams.constants import ApplicationKind, ApplicationState, Subject
from jiaoguan.exams.models import LicenceApplication
from jiaoguan.exams.workflow import APPLICATION_ACTIVE
from jiaoguan.kernel import clock
from jiaoguan.kernel.crypto import mask_name
from jiaoguan.kernel.errors import DomainError, NotFound
from jiaoguan.licensing.rules import (
    FIRST_APPLICATION_CLASSES,
    LOCATION_CHANGE_CLASSES,
    MAX_LOCATION_CHANGES,
)
from jiaoguan.registry import selectors as registry_selectors


class ApplyForm(forms.Form):
    licence_class = forms.ChoiceField(
        label=_("Licence class"), choices=[(c, c) for c in sorted(FIRST_APPLICATION_CLASSES)]
    )
    region_code = forms.RegexField(label=_("Office (region code)"), regex=r"^\d{6}$", max_length=6)


class ApplyForForm(forms.Form):
    """A counter or a driving school applies for someone (the school names them as on the
    ID card: number and name)."""

    id_number = forms.CharField(label=_("ID number"), max_length=18)
    name = forms.CharField(label=_("Name as on the ID card"), max_length=64, required=False)
    licence_class = forms.ChoiceField(
        label=_("Licence class"), choices=[(c, c) for c in sorted(FIRST_APPLICATION_CLASSES)]
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=ApplicationKind.choices)
    region_code = forms.RegexField(label=_("Office (region code)"), regex=r"^\d{6}$", max_length=6)


class RelocateForm(forms.Form):
    region_code = forms.RegexField(
        label=_("New exam place (region code)"), regex=r"^\d{6}$", max_length=6
    )


class PlanForm(forms.Form):
    exam_date = forms.DateField(label=_("Exam date"))
    subject = forms.TypedChoiceField(label=_("Subject"), choices=Subject.choices, coerce=int)
    capacity = forms.IntegerField(label=_("Places"), min_value=1, max_value=5000)


def _error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return render(
        request,
        "web/error.html",
        {"status": exc.status, "message": exc.localised(get_language())},
        status=exc.status,
    )


def _actor(request: HttpRequest) -> Actor:
    return Actor.of(request.user)  # type: ignore[arg-type]


# --- the applicant ----------------------------------------------------------------------------


@login_required
def portal(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    person = getattr(user, "person", None)
    form = ApplyForm(
        request.POST or None,
        initial={"region_code": person.region_code if person else ""},
    )
    if request.method == "POST" and person is not None and form.is_valid():
        try:
            services.licence_application_start(
                actor=_actor(request),
                principal=user,
                person=person,
                licence_class=form.cleaned_data["licence_class"],
                office_region=form.cleaned_data["region_code"],
            )
            return redirect("exams:portal")
        except DomainError as exc:
            field = exc.field if exc.field in form.fields else None
            form.add_error(field, exc.localised(get_language()))
    return _portal(request, form)


def _portal(
    request: HttpRequest, form: ApplyForm, relocate: tuple[str, RelocateForm] | None = None
) -> HttpResponse:
    """The applicant's page; ``relocate``: the application whose exam-place form is shown
    again, bound, with its error beside the field."""
    user: Any = request.user
    person = getattr(user, "person", None)
    apps = list(selectors.applications_for(user).filter(person=person)[:20]) if person else []
    for a in apps:  # the exam-place form where R162 Art. 39 may allow a change
        movable = a.state in APPLICATION_ACTIVE and a.passed
        movable = movable and a.licence_class in LOCATION_CHANGE_CLASSES
        if relocate is not None and relocate[0] == str(a.public_id):
            a.relocate_form = relocate[1]  # type: ignore[attr-defined]
        elif movable and a.location_changes < MAX_LOCATION_CHANGES:
            a.relocate_form = RelocateForm(  # type: ignore[attr-defined]
                prefix=f"r{a.pk}", initial={"region_code": person.region_code if person else ""}
            )
    bookings = list(selectors.bookings_for(user).filter(application__person=person)[:50])
    for b in bookings:
        b.position = selectors.queue_position(b)  # type: ignore[attr-defined]
    active = [a for a in apps if a.state in APPLICATION_ACTIVE]
    plans = []
    open_plans = list(selectors.plans_open()[:200])
    for a in active:
        subjects = _subjects_open(a)
        plans += [
            (a, p) for p in open_plans if p.subject in subjects and a.licence_class in p.classes
        ]
    return render(
        request,
        "exams/portal.html",
        {"form": form, "apps": apps, "bookings": bookings, "plans": plans},
    )


@login_required
@require_POST
def relocate(request: HttpRequest, application_id: str) -> HttpResponse:
    """Change the exam place of one application after a move (R162 Art. 39)."""
    user: Any = request.user
    try:
        app = selectors.application_get(user, str(application_id))
    except DomainError as exc:
        return _error(request, exc)
    form = RelocateForm(request.POST, prefix=f"r{app.pk}")
    if form.is_valid():
        try:
            services.licence_application_relocate(
                actor=_actor(request),
                principal=user,
                application=app,
                office_region=form.cleaned_data["region_code"],
            )
            return redirect("exams:portal")
        except DomainError as exc:
            form.add_error("region_code", exc.localised(get_language()))
    person = getattr(user, "person", None)
    apply = ApplyForm(initial={"region_code": person.region_code if person else ""})
    return _portal(request, apply, (str(app.public_id), form))


def _subjects_open(app: LicenceApplication) -> set[int]:
    """The subjects an application may still book: 科目一 before the permit, then those of
    科目二 and 科目三 not yet passed (the rules decide the rest when booking)."""
    if app.state == ApplicationState.OPEN:
        return {1}
    wanted = {2: ("2",), 3: ("3road", "3safety")}
    return {s for s, parts in wanted.items() if not all(p in app.passed for p in parts)}


@login_required
@require_POST
def book(request: HttpRequest) -> HttpResponse:
    try:
        app = selectors.application_get(request.user, request.POST.get("application", "")[:64])
        plan = selectors.plan_get(request.POST.get("plan", "")[:64])
        services.booking_request(
            actor=_actor(request), principal=request.user, application=app, plan=plan
        )
    except DomainError as exc:
        return _error(request, exc)
    return redirect("exams:portal")


@login_required
@require_POST
def cancel(request: HttpRequest, booking_id: str) -> HttpResponse:
    try:
        services.booking_cancel(
            actor=_actor(request),
            principal=request.user,
            booking=selectors.booking_get(request.user, booking_id),
        )
    except DomainError as exc:
        return _error(request, exc)
    return redirect("exams:portal")


# --- the exam site ----------------------------------------------------------------------------


def _day(raw: str) -> dt.date:
    try:
        return dt.date.fromisoformat(raw[:10])
    except ValueError:
        return clock.today()


@login_required
def desk(request: HttpRequest) -> HttpResponse:
    site = selectors.site_of(request.user)
    if site is None:
        return _error(request, NotFound("not_found", str(_("Exam site not found"))))
    form = PlanForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_publish(
                actor=_actor(request),
                principal=request.user,
                site=site,
                exam_date=form.cleaned_data["exam_date"],
                subject=form.cleaned_data["subject"],
                capacity=form.cleaned_data["capacity"],
            )
            return redirect("exams:desk")
        except DomainError as exc:
            field = exc.field if exc.field in form.fields else None
            form.add_error(field, exc.localised(get_language()))
    day = _day(request.GET.get("date", ""))
    bookings = list(selectors.site_day(site, day)[:500])
    for b in bookings:
        b.name = mask_name(b.application.person.name)  # type: ignore[attr-defined]
    plans = site.plans.filter(exam_date__gte=clock.today()).order_by("exam_date", "subject")[:60]
    return render(
        request,
        "exams/desk.html",
        {
            "site": site,
            "form": form,
            "plans": plans,
            "day": day,
            "bookings": bookings,
        },
    )


@login_required
@require_POST
def desk_check_in(request: HttpRequest, booking_id: str) -> HttpResponse:
    try:
        services.booking_check_in(
            actor=_actor(request),
            principal=request.user,
            booking=selectors.booking_get(request.user, booking_id),
        )
    except DomainError as exc:
        return _error(request, exc)
    return redirect("exams:desk")


def _scores(post: Any, subject: int) -> dict[str, list[int]]:
    parts = ["road", "safety"] if subject == 3 else ["main"]
    out: dict[str, list[int]] = {}
    for part in parts:
        got = []
        for n in ("1", "2"):
            raw = str(post.get(f"{part}_{n}", "")).strip()
            if raw:
                if not raw.isdigit() or len(raw) > 3:
                    raise DomainError(
                        "invalid_scores", str(_("Scores are whole numbers")), field="scores"
                    )
                got.append(int(raw))
        if got:
            out[part] = got
    return out


@login_required
@require_POST
def desk_result(request: HttpRequest, booking_id: str) -> HttpResponse:
    try:
        b = selectors.booking_get(request.user, booking_id)
        services.booking_result_record(
            actor=_actor(request),
            principal=request.user,
            booking=b,
            scores=_scores(request.POST, b.subject),
        )
    except DomainError as exc:
        return _error(request, exc)
    return redirect(f"{reverse('exams:desk')}?date={b.plan.exam_date.isoformat()}")


# --- vehicle office ---------------------------------------------------------------------------


@login_required
def console(request: HttpRequest) -> HttpResponse:
    """Applications of the region (vehicle office, counters) or those the school made; a
    counter or a driving school applies here for an applicant named by ID number."""
    user: Any = request.user
    handles = user.has_perm("exams.handle_licence_application")
    if not (user.has_perm("exams.manage_exam_sites") or handles):
        return _error(request, NotFound("not_found", str(_("Page not found"))))
    form = ApplyForForm(request.POST or None) if handles else None
    if form is not None and request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            person = selectors.applicant_lookup(user, data["id_number"], data["name"])
            services.licence_application_start(
                actor=_actor(request),
                principal=user,
                person=person,
                licence_class=data["licence_class"],
                office_region=data["region_code"],
                kind=data["kind"],
            )
            return redirect("exams:console")
        except DomainError as exc:
            field = exc.field if exc.field in form.fields else None
            form.add_error(field, exc.localised(get_language()))
    full = registry_selectors.can_see_full_identifiers(user)
    apps = list(selectors.applications_for(user)[:100])
    for a in apps:
        a.name = a.person.name if full else mask_name(a.person.name)  # type: ignore[attr-defined]
    return render(
        request,
        "exams/console.html",
        {"apps": apps, "full": full, "form": form, "school": selectors.is_school(user)},
    )
