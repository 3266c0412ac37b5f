"""Forms of the staff pages. Services do the checking; forms collect input and show field errors."""

from __future__ import annotations

from django import forms

from core.numbers import display_number
from facilities.models import Inmate

from .limits import LEAVE_MAX_LIST_SIZE
from .models import BlockedNumber, CaseParty, CourtCase, DecisionReason, LibraryNumber, Relationship

NUMBERS_HELP = "One number per line (any usual format; US numbers without a country code)."


def split_numbers(text: str) -> list[str]:
    return [line.strip() for line in (text or "").replace(",", "\n").splitlines() if line.strip()]


class InmateByRegisterNumber:
    """A form of one facility (``facility=``) whose ``register_number`` field names an inmate there: cleaned to
    that inmate, or to None when the field is optional and left empty; an unknown number is a field error."""

    def __init__(self, *args, facility=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.facility = facility

    def clean_register_number(self):
        value = self.cleaned_data["register_number"].strip()
        if not value:
            return None
        inmate = Inmate.objects.filter(facility=self.facility, register_number=value).first()
        if inmate is None:
            raise forms.ValidationError(f"No inmate {value} at this facility.")
        return inmate


class EntryAddForm(forms.Form):
    number = forms.CharField(max_length=40, label="Telephone number")
    contact_name = forms.CharField(max_length=200, label="Contact's name")
    relationship = forms.ChoiceField(choices=[("", "— choose —"), *Relationship.choices])
    legal = forms.BooleanField(required=False, label="Attorney (legal calls, not monitored)")
    bar_number = forms.CharField(max_length=32, required=False, label="Bar number")
    bar_state = forms.CharField(max_length=2, required=False, label="Bar state (two letters)")
    replaces = forms.TypedChoiceField(
        coerce=int, empty_value=None, required=False, label="The contact's number changed: replaces",
        help_text="The old number is removed for that reason; a changed number is exempt from the "
                  "list-change interval. Leave empty for a new contact.",
    )

    def __init__(self, *args, replaceable=(), **kwargs):
        """``replaceable``: the inmate's live and pending entries (the ones a changed number may replace)."""
        super().__init__(*args, **kwargs)
        choices = [(e.pk, f"{display_number(e.number)}, {e.contact_name} ({e.get_status_display().lower()})")
                   for e in replaceable if e.status in ("live", "pending")]
        if choices:
            self.fields["replaces"].choices = [("", "— no: a new contact —"), *choices]
        else:
            del self.fields["replaces"]


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("deny", "Deny")], widget=forms.RadioSelect)
    reason = forms.ChoiceField(
        choices=[("", "— reason for a denial —"), *[c for c in DecisionReason.choices if c[0] != "approved"]],
        required=False,
    )
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False,
                           help_text="Required to approve a flagged number, and for “Other”.")
    legal_verified = forms.BooleanField(required=False, label="I verified the attorney's bar number")

    def __init__(self, *args, can_approve: bool = True, verify_legal: bool = True, **kwargs):
        """``can_approve`` and ``verify_legal`` come from ``permissions.entry_actions`` (who may approve this entry,
        and whether it is an attorney's number still to verify): what is not allowed is not offered."""
        super().__init__(*args, **kwargs)
        if not can_approve:
            self.fields["decision"].choices = [("deny", "Deny")]
            self.fields["decision"].initial = "deny"
            self.fields["note"].help_text = "Required for “Other”."
        if not verify_legal:
            del self.fields["legal_verified"]

    def clean(self):
        data = super().clean()
        data.setdefault("legal_verified", False)
        if data.get("decision") == "deny" and not data.get("reason"):
            self.add_error("reason", "Choose the reason for the denial.")
        return data


class NoteForm(forms.Form):
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label="Why")


class CaseForm(forms.Form):
    case_number = forms.CharField(max_length=64)
    court = forms.CharField(max_length=200)
    description = forms.CharField(max_length=255, required=False)


class PartyForm(InmateByRegisterNumber, forms.Form):
    role = forms.ChoiceField(choices=[("", "— choose —"), *CaseParty.Role.choices])
    name = forms.CharField(max_length=200)
    register_number = forms.CharField(
        max_length=32, required=False, label="Register number (if in custody here)",
    )
    numbers = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, help_text=NUMBERS_HELP)


class PartyNumbersForm(forms.Form):
    numbers = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, help_text=NUMBERS_HELP)
    reason = forms.CharField(max_length=255)


