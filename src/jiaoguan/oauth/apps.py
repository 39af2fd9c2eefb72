from django.apps import AppConfig


class OauthConfig(AppConfig):
    name = "jiaoguan.oauth"
    label = "jgoauth"
    verbose_name = "Third-party apps (OAuth 2.0 / OIDC provider)"
