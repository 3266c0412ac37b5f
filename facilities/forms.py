from django import forms

from .models import CallingPolicy, MONTHS


class PolicyForm(forms.ModelForm):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), help_text="Why the policy changes (kept in the history)."
    )

    class Meta:
        model = CallingPolicy
        exclude = ["facility"]
        widgets = {
            "calling_hours_start": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "calling_hours_end": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }

    bonus_fields = [f"bonus_{abbr}" for _, abbr, _ in MONTHS]
