from django.contrib import admin

from facilities.admin_base import AppendOnlyAdmin, ScopedReadOnlyAdmin

from .models import (
    BlockedNumber,
    CaseParty,
    CourtCase,
    EntryFinding,
    EntryTransition,
    LibraryNumber,
    ListLeave,
    NoContactOrder,
    PartyNumber,
    PhoneListEntry,
    ProtectedNumber,
)


class FindingInline(admin.TabularInline):
    model = EntryFinding
    extra = 0
    can_delete = False
    fields = ["kind", "severity", "reference", "message", "found_at", "cleared_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class TransitionInline(admin.TabularInline):
    model = EntryTransition
    extra = 0
    can_delete = False
    fields = ["at", "from_status", "to_status", "actor_label", "reason", "note"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(PhoneListEntry)
class PhoneListEntryAdmin(ScopedReadOnlyAdmin):
    list_display = ["number", "contact_name", "inmate", "facility", "status", "relationship", "legal", "source",
                    "created_at", "decided_by", "decision_reason"]
    list_filter = ["status", "source", "legal", "relationship", "decision_reason", "facility"]
    search_fields = ["number", "contact_name", "inmate__register_number", "inmate__last_name"]
    date_hierarchy = "created_at"
    list_select_related = ["inmate", "facility", "decided_by"]
    raw_id_fields = ["inmate"]
    inlines = [FindingInline, TransitionInline]


@admin.register(EntryFinding)
class EntryFindingAdmin(AppendOnlyAdmin):
    facility_path = "entry__facility"
    list_display = ["entry", "kind", "severity", "reference", "found_at", "cleared_at"]
    list_filter = ["kind", "severity"]
    search_fields = ["reference", "entry__number"]
    date_hierarchy = "found_at"
    list_select_related = ["entry__inmate"]  # an entry's title names its inmate


@admin.register(EntryTransition)
class EntryTransitionAdmin(AppendOnlyAdmin):
    facility_path = "entry__facility"
    list_display = ["entry", "from_status", "to_status", "actor_label", "reason", "note", "at"]
    list_filter = ["to_status", "reason"]
    search_fields = ["entry__number", "actor_label"]
    date_hierarchy = "at"
    list_select_related = ["entry__inmate"]


class PartyNumberInline(admin.TabularInline):
    model = PartyNumber
    extra = 0


class CasePartyInline(admin.TabularInline):
    model = CaseParty
    extra = 0
    fields = ["role", "name", "inmate", "removed_at", "removed_reason"]
    raw_id_fields = ["inmate"]


@admin.register(CourtCase)
class CourtCaseAdmin(ScopedReadOnlyAdmin):
    list_display = ["case_number", "court", "facility", "created_at", "created_by"]
    list_filter = ["facility"]
    search_fields = ["case_number", "court"]
    date_hierarchy = "created_at"
    inlines = [CasePartyInline]


@admin.register(CaseParty)
class CasePartyAdmin(ScopedReadOnlyAdmin):
    facility_path = "case__facility"
    list_display = ["name", "role", "case", "inmate", "created_at", "removed_at"]
    list_filter = ["role"]
    search_fields = ["name", "case__case_number", "numbers__number"]
    list_select_related = ["case", "inmate"]
    raw_id_fields = ["inmate", "case"]
    inlines = [PartyNumberInline]


@admin.register(PartyNumber)
class PartyNumberAdmin(ScopedReadOnlyAdmin):
    facility_path = "party__case__facility"
    list_display = ["number", "party"]
    search_fields = ["number"]
    list_select_related = ["party__case"]


class ProtectedNumberInline(admin.TabularInline):
    model = ProtectedNumber
    extra = 0


@admin.register(NoContactOrder)
class NoContactOrderAdmin(ScopedReadOnlyAdmin):
    list_display = ["order_number", "court", "inmate", "protected_name", "starts_on", "ends_on", "ended_at",
                    "facility"]
    list_filter = ["facility", "court"]
    search_fields = ["order_number", "protected_name", "inmate__register_number", "numbers__number"]
    date_hierarchy = "starts_on"
    list_select_related = ["inmate", "facility"]
    raw_id_fields = ["inmate", "case"]
    inlines = [ProtectedNumberInline]


@admin.register(ProtectedNumber)
class ProtectedNumberAdmin(ScopedReadOnlyAdmin):
    facility_path = "order__facility"
    list_display = ["number", "order"]
    search_fields = ["number"]
    list_select_related = ["order"]


@admin.register(BlockedNumber)
class BlockedNumberAdmin(ScopedReadOnlyAdmin):
    list_display = ["number", "facility", "system_wide", "inmate", "reason", "source", "note", "starts_at", "ends_at",
                    "ended_at", "created_by"]
    list_filter = ["reason", "source", "system_wide", "facility"]
    search_fields = ["number", "note"]
    date_hierarchy = "created_at"
    list_select_related = ["facility", "created_by", "inmate"]


@admin.register(LibraryNumber)
class LibraryNumberAdmin(ScopedReadOnlyAdmin):
    list_display = ["number", "name", "category", "facility", "system_wide", "monitored", "charged",
                    "calling_hours_apply", "gap_applies", "added_at", "removed_at"]
    list_filter = ["category", "system_wide", "monitored", "charged", "facility"]
    search_fields = ["number", "name"]
    date_hierarchy = "added_at"
    list_select_related = ["facility"]


@admin.register(ListLeave)
class ListLeaveAdmin(ScopedReadOnlyAdmin):
    list_display = ["inmate", "facility", "list_size", "waive_interval", "ends_on", "waiver_used_at", "granted_by",
                    "granted_at", "ended_at"]
    list_filter = ["waive_interval", "facility"]
    search_fields = ["inmate__register_number", "reason"]
    date_hierarchy = "granted_at"
    list_select_related = ["inmate", "facility", "granted_by"]
