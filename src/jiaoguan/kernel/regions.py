"""Administrative divisions (GB/T 2260) and their plate characters.

Source: DOMAIN.md §10 (province codes and plate characters, from ``icarus-go/util``
``cstring/constant/province.go``, ``Priest-seeker/TRAVELER`` and ``lawliet467/js-utils``
``regexp/isCarNum.js``) [secondary, well known].

* Every province-level division is present: the 31 mainland provinces, autonomous regions
  and municipalities, plus 71 (Taiwan), 81 (Hong Kong) and 82 (Macau), which have no plate
  character of their own.
* The demo province is Jiangsu (32). All 13 prefecture-level cities (3201 南京 … 3213 宿迁)
  are listed, each with several of its current county-level divisions (6-digit GB/T 2260
  codes) so that realistic ID numbers can be generated. Other provinces are listed at
  province level only: :func:`region` answers ``None`` for their cities and counties, which
  means "not in our table", not "does not exist".
* Plates use 贵, 云, 川, 陕 and 甘 where the administrative abbreviations are 黔, 滇, 蜀/川,
  秦/陕 and 陇/甘 (DOMAIN.md §3.1, §10 pitfall).
* Plate prefixes of the Jiangsu cities (苏A 南京 … 苏N 宿迁) are the issuing-authority
  letters in common use [secondary, well known].

Scope codes (for :func:`contains`) are 2-, 4- or 6-digit prefixes: ``"32"`` is Jiangsu,
``"3201"`` Nanjing, ``"320102"`` Xuanwu District.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

CITATION = "GB/T 2260; DOMAIN.md §10"
PLATE_CITATION = "GA 36-2018; DOMAIN.md §3.1, §10"

Level = Literal["province", "city", "county"]


@dataclass(frozen=True)
class Region:
    """One administrative division. ``parent`` is the code one level up (None for provinces)."""

    code: str
    name_zh: str
    name_en: str
    level: Level
    parent: str | None = None

    @property
    def province_code(self) -> str:
        return self.code[:2]


@dataclass(frozen=True)
class Province(Region):
    """A province-level division with its plate character and administrative abbreviation."""

    plate_char: str | None = None
    abbreviation: str = ""


# code, name_zh, name_en, plate character (None: no mainland plate), administrative abbreviation
_PROVINCES: tuple[tuple[str, str, str, str | None, str], ...] = (
    ("11", "北京市", "Beijing", "京", "京"),
    ("12", "天津市", "Tianjin", "津", "津"),
    ("13", "河北省", "Hebei", "冀", "冀"),
    ("14", "山西省", "Shanxi", "晋", "晋"),
    ("15", "内蒙古自治区", "Inner Mongolia", "蒙", "蒙"),
    ("21", "辽宁省", "Liaoning", "辽", "辽"),
    ("22", "吉林省", "Jilin", "吉", "吉"),
    ("23", "黑龙江省", "Heilongjiang", "黑", "黑"),
    ("31", "上海市", "Shanghai", "沪", "沪"),
    ("32", "江苏省", "Jiangsu", "苏", "苏"),
    ("33", "浙江省", "Zhejiang", "浙", "浙"),
    ("34", "安徽省", "Anhui", "皖", "皖"),
    ("35", "福建省", "Fujian", "闽", "闽"),
    ("36", "江西省", "Jiangxi", "赣", "赣"),
    ("37", "山东省", "Shandong", "鲁", "鲁"),
    ("41", "河南省", "Henan", "豫", "豫"),
    ("42", "湖北省", "Hubei", "鄂", "鄂"),
    ("43", "湖南省", "Hunan", "湘", "湘"),
    ("44", "广东省", "Guangdong", "粤", "粤"),
    ("45", "广西壮族自治区", "Guangxi", "桂", "桂"),
    ("46", "海南省", "Hainan", "琼", "琼"),
    ("50", "重庆市", "Chongqing", "渝", "渝"),
    ("51", "四川省", "Sichuan", "川", "川"),
    ("52", "贵州省", "Guizhou", "贵", "黔"),
    ("53", "云南省", "Yunnan", "云", "滇"),
    ("54", "西藏自治区", "Xizang (Tibet)", "藏", "藏"),
    ("61", "陕西省", "Shaanxi", "陕", "陕"),
    ("62", "甘肃省", "Gansu", "甘", "甘"),
    ("63", "青海省", "Qinghai", "青", "青"),
    ("64", "宁夏回族自治区", "Ningxia", "宁", "宁"),
    ("65", "新疆维吾尔自治区", "Xinjiang", "新", "新"),
    ("71", "台湾省", "Taiwan", None, "台"),
    ("81", "香港特别行政区", "Hong Kong", None, "港"),
    ("82", "澳门特别行政区", "Macau", None, "澳"),
)

#: Administrative abbreviations that are NOT used on plates, mapped to the plate character
#: (DOMAIN.md §10 pitfall: 黔→贵, 滇→云, and the alternative names 蜀→川, 秦→陕, 陇→甘).
ADMIN_ABBREVIATIONS_NOT_ON_PLATES: dict[str, str] = {
    "黔": "贵",
    "滇": "云",
    "蜀": "川",
    "秦": "陕",
    "陇": "甘",
}

# Jiangsu prefecture-level cities: code, name_zh, name_en, plate letter.
_JIANGSU_CITIES: tuple[tuple[str, str, str, str], ...] = (
    ("3201", "南京市", "Nanjing", "A"),
    ("3202", "无锡市", "Wuxi", "B"),
    ("3203", "徐州市", "Xuzhou", "C"),
    ("3204", "常州市", "Changzhou", "D"),
    ("3205", "苏州市", "Suzhou", "E"),
    ("3206", "南通市", "Nantong", "F"),
    ("3207", "连云港市", "Lianyungang", "G"),
    ("3208", "淮安市", "Huai'an", "H"),
    ("3209", "盐城市", "Yancheng", "J"),
    ("3210", "扬州市", "Yangzhou", "K"),
    ("3211", "镇江市", "Zhenjiang", "L"),
    ("3212", "泰州市", "Taizhou", "M"),
    ("3213", "宿迁市", "Suqian", "N"),
)

# Jiangsu county-level divisions (current GB/T 2260 codes): code, name_zh, name_en.
_JIANGSU_COUNTIES: tuple[tuple[str, str, str], ...] = (
    # 3201 南京市
    ("320102", "玄武区", "Xuanwu District"),
    ("320104", "秦淮区", "Qinhuai District"),
    ("320105", "建邺区", "Jianye District"),
    ("320106", "鼓楼区", "Gulou District"),
    ("320111", "浦口区", "Pukou District"),
    ("320113", "栖霞区", "Qixia District"),
    ("320114", "雨花台区", "Yuhuatai District"),
    ("320115", "江宁区", "Jiangning District"),
    ("320116", "六合区", "Luhe District"),
    ("320117", "溧水区", "Lishui District"),
    ("320118", "高淳区", "Gaochun District"),
    # 3202 无锡市
    ("320205", "锡山区", "Xishan District"),
    ("320206", "惠山区", "Huishan District"),
    ("320211", "滨湖区", "Binhu District"),
    ("320213", "梁溪区", "Liangxi District"),
    ("320214", "新吴区", "Xinwu District"),
    ("320281", "江阴市", "Jiangyin"),
    ("320282", "宜兴市", "Yixing"),
    # 3203 徐州市
    ("320302", "鼓楼区", "Gulou District"),
    ("320303", "云龙区", "Yunlong District"),
    ("320305", "贾汪区", "Jiawang District"),
    ("320311", "泉山区", "Quanshan District"),
    ("320312", "铜山区", "Tongshan District"),
    ("320321", "丰县", "Feng County"),
    ("320322", "沛县", "Pei County"),
    ("320324", "睢宁县", "Suining County"),
    ("320381", "新沂市", "Xinyi"),
    ("320382", "邳州市", "Pizhou"),
    # 3204 常州市
    ("320402", "天宁区", "Tianning District"),
    ("320404", "钟楼区", "Zhonglou District"),
    ("320411", "新北区", "Xinbei District"),
    ("320412", "武进区", "Wujin District"),
    ("320413", "金坛区", "Jintan District"),
    ("320481", "溧阳市", "Liyang"),
    # 3205 苏州市
    ("320505", "虎丘区", "Huqiu District"),
    ("320506", "吴中区", "Wuzhong District"),
    ("320507", "相城区", "Xiangcheng District"),
    ("320508", "姑苏区", "Gusu District"),
    ("320509", "吴江区", "Wujiang District"),
    ("320581", "常熟市", "Changshu"),
    ("320582", "张家港市", "Zhangjiagang"),
    ("320583", "昆山市", "Kunshan"),
    ("320585", "太仓市", "Taicang"),
    # 3206 南通市
    ("320612", "通州区", "Tongzhou District"),
    ("320613", "崇川区", "Chongchuan District"),
    ("320614", "海门区", "Haimen District"),
    ("320623", "如东县", "Rudong County"),
    ("320681", "启东市", "Qidong"),
    ("320682", "如皋市", "Rugao"),
    ("320685", "海安市", "Hai'an"),
    # 3207 连云港市
    ("320703", "连云区", "Lianyun District"),
    ("320706", "海州区", "Haizhou District"),
    ("320707", "赣榆区", "Ganyu District"),
    ("320722", "东海县", "Donghai County"),
    ("320723", "灌云县", "Guanyun County"),
    ("320724", "灌南县", "Guannan County"),
    # 3208 淮安市
    ("320803", "淮安区", "Huai'an District"),
    ("320804", "淮阴区", "Huaiyin District"),
    ("320812", "清江浦区", "Qingjiangpu District"),
    ("320813", "洪泽区", "Hongze District"),
    ("320826", "涟水县", "Lianshui County"),
    ("320830", "盱眙县", "Xuyi County"),
    ("320831", "金湖县", "Jinhu County"),
    # 3209 盐城市
    ("320902", "亭湖区", "Tinghu District"),
    ("320903", "盐都区", "Yandu District"),
    ("320904", "大丰区", "Dafeng District"),
    ("320921", "响水县", "Xiangshui County"),
    ("320922", "滨海县", "Binhai County"),
    ("320923", "阜宁县", "Funing County"),
    ("320924", "射阳县", "Sheyang County"),
    ("320925", "建湖县", "Jianhu County"),
    ("320981", "东台市", "Dongtai"),
    # 3210 扬州市
    ("321002", "广陵区", "Guangling District"),
    ("321003", "邗江区", "Hanjiang District"),
    ("321012", "江都区", "Jiangdu District"),
    ("321023", "宝应县", "Baoying County"),
    ("321081", "仪征市", "Yizheng"),
    ("321084", "高邮市", "Gaoyou"),
    # 3211 镇江市
    ("321102", "京口区", "Jingkou District"),
    ("321111", "润州区", "Runzhou District"),
    ("321112", "丹徒区", "Dantu District"),
    ("321181", "丹阳市", "Danyang"),
    ("321182", "扬中市", "Yangzhong"),
    ("321183", "句容市", "Jurong"),
    # 3212 泰州市
    ("321202", "海陵区", "Hailing District"),
    ("321203", "高港区", "Gaogang District"),
    ("321204", "姜堰区", "Jiangyan District"),
    ("321281", "兴化市", "Xinghua"),
    ("321282", "靖江市", "Jingjiang"),
    ("321283", "泰兴市", "Taixing"),
    # 3213 宿迁市
    ("321302", "宿城区", "Sucheng District"),
    ("321311", "宿豫区", "Suyu District"),
    ("321322", "沭阳县", "Shuyang County"),
    ("321323", "泗阳县", "Siyang County"),
    ("321324", "泗洪县", "Sihong County"),
)

PROVINCES: dict[str, Province] = {
    code: Province(
        code=code,
        name_zh=zh,
        name_en=en,
        level="province",
        parent=None,
        plate_char=plate,
        abbreviation=abbr,
    )
    for code, zh, en, plate, abbr in _PROVINCES
}

_BY_PLATE_CHAR: dict[str, Province] = {
    p.plate_char: p for p in PROVINCES.values() if p.plate_char is not None
}

#: The 31 plate province characters, in GB/T 2260 order.
PLATE_CHARS: tuple[str, ...] = tuple(_BY_PLATE_CHAR)

CITIES: dict[str, Region] = {
    code: Region(code=code, name_zh=zh, name_en=en, level="city", parent=code[:2])
    for code, zh, en, _letter in _JIANGSU_CITIES
}

COUNTIES: dict[str, Region] = {
    code: Region(code=code, name_zh=zh, name_en=en, level="county", parent=code[:4])
    for code, zh, en in _JIANGSU_COUNTIES
}

_PLATE_LETTER_BY_CITY: dict[str, str] = {code: letter for code, *_rest, letter in _JIANGSU_CITIES}
_CITY_BY_PLATE_PREFIX: dict[str, str] = {
    f"{PROVINCES[code[:2]].plate_char}{letter}": code
    for code, letter in _PLATE_LETTER_BY_CITY.items()
}


def province(code2: str) -> Province | None:
    """The province-level division with 2-digit code ``code2`` (None if unknown)."""
    return PROVINCES.get(code2)


def province_by_plate_char(ch: str) -> Province | None:
    """The province whose plate character is ``ch`` (None for 黔, 滇 and anything else)."""
    return _BY_PLATE_CHAR.get(ch)


def region(code: str) -> Region | None:
    """Any division in the table by its 2-, 4- or 6-digit code (None if not in the table).

    A 6-digit code ending in ``0000`` is read as its province and one ending in ``00`` as its
    city, as GB/T 2260 writes them (``320000`` = Jiangsu, ``320100`` = Nanjing).
    """
    if len(code) == 6 and code.isdigit():
        if code.endswith("0000"):
            return PROVINCES.get(code[:2])
        if code.endswith("00"):
            return CITIES.get(code[:4])
        return COUNTIES.get(code)
    if len(code) == 4:
        return CITIES.get(code)
    if len(code) == 2:
        return PROVINCES.get(code)
    return None


def cities_of(province_code: str) -> list[Region]:
    """The prefecture-level cities of a province that are in the table, by code."""
    return sorted((c for c in CITIES.values() if c.parent == province_code), key=lambda r: r.code)


def counties_of(city_code: str) -> list[Region]:
    """The county-level divisions of a city that are in the table, by code."""
    return sorted((c for c in COUNTIES.values() if c.parent == city_code), key=lambda r: r.code)


def _strip_scope(code: str) -> str:
    """``320000`` → ``32``, ``320100`` → ``3201``; other codes unchanged."""
    if len(code) == 6 and code.isdigit():
        if code.endswith("0000"):
            return code[:2]
        if code.endswith("00"):
            return code[:4]
    return code


def contains(scope_code: str, region_code: str) -> bool:
    """Whether the division ``scope_code`` (2/4/6-digit prefix) contains ``region_code``.

    Prefix semantics: ``"32"`` contains ``"3201"`` and ``"320102"``; a division contains
    itself. Codes must be digits of length 2, 4 or 6; anything else contains nothing.
    """
    scope = _strip_scope(scope_code)
    target = _strip_scope(region_code)
    if len(scope) not in (2, 4, 6) or not scope.isdigit():
        return False
    if len(target) not in (2, 4, 6) or not target.isdigit():
        return False
    return target.startswith(scope)


def plate_prefix(city_code: str) -> str:
    """The plate prefix (province character + issuing-authority letter) of a city.

    Only the Jiangsu cities are in the table: ``plate_prefix("3201") == "苏A"``.
    Raises KeyError for a city not in the table.
    """
    code = _strip_scope(city_code)
    letter = _PLATE_LETTER_BY_CITY[code]
    plate_char = PROVINCES[code[:2]].plate_char
    assert plate_char is not None
    return plate_char + letter


def city_by_plate_prefix(prefix: str) -> Region | None:
    """The city whose plate prefix is ``prefix`` (``"苏A"`` → Nanjing), if in the table."""
    code = _CITY_BY_PLATE_PREFIX.get(prefix)
    return CITIES.get(code) if code is not None else None
