from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "jiaoguan.cases"
    label = "cases"
    verbose_name = "Cases"

    def ready(self) -> None:
        from jiaoguan.cases.services import on_fee_paid
        from jiaoguan.payments import purposes

        purposes.register(PURPOSE_PREFIX, on_fee_paid)


PURPOSE_PREFIX = "application:"
