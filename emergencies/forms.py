"""Forms of the emergency pages. Times are read and shown in the facility's time zone (the views activate it)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.db.models import Q
from django.utils import timezone

from core.numbers import NumberNotCallable, normalize_number
from facilities.models import Facility, Inmate

from .models import EmergencyRequest
from .services import MAX_CALL_MINUTES, MAX_WINDOW_HOURS

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
FUTURE_SLACK = dt.timedelta(minutes=5)


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format=DATETIME_FORMAT)


def _local_now() -> dt.datetime:
    return timezone.localtime().replace(second=0, microsecond=0)


def _not_in_future(value: dt.datetime | None, what: str) -> dt.datetime | None:
    if value is not None and value > timezone.now() + FUTURE_SLACK:
        raise forms.ValidationError(f"{what} cannot be in the future.")
    return value


class EmergencyIntakeForm(forms.Form):
    inmate_query = forms.CharField(
        label="Inmate", max_length=100,
        help_text="Register number, or last name (and first name) of an inmate in custody here.",
    )
    caller_name = forms.CharField(label="Caller's name", max_length=200)
    caller_number = forms.CharField(label="Caller's telephone number", max_length=40,
                                    help_text="The number the inmate would call, e.g. (312) 555-0142.")
    relationship = forms.CharField(label="Relationship to the inmate", max_length=100,
                                   help_text="For example: mother, brother, wife.")
    category = forms.ChoiceField(label="What kind of emergency", choices=EmergencyRequest.Category.choices,
                                 widget=forms.RadioSelect)
    description = forms.CharField(label="What happened", widget=forms.Textarea(attrs={"rows": 4}), max_length=4000)
    channel = forms.ChoiceField(label="How it came in", choices=EmergencyRequest.Channel.choices,
                                initial=EmergencyRequest.Channel.PHONE)
    received_at = forms.DateTimeField(label="When it came in", widget=DateTimeLocalInput(),
                                      input_formats=[DATETIME_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"])

    def __init__(self, *args, facility: Facility, **kwargs):
        self.facility = facility
        self.inmate: Inmate | None = None
        super().__init__(*args, **kwargs)
        self.fields["received_at"].initial = _local_now

    def clean_inmate_query(self) -> str:
        text = " ".join(self.cleaned_data["inmate_query"].split())
        in_custody = Inmate.objects.filter(facility=self.facility, status=Inmate.Status.IN_CUSTODY)
        by_number = list(in_custody.filter(register_number__iexact=text)[:2])
        if len(by_number) == 1:
            self.inmate = by_number[0]
            return text
        matches = in_custody
        words = text.replace(",", " ").split()
        for word in words:
            matches = matches.filter(Q(last_name__iexact=word) | Q(first_name__iexact=word))
        found = list(matches.order_by("last_name", "first_name", "register_number")[:6]) if words else []
        if not found:
            raise forms.ValidationError(f"No inmate in custody here matches “{text}”.")
        if len(found) > 1:
            listed = "; ".join(f"{i.last_name}, {i.first_name} ({i.register_number})" for i in found[:5])
            more = " and more" if len(found) > 5 else ""
            raise forms.ValidationError(
                f"Several inmates match “{text}”: {listed}{more}. Enter the register number."
            )
        self.inmate = found[0]
        return text

    def clean_caller_number(self) -> str:
        try:
            return normalize_number(self.cleaned_data["caller_number"])
        except NumberNotCallable as exc:
            raise forms.ValidationError(exc.message) from None

    def clean_received_at(self):
        return _not_in_future(self.cleaned_data["received_at"], "The time it came in")


class ApproveForm(forms.Form):
    window_start = forms.DateTimeField(
        label="Window opens", required=False, widget=DateTimeLocalInput(),
        input_formats=[DATETIME_FORMAT, "%Y-%m-%d %H:%M"], help_text="Leave empty to open it now.",
    )
    window_hours = forms.IntegerField(label="Window length (hours)", initial=24, min_value=1, max_value=MAX_WINDOW_HOURS)
    call_minutes = forms.IntegerField(label="Call length (minutes)", initial=EmergencyRequest.DEFAULT_CALL_MINUTES,
                                      min_value=1, max_value=MAX_CALL_MINUTES)
    charged = forms.BooleanField(label="Charge the call against the inmate's minutes", required=False, initial=False)
    note = forms.CharField(label="Note (optional)", required=False, widget=forms.Textarea(attrs={"rows": 2}),
                           max_length=2000)

    def clean_window_start(self):
        start = self.cleaned_data["window_start"]
        if start is not None and start < timezone.now() - dt.timedelta(hours=1):
            raise forms.ValidationError("The window cannot open in the past.")
        if start is not None and start > timezone.now() + dt.timedelta(days=7):
            raise forms.ValidationError("The window must open within a week.")
        return start


class MessageOnlyForm(forms.Form):
    delivered_by = forms.CharField(label="Message passed on by", max_length=200,
                                   help_text="Who told the inmate (name and title).")
    delivered_at = forms.DateTimeField(label="Passed on at", widget=DateTimeLocalInput(),
                                       input_formats=[DATETIME_FORMAT, "%Y-%m-%d %H:%M"])
    note = forms.CharField(label="Note (optional)", required=False, widget=forms.Textarea(attrs={"rows": 2}),
                           max_length=2000)

    def __init__(self, *args, request_obj: EmergencyRequest | None = None, **kwargs):
        self.request_obj = request_obj
        super().__init__(*args, **kwargs)
        self.fields["delivered_at"].initial = _local_now

    def clean_delivered_at(self):
        value = _not_in_future(self.cleaned_data["delivered_at"], "The time the message was passed on")
        if value is not None and self.request_obj is not None and value < self.request_obj.received_at - FUTURE_SLACK:
            raise forms.ValidationError("The message cannot have been passed on before the request came in.")
        return value


class DenyForm(forms.Form):
    reason = forms.CharField(label="Reason for the denial", widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("Give the reason for the denial.")
        return reason
