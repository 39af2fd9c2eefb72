from django import forms
from django.utils.translation import gettext_lazy as _


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Plate number, VIN or ID number"), max_length=32)
    purpose = forms.CharField(
        label=_("Purpose of this search"), max_length=200, initial=_("Counter business")
    )


class LoginForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=64)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput, max_length=128)


class OtpForm(forms.Form):
    code = forms.CharField(
        label=_("One-time code"),
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class RegisterForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=64)
    name = forms.CharField(label=_("Full name"), max_length=64)
    id_number = forms.CharField(label=_("Resident ID number"), max_length=20)
    phone = forms.CharField(label=_("Mobile phone"), max_length=20)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput, max_length=128)
