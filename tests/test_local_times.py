"""Times on every page in the facility's local time, labelled with its zone; forms read local date-times; CSV
cells carry ISO 8601 offsets; pages spanning several facilities show each row in its own facility's time.

Every record is made at one known UTC instant, WINTER, and each page must show that facility's wall time with
the zone's abbreviation, never the UTC wall time.
"""

import csv
import datetime as dt
import io

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone

from approvals.models import PhoneListEntry
from calls import services as calls_services
from calls.models import MonthlyReset, PhoneRestriction
from facilities.models import Role
from facilities.times import iso_local, local_time_label, zone_caption
from tests.auth import signed_in

from .approvals.factories import BlockedNumberFactory, NoContactOrderFactory, PhoneListEntryFactory
from .emergencies.factories import EmergencyRequestFactory
from .factories import user_with_role

pytestmark = pytest.mark.django_db

WINTER = dt.datetime(2026, 12, 1, 20, 5, tzinfo=dt.UTC)  # 14:05 CST in Chicago (home), 15:05 EST in New York (other)
HOME_WALL = "2026-12-01 14:05 CST"
OTHER_WALL = "2026-12-01 15:05 EST"
UTC_WALL = "20:05"
NUMBER = "+13125550123"


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(WINTER, tick=False)
    return time_machine


@pytest.fixture
def funded(clock, inmate):
    calls_services.minutes_grant_on_booking(inmate=inmate)  # a ledger entry at WINTER
    return inmate


@pytest.fixture
def call(funded, platform):
    PhoneListEntryFactory(inmate=funded, number=NUMBER)
    response = platform.post(
        "/api/v1/calls/authorize",
        {"facility": "home", "register_number": funded.register_number, "dialed_number": NUMBER}, format="json",
    )
    assert response.status_code == 200 and response.json()["decision"] == "allow", response.json()
    return response.json()["call_id"]


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def assert_local(html: str, wall: str = HOME_WALL) -> None:
    assert wall in html
    assert f"2026-12-01 {UTC_WALL}" not in html  # never the UTC wall time


# --------------------------------------------------------------------------- the helpers


def test_local_time_label_and_iso_carry_the_zone_and_follow_daylight_saving(home, other):
    assert local_time_label(WINTER, home) == HOME_WALL
    assert local_time_label(WINTER, other) == OTHER_WALL
    assert local_time_label(WINTER, "UTC") == "2026-12-01 20:05 UTC"
    summer = dt.datetime(2026, 7, 1, 19, 5, tzinfo=dt.UTC)
    assert local_time_label(summer, home) == "2026-07-01 14:05 CDT"
    assert iso_local(WINTER, home) == "2026-12-01T14:05:00-06:00"
    assert iso_local(summer, other) == "2026-07-01T15:05:00-04:00"
    assert local_time_label(None, home) == "" and iso_local(None, home) == ""


def test_filter_uses_the_active_zone_or_the_rows_facility(home, other):
    template = Template("{% load local_time %}{{ t|local_time }} | {{ t|local_time:f }} | {{ d|local_time }}|{{ n|local_time }}")
    with timezone.override(home.tz):
        out = template.render(Context({"t": WINTER, "f": other, "d": dt.date(2026, 12, 1), "n": None}))
    assert out == f"{HOME_WALL} | {OTHER_WALL} | 2026-12-01|"


def test_zone_caption_names_the_zone_and_its_current_abbreviation(home, clock):
    assert zone_caption(home) == "times in America/Chicago (CST)"


# --------------------------------------------------------------------------- pages of one facility


def test_calls_page_shows_local_time_labelled(login, staff, home, call):
    html = page(login(staff), reverse("calls-list", args=[home.code]))
    assert "times in America/Chicago (CST)" in html
    assert_local(html)


def test_calls_csv_carries_the_local_time_with_its_offset(login, staff, home, call):
    response = login(staff).get(reverse("calls-list", args=[home.code]) + "?export=csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [r["requested_at"] for r in rows] == ["2026-12-01T14:05:00-06:00"]


def test_calls_date_filter_uses_local_days_on_the_page_and_in_the_streamed_csv(login, staff, home, funded, platform,
                                                                               clock):
    """21:00 CST on 1 December is 03:00 UTC on the 2nd: the call belongs to the 1st, in the CSV too (which is
    streamed after the view has returned)."""
    PhoneListEntryFactory(inmate=funded, number=NUMBER)
    clock.move_to(dt.datetime(2026, 12, 2, 3, 0, tzinfo=dt.UTC), tick=False)
    response = platform.post(
        "/api/v1/calls/authorize",
        {"facility": "home", "register_number": funded.register_number, "dialed_number": NUMBER}, format="json",
    )
    assert response.json()["decision"] == "allow", response.json()
    client = login(staff)
    url = reverse("calls-list", args=[home.code])
    assert "2026-12-01 21:00 CST" in page(client, f"{url}?date_from=2026-12-01&date_to=2026-12-01")
    assert "2026-12-01 21:00 CST" not in page(client, f"{url}?date_from=2026-12-02")
    response = client.get(f"{url}?date_from=2026-12-01&date_to=2026-12-01&export=csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [r["requested_at"] for r in rows] == ["2026-12-01T21:00:00-06:00"]
    response = client.get(f"{url}?date_from=2026-12-02&export=csv")
    assert list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode()))) == []


