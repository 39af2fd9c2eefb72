from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jiaoguan.inspection.constants import InspectionItem, Outcome


class BookForm(forms.Form):
    """Choose a station and a day; the slot (POST) is one of the free times then shown."""

    station = forms.ChoiceField(label=_("Inspection station"))
    date = forms.DateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, stations: list[tuple[str, str]], **kw: Any) -> None:
        super().__init__(*args, **kw)
        station = self.fields["station"]
        assert isinstance(station, forms.ChoiceField)
        station.choices = stations


class WalkInForm(forms.Form):
    number = forms.CharField(label=_("Plate number or VIN"), max_length=17)


class ResultForm(forms.Form):
    """One pass/fail choice and one "what to fix" text per item examined."""

    inspector = forms.CharField(label=_("Inspector"), max_length=64, required=False)

    def __init__(self, *args: Any, items: list[str], **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.items = items
        labels = dict(InspectionItem.choices)
        for item in items:
            self.fields[item] = forms.ChoiceField(
                label=labels[item],
                choices=Outcome.choices,
                initial=Outcome.PASS,
                widget=forms.RadioSelect,
            )
            self.fields[f"{item}_fix"] = forms.CharField(
                label=_("What to fix"), max_length=200, required=False
            )

    def rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[i], self[f"{i}_fix"]) for i in self.items]

    def result_items(self) -> dict[str, dict[str, str]]:
        return {
            i: {"outcome": self.cleaned_data[i], "fix": self.cleaned_data[f"{i}_fix"]}
            for i in self.items
        }
