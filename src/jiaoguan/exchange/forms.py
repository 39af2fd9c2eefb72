from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from jiaoguan.exchange.constants import TransferKind


class MoveOutForm(forms.Form):
    plate = forms.CharField(label=_("Plate number"), max_length=10)
    to_region = forms.CharField(label=_("New region (6-digit code)"), max_length=6, min_length=6)
    kind = forms.ChoiceField(label=_("Kind"), choices=TransferKind.choices)
    buyer_name = forms.CharField(label=_("Buyer's name (sale)"), max_length=64, required=False)
    buyer_id_number = forms.CharField(
        label=_("Buyer's ID number (sale)"), max_length=18, required=False
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class AcceptForm(forms.Form):
    authority = forms.CharField(label=_("Authority prefix of the new number"), max_length=2)


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200)
