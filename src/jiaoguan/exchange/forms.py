from __future__ import annotations

from typing import Any

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


class OnlineStartForm(forms.Form):
    """The owner's own move-out or sale, online (R164 Arts. 18, 27; Art. 74 may send it to a
    counter)."""

    vehicle = forms.ChoiceField(label=_("Vehicle"))
    to_region = forms.CharField(label=_("New region (6-digit code)"), max_length=6, min_length=6)
    kind = forms.ChoiceField(label=_("Kind"), choices=TransferKind.choices)
    buyer_name = forms.CharField(label=_("Buyer's name (sale)"), max_length=64, required=False)
    buyer_id_number = forms.CharField(
        label=_("Buyer's ID number (sale)"), max_length=18, required=False
    )

    def __init__(self, *args: Any, vehicles: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["vehicle"].choices = vehicles  # type: ignore[attr-defined]


class AcceptForm(forms.Form):
    authority = forms.CharField(label=_("Authority prefix of the new number"), max_length=2)


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200)


class ForeignBookForm(forms.Form):
    """Book a station slot for a vehicle registered in another province: the station and
    day (GET shows the free times), the vehicle's facts and the owner's ID number."""

    station = forms.ChoiceField(label=_("Inspection station"))
    date = forms.DateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}))
    home_province = forms.ChoiceField(label=_("Province where the vehicle is registered"))
    plate_number = forms.CharField(label=_("Plate number"), max_length=10)
    vin = forms.CharField(label=_("VIN"), max_length=17)
    vehicle_class = forms.ChoiceField(label=_("Vehicle class"))
    owner_id_number = forms.CharField(label=_("Owner's ID number"), max_length=18)

    def __init__(
        self,
        *args: Any,
        stations: list[tuple[str, str]],
        provinces: list[tuple[str, str]],
        **kw: Any,
    ) -> None:
        from jiaoguan.registry.constants import VehicleClass

        super().__init__(*args, **kw)
        for name, choices in (
            ("station", stations),
            ("home_province", provinces),
            ("vehicle_class", list(VehicleClass.choices)),
        ):
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = choices
