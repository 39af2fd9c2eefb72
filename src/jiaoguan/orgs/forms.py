from django import forms
from django.utils.translation import gettext_lazy as _

from jiaoguan.orgs.constants import OrgKind


class ApplyForm(forms.Form):
    uscc = forms.CharField(
        label=_("Unified social credit code"),
        max_length=18,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
    kind = forms.ChoiceField(label=_("Kind of organisation"), choices=OrgKind.choices)


class SignForm(forms.Form):
    admin_username = forms.CharField(label=_("Administrator username"), max_length=64)
    admin_password = forms.CharField(
        label=_("Administrator password"), widget=forms.PasswordInput, max_length=128
    )


class StaffForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=64)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput, max_length=128)
    first_name = forms.CharField(label=_("Name"), max_length=150, required=False)
