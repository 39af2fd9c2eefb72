from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from jiaoguan.audit.models import AuditAnchor, AuditEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "partition",
        "seq",
        "actor_label",
        "action",
        "object_type",
        "object_ref",
        "channel",
    )
    list_filter = ("action", "channel")
    search_fields = ("object_ref", "actor_label", "request_id")
    show_full_result_count = False


@admin.register(AuditAnchor)
class AuditAnchorAdmin(ReadOnlyAdmin):
    list_display = ("id", "created_at", "hash")