def test_ledger_page_shows_local_time_labelled(login, staff, home, funded):
    assert_local(page(login(staff), reverse("calls-ledger", args=[home.code, funded.pk])))


def test_inmate_page_shows_calls_ledger_restrictions_and_emergencies_in_local_time(login, warden, home, call, funded):
    PhoneRestriction.objects.create(
        inmate=funded, facility=home, starts_at=WINTER + dt.timedelta(days=1), ends_at=WINTER + dt.timedelta(days=8),
        reason="Hearing 9", imposed_by=warden,
    )
    EmergencyRequestFactory(inmate=funded, received_at=WINTER)
    html = page(login(warden), reverse("inmate-detail", args=[home.code, funded.pk]))
    assert html.count(HOME_WALL) >= 3  # the ledger entry, the call, the emergency request
    assert "2026-12-02 14:05 CST" in html and "2026-12-09 14:05 CST" in html  # the restriction
    assert "times in America/Chicago (CST)" in html  # the restriction form's caption
    assert f"2026-12-01 {UTC_WALL}" not in html and "2026-12-02 20:05" not in html


def test_restriction_entered_in_local_time_is_stored_in_utc_and_shown_back_local(login, warden, home, funded):
    client = login(warden)
    response = client.post(reverse("calls-restriction-new", args=[home.code, funded.pk]), {
        "starts_at": "2026-12-03T14:00", "ends_at": "2026-12-10T14:00", "reason": "Hearing 12: contraband phone",
    })
    assert response.status_code == 302
    restriction = PhoneRestriction.objects.get()
    assert restriction.starts_at == dt.datetime(2026, 12, 3, 20, 0, tzinfo=dt.UTC)  # 14:00 CST
    assert restriction.ends_at == dt.datetime(2026, 12, 10, 20, 0, tzinfo=dt.UTC)
    html = page(client, reverse("inmate-detail", args=[home.code, funded.pk]))
    assert "2026-12-03 14:00 CST" in html and "2026-12-10 14:00 CST" in html
    assert "2026-12-03 20:00" not in html
    form = page(client, reverse("calls-restriction-new", args=[home.code, funded.pk]))
    assert 'value="2026-12-01T14:05"' in form  # the proposed start: now, facility-local


def test_resets_page_shows_local_times_labelled(login, warden, home, clock):
    MonthlyReset.objects.create(
        facility=home, period=dt.date(2026, 12, 1), reset_at=dt.datetime(2026, 12, 1, 6, 0, tzinfo=dt.UTC),
        status=MonthlyReset.Status.DONE, finished_at=WINTER,
    )
    html = page(login(warden), reverse("calls-resets", args=[home.code]))
    assert "2026-12-01 00:00 CST" in html  # the reset moment: local midnight
    assert_local(html)  # finished
    assert "UTC" not in html


def test_review_queue_shows_local_time_labelled(login, staff, home, inmate, clock):
    PhoneListEntryFactory(inmate=inmate, status=PhoneListEntry.Status.PENDING)
    assert_local(page(login(staff), reverse("approvals-queue", args=[home.code])))


def test_entry_page_shows_local_time_labelled(login, staff, home, inmate, clock):
    entry = PhoneListEntryFactory(inmate=inmate, status=PhoneListEntry.Status.PENDING)
    assert_local(page(login(staff), reverse("approvals-entry", args=[home.code, entry.pk])))


def test_block_page_shows_local_times_labelled(login, staff, home, clock):
    block = BlockedNumberFactory(facility=home, starts_at=WINTER, ends_at=WINTER + dt.timedelta(days=30))
    html = page(login(staff), reverse("approvals-block", args=[home.code, block.pk]))
    assert_local(html)
    assert "2026-12-31 14:05 CST" in html
    html = page(login(staff), reverse("approvals-blocks", args=[home.code]))
    assert "2026-12-31 14:05 CST" in html and "times in America/Chicago (CST)" in html


def test_order_page_shows_local_time_labelled(login, staff, home, inmate, clock):
    order = NoContactOrderFactory(inmate=inmate, numbers=[NUMBER])
    assert_local(page(login(staff), reverse("approvals-order", args=[home.code, order.pk])))


