"""``manage.py documents verify TOKEN [--jwks PATH]`` and ``manage.py documents rotate-key``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jiaoguan.audit.services import Actor
from jiaoguan.documents import selectors, services
from jiaoguan.documents.signing import verify_offline
from jiaoguan.kernel.errors import DomainError


class Command(BaseCommand):
    help = "Verify a document token offline, or rotate the signing key."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser("verify", help="Check a token's signature offline")
        verify.add_argument("token")
        verify.add_argument(
            "--jwks", help="A JWKS file (as served at /.well-known/jwks.json); default: database"
        )
        sub.add_parser("rotate-key", help="Retire the active signing key and create a new one")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "rotate-key":
            key = services.signing_key_rotate(actor=Actor.system("manage.py documents"))
            self.stdout.write(f"active key: {key.kid}")
            return
        if options["jwks"]:
            try:
                jwks = json.loads(Path(options["jwks"]).read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise CommandError(f"cannot read the key set: {exc}") from exc
        else:
            jwks = selectors.published_jwks()
        if not isinstance(jwks, dict):
            raise CommandError("the key set must be a JSON object with a 'keys' list")
        try:
            claims = verify_offline(options["token"], jwks)
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc.message_en or exc.message}") from exc
        self.stdout.write(json.dumps(claims, ensure_ascii=False, indent=2))
