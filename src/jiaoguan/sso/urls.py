from django.urls import path

from jiaoguan.sso import views

app_name = "sso"
urlpatterns = [
    path("start/", views.start_view, name="start"),
    path("callback/", views.callback_view, name="callback"),
    path("backchannel-logout/", views.backchannel_logout_view, name="backchannel_logout"),
]
