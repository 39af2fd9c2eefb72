"""Read-only views of documents and keys: every change goes through services.py."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from jiaoguan.documents.models import Document, SigningKey


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Document)
class DocumentAdmin(ReadOnlyAdmin):
    list_display = ("number", "kind", "version", "status", "issued_at")
    list_filter = ("kind", "status")
    search_fields = ("number",)
    show_full_result_count = False


@admin.register(SigningKey)
class SigningKeyAdmin(ReadOnlyAdmin):
    list_display = ("kid", "algorithm", "created_at", "retired_at", "published_until")
    exclude = ("private_key_enc",)
