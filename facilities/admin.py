from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AuditEvent

from .admin_base import AppendOnlyAdmin, AuditedAdminMixin, ScopedReadOnlyAdmin
from .models import CallingPolicy, CustodyEvent, Facility, Inmate, RoleAssignment
from .scoping import AUDITOR_ROLES, facility_ids_for_user
from .services import facility_create, second_factor_reset, sign_out_everywhere


class CallingPolicyInline(admin.StackedInline):
    """Shown read-only: the policy changes only on the warden's policy page (``policy_update``, audited)."""

    model = CallingPolicy
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Facility)
class FacilityAdmin(ScopedReadOnlyAdmin):
    """System administrators add facilities (through ``facility_create``: with a policy, audited) and
    rename or deactivate them (audited). A facility is never deleted here: its records would go with it."""

    facility_path = ""
    system_admin = True
    list_display = ["code", "name", "kind", "timezone", "active", "created_at"]
    list_filter = ["kind", "active", "timezone"]
    search_fields = ["code", "name"]
    date_hierarchy = "created_at"
    inlines = [CallingPolicyInline]

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        created = facility_create(code=obj.code, name=obj.name, kind=obj.kind, timezone=obj.timezone,
                                  actor=request.user)
        if not obj.active:
            created.active = False
            created._history_user = request.user
            created.save(update_fields=["active"])
        obj.pk, obj.created_at = created.pk, created.created_at
        obj._state.adding, obj._state.db = False, created._state.db


@admin.register(CallingPolicy)
class CallingPolicyAdmin(ScopedReadOnlyAdmin):
    list_display = [
        "facility", "monthly_minutes", "per_call_minutes", "call_gap_minutes", "reset_day", "calling_hours_start",
        "calling_hours_end", "list_mode", "screen_codefendants", "list_size", "review_target_days", "updated_at",
    ]
    list_filter = ["list_mode", "screen_codefendants", "facility__kind"]
    search_fields = ["facility__code", "facility__name"]
    date_hierarchy = "updated_at"
    list_select_related = ["facility"]


@admin.register(Inmate)
class InmateAdmin(ScopedReadOnlyAdmin):
    list_display = ["register_number", "last_name", "first_name", "facility", "housing_unit", "status", "admitted_on", "released_on"]
    list_filter = ["status", "facility"]
    search_fields = ["register_number", "last_name", "first_name"]
    date_hierarchy = "admitted_on"
    list_select_related = ["facility"]


@admin.register(CustodyEvent)
class CustodyEventAdmin(AppendOnlyAdmin):
    facility_path = "inmate__facility"
    list_display = ["occurred_on", "kind", "inmate", "from_facility", "to_facility", "source", "reason", "recorded_at"]
    list_filter = ["kind"]
    search_fields = ["inmate__register_number", "inmate__last_name", "source", "reason"]
    date_hierarchy = "occurred_on"
    list_select_related = ["inmate", "from_facility", "to_facility"]


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(ScopedReadOnlyAdmin):
    """System administrators grant and revoke roles; each grant, change and revocation is audited
    (``facilities.receivers``) with the administrator as its actor."""

    system_admin = True
    list_display = ["user", "role", "facility", "all_facilities", "granted_by", "granted_at"]
    list_filter = ["role", "all_facilities", "facility"]
    search_fields = ["user__username", "user__last_name", "facility__code"]
    date_hierarchy = "granted_at"
    list_select_related = ["user", "facility", "granted_by"]
    exclude = ["granted_by"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.granted_by = request.user
        obj._changed_by = request.user
        super().save_model(request, obj, form, change)

    def delete_model(self, request, obj):
        obj._changed_by = request.user
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:  # one by one, so that each revocation is audited with its actor
            self.delete_model(request, obj)


# Users and groups: system administration (superusers only), every change audited.
User = get_user_model()
admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(User)
class AuditedUserAdmin(AuditedAdminMixin, UserAdmin):
    """Superusers also reset a user's two-factor sign-in (lost phone) and sign a user out everywhere here:
    services ``second_factor_reset`` and ``sign_out_everywhere``, both audited."""

    actions = ["reset_two_factor", "sign_out_everywhere"]
    SUPERUSER_ACTIONS = ("reset_two_factor", "sign_out_everywhere")

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not request.user.is_superuser:
            for name in self.SUPERUSER_ACTIONS:
                actions.pop(name, None)
        return actions

    @admin.action(description="Reset two-factor sign-in (they set it up again at their next sign-in)")
    def reset_two_factor(self, request, queryset):
        if not request.user.is_superuser:
            raise PermissionDenied
        for user in queryset:
            second_factor_reset(user=user, actor=request.user, reason="reset in the admin")
        self.message_user(request, f"{queryset.count()} user(s): two-factor sign-in was reset and their sessions "
                                   "ended; they set it up again at their next sign-in.", messages.SUCCESS)

    @admin.action(description="Sign out everywhere (end all their sessions)")
    def sign_out_everywhere(self, request, queryset):
        if not request.user.is_superuser:
            raise PermissionDenied
        ended = sum(sign_out_everywhere(user=user, actor=request.user, reason="from the admin") for user in queryset)
        self.message_user(request, f"{queryset.count()} user(s) signed out everywhere ({ended} session(s) ended).",
                          messages.SUCCESS)


# Authenticator secrets and recovery codes are not shown in the admin (django-otp registers them): a superuser
# resets a user's devices with the action above.
for _device_model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_device_model):
        admin.site.unregister(_device_model)


@admin.register(Group)
class AuditedGroupAdmin(AuditedAdminMixin, GroupAdmin):
    pass


# The investigations app's audit actions on its watch lists (investigations/services.py, reviews.py; the app is
# above this one): tests/investigations/test_admin.py checks that no other watch event reaches a non-auditor.
WATCH_ACTIONS = ("watch_added", "watch_ended", "watch_alert", "watch_reviewed")


# The audit trail's admin lives here, above the audit app, because its list is scoped to the auditor's facilities.
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
        if request.user.is_superuser:
            return qs
        ids = facility_ids_for_user(request.user)
        if ids is not None:
            base = AuditEvent.objects.all()
            qs = base.filter(facility_id__in=ids) | base.filter(facility__isnull=True, actor=request.user)
        # The investigators' watch activity (watch_added, watch_ended, watch_alert, watch_reviewed) is read where the
        # reader is an auditor only, as the watch lists themselves (investigations/admin.py): not through a role
        # held at another facility, whose staff pages show a watch to its investigator only.
        audited = facility_ids_for_user(request.user, roles=AUDITOR_ROLES)
        if audited is not None:
            qs = qs.exclude(Q(action__in=WATCH_ACTIONS) & Q(facility__isnull=False)
                            & ~Q(facility_id__in=audited))
        return qs
