from django import forms

from .models import Review, WatchEntry

DATE = forms.DateInput(attrs={"type": "date"})


class WatchForm(forms.Form):
    facility = forms.ModelChoiceField(queryset=None, empty_label=None, help_text="Calls at this facility are watched.")
    kind = forms.ChoiceField(choices=WatchEntry.Kind.choices, widget=forms.RadioSelect, label="Watch")
    number = forms.CharField(max_length=40, required=False, label="Telephone number",
                             help_text="When watching a number.")
    register_number = forms.CharField(max_length=32, required=False, label="Inmate's register number",
                                      help_text="When watching an inmate.")
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), help_text="Why (kept in the audit trail).")
    ends_on = forms.DateField(widget=DATE, label="Watch until", help_text="The last day watched (facility's day).")
    review_by = forms.DateField(widget=DATE, required=False, label="Review by",
                                help_text="Leave empty for the policy's default.")

    def __init__(self, *args, facilities=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["facility"].queryset = facilities

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind == WatchEntry.Kind.NUMBER and not (data.get("number") or "").strip():
            self.add_error("number", "Enter the number to watch.")
        if kind == WatchEntry.Kind.INMATE and not (data.get("register_number") or "").strip():
            self.add_error("register_number", "Enter the register number of the inmate to watch.")
        return data


class EndForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), help_text="Why the watch ends early.")


class ReviewForm(forms.Form):
    outcome = forms.ChoiceField(choices=Review.Outcome.choices, widget=forms.RadioSelect, label="Decision")
    review_by = forms.DateField(widget=DATE, required=False, label="Next review by",
                                help_text="Needed to change the date; otherwise the policy's default.")
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), help_text="Why (kept in the audit trail).")


class BlockReviewForm(ReviewForm):
    paperwork = forms.CharField(max_length=255, required=False, label="Paperwork (to end a victim's block)")
    called_party_asked = forms.BooleanField(required=False, label="The called party asked for the end")
