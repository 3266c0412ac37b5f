import django_filters
from django.db.models import Exists, OuterRef, Q

from .models import EntryFinding, PhoneListEntry, Relationship
from .selectors import review_overdue_before

AGE_CHOICES = [("1", "Older than 1 day"), ("3", "Older than 3 days"), ("7", "Older than 7 days"),
               ("14", "Older than 14 days"), ("30", "Older than 30 days"), ("overdue", "Past the review target")]
QUEUE_STATUSES = [
    (PhoneListEntry.Status.PENDING, "Waiting for review"),
    (PhoneListEntry.Status.SUSPENDED, "Suspended"),
]


class QueueFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=QUEUE_STATUSES, empty_label=None, method="filter_status")
    finding = django_filters.ChoiceFilter(choices=EntryFinding.Kind.choices, empty_label="Any finding",
                                          method="filter_finding", label="Finding")
    relationship = django_filters.ChoiceFilter(choices=Relationship.choices, empty_label="Any relationship")
    legal = django_filters.ChoiceFilter(choices=[("yes", "Attorney numbers"), ("no", "Other numbers")],
                                        empty_label="Legal or not", method="filter_legal", label="Legal")
    age = django_filters.ChoiceFilter(choices=AGE_CHOICES, empty_label="Any age", method="filter_age", label="Age")
    inmate = django_filters.CharFilter(method="filter_inmate", label="Inmate (register number or name)")

    class Meta:
        model = PhoneListEntry
        fields = ["status", "finding", "relationship", "legal", "age", "inmate"]

    def __init__(self, *args, review_target_days: int = 7, **kwargs):
        super().__init__(*args, **kwargs)
        self.review_target_days = review_target_days

    def filter_status(self, queryset, name, value):
        return queryset.filter(status=value)

    def filter_finding(self, queryset, name, value):
        return queryset.filter(Exists(EntryFinding.objects.filter(
            entry=OuterRef("pk"), kind=value, cleared_at__isnull=True)))

    def filter_legal(self, queryset, name, value):
        return queryset.filter(legal=value == "yes")

    def filter_age(self, queryset, name, value):
        days = self.review_target_days if value == "overdue" else int(value)
        return queryset.filter(created_at__lt=review_overdue_before(review_target_days=days))

    def filter_inmate(self, queryset, name, value):
        value = value.strip()
        query = Q(inmate__register_number__istartswith=value)
        words = value.split()
        if words:
            name_q = Q()
            for word in words:
                name_q &= Q(inmate__last_name__istartswith=word) | Q(inmate__first_name__istartswith=word)
            query |= name_q
        return queryset.filter(query)
