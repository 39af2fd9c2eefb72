from django.urls import path

from jiaoguan.documents import views

app_name = "documents"
urlpatterns = [
    path(".well-known/jwks.json", views.jwks, name="jwks"),
    path("verify/", views.verify_page, name="verify"),
]
