from django.urls import path

from jiaoguan.oauth import console

app_name = "credentials"
urlpatterns = [
    path("console/partners/", console.partners, name="partners"),
    path("console/partners/<uuid:public_id>/rotate/", console.partner_rotate, name="rotate"),
    path("console/partners/<uuid:public_id>/revoke/", console.partner_revoke, name="revoke"),
    path("console/apps/", console.apps, name="apps"),
    path("console/apps/<uuid:public_id>/disable/", console.app_disable, name="app_disable"),
]
