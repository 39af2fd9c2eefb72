from django.urls import path

from jiaoguan.cases import kiosk, views

app_name = "cases"
urlpatterns = [
    path("portal/apply/", views.apply_list, name="apply"),
    path("portal/apply/<slug:code>/", views.apply_start, name="start"),
    path("applications/<uuid:public_id>/", views.detail, name="detail"),
    path("console/review/", views.review_queue, name="review"),
    path("console/window/", views.window_desk, name="window"),
    path("console/catalogue/", views.catalogue_history, name="catalogue"),
    path("hall/<slug:hall>/", views.hall_kiosk, name="hall"),
    path("kiosk/", kiosk.kiosk_screen, name="kiosk"),
    path("kiosk/applications/<uuid:public_id>/", kiosk.kiosk_application, name="kiosk_application"),
    path("kiosk/documents/<uuid:public_id>.pdf", kiosk.kiosk_document, name="kiosk_document"),
    path("outlet/", kiosk.outlet_desk, name="outlet"),
    path(
        "outlet/applications/<uuid:public_id>/", kiosk.outlet_application, name="outlet_application"
    ),
]
