from django.urls import path

from jiaoguan.exams import views

app_name = "exams"
urlpatterns = [
    path("portal/exams/", views.portal, name="portal"),
    path("portal/exams/book/", views.book, name="book"),
    path("portal/exams/<uuid:booking_id>/cancel/", views.cancel, name="cancel"),
    path(
        "portal/exams/applications/<uuid:application_id>/relocate/",
        views.relocate,
        name="relocate",
    ),
    path("exam-site/", views.desk, name="desk"),
    path("exam-site/bookings/<uuid:booking_id>/check-in/", views.desk_check_in, name="check_in"),
    path("exam-site/bookings/<uuid:booking_id>/result/", views.desk_result, name="result"),
    path("console/exams/", views.console, name="console"),
]
