from django.apps import AppConfig


class ViolationsConfig(AppConfig):
    name = "jiaoguan.violations"
    label = "violations"
    verbose_name = "Violations and points"

    def ready(self) -> None:
        from jiaoguan.payments import purposes
        from jiaoguan.violations import fee_purpose
        from jiaoguan.violations.services import on_fine_paid

        purposes.register(
            PURPOSE_PREFIX,
            on_fine_paid,
            describe=fee_purpose.describe,
            visible_to=fee_purpose.visible_to,
        )


#: ``FeeOrder.purpose_ref`` of a fine: this prefix and the violation's public id.
PURPOSE_PREFIX = "violation:"
