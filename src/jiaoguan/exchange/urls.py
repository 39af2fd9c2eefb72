from django.urls import path

from jiaoguan.exchange import views

app_name = "exchange"
urlpatterns = [
    path("console/transfers/", views.desk, name="desk"),
    path("console/transfers/<uuid:transfer_id>/", views.detail, name="detail"),
    path("console/transfers/<uuid:transfer_id>/<str:name>/", views.command, name="command"),
    path("portal/transfers/", views.mine, name="mine"),
]
