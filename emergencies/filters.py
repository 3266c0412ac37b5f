import django_filters
from django.db.models import Q

from .models import EmergencyRequest
from .selectors import overdue_q


class EmergencyRequestFilter(django_filters.FilterSet):
    """``facilities``: the facilities listed (to apply each one's escalation time)."""

    status = django_filters.ChoiceFilter(choices=EmergencyRequest.Status.choices, empty_label="Any status")
    category = django_filters.ChoiceFilter(choices=EmergencyRequest.Category.choices, empty_label="Any category")
    channel = django_filters.ChoiceFilter(
        choices=EmergencyRequest.Channel.choices, empty_label="Any way", label="How it came in"
    )
    escalated = django_filters.ChoiceFilter(
        method="filter_escalated", label="Past the escalation time", empty_label="Either",
        choices=[("true", "Yes: escalated"), ("false", "No")],
    )
    q = django_filters.CharFilter(method="filter_q", label="Inmate, caller or number")

    class Meta:
        model = EmergencyRequest
        fields = ["status", "category", "channel", "escalated", "q"]

    def __init__(self, *args, facilities=(), **kwargs):
        self.facilities = list(facilities)
        super().__init__(*args, **kwargs)

    def filter_escalated(self, queryset, name, value):
        if value not in ("true", "false"):
            return queryset
        q = overdue_q(facilities=self.facilities) | Q(status=EmergencyRequest.Status.OPEN, escalated_at__isnull=False)
        return queryset.filter(q) if value == "true" else queryset.exclude(q)

    def filter_q(self, queryset, name, value):
        text = value.strip()
        if not text:
            return queryset
        digits = "".join(ch for ch in text if ch.isdigit())
        q = Q(inmate__register_number__istartswith=text) | Q(caller_name__icontains=text)
        if len(digits) >= 4:
            q |= Q(caller_number__contains=digits)
        for word in text.replace(",", " ").split():
            q |= Q(inmate__last_name__istartswith=word)
        return queryset.filter(q)
