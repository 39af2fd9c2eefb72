from django.apps import AppConfig


class InspectionConfig(AppConfig):
    name = "jiaoguan.inspection"
    label = "inspection"
    verbose_name = "Inspection"