class OrderForm(InmateByRegisterNumber, forms.Form):
    register_number = forms.CharField(max_length=32, label="Restrained inmate (register number)")
    protected_name = forms.CharField(max_length=200, label="Protected person")
    numbers = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), help_text=NUMBERS_HELP,
                              label="Protected person's numbers")
    court = forms.CharField(max_length=200)
    order_number = forms.CharField(max_length=64)
    case_number = forms.CharField(max_length=64, required=False, label="Case number (if recorded here)")
    starts_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), required=False,
                              help_text="Leave empty for an open-ended order.")
    document_reference = forms.CharField(max_length=255, label="Document the order rests on")


    def clean_case_number(self):
        value = self.cleaned_data["case_number"].strip()
        if not value:
            return None
        case = CourtCase.objects.filter(facility=self.facility, case_number__iexact=value).first()
        if case is None:
            raise forms.ValidationError(f"No case {value} recorded at this facility.")
        return case

    def clean(self):
        data = super().clean()
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", "The order cannot end before it starts.")
        return data


class OrderChangeForm(forms.Form):
    numbers = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), help_text=NUMBERS_HELP,
                              label="Protected person's numbers")
    ends_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), required=False,
                              help_text="Leave empty for an open-ended order.")
    reason = forms.CharField(max_length=255)


class BlockForm(InmateByRegisterNumber, forms.Form):
    number = forms.CharField(max_length=40, label="Telephone number")
    reason = forms.ChoiceField(choices=[("", "— choose —"), *BlockedNumber.Reason.choices])
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), help_text="Always required.")
    system_wide = forms.BooleanField(required=False, label="Block at every facility (wardens only)")
    ends_at = forms.DateTimeField(required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
                                  help_text="Leave empty to block until lifted.")
    # A called party's request ("do not call me"): where it came from, the identity check, one inmate or all.
    source = forms.ChoiceField(
        required=False, label="Where the called party's request came from",
        choices=[("", "— not a called party's request —"),
                 *[c for c in BlockedNumber.Source.choices if c[0] != BlockedNumber.Source.KEYPAD]],
        help_text="Required for a called party's request (the platform files opt-out key presses itself).",
    )
    identity_check = forms.CharField(max_length=255, required=False, label="How the requester's identity was checked",
                                     help_text="E.g. called back on the number; photo ID at the front desk.")
    register_number = forms.CharField(max_length=32, required=False,
                                      label="Only this inmate may not call (register number)",
                                      help_text="Leave empty to block the number for every inmate.")
    inmate_told = forms.BooleanField(required=False, label="The inmate is told of the block",
                                     help_text="A notice shows on the inmate's page.")


    def service_kwargs(self) -> dict:
        """``services.block_create``'s arguments from the form (the register number becomes the inmate)."""
        data = dict(self.cleaned_data)
        data["inmate"] = data.pop("register_number")
        return data


class BlockEndForm(forms.Form):
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label="Why the block is lifted")
    paperwork = forms.CharField(max_length=255, required=False,
                                label="Court or prosecutor paperwork (required for a victim's block)",
                                help_text="Which document: e.g. “Order of Judge Ruiz, case 24-CR-118, 2026-11-30”.")
    called_party_asked = forms.BooleanField(
        required=False, label="The called party asked for the block to be lifted themselves",
        help_text="Required for a called party's block; say in the note how they asked.",
    )


class LibraryNumberForm(forms.Form):
    number = forms.CharField(max_length=40, label="Telephone number")
    name = forms.CharField(max_length=200, label="Who answers", help_text="E.g. “Cook County Public Defender”.")
    category = forms.ChoiceField(choices=[("", "— choose —"), *LibraryNumber.Category.choices], label="Kind of line")
    monitored = forms.BooleanField(required=False, initial=True, label="Calls are monitored",
                                   help_text="Untick for a privileged line (hotline, lawyers, consulates).")
    charged = forms.BooleanField(required=False, label="Calls count against the inmate's minutes")
    calling_hours_apply = forms.BooleanField(required=False, initial=True, label="Only inside the calling hours")
    gap_applies = forms.BooleanField(required=False, label="The gap between calls applies")
    system_wide = forms.BooleanField(required=False, label="For every facility of the system")
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label="Why it is added")


class ReasonForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label="Why")


class LeaveForm(InmateByRegisterNumber, forms.Form):
    register_number = forms.CharField(max_length=32, label="Inmate (register number)")
    list_size = forms.IntegerField(required=False, min_value=1, max_value=LEAVE_MAX_LIST_SIZE,
                                   label="Raise the list size to", help_text="Leave empty to keep the policy's.")
    waive_interval = forms.BooleanField(required=False, label="Waive the list-change interval once")
    ends_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label="Last day of the leave")
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label="Why")

