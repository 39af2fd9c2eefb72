"""Inspection anywhere with a booking (全国通检): the citizen's booking page and the station's
pages for vehicles from other provinces."""

ZH: dict[str, str] = {
    "Province where the vehicle is registered": "车辆登记地（省）",
    "Owner's ID number": "机动车所有人身份证明号码",
    "Record a result for a vehicle checked in": "请对已登记检验的车辆录入结果",
    "Only a citizen account may book an inspection": "仅群众账户可以预约检验",
    "This vehicle is registered here: book it from your vehicle's page": (
        "该车辆在本省登记，请在您的车辆页面预约"
    ),
    "Inspect a vehicle from another province": "外省车辆异地检验",
    "A vehicle registered in another province may be inspected at any station here, with no "
    "delegation paperwork (R164 Art. 54; large buses and school buses excepted). Give its "
    "plate, VIN and class and the owner's ID number as the home province holds them: the "
    "result is recorded there only if they match.": (
        "外省登记的机动车可以在本省任一检验机构检验，无需办理委托手续（《机动车登记规定》第54条；"
        "大型载客汽车、校车除外）。请按登记地记载填写号牌号码、车辆识别代号、车辆类型和所有人"
        "身份证明号码：信息一致的，检验结果方记入登记地档案。"
    ),
    "My bookings": "我的预约",
    "No bookings yet.": "暂无预约。",
    "Vehicles from other provinces": "外省车辆",
    "Inspection anywhere (R164 Art. 54): the result is sent to the province where the vehicle "
    "is registered, which records it and issues the label.": (
        "全国通检（《机动车登记规定》第54条）：检验结果发送至车辆登记地，由登记地记录并核发检验标志。"
    ),
    "Province": "省份",
    "No bookings of vehicles from other provinces.": "暂无外省车辆预约。",
    "Results sent to other provinces": "已发送外省的检验结果",
    "Answer": "登记地答复",
    "valid until %(until)s": "有效期至 %(until)s",
    "No results sent yet.": "暂无已发送的结果。",
}
