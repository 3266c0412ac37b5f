from django.contrib import admin

from .admin_base import AppendOnlyAdmin
from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(AppendOnlyAdmin):
    facility_path = "facility"
    list_display = ["occurred_at", "action", "actor_label", "facility", "target_repr", "reason", "ip_address"]
    list_filter = ["action", "facility"]
    search_fields = ["actor_label", "target_repr", "reason", "action"]
    date_hierarchy = "occurred_at"
    list_select_related = ["facility"]

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        # Events tied to no facility (logins, exports) are visible to auditors of every facility.
        if not request.user.is_superuser:
            from facilities.scoping import facility_ids_for_user

            ids = facility_ids_for_user(request.user)
            if ids is not None:
                base = AuditEvent.objects.all()
                return base.filter(facility_id__in=ids) | base.filter(facility__isnull=True, actor=request.user)
        return qs
