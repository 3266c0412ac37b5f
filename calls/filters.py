import django_filters
from django import forms
from django.db.models import Q

from approvals.numbers import NumberNotCallable, normalize_number

from .models import REASONS, Call, CallKind


class EitherYesNoWidget(django_filters.widgets.BooleanWidget):
    """A yes/no filter whose empty choice reads "Either" (django-filter's says "Unknown")."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = [("", "Either"), ("true", "Yes"), ("false", "No")]


class CallFilter(django_filters.FilterSet):
    date_from = django_filters.DateFilter(field_name="requested_at", lookup_expr="date__gte", label="From",
                                          widget=forms.DateInput(attrs={"type": "date"}))
    date_to = django_filters.DateFilter(field_name="requested_at", lookup_expr="date__lte", label="To",
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
