"""Phone lists and what screening knows: court cases and parties, no-contact orders, blocked numbers.

Every number stored here is E.164 (``core.numbers.normalize_number``) and indexed, so that
screening a number is a fixed handful of index look-ups whatever the volume (domain.md §3, §8).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from core.numbers import display_number
from core.transitions import TransitionMixin
from facilities.times import local_day

NUMBER_LENGTH = 20  # E.164: "+" and at most 15 digits


# --------------------------------------------------------------------------- court cases


class CourtCase(models.Model):
    """A criminal case, entered by a facility's staff; parties may be held anywhere in the system."""

    facility = models.ForeignKey(
        "facilities.Facility", on_delete=models.PROTECT, related_name="court_cases",
        help_text="The facility whose staff entered the case.",
    )
    case_number = models.CharField(max_length=64)
    court = models.CharField(max_length=200)
    description = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["court", "case_number"], name="court_case_unique_number_per_court"),
        ]
        indexes = [models.Index(fields=["facility", "-created_at"]), models.Index(fields=["case_number"])]

    def __str__(self) -> str:
        return f"{self.case_number} ({self.court})"


class CaseParty(models.Model):
    class Role(models.TextChoices):
        DEFENDANT = "defendant", "Defendant"
        VICTIM = "victim", "Victim"
        WITNESS = "witness", "Witness"

    case = models.ForeignKey(CourtCase, on_delete=models.PROTECT, related_name="parties")
    role = models.CharField(max_length=16, choices=Role.choices)
    name = models.CharField(max_length=200)
    inmate = models.ForeignKey(
        "facilities.Inmate", null=True, blank=True, on_delete=models.PROTECT, related_name="case_parties",
        help_text="The inmate record, where this party is in custody.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    removed_reason = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["case", "role", "name"]
        verbose_name_plural = "case parties"
        indexes = [
            models.Index(fields=["inmate", "role"], condition=Q(removed_at__isnull=True), name="party_inmate_active"),
            models.Index(fields=["case", "role"]),
        ]

    def __str__(self) -> str:
        return f"{self.name}, {self.get_role_display().lower()} in {self.case.case_number}"

    @property
    def active(self) -> bool:
        return self.removed_at is None


class PartyNumber(models.Model):
    party = models.ForeignKey(CaseParty, on_delete=models.CASCADE, related_name="numbers")
    number = models.CharField(max_length=NUMBER_LENGTH, db_index=True)

    history = HistoricalRecords()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["party", "number"], name="party_number_unique")]

    def __str__(self) -> str:
        return self.number


# --------------------------------------------------------------------------- no-contact orders


def in_force_q(day: dt.date, prefix: str = "") -> Q:
    """The one rule "a court order is in force on ``day``": not ended by staff, started on or before the
    day, and open-ended or ending on or after it. ``day`` is the facility's local day
    (``facilities.times.local_day``); ``prefix`` reaches the order from another model (``"order__"``)."""
    return Q(**{f"{prefix}ended_at__isnull": True, f"{prefix}starts_on__lte": day}) & (
        Q(**{f"{prefix}ends_on__isnull": True}) | Q(**{f"{prefix}ends_on__gte": day})
    )


class NoContactOrderQuerySet(models.QuerySet):
    def in_force(self, day: dt.date):
        """The orders in force on ``day`` (the facility's local day)."""
        return self.filter(in_force_q(day))


