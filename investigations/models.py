"""Investigators' watch lists (domain.md §9): a number or an inmate watched until an end date, and the alerts
raised when a watched number is dialled or a watched inmate places a call (allowed or denied).

The app sits just below ``calls`` in the layers: the call decision learns "is anything watched here" inside its
own gather statement (``selectors.watched_exists``) and queues ``investigations.watch_alerts`` after the commit.
A call is referred to by its id (``call_id``): the calls app is above this one.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format

NUMBER_LENGTH = 20  # E.164: "+" and at most 15 digits


class WatchEntryQuerySet(models.QuerySet):
    def open(self):
        """Not ended by hand (the end date is checked against the facility's local day by the callers)."""
        return self.filter(ended_at__isnull=True)


class WatchEntry(models.Model):
    class Kind(models.TextChoices):
        NUMBER = "number", "A telephone number"
        INMATE = "inmate", "An inmate"

    facility = models.ForeignKey(
        "facilities.Facility", on_delete=models.PROTECT, related_name="watch_entries",
        help_text="Calls at this facility are watched; the investigator holds the investigator role here.",
    )
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="watch_entries",
                              help_text="The investigator who keeps the entry and receives its alerts.")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    number = models.CharField(max_length=NUMBER_LENGTH, blank=True)
    inmate = models.ForeignKey("facilities.Inmate", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="watch_entries")
    reason = models.TextField()
    ends_on = models.DateField(help_text="The last day the entry watches (the facility's local day).")
    review_by = models.DateField(null=True, blank=True, help_text="When the entry is next reviewed.")
    created_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True, help_text="When the investigator ended it early.")
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    end_reason = models.TextField(blank=True)

    objects = WatchEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "watch entries"
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="number") & ~Q(number="") & Q(inmate__isnull=True))
                | (Q(kind="inmate") & Q(number="") & Q(inmate__isnull=False)),
                name="watch_number_or_inmate",
            ),
        ]
        indexes = [
            models.Index(fields=["number"], condition=Q(ended_at__isnull=True, kind="number"),
                         name="watch_open_number"),
            models.Index(fields=["inmate"], condition=Q(ended_at__isnull=True, kind="inmate"),
                         name="watch_open_inmate"),
        ]

    def __str__(self) -> str:
        return f"Watch on {self.target_label} until {date_format(self.ends_on)}"

    @property
    def target_label(self) -> str:
        if self.kind == self.Kind.NUMBER:
            from core.numbers import display_number

            return display_number(self.number)
        return str(self.inmate)

    def is_open_on(self, day) -> bool:
        return self.ended_at is None and self.ends_on >= day


class WatchAlert(models.Model):
    """One call that matched one watch entry. Written by the ``investigations.watch_alerts`` task after the
    call decision committed; one per (entry, call), so running the task twice is harmless."""

    watch = models.ForeignKey(WatchEntry, on_delete=models.PROTECT, related_name="alerts")
    call_id = models.BigIntegerField(help_text="The call attempt (calls app) that matched.")
    facility = models.ForeignKey("facilities.Facility", on_delete=models.PROTECT, related_name="+")
    inmate = models.ForeignKey("facilities.Inmate", on_delete=models.PROTECT, related_name="+")
    number = models.CharField(max_length=NUMBER_LENGTH)
    allowed = models.BooleanField()
    occurred_at = models.DateTimeField(help_text="When the call was asked for.")
    created_at = models.DateTimeField(default=timezone.now)
    emailed_at = models.DateTimeField(null=True, blank=True)
    seen_at = models.DateTimeField(null=True, blank=True, help_text="When the investigator marked it read.")

    class Meta:
        ordering = ["-occurred_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["watch", "call_id"], name="watch_alert_once_per_call")]

    def __str__(self) -> str:
        return f"Alert: call {self.call_id} matched watch {self.watch_id}"


class Review(models.Model):
    """One review of something that carries a review-by date (domain.md §9 "reviews come due"): a phone
    restriction (calls), a block (approvals) or a watch entry. Append-only: who, when, what was decided and why.

    The thing reviewed is named by kind and id (restrictions live in ``calls``, above this app)."""

    class Kind(models.TextChoices):
        RESTRICTION = "restriction", "Phone restriction"
        BLOCK = "block", "Blocked number"
        WATCH = "watch", "Watch entry"

    class Outcome(models.TextChoices):
        KEEP = "keep", "Keep (review again later)"
        CHANGE = "change", "Change the review date"
        END = "end", "End it"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    object_id = models.BigIntegerField()
    facility = models.ForeignKey("facilities.Facility", on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(max_length=8, choices=Outcome.choices)
    review_by_before = models.DateField(null=True, blank=True)
    review_by_after = models.DateField(null=True, blank=True, help_text="The next review date (none once ended).")
    reason = models.TextField()
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-reviewed_at", "-id"]
        indexes = [models.Index(fields=["kind", "object_id"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.object_id}: {self.get_outcome_display()}"
