"""``jiaoguan manage exchange keygen | peer | deliver``: the operator's side of the exchange."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from jiaoguan.audit.services import Actor
from jiaoguan.exchange import services, signing


class Command(BaseCommand):
    help = "Provincial exchange: make a key, configure a peer, deliver the outbox."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("keygen", help="print a new Ed25519 seed and its public key")
        sub.add_parser("key", help="print this deployment's province and public key")
        peer = sub.add_parser("peer", help="configure another provincial deployment")
        peer.add_argument("--province", required=True)
        peer.add_argument("--url", required=True)
        peer.add_argument("--public-key", required=True)
        peer.add_argument("--name", default="")
        deliver = sub.add_parser("deliver", help="post the due outbox messages")
        deliver.add_argument("--loop", action="store_true", help="keep going")
        deliver.add_argument("--interval", type=float, default=1.0)
        deliver.add_argument("--limit", type=int, default=100)

    def handle(self, *args: Any, **opts: Any) -> None:
        action = opts["action"]
        if action == "keygen":
            seed, public = signing.new_key()
            self.stdout.write(f"JIAOGUAN_EXCHANGE_KEY={seed}\npublic_key={public}")
        elif action == "key":
            self.stdout.write(f"{signing.own_province()} {signing.own_public_key()}")
        elif action == "peer":
            peer = services.peer_upsert(
                actor=Actor.system("exchange-cli"),
                province_code=opts["province"],
                base_url=opts["url"],
                public_key=opts["public_key"],
                name=opts["name"],
            )
            self.stdout.write(f"peer {peer.province_code} {peer.base_url}")
        elif action == "deliver":
            while True:
                counts = services.outbox_deliver_due(limit=opts["limit"])
                self.stdout.write(" ".join(f"{k}={v}" for k, v in counts.items()))
                self.stdout.flush()
                if not opts["loop"]:
                    break
                time.sleep(opts["interval"])
