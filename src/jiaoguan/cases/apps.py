from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "jiaoguan.cases"
    label = "cases"
    verbose_name = "Cases"
