"""Simplified Chinese of the sale to another province, the transfer deadlines and the online
fraud control (exchange/sale.py, exchange/sale_api.py)."""

ZH = {
    "Only a sale to another province hands over plates here": "仅转让给外省买方时在此收回号牌",
    "The plates and permit were already taken back": "号牌和行驶证已收回",
    "Only the owner may do this": "仅机动车所有人可以办理",
    "%(n)d replacements, transfers or moves in %(days)d days: please apply at a vehicle office": (
        "%(days)d日内已补换领、转移或迁出%(n)d次：请到车管所现场办理"
    ),
    "No region": "无辖区",
    "Only the owner applies online": "仅机动车所有人可以网上申请",
    "This vehicle has no plates to return": "该车没有可交回的号牌",
    "Deadlines passed": "已超过办理时限",
    "Take back the plates and the driving permit, and issue the buyer a temporary plate valid 30 days (R164 Art. 27).": "收回号牌和行驶证，并向买方核发有效期30日的临时行驶车号牌（第164号令第27条）。",
    "Plates and permit taken back: issue the temporary plate": "已收回号牌和行驶证：核发临时号牌",
    "Every violation must be handled first (R164 Art. 18). The archive is sealed and sent to the new office; you finish there within 30 days.": "须先处理完毕全部交通违法（第164号令第18条）。档案密封后发送至迁入地车辆管理所，请在30日内到迁入地办理。",
}
