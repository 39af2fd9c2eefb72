from django.apps import AppConfig


class ExamsConfig(AppConfig):
    name = "jiaoguan.exams"
    label = "exams"
    verbose_name = "Driving exams"
