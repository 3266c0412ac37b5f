"""Emergency contact requests (domain.md §6): a family asks the warden to let them speak with an inmate.

Staff log a request; a warden of the facility approves a one-time call (a window and a length),
passes on a message only, or denies it. An approved request lets the calls API allow exactly one
call of kind emergency to the caller's number inside the window.

Status transitions (``TRANSITIONS``; anything else is refused with ``core.errors.IllegalTransition``)::

    open ──► approved ──► completed
      │          └──────► expired ──► completed (the call was made, but reported after the window closed)
      ├──► message_only
      └──► denied
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from core.transitions import TransitionMixin


class EmergencyRequest(TransitionMixin, models.Model):
    class Category(models.TextChoices):
        DEATH = "death", "Death in the immediate family"
        ILLNESS = "illness", "Critical illness or injury"
        HOME_LOST = "home_lost", "Home destroyed by fire or disaster"
        OTHER = "other", "Other"

    # Most urgent first (the queue's order).
    URGENCY = {Category.DEATH: 1, Category.ILLNESS: 2, Category.HOME_LOST: 3, Category.OTHER: 4}

    class Channel(models.TextChoices):
        PHONE = "phone", "By phone"
        IN_PERSON = "in_person", "In person"
        EMAIL = "email", "By e-mail"

    class Status(models.TextChoices):
        OPEN = "open", "Waiting for the warden"
        APPROVED = "approved", "Call approved"
        MESSAGE_ONLY = "message_only", "Message passed on (no call)"
        DENIED = "denied", "Denied"
        COMPLETED = "completed", "Call made"
        EXPIRED = "expired", "Approval expired unused"

    TRANSITIONS = {
        Status.OPEN: {Status.APPROVED, Status.MESSAGE_ONLY, Status.DENIED},
        Status.APPROVED: {Status.COMPLETED, Status.EXPIRED},
        Status.EXPIRED: {Status.COMPLETED},  # expired meanwhile: the call did happen, so it still closes it
    }
    TRANSITION_NOUN = "request"
    DEFAULT_CALL_MINUTES = 15

    facility = models.ForeignKey("facilities.Facility", on_delete=models.PROTECT, related_name="emergency_requests")
    inmate = models.ForeignKey("facilities.Inmate", on_delete=models.PROTECT, related_name="emergency_requests")
    caller_name = models.CharField(max_length=200)
    caller_number = models.CharField(max_length=20, help_text="E.164, e.g. +13125550142.")
    relationship = models.CharField(max_length=100, help_text="The caller's relationship to the inmate.")
    category = models.CharField(max_length=16, choices=Category.choices)
    description = models.TextField(verbose_name="what happened")
    channel = models.CharField(max_length=16, choices=Channel.choices, verbose_name="how it came in")
    received_at = models.DateTimeField(default=timezone.now, verbose_name="received")
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    logged_at = models.DateTimeField(auto_now_add=True)
    findings = models.JSONField(
        default=list, blank=True, help_text="Screening findings of the caller's number: [{code, severity, message, reference}]."
    )

    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True, verbose_name="reason or note")
    window_start = models.DateTimeField(null=True, blank=True)
    window_end = models.DateTimeField(null=True, blank=True)
    call_minutes = models.PositiveSmallIntegerField(default=DEFAULT_CALL_MINUTES)
    charged = models.BooleanField(default=False, help_text="Whether the call counts against the inmate's minutes.")
    message_delivered_by = models.CharField(max_length=200, blank=True)
    message_delivered_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    used_at = models.DateTimeField(null=True, blank=True, help_text="When the platform was allowed the call.")
    closed_at = models.DateTimeField(null=True, blank=True, help_text="When the request was completed or expired.")

    history = HistoricalRecords()

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["facility", "status", "received_at"]),
            models.Index(fields=["caller_number"]),
            models.Index(fields=["inmate", "caller_number", "status"]),
            models.Index(fields=["status", "window_end"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(window_end__isnull=True) | Q(window_end__gt=models.F("window_start")),
                name="emergency_window_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(call_minutes__gte=1, call_minutes__lte=240), name="emergency_call_minutes_1_240"
            ),
        ]

    def __str__(self) -> str:
        return f"Emergency request #{self.pk} for {self.inmate.register_number} ({self.get_category_display()})"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    def escalation_due_at(self, hours: int) -> dt.datetime:
        return self.received_at + dt.timedelta(hours=hours)


class EmergencyRequestEvent(models.Model):
    """The request's transition log: who did what, when and why, in the order it happened."""

    class Kind(models.TextChoices):
        LOGGED = "logged", "Request logged"
        ESCALATED = "escalated", "Escalated: undecided past the escalation time"
        APPROVED = "approved", "Call approved"
        MESSAGE_ONLY = "message_only", "Message passed on instead of a call"
        DENIED = "denied", "Denied"
        CALL_ALLOWED = "call_allowed", "Platform allowed the emergency call"
        COMPLETED = "completed", "Call completed"
        EXPIRED = "expired", "Approval expired unused"
        DECISION_REFUSED = "decision_refused", "Decision refused"

    request = models.ForeignKey(EmergencyRequest, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    actor_label = models.CharField(max_length=150)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, blank=True)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on request #{self.request_id} by {self.actor_label}"
