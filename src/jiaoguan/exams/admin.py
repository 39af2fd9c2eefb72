"""Read-only views of the exams data: every change goes through services.py."""

from django.contrib import admin

from jiaoguan.audit.admin import ReadOnlyAdmin
from jiaoguan.exams.models import Booking, ExamPlan, ExamSite, LicenceApplication


@admin.register(ExamSite)
class ExamSiteAdmin(ReadOnlyAdmin):
    list_display = ("public_id", "organisation", "active", "updated_at")
    exclude = ("examiners",)


@admin.register(ExamPlan)
class ExamPlanAdmin(ReadOnlyAdmin):
    list_display = ("exam_date", "subject", "site", "booked", "capacity", "published_on")
    list_filter = ("subject",)
    show_full_result_count = False


@admin.register(LicenceApplication)
class LicenceApplicationAdmin(ReadOnlyAdmin):
    list_display = ("public_id", "licence_class", "kind", "region_code", "state", "created_at")
    list_filter = ("state", "kind")
    exclude = ("person",)  # the applicant is shown masked in the console, not here
    show_full_result_count = False


@admin.register(Booking)
class BookingAdmin(ReadOnlyAdmin):
    list_display = ("public_id", "subject", "state", "number", "requested_at")
    list_filter = ("state", "subject")
    exclude = ("application",)
    show_full_result_count = False
