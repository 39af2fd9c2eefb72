from django.urls import URLPattern, path

from jiaoguan.payments import views

app_name = "payments"
urlpatterns: list[URLPattern] = [
    path("payments/notify/wechat", views.notify_wechat, name="notify_wechat"),
    path("payments/notify/alipay", views.notify_alipay, name="notify_alipay"),
]
