from django.urls import path

from jiaoguan.violations import views

app_name = "violations"
urlpatterns = [
    path("portal/violations/", views.portal, name="portal"),
    path("console/violations/", views.console, name="console"),
]
