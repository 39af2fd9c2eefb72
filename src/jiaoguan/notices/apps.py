from django.apps import AppConfig


class NoticesConfig(AppConfig):
    name = "jiaoguan.notices"
    label = "notices"
    verbose_name = "Notices"
