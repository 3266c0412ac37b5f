"""Calls, the minute ledger, phone restrictions and the monthly reset (domain.md §4, §5).

The balance of an inmate is kept in one row (``MinuteBalance``) updated in the same transaction as
every ledger entry, so that a call decision reads and locks one row whatever the volume, and the
balance always equals the sum of the ledger.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from core.errors import IllegalTransition
from core.transitions import TransitionMixin

from . import decision
from .decision import REASONS  # the reason codes of a denial live with the call decision

# --------------------------------------------------------------------------- kinds of call


class CallKind(models.TextChoices):
    REGULAR = decision.REGULAR, "Regular"
    LEGAL = decision.LEGAL, "Legal (attorney, not monitored)"
    EMERGENCY = decision.EMERGENCY, "Emergency (warden-approved)"
    LIBRARY = decision.LIBRARY, "Facility number library (no list entry needed)"


# --------------------------------------------------------------------------- balance and ledger


class MinuteBalance(models.Model):
    """The inmate's minutes now, kept in step with the ledger; also the call decision's lock row."""

    inmate = models.OneToOneField(
        "facilities.Inmate", primary_key=True, on_delete=models.PROTECT, related_name="minute_balance"
    )
    minutes = models.IntegerField(default=0)
    period = models.DateField(
        null=True, blank=True, help_text="Local date of the last reset (or booking grant) applied to this inmate."
    )
    last_call_started_at = models.DateTimeField(
        null=True, blank=True, help_text="Start of the last charged call: the gap rule counts from here."
    )
    # Not indexed: every allowed call sets it and its report clears it, and an index on it would make each of those
    # updates a new entry in both of the table's indexes instead of a heap-only (HOT) update. Nothing looks a
    # balance up by its open call (the expiry knows the inmates; a call is never deleted: audit/append_only.py).
    open_call = models.ForeignKey(
        "Call", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False,
        help_text="An authorised call not yet reported complete.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    # No index on ``period``: nothing reads balances by period, and an indexed ``period`` would stop the
    # monthly reset's updates from being HOT (heap-only) updates. See migration 0003 (fillfactor).

    def __str__(self) -> str:
        return f"{self.minutes} minutes for {self.inmate}"


class LedgerEntry(models.Model):
    """One change to an inmate's minutes. Append-only; ``balance_after`` is the running balance."""

    class Kind(models.TextChoices):
        MONTHLY_GRANT = "monthly_grant", "Monthly allowance"
        MONTHLY_BONUS = "monthly_bonus", "Bonus minutes for the month"
        VOID = "void", "Unused minutes voided"
        CALL_CHARGE = "call_charge", "Call"
        EXTRA_GRANT = "extra_grant", "Extra minutes granted by a warden"

    # Indexes are few on purpose: the monthly reset appends two or three entries per inmate in bulk, and
    # each index costs a random write per entry. The inmate's ledger is read through the
    # (inmate, -created_at, -id) index (which also serves every lookup by inmate); facility and reset are
    # never searched on (the reset record carries its own totals); call and actor are indexed only where
    # set (a handful of rows), which keeps a deletion's PROTECT check from scanning the table.
    inmate = models.ForeignKey(
        "facilities.Inmate", on_delete=models.PROTECT, related_name="ledger_entries", db_index=False
    )
    facility = models.ForeignKey("facilities.Facility", on_delete=models.PROTECT, related_name="+", db_index=False)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    minutes = models.IntegerField(help_text="Positive adds minutes, negative takes them away.")
    balance_after = models.IntegerField()
    period = models.DateField(null=True, blank=True)
    call = models.ForeignKey(
        "Call", null=True, blank=True, on_delete=models.PROTECT, related_name="ledger_entries", db_index=False
    )
    reset = models.ForeignKey(
        "MonthlyReset", null=True, blank=True, on_delete=models.PROTECT, related_name="ledger_entries",
        db_index=False,
    )
    created_at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    actor_label = models.CharField(max_length=150, default="system")
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "ledger entries"
        constraints = [
            # Per-inmate idempotence of the monthly reset and of call completion. The period leads: a reset
            # adds its entries to one region of this index (its period's), not next to every past entry.
            models.UniqueConstraint(
                fields=["period", "inmate", "kind"],
                condition=Q(kind__in=["monthly_grant", "monthly_bonus", "void"]),
                name="ledger_once_per_period",
            ),
            models.UniqueConstraint(fields=["call"], condition=Q(kind="call_charge"), name="ledger_one_charge_per_call"),
            models.CheckConstraint(
                condition=~Q(kind="extra_grant") | (~Q(reason="") & Q(minutes__gt=0)),
                name="ledger_extra_grant_reason_required",
            ),
        ]
        indexes = [
            models.Index(fields=["inmate", "-created_at", "-id"]),
            models.Index(fields=["call"], condition=Q(call__isnull=False), name="ledger_call"),
            models.Index(fields=["actor"], condition=Q(actor__isnull=False), name="ledger_actor"),
            # The facility's list of minute grants (a handful of rows among millions of reset entries).
            models.Index(fields=["facility", "-created_at", "-id"], condition=Q(kind="extra_grant"),
                         name="ledger_extra_grants"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.minutes:+d} for {self.inmate}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise IllegalTransition(message="The ledger is append-only: an entry cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise IllegalTransition(message="The ledger is append-only: an entry cannot be deleted.")


# --------------------------------------------------------------------------- restrictions


class PhoneRestrictionQuerySet(models.QuerySet):
    def active(self, at: dt.datetime | None = None):
        at = at or timezone.now()
        return self.filter(lifted_at__isnull=True, starts_at__lte=at).filter(Q(ends_at__isnull=True) | Q(ends_at__gt=at))


class PhoneRestriction(models.Model):
    """A disciplinary phone restriction: only legal calls while it lasts."""

    inmate = models.ForeignKey("facilities.Inmate", on_delete=models.PROTECT, related_name="phone_restrictions")
    facility = models.ForeignKey("facilities.Facility", on_delete=models.PROTECT, related_name="phone_restrictions")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField(null=True, blank=True, help_text="Empty: until lifted.")
    reason = models.TextField()
    imposed_at = models.DateTimeField(default=timezone.now)
    imposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lift_reason = models.TextField(blank=True)

    objects = PhoneRestrictionQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="restriction_reason_required"),
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gt=models.F("starts_at")),
                name="restriction_ends_after_start",
            ),
        ]
        indexes = [models.Index(fields=["inmate"], condition=Q(lifted_at__isnull=True), name="restriction_open")]

    def __str__(self) -> str:
        return f"Phone restriction of {self.inmate} from {self.starts_at:%Y-%m-%d}"

    def clean(self) -> None:
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": "The restriction must end after it starts."})

    def is_active(self, at: dt.datetime | None = None) -> bool:
        at = at or timezone.now()
        return self.lifted_at is None and self.starts_at <= at and (self.ends_at is None or self.ends_at > at)

    STATE_LABELS = {  # the state in words, as every page shows it
        "active": "In force",
        "scheduled": "Starts later",
        "ended": "Ended",
        "lifted": "Lifted early",
    }

    @property
    def state_label(self) -> str:
        return self.STATE_LABELS[self.state]

    @property
    def state(self) -> str:
        now = timezone.now()
        if self.lifted_at is not None:
            return "lifted"
        if self.starts_at > now:
            return "scheduled"
        if self.ends_at is not None and self.ends_at <= now:
            return "ended"
        return "active"

    def lift(self, *, by, reason: str, at: dt.datetime | None = None) -> None:
        at = at or timezone.now()
        if self.lifted_at is not None:
            raise IllegalTransition(message="This restriction was already lifted.")
        if self.ends_at is not None and self.ends_at <= at:
            raise IllegalTransition(message="This restriction has already ended.")
        if not (reason or "").strip():
            raise IllegalTransition(message="Give a reason for lifting the restriction.", code="reason_required")
        self.lifted_at, self.lifted_by, self.lift_reason = at, by, reason.strip()


