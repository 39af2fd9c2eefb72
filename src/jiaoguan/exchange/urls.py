from django.urls import path

from jiaoguan.exchange import views

app_name = "exchange"
urlpatterns = [
    path("console/transfers/", views.desk, name="desk"),
    path("console/transfers/<uuid:transfer_id>/", views.detail, name="detail"),
    path("console/transfers/<uuid:transfer_id>/<str:name>/", views.command, name="command"),
    path("portal/transfers/", views.mine, name="mine"),
    path("portal/inspection/foreign/", views.foreign_book, name="foreign_book"),
    path("station/foreign/", views.station_foreign, name="station_foreign"),
    path(
        "station/foreign/<uuid:appointment_id>/",
        views.station_result,
        name="station_result",
    ),
    path(
        "station/foreign/<uuid:appointment_id>/<str:name>/",
        views.station_foreign_command,
        name="station_foreign_command",
    ),
]
