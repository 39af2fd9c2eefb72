from django.urls import path

from jiaoguan.inspection import views

app_name = "inspection"
urlpatterns = [
    path("portal/inspection/", views.mine, name="mine"),
    path("portal/inspection/book/<uuid:vehicle_id>/", views.book, name="book"),
    path("portal/inspection/<uuid:appointment_id>/cancel/", views.cancel, name="cancel"),
    path("station/", views.desk, name="desk"),
    path(
        "station/appointments/<uuid:appointment_id>/<str:command>/",
        views.desk_command,
        name="command",
    ),
    path("station/inspections/<uuid:appointment_id>/", views.result, name="result"),
]
