from django import forms
from django.utils.translation import gettext_lazy as _

from jiaoguan.platforms.constants import ShareFact


class ShareForm(forms.Form):
    facts = forms.MultipleChoiceField(
        label=_("Facts to share"),
        choices=ShareFact.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Tick at least one fact to share")},
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Share code"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
