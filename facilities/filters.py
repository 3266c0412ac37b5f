import django_filters
from django.db.models import Q

from .models import Inmate


class InmateFilter(django_filters.FilterSet):
    name = django_filters.CharFilter(method="filter_name", label="Name")
    register_number = django_filters.CharFilter(lookup_expr="istartswith", label="Register number")
    status = django_filters.ChoiceFilter(choices=Inmate.Status.choices, empty_label="Any status")
    housing_unit = django_filters.CharFilter(lookup_expr="iexact", label="Housing unit")

    class Meta:
        model = Inmate
        fields = ["name", "register_number", "status", "housing_unit"]

    def filter_name(self, queryset, name, value):
        for word in value.split():
            queryset = queryset.filter(Q(last_name__istartswith=word) | Q(first_name__istartswith=word))
        return queryset