class NoContactOrder(models.Model):
    """A court order forbidding an inmate contact with a protected person (and their numbers)."""

    facility = models.ForeignKey(
        "facilities.Facility", on_delete=models.PROTECT, related_name="no_contact_orders",
        help_text="The facility whose staff entered the order.",
    )
    inmate = models.ForeignKey("facilities.Inmate", on_delete=models.PROTECT, related_name="no_contact_orders",
                               verbose_name="restrained inmate")
    protected_name = models.CharField(max_length=200, verbose_name="protected person")
    case = models.ForeignKey(CourtCase, null=True, blank=True, on_delete=models.PROTECT, related_name="orders")
    court = models.CharField(max_length=200)
    order_number = models.CharField(max_length=64)
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True, help_text="Leave empty for an open-ended order.")
    document_reference = models.CharField(
        max_length=255, help_text="The signed order this rests on (file reference or docket entry)."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ended_at = models.DateTimeField(null=True, blank=True, help_text="When staff recorded the order's end.")
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    end_reason = models.TextField(blank=True)

    objects = NoContactOrderQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="nco_ends_after_start",
            ),
        ]
        indexes = [
            models.Index(fields=["facility", "-starts_on"]),
            models.Index(fields=["inmate"], condition=Q(ended_at__isnull=True), name="nco_inmate_open"),
        ]

    def __str__(self) -> str:
        return f"Order {self.order_number} ({self.court})"

    def clean(self) -> None:
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": "The order cannot end before it starts."})

    def is_active(self, day: dt.date | None = None) -> bool:
        """In force on ``day`` (default: today at the facility that entered it); one query."""
        day = day or local_day(self.facility)
        return NoContactOrder.objects.in_force(day).filter(pk=self.pk).exists()


class ProtectedNumber(models.Model):
    order = models.ForeignKey(NoContactOrder, on_delete=models.CASCADE, related_name="numbers")
    number = models.CharField(max_length=NUMBER_LENGTH, db_index=True)

    history = HistoricalRecords()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["order", "number"], name="protected_number_unique")]

    def __str__(self) -> str:
        return self.number


# --------------------------------------------------------------------------- blocked numbers


class BlockedNumberQuerySet(models.QuerySet):
    def active(self, at: dt.datetime | None = None):
        at = at or timezone.now()
        return self.filter(ended_at__isnull=True, starts_at__lte=at).filter(Q(ends_at__isnull=True) | Q(ends_at__gt=at))

    def applying_to(self, *facility_ids, inmate_ids=()):
        """The one rule "a block applies": blocks that apply at any of ``facility_ids``: entered there, or
        system-wide, for every inmate; and the blocks naming one of ``inmate_ids`` (a called party's block
        against one inmate applies to that inmate wherever held, and to no one else). Ids, or expressions
        (the screening statement passes its subject's columns: the blocks applying to that inmate held there)."""
        everyone = Q(inmate__isnull=True) & (Q(system_wide=True) | one_of("facility_id", facility_ids))
        return self.filter(everyone | one_of("inmate_id", inmate_ids))


def one_of(field: str, values) -> Q:
    """``field`` equal to one of ``values``: ids, or one expression (``__in`` on a foreign key takes no
    expressions, ``=`` does)."""
    values = list(values)
    return Q(**{field: values[0]}) if len(values) == 1 else Q(**{f"{field}__in": values})


