"""`jiaoguan plates verify`: an honest draw verifies; a changed seed, batch list or record
fails."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from jiaoguan import cli
from jiaoguan.kernel import clock
from jiaoguan.plates import services
from jiaoguan.plates.models import Draw, DrawWindow, PlateNumber, SelectionRight
from tests.plates.conftest import STAFF, T0, grant, released_pool

pytestmark = pytest.mark.django_db


def _verify(capsys: Any, right: SelectionRight, attempt: int = 1) -> tuple[int, str]:
    code = cli.main(["plates", "verify", str(right.public_id), str(attempt)])
    return code, capsys.readouterr().out


@pytest.fixture
def drawn(at_t0: Any) -> SelectionRight:
    released_pool()
    right = grant()
    services.draw_make(acting=services.Acting(STAFF, "online"), right=right)
    other = grant()
    first = services.draw_make(acting=services.Acting(STAFF, "hall"), right=other)
    services.plate_pick(
        acting=services.Acting(STAFF, "hall"), right=other, draw=first, number=first.candidates[0]
    )
    services.draw_make(acting=services.Acting(STAFF, "online"), right=right)  # sees one taken
    return right


def test_not_verifiable_before_the_seed_is_revealed(drawn: SelectionRight, capsys: Any) -> None:
    code, out = _verify(capsys, drawn)
    assert code == 2 and "NOT YET VERIFIABLE" in out


def _reveal() -> None:
    with clock.frozen(T0 + dt.timedelta(days=1)):
        services.windows_reveal_due(actor=STAFF)


def test_an_honest_draw_verifies(drawn: SelectionRight, capsys: Any) -> None:
    _reveal()
    for attempt in (1, 2):
        code, out = _verify(capsys, drawn, attempt)
        assert code == 0 and "OK" in out, out
    assert Draw.objects.get(right=drawn, attempt=2).taken != []
    code = cli.main(["plates", "verify", str(drawn.public_id), "2", "--json"])
    body = json.loads(capsys.readouterr().out.splitlines()[0])
    assert code == 0 and body["verified"] is True and body["recomputed"] == body["candidates"]


def test_a_changed_seed_fails(drawn: SelectionRight, capsys: Any) -> None:
    _reveal()
    window = DrawWindow.objects.get()
    window.revealed_seed = "00" * 32
    window.save()
    code, out = _verify(capsys, drawn)
    assert code == 1 and "seed_commitment_mismatch" in out and "candidates_mismatch" in out


def test_a_changed_batch_list_fails(drawn: SelectionRight, capsys: Any) -> None:
    _reveal()
    draw = Draw.objects.get(right=drawn, attempt=1)
    number = PlateNumber.objects.exclude(number__in=draw.candidates).first()
    assert number is not None
    number.number = "苏AQ3999"  # a number swapped in the stored list after the announcement
    number.save()
    code, out = _verify(capsys, drawn)
    assert code == 1 and "batch_hash_mismatch" in out


def test_a_changed_record_fails(drawn: SelectionRight, capsys: Any) -> None:
    _reveal()
    draw = Draw.objects.get(right=drawn, attempt=1)
    draw.candidates = [
        *draw.candidates[:-1],
        "苏AQ2099" if draw.candidates[-1] != "苏AQ2099" else "苏AQ2098",
    ]
    draw.save()
    code, out = _verify(capsys, drawn)
    assert code == 1 and "candidates_mismatch" in out
    # hiding a free number by listing it as taken is caught too
    draw = Draw.objects.get(right=drawn, attempt=2)
    free = PlateNumber.objects.filter(state="available").values_list("number", flat=True).first()
    draw.taken = sorted([*draw.taken, free])
    draw.save()
    code, out = _verify(capsys, drawn, 2)
    assert code == 1 and "snapshot_hash_mismatch" in out and "taken_not_held_at_draw" in out


def test_unknown_draw(capsys: Any, db: None) -> None:
    code, out = _verify(capsys, SelectionRight(), 1)
    assert code == 1 and "no draw" in out
