from django.urls import path

from jiaoguan.web import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("portal/", views.portal, name="portal"),
    path("console/", views.console, name="console"),
]