class BlockedNumber(models.Model):
    class Reason(models.TextChoices):
        VICTIM_REQUEST = "victim_request", "Victim's request"
        CALLED_PARTY_REQUEST = "called_party_request", "Called party's request"
        INVESTIGATION = "investigation", "Investigation"
        OTHER = "other", "Other"

    class Source(models.TextChoices):
        """Where a called party's request came from."""

        PHONE = "phone", "Telephone call"
        IN_PERSON = "in_person", "In person"
        LETTER = "letter", "Letter"
        KEYPAD = "keypad", "Opt-out key pressed during a call"

    # The reasons that are the called party's own request: lifted only at their request (or, for a victim,
    # on court or prosecutor paperwork).
    CALLED_PARTY_REASONS = (Reason.CALLED_PARTY_REQUEST, Reason.VICTIM_REQUEST)

    number = models.CharField(max_length=NUMBER_LENGTH)
    facility = models.ForeignKey(
        "facilities.Facility", on_delete=models.PROTECT, related_name="blocked_numbers",
        help_text="The facility that entered the block (it applies there, or everywhere when system-wide).",
    )
    system_wide = models.BooleanField(default=False)
    reason = models.CharField(max_length=32, choices=Reason.choices)
    note = models.TextField()
    starts_at = models.DateTimeField(default=timezone.now)
    ends_at = models.DateTimeField(null=True, blank=True, help_text="Leave empty to block until lifted.")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ended_at = models.DateTimeField(null=True, blank=True, help_text="When the block was lifted.")
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    end_note = models.TextField(blank=True)
    end_paperwork = models.CharField(
        max_length=255, blank=True, help_text="Court or prosecutor paperwork lifting a victim's block."
    )
    # Called-party blocks ("do not call me", domain.md §9): the person called asked for it.
    inmate = models.ForeignKey(
        "facilities.Inmate", null=True, blank=True, on_delete=models.PROTECT, related_name="called_party_blocks",
        help_text="Only this inmate may not call the number; empty: no inmate (of the facility, or anywhere).",
    )
    source = models.CharField(max_length=16, choices=Source.choices, blank=True,
                              help_text="Where the called party's request came from.")
    identity_check = models.CharField(max_length=255, blank=True,
                                      help_text="How staff checked that the requester holds the number.")
    inmate_told = models.BooleanField(default=False, help_text="The inmate is told of the block (a notice on "
                                                               "the inmate's page).")
    end_called_party_asked = models.BooleanField(
        default=False, help_text="The block was lifted because the called party asked for it themselves.")

    objects = BlockedNumberQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(note=""), name="blocked_number_note_required"),
        ]
        indexes = [
            models.Index(fields=["number"], condition=Q(ended_at__isnull=True), name="blocked_number_open"),
            models.Index(fields=["facility", "-created_at"]),
        ]

    def __str__(self) -> str:
        where = "system-wide" if self.system_wide else f"at {self.facility.code}"
        return f"{self.number} blocked {where}"

    def is_active(self, at: dt.datetime | None = None) -> bool:
        at = at or timezone.now()
        return self.ended_at is None and self.starts_at <= at and (self.ends_at is None or self.ends_at > at)

    @property
    def called_party(self) -> bool:
        """A block the called party asked for (recorded with its source)."""
        return bool(self.source) or self.reason == self.Reason.CALLED_PARTY_REQUEST


# --------------------------------------------------------------------------- the facility number library


class LibraryNumberQuerySet(models.QuerySet):
    def open(self):
        return self.filter(removed_at__isnull=True)

    def applying_to(self, *facility_ids):
        """Library numbers that inmates of any of ``facility_ids`` may call: kept there, or system-wide (ids,
        or one expression, as for blocks)."""
        return self.filter(Q(system_wide=True) | one_of("facility_id", facility_ids))


class LibraryNumber(models.Model):
    """A number every inmate of a facility (or of the system) may call without a list entry (domain.md §9):
    the sexual-abuse reporting hotline (PREA), the public defender, consulates, a chaplaincy line."""

    class Category(models.TextChoices):
        PREA_HOTLINE = "prea_hotline", "Sexual-abuse reporting hotline (PREA)"
        PUBLIC_DEFENDER = "public_defender", "Public defender"
        CONSULATE = "consulate", "Consulate"
        CHAPLAINCY = "chaplaincy", "Chaplaincy"
        OTHER = "other", "Other"

    number = models.CharField(max_length=NUMBER_LENGTH)
    name = models.CharField(max_length=200, help_text="Who answers, in plain words.")
    category = models.CharField(max_length=32, choices=Category.choices)
    facility = models.ForeignKey(
        "facilities.Facility", on_delete=models.PROTECT, related_name="library_numbers",
        help_text="The facility whose warden added it (it applies there, or everywhere when system-wide).",
    )
    system_wide = models.BooleanField(default=False)
    monitored = models.BooleanField(default=True, help_text="Privileged lines are not monitored.")
    charged = models.BooleanField(default=False, help_text="Calls count against the inmate's minutes.")
    calling_hours_apply = models.BooleanField(default=True, help_text="Calls only inside the calling hours.")
    gap_applies = models.BooleanField(default=False, help_text="The gap between calls applies.")
    added_at = models.DateTimeField(default=timezone.now)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    add_reason = models.TextField()
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    remove_reason = models.TextField(blank=True)

    objects = LibraryNumberQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["category", "name", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(add_reason=""), name="library_number_reason_required"),
            models.UniqueConstraint(fields=["facility", "number"], condition=Q(removed_at__isnull=True),
                                    name="library_number_one_open_per_facility"),
        ]
        indexes = [
            models.Index(fields=["number"], condition=Q(removed_at__isnull=True), name="library_number_open"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.number})"


