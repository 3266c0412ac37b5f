from django.contrib import admin, messages

from audit.services import audit_record
from facilities.admin_base import ScopedReadOnlyAdmin

from .models import PlatformClient
from .services import platform_client_token_issue


@admin.register(PlatformClient)
class PlatformClientAdmin(ScopedReadOnlyAdmin):
    """System administrators add clients, change their facilities and issue tokens; each is audited."""

    facility_path = "facilities"
    system_admin = True
    list_display = ["name", "token_prefix", "active", "created_at", "last_used_at"]
    list_filter = ["active", "facilities"]
    search_fields = ["name", "token_prefix"]
    date_hierarchy = "created_at"
    readonly_fields = ["token_prefix", "created_at", "last_used_at"]
    filter_horizontal = ["facilities"]
    actions = ["issue_new_token"]

    def get_queryset(self, request):
        return super().get_queryset(request).distinct()

    def save_model(self, request, obj, form, change):
        if not change:
            token = obj.set_new_token()
            messages.warning(request, f"Token for {obj.name} (shown once, store it now): {token}")
        super().save_model(request, obj, form, change)
        facilities = form.cleaned_data.get("facilities")
        audit_record(action="platform_client_saved", actor=request.user, target=obj,
                     data={"changed": form.changed_data,
                           "facilities": sorted(f.code for f in facilities) if facilities is not None else None})

    @admin.action(description="Issue a new token (the old one stops working)", permissions=["change"])
    def issue_new_token(self, request, queryset):
        for client in queryset:
            token = platform_client_token_issue(client=client, actor=request.user)
            messages.warning(request, f"New token for {client.name} (shown once): {token}")
