"""Read-only views of documents and keys: every change goes through services.py."""

from django.contrib import admin

from jiaoguan.audit.admin import ReadOnlyAdmin
from jiaoguan.documents.models import Document, SigningKey


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
