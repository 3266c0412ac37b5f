"""Base class of every model admin: scoped to the user's facilities, view-only for auditors,
record history (django-simple-history) and CSV export of any list the user can see.

Domain records (phone lists, screening, calls, minutes, emergencies, the roster, policies...) change
only through their app's services, which check the rules and write the audit trail: in the admin
they are read-only for everyone, superusers included (no add, change, delete or revert). Only the
system administration models (``system_admin = True``: facilities, role assignments, platform
clients, users) may be changed there, by superusers, and every such change is audited.
"""

from __future__ import annotations

import csv
import datetime as dt

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import (
    NotRelationField,
    flatten_fieldsets,
    get_fields_from_path,
    label_for_field,
    lookup_field,
    unquote,
)
from django.contrib.admin.views.main import ERROR_FLAG
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db.models import F
from django.http import Http404, HttpResponseRedirect, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import capfirst
from simple_history.admin import SimpleHistoryAdmin

from audit.services import audit_record
from core.csv import csv_cell, csv_row

from .models import Facility
from .scoping import scope_for_user
from .times import iso_local, zone_lookup

EXPORT_PARAM = "_export"


class _Echo:
    def write(self, value):
        return value


def _facility_of(obj):
    """The facility a system record belongs to, for the audit event (None when it has none or many)."""
    if isinstance(obj, Facility):
        return obj
    facility = getattr(obj, "facility", None)
    return facility if isinstance(facility, Facility) else None


class AuditedAdminMixin:
    """Every add, change (a revert included) and deletion made in the admin is written to the audit
    trail, in the same transaction as the change: who, when, which record and which fields."""

    def _audit(self, request, action: str, obj, data: dict) -> None:
        audit_record(action=action, actor=request.user, facility=_facility_of(obj), target=obj,
                     data={"model": obj._meta.label_lower, **data})

    def log_addition(self, request, obj, message):
        self._audit(request, "admin_added", obj, {"change": message})
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        self._audit(request, "admin_changed", obj, {"change": message})
        return super().log_change(request, obj, message)

    def log_deletions(self, request, queryset):
        for obj in queryset:
            self._audit(request, "admin_deleted", obj, {"object": str(obj)})
        return super().log_deletions(request, queryset)


