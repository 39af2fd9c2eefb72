from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from jiaoguan.audit.models import AuditAnchor, AuditEvent
from jiaoguan.audit.services import Actor, audit_record

pytestmark = pytest.mark.django_db


def test_audit_verify_command_names_the_broken_link(capsys: pytest.CaptureFixture[str]) -> None:
    with transaction.atomic():
        event = audit_record(actor=Actor.system(), action="test", object_ref="1")
    call_command("audit", "verify")
    assert "intact" in capsys.readouterr().out
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SET session_replication_role = replica")
        cur.execute("UPDATE audit_auditevent SET action = 'forged' WHERE id = %s", [event.pk])
        if connection.vendor == "postgresql":
            cur.execute("SET session_replication_role = DEFAULT")
    with pytest.raises(CommandError, match=f"partition {event.partition} seq {event.seq}"):
        call_command("audit", "verify")


@pytest.mark.django_db(transaction=True)  # the worker closes connections between jobs
def test_anchor_task_runs_through_the_database_queue(settings: Any) -> None:
    """The real backend: the job row is written in the transaction, a worker claims it."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    from jiaoguan.audit.tasks import anchor_audit_chains

    with transaction.atomic():
        audit_record(actor=Actor.system(), action="test")
        result = anchor_audit_chains.enqueue()
    assert AuditAnchor.objects.count() == 0
    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0.1")
    result.refresh()
    assert result.status == "SUCCESSFUL"
    assert AuditAnchor.objects.get().hash == result.return_value
    assert AuditEvent.objects.count() == 1
