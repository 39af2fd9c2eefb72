from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "jiaoguan.audit"
    label = "audit"
    verbose_name = "Audit trail"
