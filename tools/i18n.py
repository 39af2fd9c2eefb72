"""Fill and check the Simplified Chinese catalogue (src/jiaoguan/locale/zh_Hans).

    python tools/i18n.py fill    write the translations below into django.po
    python tools/i18n.py check   exit 1 if any message lacks a translation

Source strings are English (Django's convention); zh-hans is the default language, so every
string a page shows must be here. ``make messages`` runs makemessages, fill and compilemessages.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

PO = Path(__file__).resolve().parents[1] / "src/jiaoguan/locale/zh_Hans/LC_MESSAGES/django.po"

ZH = {
    "Citizen": "群众",
    "Staff": "工作人员",
    "Partner system": "合作方系统",
    "SMS code": "短信验证码",
    "Authenticator code": "动态口令",
    "Sign in": "登录",
    "Next": "下一步",
    "No account yet? Register with your real name": "还没有账户？实名注册",
    "One-time code": "验证码",
    "We sent a 6-digit code by SMS to the phone on record.": "我们已向您登记的手机发送6位短信验证码。",
    "Enter the 6-digit code from your authenticator.": "请输入动态口令器上的6位数字。",
    "Demo: the current code is": "演示环境：当前动态口令为",
    "Demo: SMS messages are printed by the sandbox": "演示环境：短信由模拟平台输出",
    "Register with your real name": "实名注册",
    "Your name and ID number are checked with the identity platform once; you will not type "
    "them again.": "您的姓名和身份证明号码仅需经身份认证平台核验一次，此后无需再次填写。",
    "Register": "注册",
    "Your account is open": "账户已开通",
    "Your identity was verified. You can now sign in.": "您的身份已核验，现在可以登录。",
    "Male": "男",
    "Female": "女",
    "Resident ID card": "居民身份证",
    "Residence permit (Hong Kong)": "港澳台居民居住证（香港）",
    "Residence permit (Macau)": "港澳台居民居住证（澳门）",
    "Residence permit (Taiwan)": "港澳台居民居住证（台湾）",
    "Vehicle administration office": "车辆管理所",
    "County vehicle office": "县级车管所",
    "Township service point": "乡镇交管服务站",
    "Car dealer": "汽车销售企业",
    "Used-car market": "二手车交易市场",
    "Insurer": "保险公司",
    "Post office": "邮政网点",
    "Inspection station": "机动车检验机构",
    "Exam site": "考场",
    "Traffic police unit": "交警队",
    "Company": "企业",
    "Small passenger car": "小型载客汽车",
    "Mini passenger car": "微型载客汽车",
    "Medium bus": "中型载客汽车",
    "Large bus": "大型载客汽车",
    "Light truck": "轻型载货汽车",
    "Heavy truck": "重型载货汽车",
    "Trailer": "挂车",
    "Motorcycle": "普通摩托车",
    "Light motorcycle": "轻便摩托车",
    "Non-commercial": "非营运",
    "Commercial": "营运",
    "Petrol": "汽油",
    "Diesel": "柴油",
    "Battery electric": "纯电动",
    "Plug-in hybrid": "插电式混合动力",
    "Fuel cell": "燃料电池",
    "Normal": "正常",
    "Mortgaged": "抵押",
    "Seized": "查封",
    "Deregistered": "注销",
    "In use": "在用",
    "Retired": "已收回",
    "Valid": "有效",
    "Validity": "有效期",
    "Expired": "逾期",
    "Suspended (detained)": "暂扣",
    "Revoked": "吊销",
    "Cancelled": "注销",
    "6 years": "六年",
    "10 years": "十年",
    "Permanent": "长期",
    "The request could not be understood.": "请求无法识别。",
    "You may not open this page.": "您无权访问此页面。",
    "This page does not exist.": "页面不存在。",
    "The input contains a control character (NUL) that no field accepts.": "输入内容含有不允许的控制字符（NUL）。",
    "Something went wrong on our side. Please try again later.": "系统出现问题，请稍后再试。",
    "Plate number, VIN or ID number": "号牌号码、车辆识别代号或身份证明号码",
    "Purpose of this search": "查询用途",
    "Counter business": "窗口业务办理",
    "Username": "用户名",
    "Password": "密码",
    "Full name": "姓名",
    "Resident ID number": "公民身份号码",
    "Mobile phone": "手机号码",
    "Traffic administration services": "交通管理服务",
    "jiaoguan": "交管",
    "Skip to content": "跳到正文",
    "Main": "主导航",
    "My licence and vehicles": "我的驾驶证和车辆",
    "Console": "工作台",
    "Sign out": "退出",
    "jiaoguan is open-source software for traffic administration.": "交管（jiaoguan）是开源的交通管理业务软件。",
    "Scope": "管辖范围",
    "Search": "查询",
    "Every search is recorded with its purpose.": "每次查询及其用途均留痕记录。",
    "Results": "查询结果",
    "Nothing found in your scope.": "在您的管辖范围内未找到记录。",
    "Person": "人员",
    "Recently registered in your scope": "辖区内最近登记的车辆",
    "No records in your scope.": "辖区内暂无记录。",
    "Back to the home page": "返回首页",
    "Vehicle and driving-licence business online, at kiosks, at agent outlets and at the "
    "counter: done once, with your ID card alone.": "车驾管业务网上办、自助办、网点办、窗口办：一次办结，一证即办。",
    "Driving licence": "驾驶证",
    "Classes": "准驾车型",
    "Status": "状态",
    "permanent": "长期",
    "Points this cycle": "本记分周期累积记分",
    "You have no driving licence on record.": "您名下没有驾驶证记录。",
    "My vehicles": "我的车辆",
    "Plate": "号牌号码",
    "Vehicle": "车辆",
    "Registered": "登记日期",
    "You have no vehicles on record.": "您名下没有机动车记录。",
    "Owner": "所有人",
    "Region": "行政区划",
    "A username has 3 to 64 letters, digits or . _ - @": "用户名为3至64位字母、数字或 ._-@",
    "This username is taken": "该用户名已被使用",
    "The name does not match the ID number": "姓名与身份证明号码不一致",
    "The identity platform has no such person": "身份认证平台查无此人",
    "This ID number cannot be used for business": "该身份证明号码不能办理业务",
    "Real-name verification failed": "实名认证未通过",
    "An account is already open for this ID number": "该身份证明号码已开通账户",
    "Too many failed sign-ins: the account is locked for a while. Please try again later": "登录失败次数过多，账户已暂时锁定，请稍后再试",
    "Wrong username or password": "用户名或密码错误",
    "No mobile phone is on record for this account; please visit a service window": "账户未登记手机号码，请到窗口办理",
    "The code has expired; please sign in again": "验证码已失效，请重新登录",
    "The code is not correct": "验证码不正确",
    "The scope must be a 2, 4 or 6 digit region code": "管辖范围应为2、4或6位行政区划代码",
    "A mobile number has 11 digits starting with 1": "手机号码应为以1开头的11位数字",
    "Enter a name (at most 64 characters)": "请填写姓名（不超过64个字）",
    "This ID number is already registered": "该身份证明号码已登记",
    "An address has at most 200 characters": "地址不超过200个字",
    "Unknown kind of organisation": "机构类型不正确",
    "This unified social credit code is already registered": "该统一社会信用代码已登记",
    "A vehicle has exactly one owner": "车辆须有且仅有一个所有人",
    "This VIN is already registered": "该车辆识别代号已登记",
    "This plate number is in use": "该号牌号码已被使用",
    "You may not do this": "无权执行此操作",
    "Give a reason": "请填写原因",
    "A licence is valid for 6 years, 10 years or permanently": "有效期限只能是6年、10年或长期",
    "This person already holds a driving licence": "此人已有驾驶证",
    "You may not search the vehicle and driver records": "无权查询车驾管档案",
    "Say why you are looking at this person's data": "查询个人信息须说明用途",
    "This account is not bound to a verified person": "账户未绑定实名信息",
    "Invalid page cursor": "分页游标不正确",
    "The mobile number is not valid": "手机号码格式不正确",
    "Unknown role: %(roles)s": "角色不正确：%(roles)s",
    "Unknown scope: %(scopes)s": "未知的授权范围：%(scopes)s",
    "Unknown command: %(command)s": "未知操作：%(command)s",
    "The vehicle is %(status)s: this command does not apply": "车辆当前状态为“%(status)s”，不能执行该操作",
    "%(what)s not found": "未找到%(what)s",
    "A page holds 1 to %(max)d rows": "每页条数应为1至%(max)d",
    "%(partner)s did not answer in time. Please try again later.": "%(partner)s响应超时，请稍后再试。",
    "%(partner)s cannot be reached. Please try again later.": "%(partner)s暂时无法访问，请稍后再试。",
    "%(partner)s cannot handle the request now. Please try again later.": "%(partner)s暂时无法处理请求，请稍后再试。",
    "The answer of %(partner)s failed its signature check. Please try again later.": "%(partner)s的应答未通过签名校验，请稍后再试。",
    "The identity platform": "身份认证平台",
    "The SMS gateway": "短信平台",
    "Enter a plate number, a VIN or an ID number": "请输入号牌号码、车辆识别代号或身份证明号码",
    "The search text is too long": "查询内容过长",
    "Not recognised: enter a full plate number, a 17-character VIN or an 18-digit ID number": "无法识别：请输入完整的号牌号码、17位车辆识别代号或18位身份证明号码",
    ": ": "：",
    "VIN": "车辆识别代号",
    # business engine (cases)
    "Online": "网上办理",
    "Self-service kiosk": "自助终端",
    "Service window": "服务窗口",
    "Agent outlet": "代办网点",
    "Identity (verified account or ID card read)": "身份证明（实名账户或读取身份证）",
    "Checked through a data link": "部门联网核查",
    "Uploaded image": "上传图片",
    "Automatic when every check passes": "全部核查通过后自动审核",
    "Reviewed by a person": "人工审核",
    "Draft": "草稿",
    "Submitted": "已提交",
    "Verifying": "核查中",
    "Awaiting payment": "待缴费",
    "Under review": "审核中",
    "Approved": "已批准",
    "In production": "制证中",
    "Ready for pickup": "待领取",
    "Dispatched": "已寄出",
    "Completed": "已办结",
    "Rejected": "不予受理",
    "Returned for correction": "退回补正",
    "Withdrawn": "已撤回",
    "Application": "业务申请",
    "This business is not offered here on this date": "该业务目前在此地不能办理",
    "This business cannot be done through this channel": "该业务不能通过此渠道办理",
    "The application is %(state)s: this command does not apply": "申请当前状态为“%(state)s”，不能执行该操作",
    "Unknown channel": "未知的办理渠道",
    "An outlet application names its outlet": "代办网点申请须注明网点",
    "This outlet is not authorised for this business": "该网点未获授权代办此项业务",
    "These fields cannot be changed: %(f)s": "以下内容不能修改：%(f)s",
    "This application is not awaiting payment": "该申请不在待缴费状态",
    "Apply online": "网上办理",
    "Only your ID card is needed: everything else is looked up or filled in from our records.": "只需身份证：其他材料由系统联网核查或根据档案自动填写。",
    "Business": "业务",
    "Materials": "所需材料",
    "Fee": "费用",
    "Time limit": "办理时限",
    "free": "免费",
    "Start": "开始办理",
    "My applications": "我的业务",
    "Case number": "业务流水号",
    "You have no applications yet.": "您还没有办理过业务。",
    "Due by": "办结期限",
    "%(days)s working days": "%(days)s个工作日",
    "Refused": "不予办理",
    "Legal basis": "法律依据",
    "Check the details we filled in": "请核对系统自动填写的信息",
    "Classes to keep": "保留的准驾车型",
    "Confirm and submit": "确认并提交",
    "Fee to pay": "应缴费用",
    "Reason (required to reject or return)": "原因（不予受理或退回补正时必填）",
    "Approve": "批准",
    "Return for correction": "退回补正",
    "Reject": "不予受理",
    "Checks": "核查结果",
    "Not yet checked.": "尚未核查。",
    "History": "办理记录",
    "Withdraw": "撤回申请",
    "Review queue": "待审核",
    "Oldest submission first.": "按提交时间先后排列。",
    "Nothing waiting.": "暂无待审核业务。",
    "The tax authority": "税务部门",
    "The insurers' platform": "交强险信息平台",
    "The hospital network": "医疗机构体检信息系统",
    "The residence permit system": "居住证信息系统",
    "The VIN is not valid": "车辆识别代号格式不正确",
    "The ID number is not valid": "身份证明号码格式不正确",
    # documents
    "Vehicle driving permit": "机动车行驶证",
    "Vehicle registration certificate": "机动车登记证书",
    "Inspection label (electronic voucher)": "机动车检验合格标志（电子凭证）",
    "Superseded": "已换发失效",
    "Void": "已作废",
    "This is not a document token": "这不是有效的证件核验码",
    "The document was signed with a key that is not published": "该证件的签名密钥未经公布",
    "The signature does not match: the document was altered or forged": "签名不符：证件内容已被篡改或系伪造",
    "Give the fields the document shows": "请提供证件上记载的事项",
    "Invalid field name": "证件事项名称无效",
    "A printed field is a short text or number": "证件事项须为简短文字或数字",
    "Unknown document kind": "未知的证件种类",
    "Say what the document is about": "请说明证件对应的车辆或驾驶证",
    "Invalid document number": "证件编号无效",
    "Too much printed text for the QR code on the document": "证件记载内容过多，无法放入二维码",
    "Give a reason (at most 200 characters)": "请填写原因（不超过200字）",
    "Only a valid document can be voided": "只有有效的证件才能作废",
    "Document not found": "未找到该证件",
    "Verify a document": "证件核验",
    "Paste the code read from the QR code on a driving licence, driving permit, registration certificate or inspection label.": "请粘贴从驾驶证、行驶证、登记证书或检验合格标志上的二维码读取的核验码。",
    "Document code": "证件核验码",
    "Verify": "核验",
    "Authentic and valid": "真实有效",
    "Authentic, but replaced by a newer version: not valid": "证件真实，但已换发新版本：不再有效",
    "Authentic, but declared void: not valid": "证件真实，但已声明作废：不再有效",
    "Authentic signature, but not on record here": "签名真实，但本系统无此证件记录",
    "Document number": "证件编号",
    "Version": "版本",
    "Public keys for offline verification": "离线核验公钥",
    # rule refusals and notices
    "A permanent licence is not renewed": "长期有效的驾驶证无需换证",
    "Renewal opens 90 days before the licence expires": "驾驶证有效期满前90日内方可申请换证",
    "The licence expired more than a year ago and is cancelled": "驾驶证超过有效期一年以上未换证，已被注销",
    "Choose the classes to keep from the licence's classes": "请从驾驶证现有准驾车型中选择保留的车型",
    "A downgrade can only keep classes the licence already allows": "降级只能保留驾驶证已准驾的车型",
    "The classes kept allow the same as the licence today": "所保留的准驾车型与现有驾驶证相同，无需降级",
    "No valid medical certificate found for this person": "未查询到本人有效的身体条件证明",
    "The medical certificate has expired": "身体条件证明已过期",
    "The required image has not been uploaded": "尚未上传所需图片",
    "Messages": "消息",
    "Notice": "消息",
    "A fee order has 1 to 20 items": "一张缴费单包含1至20个收费项目",
    "Alipay": "支付宝",
    "WeChat Pay": "微信支付",
    "The payment sandbox": "支付沙箱",
    "Amount differs from the order": "金额与缴费单不符",
    "An amount is a positive whole number of fen": "金额须为以分计的正整数",
    "Charged more than once: refund the extra charge": "重复扣款：请退还多收款项",
    "Closed": "已关闭",
    "Created": "已创建",
    "Duplicate of an applied payment": "重复通知（已入账）",
    "Item code is required": "请填写收费项目代码",
    "Item name is required": "请填写收费项目名称",
    "No such fee order": "缴费单不存在",
    "No such order": "订单不存在",
    "None": "无",
    "Not paid": "未支付",
    "Paid after the order was closed": "缴费单关闭后才支付",
    "Paid at the provider but not here": "支付机构已收款，本系统未入账",
    "Paid here but not at the provider": "本系统已入账，支付机构未收款",
    "Paid": "已支付",
    "Payment has not been started": "尚未发起支付",
    "Provider callback": "支付机构通知",
    "Provider query": "支付机构查询",
    "Refunded": "已退款",
    "Second charge for a paid order": "已支付缴费单的再次扣款",
    "Signature check failed": "签名校验未通过",
    "Stale answer after payment": "支付后的过期应答",
    "The payment provider answered about another order": "支付机构返回了其他订单的信息",
    "The provider could not be asked": "无法向支付机构查询",
    "The subject is 1 to 127 characters": "缴费事项为1至127个字符",
    "This fee order cannot do that in its present state": "缴费单当前状态不允许此操作",
    "This fee order has already been paid": "该缴费单已支付",
    "This fee order is closed": "该缴费单已关闭",
    "Unknown payment provider": "不支持的支付方式",
    "Unknown to the provider": "支付机构无此交易",
    "You may not see payment reconciliations": "您无权查看支付对账结果",
    # window, review order, catalogue page, payment step, post
    "Urgent need stated by the applicant": "申请人有紧急需要",
    "Elderly or disabled applicant": "老年人或残疾人申请",
    "Correction of an error by this office": "纠正本单位差错",
    "Instruction of a supervisor": "上级指示",
    "Waiting": "等候中",
    "Called to a window": "已叫号",
    "Served": "已办理",
    "Did not come": "过号未到",
    "Older applications are waiting: give the reason for taking this one first": "尚有更早提交的申请在等候：请说明优先办理的原因",
    "Business catalogue": "业务目录",
    "Every version of every business type, with its dates of force and the regions where it applies. Changes are recorded in the audit trail.": "每项业务的各个版本及其施行日期、适用地区。所有变更均在审计日志中留痕。",
    "In force": "施行期间",
    "Regions": "适用地区",
    "Channels": "办理渠道",
    "Review": "审核方式",
    "nationwide": "全国",
    "Scan this payment code with your wallet": "请使用手机钱包扫描付款码",
    "Pay with WeChat Pay": "微信支付",
    "Pay with Alipay": "支付宝支付",
    "I have paid": "我已支付",
    "Taking this case before older ones? Why:": "优先于更早的申请办理？原因：",
    "Application form (PDF)": "申请表（PDF）",
    "Take a ticket": "取号",
    "Please wait until your number is called.": "请留意叫号。",
    "%(n)s people waiting": "%(n)s人等候",
    "Window": "窗口",
    "ID card reader": "身份证阅读器",
    "Call the next ticket": "叫下一个号",
    "Read the ID card": "读取身份证",
    "Today's business": "今日业务",
    "Finish": "办结",
    "Nobody is waiting.": "当前无人等候。",
    "Unknown service hall": "未知的业务大厅",
    "Finish ticket %(t)s first": "请先办结%(t)s号",
    "This ticket is not open at your window": "该号不在您的窗口办理",
    "Put the ID card on the reader": "请将身份证放在阅读器上",
    "The identity platform did not confirm this card": "身份认证平台未能核验该身份证",
    "The ID card reader": "身份证阅读器",
    "The postal service": "邮政寄递服务",
    "The postal address is not valid": "邮寄地址不正确",
    "Electronic document only": "仅电子证件",
    "Pick up at the window": "窗口领取",
    "Delivered by post": "邮政寄递",
    "Choose how the document reaches you": "请选择证件领取方式",
    "Give a postal address": "请填写邮寄地址",
    "How the document reaches you": "证件领取方式",
    "Delivery by post": "邮寄进度",
    "Tracking number": "运单号",
    "Hand the document over": "交付证件",
    "passed": "通过",
    "not passed": "未通过",
    "waiting for the data link": "等待联网核查结果",
    "System": "系统",
    "The demo sandbox": "演示模拟平台",
    "Demo: pay in the sandbox as if the code were scanned with": "演示环境：在模拟平台中模拟扫码支付：",
    "Demo: put the ID card of this ID number on the reader": "演示环境：将此身份证号码的身份证放到阅读器上",
    "Place card": "放置身份证",
    "No compulsory insurance in force for this vehicle": "该车辆没有有效的交强险",
    "This vehicle has no valid inspection label to replace": "该车辆没有可补领的有效检验合格标志",
    "This vehicle has no plates to replace": "该车辆没有可补领的号牌",
    "This value is not valid here": "此处填写的内容不正确",
}


def _more_tables() -> None:
    """Each area may keep its strings in ``tools/zh/<area>.py`` (a dict named ``ZH``), so that
    work on different areas does not edit one table."""
    import importlib.util

    for path in sorted((Path(__file__).resolve().parent / "zh").glob("*.py")):
        spec = importlib.util.spec_from_file_location(f"zh_{path.stem}", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        for msgid, zh in module.ZH.items():
            if ZH.get(msgid, zh) != zh:
                raise SystemExit(f"two translations for {msgid!r}: {ZH[msgid]!r}, {zh!r}")
            ZH[msgid] = zh


_more_tables()

_ENTRY = re.compile(r'msgid ((?:"(?:[^"\\]|\\.)*"\s*)+)msgstr ((?:"(?:[^"\\]|\\.)*"\s*)+)')


def _join(block: str) -> str:
    return "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', block))


def _entries(text: str) -> list[tuple[str, str, re.Match[str]]]:
    return [(_join(m.group(1)), _join(m.group(2)), m) for m in _ENTRY.finditer(text)]


def fill() -> int:
    # The table above is the source of truth: drop makemessages' fuzzy guesses and their
    # "#| previous msgid" lines before filling.
    text = PO.read_text(encoding="utf-8")
    text = re.sub(r"^#\| .*\n", "", text, flags=re.MULTILINE)
    text = text.replace("#, fuzzy, ", "#, ").replace("#, fuzzy\n", "")
    out, pos = [], 0
    for msgid, _old, m in _entries(text):
        if not msgid:
            continue
        zh = ZH.get(msgid, "")
        out.append(text[pos : m.start(2)])
        out.append(f'"{zh}"\n\n')
        pos = m.end(2)
    out.append(text[pos:])
    PO.write_text("".join(out), encoding="utf-8")
    return check()


def check() -> int:
    if "#, fuzzy" in PO.read_text(encoding="utf-8"):
        print("fuzzy entries in the catalogue: run `make messages`", file=sys.stderr)
        return 1
    missing = [
        msgid
        for msgid, msgstr, _m in _entries(PO.read_text(encoding="utf-8"))
        if msgid and not msgstr
    ]
    for msgid in missing:
        print(f"missing zh-hans translation: {msgid!r}", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit({"fill": fill, "check": check}[sys.argv[1]]())
