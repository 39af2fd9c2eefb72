from django.apps import AppConfig


class PlatformsConfig(AppConfig):
    name = "jiaoguan.platforms"
    label = "platforms"
    verbose_name = "Linked government platforms"
