from django.urls import path

from jiaoguan.plates import views

app_name = "plates"
urlpatterns = [
    path("portal/plates/", views.portal_rights, name="portal_rights"),
    path("portal/plates/<uuid:right_id>/", views.portal_select, name="portal_select"),
    path("kiosk/plates/", views.kiosk_rights, name="kiosk_rights"),
    path("kiosk/plates/<uuid:right_id>/", views.kiosk_select, name="kiosk_select"),
    path("outlet/plates/", views.dealer_desk, name="dealer"),
    path("outlet/plates/<uuid:right_id>/", views.dealer_select, name="dealer_select"),
    path("console/plates/", views.console, name="console"),
    path("plates/verify/", views.verify, name="verify"),
]
