import datetime as dt

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone

from core.numbers import NumberNotCallable, normalize_number

from .models import REASONS, Call, CallKind


class EitherYesNoWidget(django_filters.widgets.BooleanWidget):
    """A yes/no filter whose empty choice reads "Either" (django-filter's says "Unknown")."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = [("", "Either"), ("true", "Yes"), ("false", "No")]


class CallFilter(django_filters.FilterSet):
    # Days are the facility's local days (its zone is active on its pages): turned into a range of moments
    # when the filter is applied, so a CSV streamed after the view returns filters the same days.
    date_from = django_filters.DateFilter(method="filter_date_from", label="From",
                                          widget=forms.DateInput(attrs={"type": "date"}))
    date_to = django_filters.DateFilter(method="filter_date_to", label="To",
                                        widget=forms.DateInput(attrs={"type": "date"}))
    kind = django_filters.ChoiceFilter(choices=CallKind.choices, empty_label="Any kind")
    monitored = django_filters.BooleanFilter(widget=EitherYesNoWidget(), label="Monitored")
    outcome = django_filters.ChoiceFilter(field_name="status", choices=Call.Status.choices, empty_label="Any outcome")
    reason = django_filters.ChoiceFilter(choices=[(c, m) for c, m in REASONS.items()], method="filter_reason",
                                         empty_label="Any reason", label="Denial reason")
    number = django_filters.CharFilter(method="filter_number", label="Number")
    inmate = django_filters.CharFilter(method="filter_inmate", label="Inmate (register no. or name)")

    class Meta:
        model = Call
        fields = ["date_from", "date_to", "kind", "monitored", "outcome", "reason", "number", "inmate"]

    @staticmethod
    def _local_midnight(day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(0), tzinfo=timezone.get_current_timezone())

    def filter_date_from(self, queryset, name, value):
        if value <= dt.date.min + dt.timedelta(days=1):
            return queryset
        return queryset.filter(requested_at__gte=self._local_midnight(value))

    def filter_date_to(self, queryset, name, value):
        if value >= dt.date.max - dt.timedelta(days=1):
            return queryset
        return queryset.filter(requested_at__lt=self._local_midnight(value + dt.timedelta(days=1)))

    def filter_reason(self, queryset, name, value):
        return queryset.filter(reasons__icontains=f'"{value}"')

    def filter_number(self, queryset, name, value):
        try:
            return queryset.filter(number=normalize_number(value))
        except NumberNotCallable:
            digits = "".join(ch for ch in value if ch.isdigit())
            return queryset.filter(number__contains=digits) if digits else queryset.none()

    def filter_inmate(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(
            Q(inmate__register_number__istartswith=value) | Q(inmate__last_name__istartswith=value)
        )