def test_emergency_queue_and_request_page_show_local_time_labelled(login, warden, home, inmate, clock):
    request = EmergencyRequestFactory(inmate=inmate, received_at=WINTER)
    client = login(warden)
    assert_local(page(client, reverse("emergency-list", args=[home.code])))
    html = page(client, reverse("emergency-detail", args=[home.code, request.pk]))
    assert_local(html)
    assert "times in America/Chicago (CST)" in html  # the decision forms' caption


def test_policy_history_shows_local_time_labelled(login, warden, home, clock):
    from facilities import services as facility_services

    facility_services.policy_update(facility=home, actor=warden, reason="Longer calls", per_call_minutes=20)
    assert_local(page(login(warden), reverse("facility-policy", args=[home.code])))


# --------------------------------------------------------------------------- pages spanning facilities


def test_all_facilities_queue_shows_each_row_in_its_own_facility_time(client, home, other, inmate, other_inmate,
                                                                     clock):
    user = user_with_role(Role.WARDEN, home, username="two_hats")
    user.role_assignments.create(role=Role.WARDEN, facility=other)
    mine = EmergencyRequestFactory(inmate=inmate, received_at=WINTER)
    theirs = EmergencyRequestFactory(inmate=other_inmate, received_at=WINTER)
    signed_in(client, user)
    html = page(client, reverse("emergency-queue-all"))
    assert HOME_WALL in html and OTHER_WALL in html
    assert f"2026-12-01 {UTC_WALL}" not in html
    for row in (mine, theirs):  # each wall time sits in its own row
        start = html.index(f">#{row.pk}</a>")
        wall = HOME_WALL if row is mine else OTHER_WALL
        assert html.index(wall, start) < html.index("</tr>", start)


def test_a_callers_requests_elsewhere_are_shown_in_that_facility_time(login, home, other, inmate, other_inmate,
                                                                      auditor_all, clock):
    mine = EmergencyRequestFactory(inmate=inmate, received_at=WINTER, caller_number=NUMBER)
    EmergencyRequestFactory(inmate=other_inmate, received_at=WINTER, caller_number=NUMBER)
    html = page(login(auditor_all), reverse("emergency-detail", args=[home.code, mine.pk]))
    assert HOME_WALL in html and f"{OTHER_WALL} (other)" in html


def test_request_page_of_a_request_logged_by_no_staff_user_shows_a_dash_not_a_500(login, staff, home, inmate, clock):
    """A request logged by a label or a task has no ``logged_by`` user: the page used to answer 500."""
    request = EmergencyRequestFactory(inmate=inmate, received_at=WINTER, logged_by=None)
    html = page(login(staff), reverse("emergency-detail", args=[home.code, request.pk]))
    assert f"<dt>Logged by</dt><dd>— at {HOME_WALL}</dd>" in html


def test_admin_csv_gives_each_row_in_its_own_facility_time_with_the_offset(client, auditor_all, home, other, inmate,
                                                                           other_inmate, clock):
    """The auditors' CSV of any list: moments in ISO 8601 with the offset of the row's own facility."""
    calls_services.minutes_grant_on_booking(inmate=inmate)
    calls_services.minutes_grant_on_booking(inmate=other_inmate)
    signed_in(client, auditor_all)
    response = client.get(reverse("admin:calls_ledgerentry_changelist") + "?_export=csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    stamps = sorted(row[0] for row in rows[1:])
    assert stamps == ["2026-12-01T14:05:00-06:00", "2026-12-01T15:05:00-05:00"]
    response = client.get(reverse("admin:facilities_inmate_changelist") + "?_export=csv")
    assert response.status_code == 200  # a list whose rows reach their facility through a relation


def test_wardens_email_gives_the_time_it_came_in_locally_with_the_zone(home, inmate, clock, settings):
    from emergencies.notifications import email_body

    body = email_body(EmergencyRequestFactory(inmate=inmate, received_at=WINTER), "A new emergency request.")
    assert f"at {HOME_WALL} (America/Chicago)" in body


def test_block_end_entered_in_local_time_is_stored_in_utc_and_shown_back_local(login, staff, home, clock):
    from approvals.models import BlockedNumber

    client = login(staff)
    response = client.post(reverse("approvals-blocks", args=[home.code]), {
        "number": "(312) 555-0177", "reason": BlockedNumber.Reason.CALLED_PARTY_REQUEST, "note": "Asked by phone",
        "source": BlockedNumber.Source.PHONE, "identity_check": "Called back on the number",
        "ends_at": "2026-12-20T14:00",
    })
    assert response.status_code == 302, response.content.decode()
    block = BlockedNumber.objects.get()
    assert block.ends_at == dt.datetime(2026, 12, 20, 20, 0, tzinfo=dt.UTC)  # 14:00 CST
    html = page(client, reverse("approvals-block", args=[home.code, block.pk]))
    assert "2026-12-20 14:00 CST" in html and "2026-12-20 20:00" not in html
