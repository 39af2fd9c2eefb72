from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jiaoguan.platforms.selectors import consent_chains_verify


class Command(BaseCommand):
    help = "Verify every person's consent chain (hashes, links, signatures, audit trail)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args: Any, **options: Any) -> None:
        result = consent_chains_verify()
        if result.ok:
            self.stdout.write(
                f"consent chains intact: {result.persons} people, "
                f"{result.revisions} revisions verified"
            )
            return
        for person, breaks in result.broken.items():
            for brk in breaks:
                self.stderr.write(f"person {person}: {brk}")
        raise CommandError(
            f"consent chains BROKEN for {len(result.broken)} of {result.persons} people"
        )
