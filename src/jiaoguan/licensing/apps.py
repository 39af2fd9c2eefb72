from django.apps import AppConfig


class LicensingConfig(AppConfig):
    name = "jiaoguan.licensing"
    label = "licensing"
    verbose_name = "Licences, exams and scoring"
