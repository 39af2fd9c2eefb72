from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "jiaoguan.exchange"
    label = "exchange"
    verbose_name = "Provincial exchange"
