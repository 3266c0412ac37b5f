"""The investigator's pages: who may open them, what they show, forms that refuse bad input and write nothing."""

import datetime as dt

import pytest
from django.urls import reverse

from investigations import services
from investigations.models import WatchAlert, WatchEntry
from tests.pages import page

from .conftest import END, NOON

pytestmark = pytest.mark.django_db

NUMBER = "+13125550123"
PAGES = ["investigations-watches", "investigations-links"]


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("persona", ["staff", "warden", "auditor", "auditor_all", "other_staff", "other_warden"])
def test_only_investigators_open_the_pages(request, login, home, other, persona, name):
    response = login(request.getfixturevalue(persona)).get(reverse(name))
    assert response.status_code == 403


@pytest.mark.parametrize("name", PAGES)
def test_anonymous_is_sent_to_log_in(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_the_watch_list_shows_entries_alerts_and_the_form(clock, login, investigator, home, inmate):
    entry = services.watch_add(actor=investigator, facility=home, kind="number", number=NUMBER,
                               reason="Contraband drop-offs", ends_on=END)
    WatchAlert.objects.create(watch=entry, call_id=99, facility=home, inmate=inmate, number=NUMBER, allowed=False,
                              occurred_at=NOON)
    heading, text = page(login(investigator).get(reverse("investigations-watches")))
    assert heading == "Your watch list"
    assert "Lovelace, Ada" in text and "12345-001" in text and "(312) 555-0123" in text
    assert "Call denied" in text and "New" in text and "2026-03-10 10:00 CDT" in text
    assert "Contraband drop-offs" in text and "2026-06-30" in text and "1 (1 new)" in text
    assert "Start watching" in text


def test_adding_a_watch_through_the_form(clock, login, investigator, home, inmate):
    response = login(investigator).post(reverse("investigations-watches"), {
        "facility": home.pk, "kind": "inmate", "register_number": "12345-001", "reason": "Gang intelligence",
        "ends_on": "2026-05-01"})
    assert response.status_code == 302
    entry = WatchEntry.objects.get()
    assert (entry.inmate, entry.owner, entry.ends_on) == (inmate, investigator, dt.date(2026, 5, 1))


@pytest.mark.parametrize("data, field_error", [
    ({"kind": "number", "number": "", "reason": "r", "ends_on": "2026-05-01"}, "Enter the number to watch."),
    ({"kind": "number", "number": "12", "reason": "r", "ends_on": "2026-05-01"}, "not a valid telephone number"),
    ({"kind": "inmate", "register_number": "nobody", "reason": "r", "ends_on": "2026-05-01"}, "No inmate nobody"),
    ({"kind": "number", "number": NUMBER, "reason": "r", "ends_on": "2020-01-01"}, "cannot be in the past"),
    ({"kind": "number", "number": NUMBER, "reason": "", "ends_on": "2026-05-01"}, "This field is required."),
])
def test_bad_input_shows_field_errors_and_writes_nothing(clock, login, investigator, home, data, field_error):
    response = login(investigator).post(reverse("investigations-watches"), {"facility": home.pk, **data})
    assert response.status_code == 400
    assert field_error in response.content.decode()
    assert WatchEntry.objects.count() == 0


def test_another_facility_cannot_be_chosen(clock, login, investigator, home, other):
    response = login(investigator).post(reverse("investigations-watches"), {
        "facility": other.pk, "kind": "number", "number": NUMBER, "reason": "r", "ends_on": "2026-05-01"})
    assert response.status_code == 400 and WatchEntry.objects.count() == 0


def test_the_dashboard_shows_unread_alerts_to_the_investigator_only(clock, login, investigator, staff, home, inmate):
    entry = services.watch_add(actor=investigator, facility=home, kind="inmate", inmate=inmate, reason="r",
                               ends_on=END)
    WatchAlert.objects.create(watch=entry, call_id=1, facility=home, inmate=inmate, number=NUMBER, allowed=True,
                              occurred_at=NOON)
    _, text = page(login(investigator).get(reverse("facility-dashboard", args=["home"])))
    assert "unread watch alerts" in text and "Watch list" in text and "Link report" in text
    _, text = page(login(staff).get(reverse("facility-dashboard", args=["home"])))
    assert "unread watch alerts" not in text and "Link report" not in text


def test_the_entry_page_ends_and_reviews(clock, login, investigator, home):
    entry = services.watch_add(actor=investigator, facility=home, kind="number", number=NUMBER, reason="Tip-off",
                               ends_on=END)
    client = login(investigator)
    url = reverse("investigations-watch", args=[entry.pk])
    heading, text = page(client.get(url))
    assert heading == "Watch on (312) 555-0123" and "Tip-off" in text and "Not reviewed yet." in text
    assert client.post(url, {"action": "review", "outcome": "change", "reason": "r"}).status_code == 400
    assert client.post(url, {"action": "review", "outcome": "keep", "reason": "Still live"}).status_code == 302
    _, text = page(client.get(url))
    assert "Keep (review again later)" in text and "Still live" in text
    assert client.post(url, {"action": "end", "reason": ""}).status_code == 400
    assert client.post(url, {"action": "end", "reason": "Closed"}).status_code == 302
    entry.refresh_from_db()
    assert entry.ended_at is not None


def test_an_entry_of_someone_else_is_not_found(clock, login, investigator, home):
    from facilities.models import Role
    from tests.factories import user_with_role

    colleague = user_with_role(Role.INVESTIGATOR, home, username="colleague")
    entry = services.watch_add(actor=colleague, facility=home, kind="number", number=NUMBER, reason="r", ends_on=END)
    assert login(investigator).get(reverse("investigations-watch", args=[entry.pk])).status_code == 404
