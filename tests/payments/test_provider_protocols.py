"""The sandbox providers check the merchant's signatures, and the adapters (through the
official SDKs) check the providers' signatures: a wrong key on either side is caught."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from jiaoguan.kernel.errors import PartnerUnavailable
from jiaoguan.payments.adapters import AlipayAdapter, WeChatPayV3Adapter
from jiaoguan.payments.conf import provider_config
from jiaoguan.payments.models import FeeOrder
from sandbox.paygate import new_key, private_pem, public_pem


def unsaved_order(order_no: str = "JF20260101000000000001") -> FeeOrder:
    return FeeOrder(order_no=order_no, subject="号牌工本费", amount_fen=10000, items=[])


def test_config_comes_from_the_sandbox() -> None:
    wechat, alipay = provider_config("wechat"), provider_config("alipay")
    assert wechat["platform_public_key_id"].startswith("PUB_KEY_ID_")
    assert len(wechat["apiv3_key"]) == 32
    assert "BEGIN PUBLIC KEY" in alipay["alipay_public_key"]
    assert alipay["gateway"].endswith("/gateway.do")


def test_wechat_refuses_an_unsigned_request() -> None:
    base = provider_config("wechat")["base_url"]
    answer = requests.post(
        base + "/v3/pay/transactions/native",
        json={"out_trade_no": "x"},
        headers={"Authorization": 'WECHATPAY2-SHA256-RSA2048 mchid="1900000109",signature="AA=="'},
        timeout=5,
    )
    assert answer.status_code == 401 and answer.json()["code"] == "SIGN_ERROR"


def test_wechat_request_signed_with_another_key_is_refused(settings: Any) -> None:
    config = provider_config("wechat")
    settings.PAYMENTS_WECHATPAY = {**config, "merchant_private_key": private_pem(new_key())}
    with pytest.raises(PartnerUnavailable) as info:
        WeChatPayV3Adapter().create_native_order(unsaved_order(), notify_url="http://x/n")
    assert info.value.code == "partner_error"


def test_wechat_answer_with_a_wrong_platform_key_is_refused(settings: Any) -> None:
    config = provider_config("wechat")
    settings.PAYMENTS_WECHATPAY = {**config, "platform_public_key": public_pem(new_key())}
    with pytest.raises(PartnerUnavailable) as info:
        WeChatPayV3Adapter().create_native_order(unsaved_order(), notify_url="http://x/n")
    assert info.value.code == "partner_bad_signature"


def test_alipay_request_signed_with_another_key_is_refused(settings: Any) -> None:
    config = provider_config("alipay")
    settings.PAYMENTS_ALIPAY = {**config, "app_private_key": private_pem(new_key())}
    with pytest.raises(PartnerUnavailable) as info:
        AlipayAdapter().create_native_order(unsaved_order(), notify_url="http://x/n")
    assert info.value.code == "partner_error"


def test_alipay_answer_with_a_wrong_platform_key_is_refused(settings: Any) -> None:
    config = provider_config("alipay")
    settings.PAYMENTS_ALIPAY = {**config, "alipay_public_key": public_pem(new_key())}
    with pytest.raises(PartnerUnavailable) as info:
        AlipayAdapter().create_native_order(unsaved_order(), notify_url="http://x/n")
    assert info.value.code == "partner_bad_signature"


def test_unknown_trade_is_unknown() -> None:
    for adapter in (WeChatPayV3Adapter(), AlipayAdapter()):
        said = adapter.query(unsaved_order("JF20260101999999999999"))
        assert said.state == "unknown"


def test_provider_down_is_unavailable(settings: Any) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.PAYMENTS_WECHATPAY = {
        **provider_config("wechat"),
        "base_url": f"http://127.0.0.1:{port}",
    }
    settings.PAYMENTS_ALIPAY = {
        **provider_config("alipay"),
        "gateway": f"http://127.0.0.1:{port}/gateway.do",
    }
    for adapter in (WeChatPayV3Adapter(), AlipayAdapter()):
        with pytest.raises(PartnerUnavailable) as info:
            adapter.query(unsaved_order())
        assert info.value.code == "partner_unreachable"
