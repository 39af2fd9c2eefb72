"""The authorization server's endpoints under ``/oauth/`` (django-oauth-toolkit's views, with
jiaoguan's consent page at ``authorize/``): token, RFC 7009 revocation, OIDC discovery, JWKS and
userinfo. The resource server is jiaoguan itself, so there is no introspection endpoint; apps
are registered by staff (no dynamic registration, no self-service application management)."""

from django.urls import path, re_path
from oauth2_provider import views as dot

from jiaoguan.oauth.views import ConsentView, RevokeTokenView, TokenView

app_name = "oauth2_provider"  # django-oauth-toolkit reverses its own names in this namespace
urlpatterns = [
    path("authorize/", ConsentView.as_view(), name="authorize"),
    path("token/", TokenView.as_view(), name="token"),
    path("revoke_token/", RevokeTokenView.as_view(), name="revoke-token"),
    re_path(
        r"^\.well-known/openid-configuration/?$",
        dot.ConnectDiscoveryInfoView.as_view(),
        name="oidc-connect-discovery-info",
    ),
    path(".well-known/jwks.json", dot.JwksInfoView.as_view(), name="jwks-info"),
    path("userinfo/", dot.UserInfoView.as_view(), name="user-info"),
]
