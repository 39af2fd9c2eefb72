from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "jiaoguan.documents"
    label = "documents"
    verbose_name = "Documents"
