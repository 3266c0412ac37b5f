"""The auditors' admin of the investigators' watch lists, the alerts they raised and the reviews: read-only for
everyone (the investigator changes an entry on their own pages, through the services), scoped to the facilities
where the reader is an auditor: the staff pages show a watch entry to its investigator only, so a role held
elsewhere (staff, warden, investigator) does not open another facility's watch lists here."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from facilities.admin_base import AppendOnlyAdmin, ScopedReadOnlyAdmin
from facilities.scoping import AUDITOR_ROLES

from .models import Review, WatchAlert, WatchEntry


def _admin_link(url_name: str, object_id: int, text) -> str:
    """A link to a record's admin page (the page itself checks that the reader may see it)."""
    return format_html('<a href="{}">{}</a>', reverse(url_name, args=[object_id]), text)


@admin.register(WatchEntry)
class WatchEntryAdmin(ScopedReadOnlyAdmin):
    facility_path = "facility"
    scope_roles = AUDITOR_ROLES
    append_only_history_template = "admin/investigations/watchentry_history.html"
    list_display = ["created_at", "facility", "kind", "number", "inmate", "owner", "reason", "ends_on", "review_by",
                    "ended_at", "ended_by", "end_reason"]
    list_filter = ["kind", "facility"]
    search_fields = ["number", "inmate__register_number", "inmate__last_name", "reason", "owner__username"]
    date_hierarchy = "created_at"
    list_select_related = ["facility", "inmate", "owner", "ended_by"]
    raw_id_fields = ["inmate"]


@admin.register(WatchAlert)
class WatchAlertAdmin(AppendOnlyAdmin):
    """Written once per entry and call by the ``investigations.watch_alerts`` task; only when it was e-mailed and
    when its investigator read it are filled in afterwards. The call is named by its id (the calls app is above
    this one): the column links to the call's own admin page."""

    facility_path = "facility"
    scope_roles = AUDITOR_ROLES
    append_only_history_template = "admin/investigations/watchalert_history.html"
    list_display = ["occurred_at", "facility", "watch", "call", "inmate", "number", "allowed", "emailed_at", "seen_at"]
    list_filter = ["allowed", "facility"]
    search_fields = ["number", "inmate__register_number", "inmate__last_name"]
    date_hierarchy = "occurred_at"
    list_select_related = ["facility", "inmate", "watch__inmate"]
    raw_id_fields = ["watch", "inmate"]
    fields = ["watch", "call", "facility", "inmate", "number", "allowed", "occurred_at", "created_at", "emailed_at",
              "seen_at"]
    readonly_fields = ["call"]

    @admin.display(description="Call", ordering="call_id")
    def call(self, alert: WatchAlert) -> str:
        return _admin_link("admin:calls_call_change", alert.call_id, alert.call_id)


@admin.register(Review)
class ReviewAdmin(AppendOnlyAdmin):
    """One review of a phone restriction, a block or a watch entry (append-only), named by kind and id: the
    "Reviewed" column links to that record's admin page."""

    facility_path = "facility"
    scope_roles = AUDITOR_ROLES
    REVIEWED_PAGES = {
        Review.Kind.RESTRICTION: "admin:calls_phonerestriction_change",
        Review.Kind.BLOCK: "admin:approvals_blockednumber_change",
        Review.Kind.WATCH: "admin:investigations_watchentry_change",
    }
    list_display = ["reviewed_at", "facility", "reviewed", "outcome", "review_by_before", "review_by_after", "reason",
                    "reviewed_by"]
    list_filter = ["kind", "outcome", "facility"]
    search_fields = ["reason", "reviewed_by__username", "reviewed_by__last_name"]
    date_hierarchy = "reviewed_at"
    list_select_related = ["facility", "reviewed_by"]
    fields = ["reviewed", "facility", "outcome", "review_by_before", "review_by_after", "reason", "reviewed_by",
              "reviewed_at"]
    readonly_fields = ["reviewed"]

    @admin.display(description="Reviewed", ordering="object_id")
    def reviewed(self, review: Review) -> str:
        return _admin_link(self.REVIEWED_PAGES[review.kind], review.object_id,
                           f"{review.get_kind_display()} {review.object_id}")
