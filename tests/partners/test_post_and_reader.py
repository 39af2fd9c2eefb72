"""The postal service and the window's ID-card reader, over real HTTP against the sandbox."""

from __future__ import annotations

from typing import Any

import pytest

from jiaoguan.accounts.ports import get_port
from jiaoguan.kernel.errors import PartnerUnavailable
from tests.accounts.test_accounts import sandbox_call


def test_shipment_moves_to_delivered(sandbox_server: Any) -> None:
    post = get_port("post")
    shipment = post.ship(
        reference="case-1",
        name="张三",
        phone="13800000000",
        address="江苏省南京市玄武区中山路1号",
        content="机动车行驶证",
    )
    assert shipment.status == "accepted" and shipment.tracking_no.startswith("EJ")
    for expected in ("in_transit", "out_for_delivery", "delivered", "delivered"):
        sandbox_call(
            sandbox_server,
            "POST",
            "/post/v1/shipments/advance",
            {"tracking_no": shipment.tracking_no},
        )
        assert post.track(tracking_no=shipment.tracking_no).status == expected
    assert len(post.track(tracking_no=shipment.tracking_no).events) == 4


def test_unknown_shipment_is_a_partner_error() -> None:
    with pytest.raises(PartnerUnavailable) as exc:
        get_port("post").track(tracking_no="EJ000000000CN")
    assert exc.value.code == "partner_error"


def test_reader_returns_the_card_or_none(sandbox_server: Any) -> None:
    reader = get_port("idreader")
    assert reader.read(window="w-1") is None
    sandbox_call(
        sandbox_server,
        "POST",
        "/idreader/v1/card",
        {"window": "w-1", "name": "李四", "id_number": "11010519491231002X"},
    )
    card = reader.read(window="w-1")
    assert card is not None and (card.name, card.id_number) == ("李四", "11010519491231002X")
    assert "11010519491231002X" not in repr(card)
    sandbox_call(sandbox_server, "DELETE", "/idreader/v1/card?window=w-1")
    assert reader.read(window="w-1") is None
