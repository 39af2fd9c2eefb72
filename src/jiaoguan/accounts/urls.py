from django.urls import path

from jiaoguan.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("login/code/", views.otp_view, name="otp"),
    path("register/", views.register_view, name="register"),
    path("logout/", views.logout_view, name="logout"),
]
