"""The public randomness beacon mixed into the draw seed: the sandbox simulator over real
HTTP, the window committing to a future round, the mixed seed, and verification (a tampered
beacon value or signature fails; a beacon round not yet published refuses the draw)."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import pytest
from django.test import Client

from jiaoguan import cli
from jiaoguan.kernel import clock
from jiaoguan.kernel.errors import DomainError
from jiaoguan.plates import beacon, services
from jiaoguan.plates import draw as algo
from jiaoguan.plates.models import DrawWindow, NumberPool, SelectionRight
from sandbox import beacon as sandbox_beacon
from tests.plates.conftest import STAFF, T0, grant, released_pool

pytestmark = pytest.mark.django_db


@pytest.fixture
def beacon_on(settings: Any) -> beacon.BeaconConfig:
    settings.PLATES_BEACON = {
        "public_key": sandbox_beacon.PUBLIC_KEY_HEX,
        "period": sandbox_beacon.PERIOD,
        "genesis_time": sandbox_beacon.GENESIS_TIME,
    }
    cfg = beacon.config()
    assert cfg is not None
    return cfg


def test_sandbox_rounds_are_signed_and_unique(beacon_on: beacon.BeaconConfig) -> None:
    got = beacon.HttpBeacon().fetch(1000)
    assert got is not None and got.round == 1000
    assert beacon.check_round(beacon_on.public_key, got) == []
    assert got.randomness == hashlib.sha256(bytes.fromhex(got.signature)).hexdigest()
    forged = beacon.BeaconRound(1000, "00" * 32, got.signature)
    assert beacon.check_round(beacon_on.public_key, forged) == ["beacon_randomness_mismatch"]
    other = beacon.HttpBeacon().fetch(1001)
    assert other is not None
    wrong = beacon.BeaconRound(1000, other.randomness, other.signature)
    assert "beacon_signature_invalid" in beacon.check_round(beacon_on.public_key, wrong)
    far = int(dt.datetime(2100, 1, 1, tzinfo=dt.UTC).timestamp())
    assert (
        beacon.HttpBeacon().fetch(
            beacon.future_round(
                beacon_on, opens_at=dt.datetime.fromtimestamp(far, dt.UTC), now=clock.now()
            )
        )
        is None
    )


def test_future_round_is_after_commitment_and_opening(beacon_on: beacon.BeaconConfig) -> None:
    opens = dt.datetime(2026, 3, 10, 16, 0, tzinfo=dt.UTC)
    now = opens - dt.timedelta(hours=20)
    r = beacon.future_round(beacon_on, opens_at=opens, now=now)
    assert beacon.published_at(beacon_on, r) >= opens
    assert beacon.published_at(beacon_on, r - 1) < opens
    late = opens + dt.timedelta(minutes=5)  # a window created after it opened
    r2 = beacon.future_round(beacon_on, opens_at=opens, now=late)
    assert beacon.published_at(beacon_on, r2) > late


def _drawn() -> SelectionRight:
    released_pool()
    right = grant()
    services.draw_make(acting=services.Acting(STAFF, "online"), right=right)
    return right


def _verify(capsys: Any, right: SelectionRight) -> tuple[int, str]:
    code = cli.main(["plates", "verify", str(right.public_id), "1"])
    return code, capsys.readouterr().out


def test_draw_mixes_the_round_and_verifies(
    at_t0: Any, beacon_on: beacon.BeaconConfig, capsys: Any
) -> None:
    right = _drawn()
    window = DrawWindow.objects.get()
    assert window.beacon_round is not None and window.beacon_randomness
    assert beacon.published_at(beacon_on, window.beacon_round) > window.created_at
    seed = bytes.fromhex(
        services.crypto.decrypt(bytes(window.seed_enc), context=services.SEED_CONTEXT)
    )
    draw = right.draws.get()
    plain = algo.candidates(
        seed=seed,
        right_id=str(right.public_id),
        attempt=1,
        batch_hashes=draw.batch_hashes,
        snapshot_hash=draw.snapshot_hash,
        available=algo.snapshot(
            [
                n
                for b in NumberPool.objects.get().batches.all()
                for n in b.numbers.values_list("number", flat=True)
            ],
            draw.taken,
        ),
        count=draw.count,
    )
    assert plain != draw.candidates  # the beacon changed the draw
    with clock.frozen(T0 + dt.timedelta(days=1)):
        services.windows_reveal_due(actor=STAFF)
    code, out = _verify(capsys, right)
    assert code == 0 and "beacon round" in out, out
    r = Client().get(f"/api/v1/plates/draws/{right.public_id}/1")
    assert r.status_code == 200 and r.json()["verified"] is True
    assert r.json()["draw"]["window"]["beacon_round"] == window.beacon_round
    page = Client().get(f"/plates/verify/?right={right.public_id}&attempt=1").content.decode()
    assert 'data-testid="beacon"' in page and window.beacon_randomness in page


def test_tampered_beacon_value_fails(
    at_t0: Any, beacon_on: beacon.BeaconConfig, capsys: Any
) -> None:
    right = _drawn()
    with clock.frozen(T0 + dt.timedelta(days=1)):
        services.windows_reveal_due(actor=STAFF)
    window = DrawWindow.objects.get()
    good = window.beacon_randomness
    DrawWindow.objects.filter(pk=window.pk).update(beacon_randomness="ab" * 32)
    code, out = _verify(capsys, right)
    assert code == 1 and "beacon_randomness_mismatch" in out and "candidates_mismatch" in out
    assert window.beacon_round is not None
    other = sandbox_beacon.beacon_round(window.beacon_round + 1)  # a real round, the wrong one
    DrawWindow.objects.filter(pk=window.pk).update(
        beacon_randomness=other["randomness"], beacon_signature=other["signature"]
    )
    code, out = _verify(capsys, right)
    assert code == 1 and "beacon_signature_invalid" in out
    DrawWindow.objects.filter(pk=window.pk).update(beacon_randomness=good)


def test_unknown_beacon_key_fails(at_t0: Any, beacon_on: Any, settings: Any, capsys: Any) -> None:
    right = _drawn()
    with clock.frozen(T0 + dt.timedelta(days=1)):
        services.windows_reveal_due(actor=STAFF)
    settings.PLATES_BEACON = None
    code, out = _verify(capsys, right)
    assert code == 1 and "beacon_key_unknown" in out


def test_round_not_yet_published_refuses_the_draw(beacon_on: Any) -> None:
    future = dt.datetime(2099, 6, 1, 2, 0, tzinfo=dt.UTC)
    with clock.frozen(future):
        released_pool()
        right = grant()
        with pytest.raises(DomainError) as exc:
            services.draw_make(acting=services.Acting(STAFF, "online"), right=right)
        assert exc.value.code == "beacon_pending"
        assert right.draws.count() == 0


def test_without_beacon_windows_commit_to_none(at_t0: Any) -> None:
    _drawn()
    assert DrawWindow.objects.get().beacon_round is None


def test_sandbox_beacon_protocol(beacon_on: Any) -> None:
    from jiaoguan.partners.client import PartnerClient

    client = PartnerClient("beacon")
    info = client.request("GET", "/beacon/info")
    assert info.status == 200 and info.data["public_key"] == beacon_on.public_key
    for bad in ("0", "abc", "-1"):
        answer = client.request("GET", f"/beacon/public/{bad}")
        assert answer.status == 400 and answer.data["error"] == "bad_round"
    assert client.request("GET", "/beacon/public/1/extra").status == 404
