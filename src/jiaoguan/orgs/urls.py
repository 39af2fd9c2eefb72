from django.urls import path

from jiaoguan.orgs import views

app_name = "orgs"
urlpatterns = [
    path("organisations/", views.applications, name="applications"),
    path("organisations/staff/", views.staff, name="staff"),
    path("organisations/<uuid:public_id>/", views.application, name="application"),
]
