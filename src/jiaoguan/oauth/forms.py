from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from jiaoguan.accounts.constants import PartnerSector
from jiaoguan.accounts.principal import SCOPE_DESCRIPTIONS
from jiaoguan.oauth.scopes import DATA_SCOPES, SCOPE_LABELS

GRACE_CHOICES = [
    ("0", _("None: refuse the old secret now")),
    ("1", _("1 hour")),
    ("24", _("24 hours")),
    ("72", _("3 days")),
    ("168", _("7 days")),
]


class PartnerForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    sector = forms.ChoiceField(label=_("Kind of partner"), choices=PartnerSector.choices)
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"),
        choices=[(k, f"{k}: {v}") for k, v in SCOPE_DESCRIPTIONS.items()],
        widget=forms.CheckboxSelectMultiple,
    )
    region_scope = forms.CharField(
        label=_("Region (2, 4 or 6 digits of GB/T 2260)"), max_length=6, min_length=2
    )
    rate_per_minute = forms.IntegerField(
        label=_("Requests a minute (0: no limit)"), min_value=0, max_value=1_000_000, initial=600
    )
    cert_sha256 = forms.CharField(
        label=_("Client certificate SHA-256 fingerprint (optional, mutual TLS)"),
        max_length=95,
        required=False,
    )


class RotateForm(forms.Form):
    grace_hours = forms.ChoiceField(
        label=_("The old secret keeps working for"), choices=GRACE_CHOICES, initial="24"
    )


class RevokeForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200)


class AppForm(forms.Form):
    name = forms.CharField(label=_("App name"), max_length=120)
    organisation_name = forms.CharField(label=_("Organisation"), max_length=120)
    purpose = forms.CharField(label=_("Purpose (Chinese, shown to the citizen)"), max_length=200)
    purpose_en = forms.CharField(label=_("Purpose (English)"), max_length=200, required=False)
    redirect_uris = forms.CharField(
        label=_("Redirect addresses (one a line)"), widget=forms.Textarea(attrs={"rows": 3})
    )
    scopes = forms.MultipleChoiceField(
        label=_("Scopes it may ask for"),
        choices=[(s, f"{s}: {SCOPE_LABELS[s]}") for s in DATA_SCOPES],
        widget=forms.CheckboxSelectMultiple,
    )
    rate_per_minute = forms.IntegerField(
        label=_("Requests a minute (0: no limit)"), min_value=0, max_value=1_000_000, initial=600
    )
    public_client = forms.BooleanField(
        label=_("Public client (no secret: a mobile or browser app; PKCE only)"), required=False
    )
