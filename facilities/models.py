"""Facilities, their calling policy, the roster and who holds which role where."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"“{value}” is not an IANA time zone (for example America/Chicago).")


class Facility(models.Model):
    class Kind(models.TextChoices):
        FEDERAL = "federal", "Federal"
        STATE = "state", "State"
        COUNTY = "county", "County"
        PRIVATE = "private", "Private"

    code = models.SlugField(max_length=32, unique=True, help_text="Short code used by the platform, e.g. FCI-DUB.")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    timezone = models.CharField(max_length=64, validators=[validate_timezone], default="America/New_York")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "facilities"

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


MONTHS = [
    (1, "jan", "January"), (2, "feb", "February"), (3, "mar", "March"), (4, "apr", "April"),
    (5, "may", "May"), (6, "jun", "June"), (7, "jul", "July"), (8, "aug", "August"),
    (9, "sep", "September"), (10, "oct", "October"), (11, "nov", "November"), (12, "dec", "December"),
]


def _bonus_field(label: str) -> models.PositiveIntegerField:
    return models.PositiveIntegerField(
        default=0,
        validators=[MaxValueValidator(10_000, "Bonus minutes cannot exceed 10,000 in a month.")],
        verbose_name=f"bonus minutes in {label}",
    )


class CallingPolicy(models.Model):
    """A facility's calling rules (domain.md §2). The defaults are the federal seeds' values."""

    class ListMode(models.TextChoices):
        SELF_MANAGED = "self_managed", "Self-managed (numbers go live without review)"
        STAFF_REVIEW = "staff_review", "Staff review (every number waits for a reviewer)"

    facility = models.OneToOneField(Facility, on_delete=models.CASCADE, related_name="policy")
    monthly_minutes = models.PositiveIntegerField(
        default=300,
        validators=[MaxValueValidator(44_640, "A month has at most 44,640 minutes.")],
        help_text="Minutes granted at every reset.",
    )
    bonus_jan = _bonus_field("January")
    bonus_feb = _bonus_field("February")
    bonus_mar = _bonus_field("March")
    bonus_apr = _bonus_field("April")
    bonus_may = _bonus_field("May")
    bonus_jun = _bonus_field("June")
    bonus_jul = _bonus_field("July")
    bonus_aug = _bonus_field("August")
    bonus_sep = _bonus_field("September")
    bonus_oct = _bonus_field("October")
    bonus_nov = _bonus_field("November")
    bonus_dec = _bonus_field("December")
    per_call_minutes = models.PositiveIntegerField(
        default=15,
        validators=[
            MinValueValidator(1, "A call must be allowed at least 1 minute."),
            MaxValueValidator(240, "A call cannot be longer than 240 minutes."),
        ],
        verbose_name="per-call cap (minutes)",
    )
    call_gap_minutes = models.PositiveIntegerField(
        default=60,
        validators=[MaxValueValidator(1440, "The gap between calls cannot exceed a day (1,440 minutes).")],
        verbose_name="minutes from one call's start to the next",
    )
    reset_day = models.PositiveSmallIntegerField(
        default=1,
        validators=[
            MinValueValidator(1, "The reset day must be between 1 and 28."),
            MaxValueValidator(28, "The reset day must be between 1 and 28, so that every month has it."),
        ],
        verbose_name="reset day of month",
    )
    # A change of the reset day takes effect at the next reset moment (facilities/periods.py): the period current
    # at the change is held until the first 00:00 on the new day. Set by policy_update only.
    reset_period_held = models.DateField(
        null=True, blank=True, editable=False,
        help_text="The period that was current when the reset day last changed; it lasts until reset_day_from.",
    )
    reset_day_from = models.DateField(
        null=True, blank=True, editable=False,
        help_text="The first period on the current reset day, when the day was changed.",
    )
    calling_hours_start = models.TimeField(default=dt.time(6, 0))
    calling_hours_end = models.TimeField(default=dt.time(23, 0))
    list_mode = models.CharField(max_length=16, choices=ListMode.choices, default=ListMode.SELF_MANAGED)
    screen_codefendants = models.BooleanField(default=False, verbose_name="co-defendant screening")
    list_size = models.PositiveIntegerField(
        default=30,
        validators=[
            MinValueValidator(1, "A phone list must allow at least 1 number."),
            MaxValueValidator(200, "A phone list cannot allow more than 200 numbers."),
        ],
        verbose_name="phone list size",
    )
    legal_counted_separately = models.BooleanField(
        default=True, verbose_name="legal numbers counted apart from the list size"
    )
    list_change_interval_days = models.PositiveIntegerField(
        default=0,
        validators=[MaxValueValidator(730, "The change interval cannot exceed 730 days.")],
        verbose_name="minimum days between list changes",
    )
    review_target_days = models.PositiveIntegerField(
        default=7,
        validators=[
            MinValueValidator(1, "The review target must be at least 1 day."),
            MaxValueValidator(90, "The review target cannot exceed 90 days."),
        ],
        verbose_name="review target (days)",
    )
    emergency_escalation_hours = models.PositiveIntegerField(
        default=2,
        validators=[
            MinValueValidator(1, "Escalation must wait at least 1 hour."),
            MaxValueValidator(72, "Escalation cannot wait more than 72 hours."),
        ],
        verbose_name="escalate undecided emergency requests after (hours)",
    )
    # Wardens, auditors and investigators always sign in with a second factor; staff where this is on
    # (facilities.two_factor.needs_second_factor: at any facility where they hold the staff role).
    staff_two_factor = models.BooleanField(
        default=False, verbose_name="staff must use two-factor sign-in",
        help_text="Staff of this facility give a code from an authenticator app after their password. "
                  "Wardens, auditors and investigators always do.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "calling policies"
        constraints = [
            models.CheckConstraint(condition=Q(reset_day__gte=1, reset_day__lte=28), name="policy_reset_day_1_28"),
            models.CheckConstraint(condition=Q(per_call_minutes__gte=1), name="policy_per_call_positive"),
            models.CheckConstraint(condition=Q(list_size__gte=1), name="policy_list_size_positive"),
        ]

    def __str__(self) -> str:
        return f"Calling policy of {self.facility.code}"

    def clean(self) -> None:
        if (
            self.calling_hours_start is not None
            and self.calling_hours_end is not None
            and self.calling_hours_end <= self.calling_hours_start
        ):
            raise ValidationError({"calling_hours_end": "Calling hours must end after they start."})

    def bonus_for_month(self, month: int) -> int:
        return getattr(self, f"bonus_{MONTHS[month - 1][1]}")

    @property
    def staff_review(self) -> bool:
        return self.list_mode == self.ListMode.STAFF_REVIEW


class Inmate(models.Model):
    class Status(models.TextChoices):
        IN_CUSTODY = "in_custody", "In custody"
        RELEASED = "released", "Released"
        TRANSFERRED = "transferred", "Transferred out"

    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="inmates")
    register_number = models.CharField(max_length=32)
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    housing_unit = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.IN_CUSTODY)
    admitted_on = models.DateField()
    released_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(fields=["facility", "register_number"], name="inmate_register_unique_per_facility"),
            models.CheckConstraint(
                condition=Q(released_on__isnull=True) | Q(released_on__gte=models.F("admitted_on")),
                name="inmate_released_after_admitted",
            ),
        ]
        indexes = [
            models.Index(fields=["facility", "status"]),
            models.Index(fields=["facility", "last_name", "first_name"]),
            models.Index(fields=["facility", "housing_unit"]),
        ]

    def __str__(self) -> str:
        return f"{self.last_name}, {self.first_name} ({self.register_number})"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def in_custody(self) -> bool:
        return self.status == self.Status.IN_CUSTODY


class CustodyEvent(models.Model):
    """Append-only record of bookings, transfers and releases: who, when, why."""

    class Kind(models.TextChoices):
        BOOKED = "booked", "Booked"
        TRANSFERRED = "transferred", "Transferred"
        RELEASED = "released", "Released"

    inmate = models.ForeignKey(Inmate, on_delete=models.PROTECT, related_name="custody_events")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    from_facility = models.ForeignKey(
        Facility, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_facility = models.ForeignKey(Facility, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    occurred_on = models.DateField()
    recorded_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField(max_length=100, help_text="Who reported it: a user or a platform client.")
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-recorded_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.inmate} on {self.occurred_on}"


class Role(models.TextChoices):
    STAFF = "staff", "Staff"
    WARDEN = "warden", "Warden"
    AUDITOR = "auditor", "Auditor"
    # Reads calls, lists and findings of their facilities, keeps watch lists; decides nothing (domain §9).
    INVESTIGATOR = "investigator", "Investigator"


ROLE_GROUPS = {
    Role.STAFF: "Staff", Role.WARDEN: "Warden", Role.AUDITOR: "Auditor", Role.INVESTIGATOR: "Investigator",
}


class RoleAssignment(models.Model):
    """A user's role at one facility, or (auditors only) at every facility."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(max_length=16, choices=Role.choices)
    facility = models.ForeignKey(
        Facility, null=True, blank=True, on_delete=models.CASCADE, related_name="role_assignments"
    )
    all_facilities = models.BooleanField(default=False)
    granted_at = models.DateTimeField(auto_now_add=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "facility"], name="role_unique_per_facility"),
            models.UniqueConstraint(
                fields=["user", "role"], condition=Q(all_facilities=True), name="role_unique_all_facilities"
            ),
            models.CheckConstraint(
                condition=(Q(all_facilities=True, facility__isnull=True, role="auditor"))
                | Q(all_facilities=False, facility__isnull=False),
                name="role_facility_or_all_for_auditors",
            ),
        ]

    def __str__(self) -> str:
        where = "all facilities" if self.all_facilities else self.facility.code
        return f"{self.user} — {self.get_role_display()} at {where}"

    def clean(self) -> None:
        if self.all_facilities and self.role != Role.AUDITOR:
            raise ValidationError("Only auditors may be assigned to all facilities.")
        if self.all_facilities and self.facility_id:
            raise ValidationError("Choose either one facility or all facilities, not both.")
        if not self.all_facilities and not self.facility_id:
            raise ValidationError({"facility": "Choose the facility where this role applies."})
