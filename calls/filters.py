import datetime as dt

import django_filters
from django import forms
from django.db.models import Q
from django.http import QueryDict
from django.utils import timezone

from core.numbers import NumberNotCallable, normalize_number

from .models import REASONS, Call, CallKind, LedgerEntry, PhoneRestriction
from .selectors import RESTRICTION_STATES, restriction_list


class EitherYesNoWidget(django_filters.widgets.BooleanWidget):
    """A yes/no filter whose empty choice reads "Either" (django-filter's says "Unknown")."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = [("", "Either"), ("true", "Yes"), ("false", "No")]


class InmateSearchFilter(django_filters.FilterSet):
    """``inmate``: a register number or a last name, by its start."""

    inmate = django_filters.CharFilter(method="filter_inmate", label="Inmate (register no. or name)")

    def filter_inmate(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(
            Q(inmate__register_number__istartswith=value) | Q(inmate__last_name__istartswith=value)
        )


class LocalDaysFilter(InmateSearchFilter):
    """``date_from`` / ``date_to``: the facility's local days (its zone is active on its pages), turned into a range of
    moments of ``day_field`` when the filter is applied, so a CSV streamed after the view returns filters the same
    days."""

    day_field = "requested_at"

    date_from = django_filters.DateFilter(method="filter_date_from", label="From",
                                          widget=forms.DateInput(attrs={"type": "date"}))
    date_to = django_filters.DateFilter(method="filter_date_to", label="To",
                                        widget=forms.DateInput(attrs={"type": "date"}))

    @staticmethod
    def _local_midnight(day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(0), tzinfo=timezone.get_current_timezone())

    def filter_date_from(self, queryset, name, value):
        if value <= dt.date.min + dt.timedelta(days=1):
            return queryset
        return queryset.filter(**{f"{self.day_field}__gte": self._local_midnight(value)})

    def filter_date_to(self, queryset, name, value):
        if value >= dt.date.max - dt.timedelta(days=1):
            return queryset
        return queryset.filter(**{f"{self.day_field}__lt": self._local_midnight(value + dt.timedelta(days=1))})


class CallFilter(LocalDaysFilter):
    kind = django_filters.ChoiceFilter(choices=CallKind.choices, empty_label="Any kind")
    monitored = django_filters.BooleanFilter(widget=EitherYesNoWidget(), label="Monitored")
    outcome = django_filters.ChoiceFilter(field_name="status", choices=Call.Status.choices, empty_label="Any outcome")
    reason = django_filters.ChoiceFilter(choices=[(c, m) for c, m in REASONS.items()], method="filter_reason",
                                         empty_label="Any reason", label="Denial reason")
    number = django_filters.CharFilter(method="filter_number", label="Number")

    class Meta:
        model = Call
        fields = ["date_from", "date_to", "kind", "monitored", "outcome", "reason", "number", "inmate"]

    def filter_reason(self, queryset, name, value):
        return queryset.filter(reasons__icontains=f'"{value}"')

    def filter_number(self, queryset, name, value):
        try:
            return queryset.filter(number=normalize_number(value))
        except NumberNotCallable:
            digits = "".join(ch for ch in value if ch.isdigit())
            return queryset.filter(number__contains=digits) if digits else queryset.none()


class RestrictionFilter(InmateSearchFilter):
    """The facility's phone restrictions: by state (in force now unless asked otherwise) and inmate."""

    state = django_filters.ChoiceFilter(choices=RESTRICTION_STATES, method="filter_state", empty_label=None,
                                        label="State")

    class Meta:
        model = PhoneRestriction
        fields = ["state", "inmate"]

    def __init__(self, data=None, *args, **kwargs):
        data = data.copy() if data is not None else QueryDict(mutable=True)
        data.setdefault("state", "in_force")
        super().__init__(data, *args, **kwargs)

    def filter_state(self, queryset, name, value):
        return restriction_list(queryset=queryset, state=value)


class GrantFilter(LocalDaysFilter):
    """The facility's minute grants: by the local day they were granted and by inmate."""

    day_field = "created_at"

    class Meta:
        model = LedgerEntry
        fields = ["date_from", "date_to", "inmate"]
