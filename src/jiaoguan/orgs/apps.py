from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "jiaoguan.orgs"
    label = "orgs"
    verbose_name = "Organisation accounts"
