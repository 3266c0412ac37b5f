from django.contrib import admin

from facilities.admin_base import AppendOnlyAdmin, ScopedReadOnlyAdmin

from .models import EmergencyRequest, EmergencyRequestEvent


class EmergencyRequestEventInline(admin.TabularInline):
    model = EmergencyRequestEvent
    extra = 0
    can_delete = False
    fields = ["at", "kind", "actor_label", "from_status", "to_status", "note", "data"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(EmergencyRequest)
class EmergencyRequestAdmin(ScopedReadOnlyAdmin):
    facility_path = "facility"
    list_display = [
        "id", "facility", "inmate", "category", "caller_name", "caller_number", "relationship", "channel",
        "received_at", "logged_by", "status", "decided_by", "decided_at", "decision_note", "window_start",
        "window_end", "call_minutes", "charged", "message_delivered_by", "message_delivered_at", "escalated_at",
        "used_at", "closed_at",
    ]
    list_filter = ["status", "category", "channel", "charged", "facility"]
    search_fields = ["caller_number", "caller_name", "inmate__register_number", "inmate__last_name"]
    date_hierarchy = "received_at"
    list_select_related = ["facility", "inmate", "logged_by", "decided_by"]
    inlines = [EmergencyRequestEventInline]


@admin.register(EmergencyRequestEvent)
class EmergencyRequestEventAdmin(AppendOnlyAdmin):
    facility_path = "request__facility"
    list_display = ["at", "request", "kind", "actor_label", "from_status", "to_status", "note"]
    list_filter = ["kind"]
    search_fields = ["request__caller_number", "request__inmate__register_number", "actor_label"]
    date_hierarchy = "at"
    list_select_related = ["request__inmate"]
