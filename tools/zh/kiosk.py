"""Strings of the self-service kiosk and the outlet agent's pages (cases/kiosk.py)."""

ZH: dict[str, str] = {
    # kiosk
    "Put your ID card on the reader": "请将身份证放在读卡区",
    "Then touch the button. Your card is read, checked with the identity platform, and "
    "forgotten when you finish.": (
        "然后点击下方按钮。身份证信息经身份核验平台核验，办理结束后即清除。"
    ),
    "Read ID card": "读取身份证",
    "Hello, %(name)s": "%(name)s，您好",
    "Touch the business you need": "请点选要办理的业务",
    "No fee": "免费",
    "Nothing can be done for you at this kiosk today: please go to a service window.": (
        "您今天无法在本终端办理业务，请到服务窗口办理。"
    ),
    "Started here": "本次已申请的业务",
    "Finish and take your ID card": "结束办理并取回身份证",
    "Done": "办理完成",
    "Your document is ready: pick it up at a service window.": "证件已制作完成，请到服务窗口领取。",
    "Your document is on its way by post.": "证件将通过邮政寄递给您。",
    "Print the document": "打印证件",
    "Back to the business list": "返回业务列表",
    "This business needs typing: please use a window or go online": (
        "该业务需要输入文字，请到服务窗口或网上办理"
    ),
    "We hold no record for this ID card: please go to a service window": (
        "未查到该身份证的登记信息，请到服务窗口办理"
    ),
    "Unknown action": "未知操作",
    # the prefilled form's fields
    "Name": "姓名",
    "ID number": "身份证明号码",
    "Phone": "联系电话",
    "Address": "住所地址",
    "Plate number": "号牌号码",
    "Term": "有效期限",
    "Inspection valid until": "检验有效期至",
    "Postal address": "邮寄地址",
    # outlet
    "Outlet desk": "网点代办",
    "Applicant": "申请人",
    "How the document reaches the citizen": "证件交付方式",
    "Fee to take": "应收费用",
    "Let the citizen scan this payment code with their wallet": "请群众用手机钱包扫描付款码",
    "Check the payment": "查询缴费结果",
    "The document is ready for pickup at a service window.": "证件已制作完成，可到服务窗口领取。",
    "Document": "证件",
    "This outlet is not authorised for any of this citizen's business: please send them to a "
    "service window.": "本网点无权代办该群众的任何业务，请引导其到服务窗口办理。",
    "Applications handled at this outlet": "本网点代办的业务",
    "None yet.": "暂无。",
    "Read the ID card again": "请重新读取身份证",
}
