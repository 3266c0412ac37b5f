from django.contrib import admin

from facilities.admin_base import AppendOnlyAdmin, ScopedReadOnlyAdmin

from .models import Call, LedgerEntry, MinuteBalance, MonthlyReset, PhoneRestriction


@admin.register(Call)
class CallAdmin(AppendOnlyAdmin):
    facility_path = "facility"
    list_display = ["id", "requested_at", "facility", "inmate", "number", "kind", "monitored", "status", "reasons",
                    "max_minutes", "duration_seconds", "minutes_charged", "client_label"]
    list_filter = ["status", "kind", "monitored", "facility"]
    search_fields = ["number", "inmate__register_number", "inmate__last_name"]
    date_hierarchy = "requested_at"
    list_select_related = ["facility", "inmate"]
    raw_id_fields = ["inmate", "client", "emergency_request"]


@admin.register(LedgerEntry)
class LedgerEntryAdmin(AppendOnlyAdmin):
    facility_path = "facility"
    list_display = ["created_at", "facility", "inmate", "kind", "minutes", "balance_after", "period", "actor_label",
                    "reason"]
    list_filter = ["kind", "facility"]
    search_fields = ["inmate__register_number", "inmate__last_name", "reason", "actor_label"]
    date_hierarchy = "created_at"
    list_select_related = ["facility", "inmate"]
    raw_id_fields = ["inmate", "call", "reset"]


@admin.register(MinuteBalance)
class MinuteBalanceAdmin(AppendOnlyAdmin):
    facility_path = "inmate__facility"
    list_display = ["inmate", "minutes", "period", "last_call_started_at", "open_call", "updated_at"]
    search_fields = ["inmate__register_number", "inmate__last_name"]
    list_select_related = ["inmate", "open_call"]
    raw_id_fields = ["inmate", "open_call"]


@admin.register(PhoneRestriction)
class PhoneRestrictionAdmin(ScopedReadOnlyAdmin):
    facility_path = "facility"
    list_display = ["inmate", "facility", "starts_at", "ends_at", "reason", "imposed_by", "lifted_at", "lifted_by",
                    "lift_reason"]
    list_filter = ["facility"]
    search_fields = ["inmate__register_number", "inmate__last_name", "reason"]
    list_select_related = ["inmate", "facility", "imposed_by", "lifted_by"]
    raw_id_fields = ["inmate"]


@admin.register(MonthlyReset)
class MonthlyResetAdmin(AppendOnlyAdmin):
    facility_path = "facility"
    list_display = ["facility", "period", "reset_at", "status", "inmates_reset", "minutes_voided", "minutes_granted",
                    "runs", "started_at", "finished_at", "duration_ms"]
    list_filter = ["status", "facility"]
    list_select_related = ["facility"]
