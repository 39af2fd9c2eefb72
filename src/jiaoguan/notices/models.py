from __future__ import annotations

import uuid

from django.db import models


class Notice(models.Model):
    """A message to a person: shown in the portal, and sent by SMS when it matters."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="notices")
    template = models.CharField(max_length=48)
    params = models.JSONField(default=dict)
    object_type = models.CharField(max_length=32, blank=True)
    object_ref = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)
    sms_status = models.CharField(max_length=16, default="none")  # none/queued/sent/failed
    sms_message_id = models.CharField(max_length=64, blank=True)

    class Meta:
        indexes = [models.Index(fields=["person", "-created_at"], name="notice_person_idx")]

    def __str__(self) -> str:
        return f"{self.template} -> {self.person_id}"

    def text(self, lang: str) -> str:
        from jiaoguan.notices.templates_data import render

        return render(self.template, lang, self.params)
