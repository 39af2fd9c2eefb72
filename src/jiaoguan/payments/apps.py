from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "jiaoguan.payments"
    label = "payments"
    verbose_name = "Payments"