# --------------------------------------------------------------------------- list limits with a warden's leave


class ListLeave(models.Model):
    """A warden's leave for one inmate's list (domain.md §9): a larger list and/or one list change inside the
    policy's change interval, with a reason and a last day. ``selectors.effective_list_limits`` is the one
    place that combines it with the policy."""

    inmate = models.ForeignKey("facilities.Inmate", on_delete=models.PROTECT, related_name="list_leaves")
    facility = models.ForeignKey("facilities.Facility", on_delete=models.PROTECT, related_name="list_leaves",
                                 help_text="The facility whose warden granted it.")
    list_size = models.PositiveIntegerField(null=True, blank=True,
                                            help_text="The list size allowed instead of the policy's.")
    waive_interval = models.BooleanField(default=False, help_text="One list change inside the change interval.")
    reason = models.TextField()
    ends_on = models.DateField(help_text="The last day the leave applies (facility's local day).")
    granted_at = models.DateTimeField(default=timezone.now)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    waiver_used_at = models.DateTimeField(null=True, blank=True, help_text="When a list change used the waiver.")
    waiver_used_by = models.ForeignKey(
        "PhoneListEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="The entry whose addition used the waiver.",
    )
    ended_at = models.DateTimeField(null=True, blank=True, help_text="When a warden ended it early.")
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    end_reason = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-granted_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="list_leave_reason_required"),
            models.CheckConstraint(condition=Q(list_size__isnull=False) | Q(waive_interval=True),
                                   name="list_leave_grants_something"),
            models.CheckConstraint(condition=Q(list_size__isnull=True) | Q(list_size__gte=1),
                                   name="list_leave_size_positive"),
        ]
        indexes = [models.Index(fields=["inmate", "ends_on"], condition=Q(ended_at__isnull=True),
                                name="list_leave_inmate_open")]

    def __str__(self) -> str:
        return f"List leave for {self.inmate} until {self.ends_on}"


# --------------------------------------------------------------------------- phone lists


class Relationship(models.TextChoices):
    SPOUSE = "spouse", "Spouse or partner"
    PARENT = "parent", "Parent"
    CHILD = "child", "Child"
    SIBLING = "sibling", "Brother or sister"
    OTHER_FAMILY = "other_family", "Other family"
    FRIEND = "friend", "Friend"
    ATTORNEY = "attorney", "Attorney"
    EMPLOYER = "employer", "Employer"
    CLERGY = "clergy", "Clergy"
    OTHER = "other", "Other"


class DecisionReason(models.TextChoices):
    """The fixed list of reasons for a reviewer's decision (issue 3 §5)."""

    APPROVED = "approved", "Approved"
    NOT_VERIFIED = "not_verified", "Could not be verified"
    CO_DEFENDANT = "co_defendant", "Co-defendant"
    VICTIM_WITNESS = "victim_witness", "Victim or witness"
    NO_CONTACT_ORDER = "no_contact_order", "No-contact order"
    BLOCKED_NUMBER = "blocked_number", "Blocked number"
    LIST_FULL = "list_full", "List full"
    CALLED_PARTY_REFUSED = "called_party_refused", "Called party refused"
    SECURITY_CONCERN = "security_concern", "Security concern"
    OTHER = "other", "Other (see note)"


