"""Base class of every model admin: scoped to the user's facilities, view-only for auditors,
record history (django-simple-history) and CSV export of any list the user can see."""

from __future__ import annotations

import csv

from django.contrib import admin
from django.contrib.admin.utils import label_for_field, lookup_field
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.html import strip_tags
from simple_history.admin import SimpleHistoryAdmin

from core.csv import csv_cell, csv_row
from facilities.scoping import scope_for_user

EXPORT_PARAM = "_export"


class _Echo:
    def write(self, value):
        return value


class ScopedReadOnlyAdmin(SimpleHistoryAdmin):
    """``facility_path``: lookup from the model to its Facility ("" when the model is a Facility,
    None when the model belongs to no facility: then only superusers see it)."""

    facility_path: str | None = "facility"
    change_list_template = "admin/scoped_change_list.html"
    list_per_page = 50
    show_full_result_count = False

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        if self.facility_path is None:
            return qs.none()
        return scope_for_user(qs, request.user, path=self.facility_path or "self")

    # Only system administrators change anything here; auditors read.
    def has_add_permission(self, request, *args):
        return request.user.is_superuser and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_delete_permission(request, obj)

    def changelist_view(self, request, extra_context=None):
        if request.GET.get(EXPORT_PARAM) == "csv":
            return self.export_csv(request)
        return super().changelist_view(request, extra_context=extra_context)

    def export_csv(self, request):
        """The current list, with its filters, search and ordering, as CSV (every page)."""
        from audit.services import audit_record

        params = request.GET.copy()
        params.pop(EXPORT_PARAM, None)
        request.GET = params
        changelist = self.get_changelist_instance(request)
        queryset = changelist.get_queryset(request)
        fields = [f for f in changelist.list_display if f not in ("action_checkbox",)]
        header = [capfirst(strip_tags(str(label_for_field(f, self.model, self)))) for f in fields]
        opts = self.model._meta
        audit_record(
            action="csv_export", actor=request.user,
            data={"model": opts.label_lower, "filters": params.urlencode()},
        )

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
                    values.append(csv_cell(value, clean=strip_tags))
                yield writer.writerow(values)

        stamp = timezone.now().strftime("%Y%m%d-%H%M")
        response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{opts.model_name}-{stamp}.csv"'
        return response


class AppendOnlyAdmin(ScopedReadOnlyAdmin):
    """For append-only logs: nobody, superusers included, adds, changes or deletes through the admin."""

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
