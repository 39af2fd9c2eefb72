from django.apps import AppConfig


class PlatesConfig(AppConfig):
    name = "jiaoguan.plates"
    label = "plates"
    verbose_name = "Plate selection"