class ScopedReadOnlyAdmin(AuditedAdminMixin, SimpleHistoryAdmin):
    """``facility_path``: lookup from the model to its Facility ("" when the model is a Facility,
    None when the model belongs to no facility: then only superusers see it).

    ``system_admin``: superusers add, change and delete these records here (audited); for every
    other model the admin is read-only for everyone.

    ``scope_roles``: the roles whose facilities the list shows (None: every role that reads a facility's
    pages). Records the staff pages show to no other role (investigators' watch lists) are shown to the
    auditors of their facility only, not to an auditor who also holds another role at another facility."""

    facility_path: str | None = "facility"
    system_admin: bool = False
    scope_roles: frozenset[str] | None = None
    change_list_template = "admin/scoped_change_list.html"
    append_only_history_template = "admin/append_only_history.html"
    list_per_page = 50
    show_full_result_count = False

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        if self.facility_path is None:
            return qs.none()
        return scope_for_user(qs, request.user, path=self.facility_path or "self", roles=self.scope_roles)

    def get_list_filter(self, request):
        """A filter on a related model offers only the values found in the user's own records:
        Django's plain related filter lists every row of the related table (every facility)."""
        scoped = []
        for item in super().get_list_filter(request):
            if isinstance(item, str):
                try:
                    field = get_fields_from_path(self.model, item)[-1]
                except (FieldDoesNotExist, NotRelationField):
                    field = None
                if field is not None and field.is_relation:
                    item = (item, admin.RelatedOnlyFieldListFilter)
            scoped.append(item)
        return scoped

    # Only system administrators change anything here, and only system records; auditors read.
    def _may_write(self, request) -> bool:
        return self.system_admin and request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request, *args):
        return self._may_write(request) and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return self._may_write(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._may_write(request) and super().has_delete_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        shown = getattr(request, "_history_form_readonly", None)
        if shown is not None:  # a version shown to a reader: every field as text, no input
            return shown
        return super().get_readonly_fields(request, obj)

    # ---------------------------------------------------------------- history, scoped as the change view

    @property
    def has_record_history(self) -> bool:
        return hasattr(self.model._meta, "simple_history_manager_attribute")

    def _scoped_object_or_redirect(self, request, object_id):
        """(obj, None) for an object of the user's facilities they may view, else (None, response):
        the same redirect as the change view for an object outside their scope."""
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            return None, self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        return obj, None

    def history_view(self, request, object_id, extra_context=None):
        obj, refusal = self._scoped_object_or_redirect(request, object_id)
        if refusal is not None:
            return refusal
        if not self.has_record_history:
            return self.append_only_history_view(request, obj, extra_context)
        return super().history_view(request, str(obj.pk), extra_context)

    def append_only_history_view(self, request, obj, extra_context=None):
        """Append-only records are written once and never changed: their page says so."""
        opts = self.opts
        context = {
            **self.admin_site.each_context(request),
            "title": f"History: {obj}",
            "subtitle": None,
            "object": obj,
            "opts": opts,
            "app_label": opts.app_label,
            "module_name": capfirst(opts.verbose_name_plural),
            "preserved_filters": self.get_preserved_filters(request),
            **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.append_only_history_template, context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        """One past version of a record of the user's facilities (404 for a version of another record).
        Reverting to it needs change permission: only superusers, on system records."""
        if not self.has_record_history:
            raise Http404("This record is append-only: it has no versions.")
        obj, refusal = self._scoped_object_or_redirect(request, object_id)
        if refusal is not None:
            return refusal
        history = getattr(self.model, self.opts.simple_history_manager_attribute)
        version = str(version_id)
        if not (version.isascii() and version.isdigit() and len(version) <= 18):
            raise Http404("No such version.")
        if not history.filter(**{self.opts.pk.attname: obj.pk, "history_id": int(version)}).exists():
            raise Http404("No such version of this record.")
        if not self.has_change_permission(request, obj):
            if request.method == "POST":
                raise PermissionDenied
            request._history_form_readonly = flatten_fieldsets(self.get_fieldsets(request, obj))
        return super().history_form_view(request, str(obj.pk), version, extra_context)

    # ---------------------------------------------------------------- CSV export

    def changelist_view(self, request, extra_context=None):
        if request.GET.get(EXPORT_PARAM) == "csv":
            return self.export_csv(request)
        return super().changelist_view(request, extra_context=extra_context)

    def export_csv(self, request):
        """The current list, with its filters, search and ordering, as CSV (every page). Filters the
        list would refuse redirect exactly as the list does (``?e=1``); nothing is recorded then."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        params = request.GET.copy()
        params.pop(EXPORT_PARAM, None)
        request.GET = params
        try:
            changelist = self.get_changelist_instance(request)
            queryset = changelist.get_queryset(request)
        except IncorrectLookupParameters:
            return HttpResponseRedirect(request.path + "?" + ERROR_FLAG + "=1")
        fields = [f for f in changelist.list_display if f not in ("action_checkbox",)]
        header = [capfirst(strip_tags(str(label_for_field(f, self.model, self)))) for f in fields]
        opts = self.model._meta
        audit_record(
            action="csv_export", actor=request.user,
            data={"model": opts.label_lower, "filters": params.urlencode()},
        )

        # Moments in ISO 8601 with the offset, in the time zone of the row's facility (UTC when it has none).
        zone = zone_lookup(self.model, self.facility_path)
        if zone:
            queryset = queryset.annotate(_csv_zone=F(zone))

        def rows():
            writer = csv.writer(_Echo())
            yield writer.writerow(csv_row(header))
            for obj in queryset.iterator(chunk_size=2000):
                values = []
                for name in fields:
                    try:
                        _f, _attr, value = lookup_field(name, obj, self)
                    except (AttributeError, ValueError):
                        value = ""
                    if isinstance(value, dt.datetime) and timezone.is_aware(value):
                        value = iso_local(value, getattr(obj, "_csv_zone", None) or "UTC")
                    values.append(csv_cell(value, clean=strip_tags))
                yield writer.writerow(values)

        stamp = timezone.now().strftime("%Y%m%d-%H%M")
        response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{opts.model_name}-{stamp}.csv"'
        return response


class AppendOnlyAdmin(ScopedReadOnlyAdmin):
    """For append-only logs: nobody, superusers included, adds, changes or deletes through the admin;
    they have no versions (their History page says so)."""

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        return {}


admin.site.site_header = "Inmate telephone portal · audit"
admin.site.site_title = "Phone portal audit"
admin.site.index_title = "Records, decisions and their history"
