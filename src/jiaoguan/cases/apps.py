from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "jiaoguan.cases"
    label = "cases"
    verbose_name = "Cases"

    def ready(self) -> None:
        from jiaoguan.cases import fee_purpose
        from jiaoguan.cases.services import on_fee_paid
        from jiaoguan.payments import purposes

        purposes.register(
            PURPOSE_PREFIX,
            on_fee_paid,
            describe=fee_purpose.describe,
            visible_to=fee_purpose.visible_to,
        )


PURPOSE_PREFIX = "application:"
