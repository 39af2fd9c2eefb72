"""Fault points for the cross-deployment tests (tests/exchange/test_two_deployments.py).

``JIAOGUAN_EXCHANGE_FAULTS`` (honoured only with DEBUG on) names points, comma-separated, where
the process writes a marker file (``JIAOGUAN_EXCHANGE_FAULT_MARKER`` + ``.`` + point, holding
its pid) and then stops for two minutes, so that a test can ``kill -9`` it at exactly that
point: the receiver after its inbox transaction committed but before it answered the ack,
the sender after the ack arrived but before it marked the message delivered.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from django.conf import settings

RECEIVER_BEFORE_ACK = "receiver_pause_before_ack"
SENDER_AFTER_SEND = "sender_pause_after_send"


def hit(point: str) -> None:
    spec = getattr(settings, "EXCHANGE_FAULTS", "") if settings.DEBUG else ""
    if point not in {p.strip() for p in spec.split(",") if p.strip()}:
        return
    marker = getattr(settings, "EXCHANGE_FAULT_MARKER", "")
    if marker:
        Path(f"{marker}.{point}").write_text(str(os.getpid()), encoding="utf-8")
    time.sleep(120)
