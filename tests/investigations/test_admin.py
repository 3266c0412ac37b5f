"""The auditors' admin of watch entries, watch alerts and reviews: what an auditor reads on each list and record,
nothing of another facility (its ids answer like missing records), nothing changed by a complete valid form, and
only the auditors of the facility (an auditor's other roles elsewhere do not widen it).

Every admin URL of these models, for every persona, is also walked by ``tests/test_admin_matrix.py``."""

import csv
import datetime as dt
import html
import importlib
import io
import re

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.test import RequestFactory
from django.urls import reverse

from approvals.models import BlockedNumber
from calls import services as calls
from calls.reviews import restriction_review
from facilities.models import Role, RoleAssignment
from investigations import services
from investigations.models import Review, WatchAlert, WatchEntry
from tests.admin_forms import change_form_data, editable_admin
from tests.approvals.factories import BlockedNumberFactory
from tests.auth import signed_in
from tests.factories import UserFactory, user_with_role

from .conftest import END, NOON

pytestmark = pytest.mark.django_db

NUMBER = "+13125550123"
OTHER_NUMBER = "+12125550177"
MODELS = [WatchEntry, WatchAlert, Review]


def _url(model, view: str, *args) -> str:
    return reverse(f"admin:investigations_{model._meta.model_name}_{view}", args=args)


def _fields(response) -> dict[str, str]:
    """The read-only change page as {label: visible text}."""
    assert response.status_code == 200, response.status_code
    found = {}
    for label, value in re.findall(r"<label>([^<]*):</label>\s*<div class=\"readonly\">(.*?)</div>",
                                   response.content.decode(), flags=re.DOTALL):
        found[label] = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", value))).strip()
    assert found, "no read-only field on the page"
    return found


