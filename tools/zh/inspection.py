"""Strings of the inspection app."""

ZH: dict[str, str] = {
    "The registration date is after the date asked about": "注册登记日期晚于查询日期",
    "Next inspection": "下次检验",
    "label only": "免检，申领标志",
    "on site": "上线检验",
    "overdue": "已逾期",
    "from %(date)s": "自%(date)s起可申领",
    "Inspection due soon": "检验即将到期",
    "Inspection overdue": "检验已逾期",
    "Heading for compulsory scrapping": "临近强制报废",
}