class PhoneListEntry(TransitionMixin, models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for review"
        LIVE = "live", "Live"
        DENIED = "denied", "Denied"
        SUSPENDED = "suspended", "Suspended"
        REMOVED = "removed", "Removed"

    class Source(models.TextChoices):
        STAFF = "staff", "Staff entry (paper form)"
        KIOSK = "kiosk", "Kiosk request"

    OPEN_STATUSES = (Status.PENDING, Status.LIVE, Status.SUSPENDED)
    # The entries that hold a place on the list: they count against its size (attorneys apart where the policy
    # says so, ``list_counted_q``), a contact's changed number may replace them, and another inmate's copy of
    # the number makes it shared.
    LISTED_STATUSES = (Status.PENDING, Status.LIVE)

    TRANSITIONS = {
        Status.PENDING: {Status.LIVE, Status.DENIED, Status.REMOVED},
        Status.LIVE: {Status.SUSPENDED, Status.PENDING, Status.REMOVED},
        Status.SUSPENDED: {Status.PENDING, Status.DENIED, Status.REMOVED},
        Status.DENIED: set(),
        Status.REMOVED: set(),
    }
    TRANSITION_NOUN = "phone-list entry"

    inmate = models.ForeignKey("facilities.Inmate", on_delete=models.PROTECT, related_name="phone_list")
    facility = models.ForeignKey(
        "facilities.Facility", on_delete=models.PROTECT, related_name="phone_list_entries",
        help_text="The inmate's facility (kept in step on transfer) for the review queue.",
    )
    number = models.CharField(max_length=NUMBER_LENGTH)
    contact_name = models.CharField(max_length=200)
    relationship = models.CharField(max_length=16, choices=Relationship.choices)
    legal = models.BooleanField(default=False, help_text="An attorney's number: calls are not monitored.")
    bar_number = models.CharField(max_length=32, blank=True)
    bar_state = models.CharField(max_length=2, blank=True)
    legal_verified_at = models.DateTimeField(null=True, blank=True)
    legal_verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField(max_length=8, choices=Source.choices)
    requested_by = models.CharField(max_length=150, help_text="The staff member or platform client that entered it.")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    has_block = models.BooleanField(default=False, help_text="An open finding of severity block.")
    has_review = models.BooleanField(default=False, help_text="An open finding of severity review.")
    created_at = models.DateTimeField(default=timezone.now)
    status_changed_at = models.DateTimeField(default=timezone.now)
    went_live_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decision_reason = models.CharField(max_length=32, choices=DecisionReason.choices, blank=True)
    decision_note = models.TextField(blank=True)
    screened_at = models.DateTimeField(null=True, blank=True)
    replaces = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaced_by",
        help_text="The entry this one replaces because the contact's number changed (that entry is removed; "
                  "such a change is exempt from the list-change interval).",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "phone list entries"
        constraints = [
            models.UniqueConstraint(
                fields=["inmate", "number"],
                condition=Q(status__in=["pending", "live", "suspended"]),
                name="phone_entry_one_open_per_number",
            ),
            models.CheckConstraint(
                condition=~Q(status="live", legal=True, legal_verified_at__isnull=True),
                name="phone_entry_legal_live_verified",
            ),
        ]
        indexes = [
            models.Index(fields=["number", "status"], name="phone_entry_number_status"),
            models.Index(fields=["inmate", "status"], name="phone_entry_inmate_status"),
            # The review queue: its order (oldest first), its status and age filters, its page ids and its
            # counts all come from this index alone (index-only scans), however long the queue.
            models.Index(
                fields=["facility", "status", "created_at", "id"],
                include=["has_review", "has_block", "legal", "relationship"],
                condition=Q(status__in=["pending", "suspended"]), name="phone_entry_queue_open",
            ),
            # The dashboard's numbers added and decided per day (``list_flow_per_day``): a month of one facility.
            models.Index(fields=["facility", "created_at"], name="phone_entry_facility_added"),
            models.Index(fields=["facility", "decided_at"], name="phone_entry_facility_decided"),
        ]

    def __str__(self) -> str:
        return f"{display_number(self.number)} ({self.contact_name}) on the list of {self.inmate}"

    @property
    def legal_verified(self) -> bool:
        return self.legal and self.legal_verified_at is not None


class EntryFinding(models.Model):
    class Kind(models.TextChoices):
        NO_CONTACT_ORDER = "no_contact_order", "No-contact order"
        BLOCKED_NUMBER = "blocked_number", "Blocked number"
        CO_DEFENDANT = "co_defendant", "Co-defendant"
        VICTIM_WITNESS = "victim_witness", "Victim or witness"
        SHARED_NUMBER = "shared_number", "Shared number"
        LIST_FULL = "list_full", "List full"
        CHANGE_TOO_SOON = "change_too_soon", "Changed too soon"
        NOT_CALLABLE = "not_callable", "Not callable"

    class Severity(models.TextChoices):
        BLOCK = "block", "Block"
        REVIEW = "review", "Review"

    entry = models.ForeignKey(PhoneListEntry, on_delete=models.CASCADE, related_name="findings")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    severity = models.CharField(max_length=8, choices=Severity.choices)
    reference = models.CharField(max_length=255, blank=True, help_text="Case number, order number, other inmate…")
    message = models.TextField()
    found_at = models.DateTimeField(default=timezone.now)
    cleared_at = models.DateTimeField(null=True, blank=True, help_text="When a later screening no longer found it.")

    class Meta:
        ordering = ["found_at", "id"]
        indexes = [
            # An entry's open findings, and "has an open finding of this kind" probed from the index alone.
            models.Index(fields=["entry", "kind"], condition=Q(cleared_at__isnull=True),
                         name="finding_entry_kind_open"),
            # The entries with an open finding of a kind (the queue's finding filter, as a semi-join).
            models.Index(fields=["kind", "entry"], condition=Q(cleared_at__isnull=True),
                         name="finding_kind_entry_open"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.severity}) {self.reference}"

    @property
    def open(self) -> bool:
        return self.cleared_at is None


# Why an entry's status changed (``EntryTransition.reason``), in words: the one mapping every page uses. The codes
# are the reviewer's decision reasons, screening's finding kinds and the portal's own moves.
TRANSITION_REASONS: dict[str, str] = {
    **dict(DecisionReason.choices),
    **dict(EntryFinding.Kind.choices),
    "requested": "Number requested",
    "clean": "Screening found nothing",
    "number_changed": "The contact's number changed",
    "removed": "Removed by staff",
    "suspended": "Suspended by staff",
    "back_to_review": "Sent back to review",
    "block_lifted": "The block on the number ended",
    "transferred": "The inmate was transferred here",  # approvals.selectors.TRANSFER_REASON
}


def transition_reason_label(code: str) -> str:
    """A transition's reason in words (an unknown code still reads as words, never as a code)."""
    return TRANSITION_REASONS.get(code) or code.replace("_", " ").capitalize()


class EntryTransition(models.Model):
    """Append-only: every change of an entry's status, with who, when and why."""

    entry = models.ForeignKey(PhoneListEntry, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=16, choices=PhoneListEntry.Status.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=PhoneListEntry.Status.choices)
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=150)
    reason = models.CharField(max_length=32, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["entry", "at"])]

    def __str__(self) -> str:
        return f"{self.from_status or 'new'} → {self.to_status} by {self.actor_label}"

    @property
    def why(self) -> str:
        """The reason in words, then the note: "Number requested: Staff entry (paper form)"."""
        note = self.note
        if self.reason == "requested" and note in PhoneListEntry.Source.values:  # the note is where it came from
            note = PhoneListEntry.Source(note).label
        label = transition_reason_label(self.reason) if self.reason else ""
        return f"{label}: {note}" if label and note else label or note
