from django import forms

from .models import MONTHS, CallingPolicy


class PolicyForm(forms.ModelForm):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), help_text="Why the policy changes (kept in the history)."
    )

    class Meta:
        model = CallingPolicy
        # Named one by one, so that a column added to the policy is not editable here until someone decides so.
        fields = [
            "monthly_minutes", *(f"bonus_{abbr}" for _, abbr, _ in MONTHS), "per_call_minutes", "call_gap_minutes",
            "reset_day", "calling_hours_start", "calling_hours_end", "list_mode", "screen_codefendants", "list_size",
            "legal_counted_separately", "list_change_interval_days", "review_target_days", "emergency_escalation_hours",
            "staff_two_factor",
        ]
        widgets = {
            "calling_hours_start": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "calling_hours_end": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }

    bonus_fields = [f"bonus_{abbr}" for _, abbr, _ in MONTHS]


class CodeForm(forms.Form):
    """The second-factor step: a code from the authenticator app, or a recovery code."""

    code = forms.CharField(
        max_length=32, strip=True, label="Code",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True,
                                      "spellcheck": "false", "autocapitalize": "off"}),
        help_text="The 6-digit code your authenticator app shows now, or one of your recovery codes.",
    )
