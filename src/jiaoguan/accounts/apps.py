from typing import Any

from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate


def _after_migrate(sender: AppConfig, **kwargs: Any) -> None:
    # Setup data, not business rules: the role groups and the audit chain heads. post_migrate
    # fires once per app, and each app's permissions are created in its own turn, so the roles
    # are synced in the last app's turn, when every permission exists.
    # (Django sends post_migrate only for apps that have a models module.)
    with_models = [a for a in apps.get_app_configs() if a.models_module is not None]
    if sender is not with_models[-1]:
        return
    from jiaoguan.accounts.roles import sync_roles
    from jiaoguan.audit.services import ensure_heads

    sync_roles(using=kwargs.get("using", "default"))
    ensure_heads()


class AccountsConfig(AppConfig):
    name = "jiaoguan.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        post_migrate.connect(_after_migrate, dispatch_uid="jiaoguan.accounts.after_migrate")
