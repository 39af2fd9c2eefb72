"""``jiaoguan plates verify RIGHT ATTEMPT``: recompute a published draw from public data and
say whether it holds (exit 0), fails (exit 1) or cannot be checked yet (exit 2)."""

from __future__ import annotations

import json
import sys
from typing import TextIO

from jiaoguan.kernel.errors import DomainError
from jiaoguan.plates import selectors


def run(right_id: str, attempt: int, *, as_json: bool = False, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    try:
        check = selectors.draw_check(right_id, attempt)
    except DomainError:
        print(f"no draw {attempt} for selection {right_id}", file=out)
        return 1
    draw = check.draw
    if as_json:
        print(
            json.dumps(
                {
                    "verified": check.ok if check.verification is not None else None,
                    "failures": check.failures,
                    "candidates": draw.candidates,
                    "recomputed": check.verification.recomputed if check.verification else [],
                },
                ensure_ascii=False,
            ),
            file=out,
        )
    else:
        print(
            f"draw {draw.attempt} of selection {right_id} at {draw.drawn_at.isoformat()}", file=out
        )
        print(f"  seed commitment  {draw.window.commitment}", file=out)
        closes = draw.window.closes_at.isoformat()
        print(f"  revealed seed    {check.seed or f'(not yet: window closes {closes})'}", file=out)
        if draw.window.beacon_round is not None:
            w = draw.window
            print(f"  beacon round     {w.beacon_round} {w.beacon_randomness}", file=out)
        print(f"  batches          {', '.join(draw.batch_ids)}", file=out)
        print(f"  snapshot         {draw.snapshot_size} numbers, {draw.snapshot_hash}", file=out)
        print(f"  published        {' '.join(draw.candidates)}", file=out)
        if check.verification is not None:
            print(f"  recomputed       {' '.join(check.verification.recomputed)}", file=out)
    if check.verification is None:
        print("NOT YET VERIFIABLE: the seed is revealed when the draw window closes", file=out)
        return 2
    if not check.ok:
        print(f"FAILED: {', '.join(check.failures)}", file=out)
        return 1
    print("OK: the candidates follow from the published data", file=out)
    return 0
