from django.urls import path

from jiaoguan.education import views

app_name = "education"
urlpatterns = [
    path("portal/education/", views.portal, name="portal"),
    path("portal/education/<uuid:enrolment_id>/", views.study, name="study"),
    path("portal/education/exam/<uuid:exam_id>/", views.exam, name="exam"),
    path("console/education/", views.console, name="console"),
]
