from django.apps import AppConfig


class SsoConfig(AppConfig):
    name = "jiaoguan.sso"
    label = "sso"
    verbose_name = "Single sign-on (OpenID Connect relying party)"
