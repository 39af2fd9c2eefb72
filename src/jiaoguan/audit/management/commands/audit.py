from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jiaoguan.audit.selectors import audit_verify
from jiaoguan.audit.services import audit_anchor_create


class Command(BaseCommand):
    help = "Verify the audit chain (`verify`) or write an anchor of all chain heads (`anchor`)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify", "anchor"])

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "anchor":
            anchor = audit_anchor_create()
            self.stdout.write(f"anchor {anchor.pk} {anchor.hash}")
            return
        result = audit_verify()
        if result.ok:
            self.stdout.write(
                f"audit chain intact: {result.rows_checked} rows, "
                f"{result.anchors_checked} anchors verified"
            )
            return
        raise CommandError(
            f"audit chain BROKEN at {result.first_break} (after {result.rows_checked} rows)"
        )
