from django.contrib import admin
from django.urls import include, path

from jiaoguan.api.urls import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("accounts/sso/", include("jiaoguan.sso.urls")),
    path("accounts/", include("jiaoguan.accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("oauth/", include("jiaoguan.oauth.urls")),
    path("", include("jiaoguan.oauth.console_urls")),
    path("", include("jiaoguan.documents.urls")),
    path("", include("jiaoguan.payments.urls")),
    path("", include("jiaoguan.cases.urls")),
    path("", include("jiaoguan.inspection.urls")),
    path("", include("jiaoguan.exchange.urls")),
    path("", include("jiaoguan.platforms.urls")),
    path("", include("jiaoguan.plates.urls")),
    path("", include("jiaoguan.violations.urls")),
    path("", include("jiaoguan.orgs.urls")),
    path("", include("jiaoguan.exams.urls")),
    path("", include("jiaoguan.education.urls")),
    path("", include("jiaoguan.web.urls")),
]

handler400 = "jiaoguan.web.errors.bad_request"
handler403 = "jiaoguan.web.errors.permission_denied"
handler404 = "jiaoguan.web.errors.not_found"
handler500 = "jiaoguan.web.errors.server_error"
