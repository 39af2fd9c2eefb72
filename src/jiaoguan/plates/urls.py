from django.urls import path

from jiaoguan.plates import views, views_registration

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
    path("portal/plates/register/", views_registration.portal_register, name="portal_register"),
    path("portal/plates/swap/", views_registration.portal_swap, name="portal_swap"),
    path("console/plates/register/", views_registration.console_register, name="console_register"),
    path(
        "console/plates/select/<uuid:right_id>/",
        views_registration.console_select,
        name="console_select",
    ),
    path("console/plates/orders/", views_registration.console_orders, name="console_orders"),
    path("outlet/plates/register/", views_registration.dealer_register, name="dealer_register"),
]
