"""The settings page's forms: each parses one action's fields; the view hands the result to one service."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from .models import LeadFeedback, RepContact, ScoringModel


class _Number:
    """A blank number is None; anything else that is not a number is refused naming what was typed."""

    def to_python(self, value):
        raw = "" if value is None else str(value).strip()
        try:
            return super().to_python(raw)
        except ValidationError as exc:
            if exc.code == "invalid":
                raise ValidationError(f"“{raw}” is not a number", code="invalid") from None
            raise


class NumberField(_Number, forms.FloatField):
    pass


class WholeNumberField(_Number, forms.IntegerField):
    pass


class PresentFieldsForm(forms.Form):
    """A form whose `changes()` holds only the fields the request carried: a missing field is left as it is,
    a blank number becomes None."""

    def changes(self) -> dict:
        return {name: value for name, value in self.cleaned_data.items() if name in self.data}


class ScoringSettingsForm(PresentFieldsForm):
    stale_after_days = WholeNumberField(required=False)
    trend_window_days = WholeNumberField(required=False)
    trend_band = NumberField(required=False)
    hysteresis = NumberField(required=False)
    hot_capacity = WholeNumberField(required=False)
    low_confidence_below = NumberField(required=False)


class TierForm(PresentFieldsForm):
    tier = forms.IntegerField()
    lower_bound = NumberField(required=False)
    sla_hours = WholeNumberField(required=False)
    recommended_action = forms.CharField(required=False)
    cadence_days = WholeNumberField(required=False)

    def changes(self) -> dict:
        return {k: v for k, v in super().changes().items() if k != "tier"}


class SignalForm(PresentFieldsForm):
    signal = forms.IntegerField()
    weight = NumberField(required=False)
    points = NumberField(required=False)
    active = forms.BooleanField(required=False)

    def changes(self) -> dict:
        """Weight and points when given (a blank keeps the current value); `active` is the checkbox."""
        fields = {k: v for k, v in super().changes().items() if k in ("weight", "points") and v is not None}
        fields["active"] = self.cleaned_data["active"]
        return fields


class DeployForm(forms.Form):
    model = forms.IntegerField()
    override_reason = forms.CharField(required=False)


class TrainForm(forms.Form):
    kind = forms.ChoiceField(choices=ScoringModel.Kind.choices, required=False)
    model_type = forms.ChoiceField(choices=ScoringModel.ModelType.choices, required=False)
    name = forms.CharField(required=False)

    def clean_kind(self):
        return self.cleaned_data["kind"] or ScoringModel.Kind.LEARNER

    def clean_model_type(self):
        return self.cleaned_data["model_type"] or ScoringModel.ModelType.AUTO

    def clean_name(self):
        return self.cleaned_data["name"].strip() or "Retrained from the pages"


class LeadFeedbackForm(forms.Form):
    verdict = forms.ChoiceField(
        choices=LeadFeedback.Verdict.choices,
        error_messages={
            "required": "Choose “Good lead” or “Bad fit / junk”.",
            "invalid_choice": "Choose “Good lead” or “Bad fit / junk”.",
        },
    )
    reason = forms.CharField(required=False, strip=False)

    def clean_reason(self):
        return self.cleaned_data["reason"][:500]


class RepContactForm(forms.Form):
    """A rep's logged contact: kind, outcome, when (blank: now) and a note."""

    kind = forms.ChoiceField(choices=RepContact.Kind.choices)
    outcome = forms.ChoiceField(choices=RepContact.Outcome.choices)
    occurred_at = forms.DateTimeField(required=False)
    note = forms.CharField(required=False, max_length=2000)

    def clean_occurred_at(self):
        value = self.cleaned_data.get("occurred_at")
        if value is not None and timezone.is_naive(value):
            value = timezone.make_aware(value)
        return value
