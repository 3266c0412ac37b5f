from django import forms

from .services import EXTRA_GRANT_MAX


class ExtraMinutesForm(forms.Form):
    minutes = forms.IntegerField(min_value=1, max_value=EXTRA_GRANT_MAX, help_text="Added to this month's balance.")
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), help_text="Why (kept in the ledger and audit trail).")


class RestrictionForm(forms.Form):
    starts_at = forms.DateTimeField(
        label="Starts", widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="Facility-local time.",
    )
    ends_at = forms.DateTimeField(
        label="Ends", required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="Leave empty for a restriction until lifted.",
    )
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), help_text="The disciplinary finding.")

    def clean(self):
        data = super().clean()
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", "The restriction must end after it starts.")
        return data


class LiftForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), help_text="Why the restriction ends early.")
