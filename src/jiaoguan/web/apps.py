from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "jiaoguan.web"
    label = "web"
    verbose_name = "Web pages"