def _rows(response) -> list[str]:
    """The change list's rows, each as its visible text."""
    assert response.status_code == 200, response.status_code
    body = response.content.decode()
    rows = re.findall(r"<tr>(.*?)</tr>", body.split('id="result_list"', 1)[1].split("</table>", 1)[0],
                      flags=re.DOTALL)
    return [re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", row))).strip() for row in rows[1:]]


@pytest.fixture
def other_investigator(other):
    return user_with_role(Role.INVESTIGATOR, other, username="other_investigator")


@pytest.fixture
def watched(clock, investigator, other_investigator, home, other, inmate, other_inmate, staff, warden,
            django_capture_on_commit_callbacks):
    """At home: a number watched (dialled once, denied: one alert), reviewed (keep); an inmate watched, ended by a
    review; an investigation block reviewed by staff; a restriction reviewed by the warden. At other: a number
    watched, dialled, reviewed."""
    number = services.watch_add(actor=investigator, facility=home, kind=WatchEntry.Kind.NUMBER, number=NUMBER,
                                reason="Contraband drop-offs", ends_on=END)
    person = services.watch_add(actor=investigator, facility=home, kind=WatchEntry.Kind.INMATE, inmate=inmate,
                                reason="Gang intelligence", ends_on=END)
    theirs = services.watch_add(actor=other_investigator, facility=other, kind=WatchEntry.Kind.NUMBER,
                                number=OTHER_NUMBER, reason="Their secret lead", ends_on=END)
    with django_capture_on_commit_callbacks(execute=True):  # the alerts are written after the decision commits
        call = calls.call_authorize(facility=home, register_number=inmate.register_number, number=NUMBER)
        their_call = calls.call_authorize(facility=other, register_number=other_inmate.register_number,
                                          number=OTHER_NUMBER)
    services.watch_review(watch=person, actor=investigator, outcome=Review.Outcome.END, reason="Moved units")
    services.watch_review(watch=number, actor=investigator, outcome=Review.Outcome.KEEP, reason="Still useful")
    services.watch_review(watch=theirs, actor=other_investigator, outcome=Review.Outcome.KEEP,
                          reason="Their secret review")
    block = BlockedNumberFactory(facility=home, number="+13125550188", reason=BlockedNumber.Reason.INVESTIGATION)
    services.block_review(block=block, actor=staff, outcome=Review.Outcome.KEEP, reason="Investigation goes on")
    restriction = calls.restriction_impose(inmate=inmate, starts_at=NOON - dt.timedelta(days=2), ends_at=None,
                                           reason="Hearing 12", actor=warden)
    restriction_review(restriction=restriction, actor=warden, outcome=Review.Outcome.KEEP, reason="Hearing pending")
    number.refresh_from_db()
    person.refresh_from_db()
    return {
        "number": number, "person": person, "theirs": theirs, "call": call, "their_call": their_call, "block": block,
        # the call matched the watched number and the watched inmate: two alerts; the number's here
        "alert": WatchAlert.objects.get(watch=number), "their_alert": WatchAlert.objects.get(call_id=their_call.pk),
        "review": Review.objects.get(kind=Review.Kind.WATCH, object_id=number.pk),
        "ended": Review.objects.get(kind=Review.Kind.WATCH, object_id=person.pk),
        "block_review": Review.objects.get(kind=Review.Kind.BLOCK, object_id=block.pk), "restriction": restriction,
        "their_review": Review.objects.get(facility=other),
    }


def test_the_auditor_reads_the_watch_entries(login, auditor, watched):
    number, person = watched["number"], watched["person"]
    client = login(auditor)
    rows = _rows(client.get(_url(WatchEntry, "changelist")))
    assert len(rows) == 2
    number_row = next(r for r in rows if NUMBER in r)
    assert "A telephone number" in number_row and "Contraband drop-offs" in number_row
    assert "June 30, 2026" in number_row and "investigator" in number_row
    person_row = next(r for r in rows if "Lovelace, Ada (12345-001)" in r)
    assert "An inmate" in person_row and "Gang intelligence" in person_row and "Moved units" in person_row

    shown = _fields(client.get(_url(WatchEntry, "change", number.pk)))
    assert shown["Kind"] == "A telephone number" and shown["Number"] == NUMBER
    assert shown["Reason"] == "Contraband drop-offs" and shown["Ends on"] == "June 30, 2026"
    assert shown["Owner"] == "investigator" and shown["Facility"] == "Home Correctional Center (home)"
    assert shown["Review by"] == number.review_by.strftime("%B %-d, %Y") and shown["Ended at"] == "-"

    shown = _fields(client.get(_url(WatchEntry, "change", person.pk)))
    assert shown["Kind"] == "An inmate" and shown["Inmate"] == "Lovelace, Ada (12345-001)"
    assert shown["End reason"] == "Moved units" and shown["Ended by"] == "investigator"
    assert shown["Ended at"] == "March 10, 2026, 3 p.m."  # the admin's times are UTC (the CSV's are local)


def test_the_auditor_reads_the_alerts_with_a_link_to_the_call(login, auditor, watched):
    client = login(auditor)
    call = watched["call"]
    response = client.get(_url(WatchAlert, "changelist"))
    rows = _rows(response)
    assert len(rows) == 2  # the one call matched the watched number and the watched inmate
    assert all(str(call.pk) in r and "Lovelace, Ada (12345-001)" in r for r in rows)
    call_page = reverse("admin:calls_call_change", args=[call.pk])
    assert f'href="{call_page}"' in response.content.decode()

    response = client.get(_url(WatchAlert, "change", watched["alert"].pk))
    shown = _fields(response)
    assert shown["Call"] == str(call.pk) and shown["Number"] == NUMBER
    assert shown["Watch"] == "Watch on (312) 555-0123 until June 30, 2026"  # the number and the entry's end (END)
    assert shown["Inmate"] == "Lovelace, Ada (12345-001)" and shown["Occurred at"] == "March 10, 2026, 3 p.m."
    assert 'alt="False"' in response.content.decode()  # "Allowed": no, the call was denied
    assert f'href="{call_page}"' in response.content.decode()
    assert client.get(call_page).status_code == 200  # the auditor may follow it


def test_the_auditor_reads_the_reviews_and_what_each_reviewed(login, auditor, watched):
    client = login(auditor)
    response = client.get(_url(Review, "changelist"))
    rows = _rows(response)
    assert len(rows) == 4
    assert any(f"Watch entry {watched['number'].pk}" in r and "Keep (review again later)" in r and "Still useful" in r
               for r in rows)
    assert any(f"Watch entry {watched['person'].pk}" in r and "End it" in r and "Moved units" in r for r in rows)
    assert any(f"Blocked number {watched['block'].pk}" in r and "Investigation goes on" in r and "staff" in r
               for r in rows)
    assert any(f"Phone restriction {watched['restriction'].pk}" in r and "Hearing pending" in r and "warden" in r
               for r in rows)
    body = response.content.decode()
    for reviewed in (_url(WatchEntry, "change", watched["number"].pk),
                     reverse("admin:approvals_blockednumber_change", args=[watched["block"].pk]),
                     reverse("admin:calls_phonerestriction_change", args=[watched["restriction"].pk])):
        assert f'href="{reviewed}"' in body
        assert client.get(reviewed).status_code == 200  # the auditor may follow it

    review = watched["review"]
    shown = _fields(client.get(_url(Review, "change", review.pk)))
    assert shown["Reviewed"] == f"Watch entry {watched['number'].pk}"
    assert shown["Outcome"] == "Keep (review again later)" and shown["Reason"] == "Still useful"
    assert shown["Reviewed by"] == "investigator"
    assert shown["Review by after"] == review.review_by_after.strftime("%B %-d, %Y")
    shown = _fields(client.get(_url(Review, "change", watched["ended"].pk)))
    assert shown["Outcome"] == "End it" and shown["Review by after"] == "-"


@pytest.mark.parametrize("model, mine, theirs", [
    (WatchEntry, "number", "theirs"), (WatchAlert, "alert", "their_alert"), (Review, "review", "their_review"),
], ids=lambda v: v if isinstance(v, str) else v.__name__)
def test_another_facilitys_rows_are_neither_listed_nor_reached(login, auditor, watched, model, mine, theirs):
    client = login(auditor)
    own, foreign = watched[mine], watched[theirs]
    body = client.get(_url(model, "changelist")).content.decode()
    assert f"/{own.pk}/change/" in body and f"/{foreign.pk}/change/" not in body
    for secret in ("Their secret", OTHER_NUMBER, "(212) 555-0177", "Outsider", "other_investigator"):
        assert secret not in body
    csv_body = b"".join(client.get(_url(model, "changelist") + "?_export=csv").streaming_content).decode()
    assert "Their secret" not in csv_body and OTHER_NUMBER not in csv_body
    for view in ("change", "history"):  # as for a record that does not exist
        response = client.get(_url(model, view, foreign.pk))
        assert response.status_code == 302 and response["Location"] == reverse("admin:index"), view
        assert client.get(_url(model, view, own.pk)).status_code == 200
    missing = max(model.objects.values_list("pk", flat=True)) + 1
    assert client.get(_url(model, "change", missing))["Location"] == reverse("admin:index")
    for pk in (own.pk, foreign.pk, missing):  # refused before the record is looked up: the same answer for all
        assert client.get(_url(model, "delete", pk)).status_code == 403
        assert client.post(_url(model, "delete", pk), {"post": "yes"}).status_code == 403


def test_a_complete_valid_change_form_changes_nothing(client, auditor, watched):
    """The form the change page would send if editing were allowed (checked valid by the form itself), with every
    value edited: refused (403) for the auditor and for a superuser alike, and no row changes."""
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    for model, obj in ((WatchEntry, watched["number"]), (WatchAlert, watched["alert"]), (Review, watched["review"])):
        model_admin = admin.site._registry[model]
        data = change_form_data(model_admin, obj, root)
        for field, edited in (("reason", "Rewritten"), ("number", "+13125550999"), ("outcome", Review.Outcome.END)):
            if field in data:
                data[field] = edited
        request = RequestFactory().get("/")
        request.user = root
        form = editable_admin(model_admin).get_form(request, obj, change=True)(data, instance=obj)
        assert form.is_valid() and form.has_changed(), (model.__name__, form.errors)
        before = list(model.objects.order_by("pk").values())
        for user in (auditor, root):
            signed_in(client, user)
            for url in (_url(model, "change", obj.pk), _url(model, "add")):
                assert client.post(url, data).status_code == 403, (model.__name__, url, user)
            response = client.post(_url(model, "changelist"), {"action": "delete_selected",
                                                               "_selected_action": [obj.pk], "post": "yes"})
            assert response.status_code in (200, 302, 403)
        assert list(model.objects.order_by("pk").values()) == before, model.__name__


def test_the_history_pages_say_why_there_are_no_versions(login, auditor, watched):
    client = login(auditor)
    text = client.get(_url(WatchEntry, "history", watched["number"].pk)).content.decode()
    assert "This watch entry keeps no earlier versions" in text and "is append-only" not in text
    text = client.get(_url(WatchAlert, "history", watched["alert"].pk)).content.decode()
    assert "when it was e-mailed and when the investigator read it" in text
    text = client.get(_url(Review, "history", watched["review"].pk)).content.decode()
    assert "This review is append-only" in text


def test_the_alerts_csv_gives_the_call_and_the_facilitys_local_time(login, auditor, watched):
    response = login(auditor).get(_url(WatchAlert, "changelist") + "?_export=csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    row = next(r for r in rows if r["Watch"].startswith("Watch on (312)"))
    assert row["Call"] == str(watched["call"].pk) and row["Number"] == "'" + NUMBER  # a spreadsheet runs no "+..."
    assert row["Occurred at"] == "2026-03-10T10:00:00-05:00"  # 15:00 UTC in Chicago (daylight time)


@pytest.mark.parametrize("elsewhere", [Role.WARDEN, Role.INVESTIGATOR, Role.STAFF])
def test_an_auditors_other_roles_do_not_open_another_facilitys_watch_lists(client, auditor, other, watched,
                                                                          other_inmate, elsewhere):
    """The staff pages show a watch entry to its investigator only: a warden, staff member or investigator of other
    who is an auditor at home reads home's watch lists here, not other's (though other's roster, which their role
    there reads, is listed)."""
    RoleAssignment.objects.create(user=auditor, role=elsewhere, facility=other)
    signed_in(client, auditor)
    for model, mine, theirs in ((WatchEntry, "number", "theirs"), (WatchAlert, "alert", "their_alert"),
                                (Review, "review", "their_review")):
        listed = set(client.get(_url(model, "changelist")).context["cl"].result_list)
        assert watched[mine] in listed and watched[theirs] not in listed, model.__name__
        assert client.get(_url(model, "change", watched[theirs].pk)).status_code == 302
    inmates = client.get(reverse("admin:facilities_inmate_changelist")).context["cl"].result_list
    assert other_inmate in list(inmates)
    # Nor the audit trail's watch activity: other's watch events are not listed, home's are, and other's other
    # events (its calls' alerts aside, the reviews of its blocks) still are.
    events = list(client.get(reverse("admin:audit_auditevent_changelist") + "?all=").context["cl"].queryset)
    watch_events = [(e.action, e.facility_id) for e in events if e.action.startswith("watch_")]
    assert ("watch_added", watched["number"].facility_id) in watch_events
    assert {f for _, f in watch_events} == {watched["number"].facility_id}, watch_events
    assert any(e.facility_id == other.pk and not e.action.startswith("watch_") for e in events)


def test_an_auditor_of_every_facility_reads_both(login, auditor_all, watched):
    client = login(auditor_all)
    for model, mine, theirs in ((WatchEntry, "number", "theirs"), (WatchAlert, "alert", "their_alert"),
                                (Review, "review", "their_review")):
        listed = set(client.get(_url(model, "changelist")).context["cl"].result_list)
        assert {watched[mine], watched[theirs]} <= listed, model.__name__


@pytest.mark.parametrize("persona", ["investigator", "staff", "warden"])
def test_no_one_but_auditors_opens_them(request, login, watched, persona):
    """Investigators hold view permissions on their watch lists (their own pages) but are no admin users."""
    client = login(request.getfixturevalue(persona))
    for model in MODELS:
        response = client.get(_url(model, "changelist"))
        assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))


def test_the_roles_migration_grants_view_to_auditors_and_nothing_more():
    from django.apps import apps

    def held() -> dict[str, set[str]]:
        return {g: set(Group.objects.get(name=g).permissions.filter(content_type__app_label="investigations")
                       .values_list("codename", flat=True)) for g in ("Staff", "Warden", "Auditor", "Investigator")}

    Group.objects.get(name="Auditor").permissions.remove(
        *Group.objects.get(name="Auditor").permissions.filter(content_type__app_label="investigations"))
    assert held()["Auditor"] == set()
    importlib.import_module("investigations.migrations.0002_roles").roles(apps, None)
    perms = held()
    assert perms["Auditor"] == {"view_watchentry", "view_watchalert", "view_review"}
    assert perms["Investigator"] == {"view_watchentry", "add_watchentry", "change_watchentry", "view_watchalert",
                                     "view_review"}
    assert perms["Warden"] == {"view_review"} and perms["Staff"] == set()
