"""Strings of the platforms app (share codes, consents, access log; issue 4)."""

ZH: dict[str, str] = {
    # share codes
    "Holder's name": "持证人姓名",
    "Licence classes": "准驾车型",
    "Licence valid and not suspended": "驾驶证有效且未被暂扣",
    "Valid until": "有效期至",
    "First issued on": "初次领证日期",
    "Active": "有效",
    "Share revoked": "已撤销",
    "Share expired": "已过期",
    "Revoked on": "撤销时间",
    "Lapsed": "已失效",
    "Given": "已同意",
    "Facts to share": "要分享的信息",
    "Tick at least one fact to share": "请至少勾选一项要分享的信息",
    "Share code": "分享码",
    "Unknown fact": "未知的信息项",
    "You have no driving licence on record to share": "您名下没有可分享的驾驶证",
    "This share code is already revoked": "该分享码已撤销",
    "This share code has already expired": "该分享码已过期",
    "Authorisation": "授权",
    "This authorisation is already withdrawn": "该授权已撤回",
    "Choose at least one kind of data": "请至少选择一类数据",
    "Give a short text (at most %(limit)d characters)": "请填写简短文字（不超过%(limit)d个字符）",
    "Too many wrong share codes. Try again in %(minutes)d minutes.": (
        "错误的分享码尝试次数过多，请%(minutes)d分钟后再试。"
    ),
    "No share code like this. Check the code with the licence holder.": (
        "没有这个分享码，请与持证人核对。"
    ),
    "The holder has revoked this share code.": "持证人已撤销该分享码。",
    "This share code has expired.": "该分享码已过期。",
    "The licence is no longer on record.": "该驾驶证已不在记录中。",
    "A share code has %(n)d letters and digits, for example ABCD-EFGH-JKMN.": (
        "分享码由%(n)d位字母和数字组成，例如 ABCD-EFGH-JKMN。"
    ),
    "Yes": "是",
    "No": "否",
    "Offline check QR code": "离线核验二维码",
    "The share code is revoked. It no longer works.": "分享码已撤销，已无法再使用。",
    "The authorisation is withdrawn.": "授权已撤回。",
    # access log
    "Read your personal record": "查阅了您的个人信息",
    "Opened one of your documents": "查看了您的证件",
    "Read your ID card at a service window": "在业务窗口读取了您的身份证",
    "Checked your driving licence with a share code": "凭分享码核验了您的驾驶证",
    "Read your data": "查阅了您的数据",
    "Licence check by share code": "凭分享码核验驾驶证",
    "Holder of your share code": "您分享码的持有方",
    "Anonymous": "匿名",
    # pages
    "Share a licence check": "分享驾驶证核验",
    "A car-rental desk or an employer can check your driving licence with a share code. They "
    "see only the facts you tick, for %(days)s days, until you revoke the code.": (
        "租车柜台或用人单位可以凭分享码核验您的驾驶证。他们只能看到您勾选的信息，"
        "有效期%(days)s天，您可随时撤销。"
    ),
    "Create share code": "生成分享码",
    "My share codes": "我的分享码",
    "Created on": "创建时间",
    "Facts shared": "分享的信息",
    "Details": "详情",
    "You have not shared your licence yet.": "您还没有分享过驾驶证信息。",
    "My authorisations": "我的授权",
    "Who looked at my data": "谁查看了我的信息",
    "Your share code": "您的分享码",
    "Give this code or link to the desk that checks your licence. Write it down now: it is "
    "shown only this once, we keep only a fingerprint of it.": (
        "请把分享码或链接告诉核验您驾驶证的一方。请现在记下：分享码只显示这一次，系统只保存其指纹。"
    ),
    "Offline check": "离线核验",
    "This QR code carries the chosen facts as they were when you created the code, signed by "
    "the traffic administration. A desk without a connection verifies it against the published "
    "keys (/.well-known/jwks.json); the link above shows the facts as they are now.": (
        "此二维码包含您生成分享码时所选的信息，并由交通管理部门签名。没有网络的核验方可用公布的"
        "公钥（/.well-known/jwks.json）离线核验；上面的链接显示的是当前的实时信息。"
    ),
    "Revoke this share code": "撤销该分享码",
    "Everyone you let see your data, for what and under which legal basis. Each change is kept "
    "as a signed revision, chained so that the history cannot be rewritten.": (
        "您允许谁查看您的数据、用于什么目的、依据什么法律。每次变更都保存为经签名的版本，"
        "并以哈希链相连，历史记录无法被悄悄改写。"
    ),
    "Party": "授权对象",
    "Purpose": "目的",
    "Data": "数据",
    "Withdraw consent": "撤回授权",
    "You have given no authorisations.": "您尚未作出任何授权。",
    "Every time staff, a service outlet, a partner, another government platform or the holder "
    "of your share code read your record, newest first.": (
        "工作人员、服务网点、合作单位、其他政务平台或您分享码的持有方每次查阅您的记录，"
        "按时间从新到旧列出。"
    ),
    "When": "时间",
    "Who": "查阅方",
    "What": "内容",
    "Nobody else has read your record.": "尚无他人查阅您的记录。",
    "Newest": "最新",
    "Older": "更早",
    "Check a driving licence by share code": "凭分享码核验驾驶证",
    "Type the code the licence holder gives you. You will see only the facts they chose to "
    "share.": "请输入持证人提供的分享码。您只能看到持证人选择分享的信息。",
    "Check": "核验",
    "Driving licence check": "驾驶证核验",
    "The licence holder chose to show you these facts. They are read from the record now.": (
        "以下是持证人选择向您展示的信息，均为当前记录中的实时数据。"
    ),
    "Checked at": "核验时间",
    "This share code works until": "分享码有效期至",
}