# --------------------------------------------------------------------------- calls


class Call(TransitionMixin, models.Model):
    """One call decision asked by the platform (allowed or denied) and, once reported, its outcome."""

    class Status(models.TextChoices):
        DENIED = "denied", "Denied"
        AUTHORIZED = "authorized", "Allowed, in progress"
        COMPLETED = "completed", "Completed"
        EXPIRED = "expired", "Allowed, never reported (expired)"

    TRANSITIONS = {
        Status.AUTHORIZED: {Status.COMPLETED, Status.EXPIRED},
        Status.DENIED: set(),
        Status.COMPLETED: set(),
        Status.EXPIRED: set(),
    }
    TRANSITION_NOUN = "call"

    # No index of their own: the (facility, -requested_at) and (inmate, -requested_at) indexes below serve every
    # look-up by facility or inmate (their first column), and a second index would be one more write per call.
    facility = models.ForeignKey("facilities.Facility", on_delete=models.PROTECT, related_name="calls", db_index=False)
    inmate = models.ForeignKey("facilities.Inmate", on_delete=models.PROTECT, related_name="calls", db_index=False)
    dialed_number = models.CharField(max_length=40, help_text="As the platform sent it.")
    number = models.CharField(max_length=20, help_text="E.164.")
    status = models.CharField(max_length=16, choices=Status.choices)
    kind = models.CharField(max_length=16, choices=CallKind.choices, default=CallKind.REGULAR)
    monitored = models.BooleanField(default=True)
    charged = models.BooleanField(default=True, help_text="Counts against the inmate's minutes.")
    max_minutes = models.PositiveIntegerField(default=0)
    reasons = models.JSONField(default=list, blank=True, help_text="Reason codes of a denial.")
    retry_after = models.DateTimeField(null=True, blank=True)
    requested_at = models.DateTimeField(default=timezone.now, help_text="When the platform asked: the call's start.")
    expires_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    duration_seconds = models.PositiveIntegerField(null=True, blank=True)
    minutes_charged = models.PositiveIntegerField(default=0)
    previous_call_started_at = models.DateTimeField(
        null=True, blank=True, help_text="The gap anchor before this call, restored if it never connected."
    )
    emergency_request = models.ForeignKey(
        "emergencies.EmergencyRequest", null=True, blank=True, on_delete=models.PROTECT, related_name="calls"
    )
    client = models.ForeignKey(
        "api.PlatformClient", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    client_label = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        indexes = [
            models.Index(fields=["facility", "-requested_at"]),
            models.Index(fields=["inmate", "-requested_at"]),
            models.Index(fields=["number"]),
            models.Index(fields=["expires_at"], condition=Q(status="authorized"), name="call_open_expiry"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(minutes_charged__lte=models.F("max_minutes")), name="call_charge_capped"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} call {self.number} ({self.get_status_display()})"

    @property
    def allowed(self) -> bool:
        return self.status != self.Status.DENIED

    @property
    def reason_labels(self) -> list[str]:
        return [REASONS.get(code, code) for code in self.reasons]


# --------------------------------------------------------------------------- monthly reset


class MonthlyReset(models.Model):
    """One facility's reset for one period: exactly one row per (facility, period)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"

    facility = models.ForeignKey("facilities.Facility", on_delete=models.PROTECT, related_name="minute_resets")
    period = models.DateField(help_text="Local date of the reset day.")
    reset_at = models.DateTimeField(help_text="The reset moment: 00:00 local time on the reset day.")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    monthly_minutes = models.PositiveIntegerField(default=0)
    bonus_minutes = models.PositiveIntegerField(default=0)
    inmates_reset = models.PositiveIntegerField(default=0)
    minutes_voided = models.BigIntegerField(default=0)
    minutes_granted = models.BigIntegerField(default=0)
    runs = models.PositiveIntegerField(default=0, help_text="How many times a worker started it.")
    dispatched_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(
        null=True, blank=True,
        help_text="The run's last sign of progress (its start, each chunk): the dispatcher requeues a silent run.",
    )
    finished_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-period", "facility__code"]
        constraints = [models.UniqueConstraint(fields=["facility", "period"], name="reset_once_per_facility_period")]

    def __str__(self) -> str:
        return f"Reset of {self.facility.code} for {self.period:%Y-%m-%d}"
