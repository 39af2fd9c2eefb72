from django.urls import path

from jiaoguan.platforms import views

app_name = "platforms"
urlpatterns = [
    path("portal/shares/", views.shares, name="shares"),
    path("portal/shares/<uuid:public_id>/", views.share_detail, name="share_detail"),
    path("portal/shares/<uuid:public_id>/revoke/", views.share_revoke, name="share_revoke"),
    path("portal/authorisations/", views.authorisations, name="authorisations"),
    path(
        "portal/authorisations/<uuid:consent_ref>/withdraw/",
        views.authorisation_withdraw,
        name="withdraw",
    ),
    path("portal/access/", views.access, name="access"),
    path("share/", views.share_enter, name="share_enter"),
    path("share/<str:code>/", views.share_public, name="share"),
]
