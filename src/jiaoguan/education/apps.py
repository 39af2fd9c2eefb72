from django.apps import AppConfig


class EducationConfig(AppConfig):
    name = "jiaoguan.education"
    label = "education"
    verbose_name = "Safety education online"
