"""Staff pages: the inmate section, the calls page (filters, pagination, CSV), resets, the warden's forms."""

import datetime as dt

import pytest
from django.urls import reverse

from calls import services
from calls.models import Call, LedgerEntry, MinuteBalance, MonthlyReset, PhoneRestriction

from .factories import PhoneRestrictionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def calls(live, authorize, complete, clock):
    allowed = authorize().json()["call_id"]
    complete(allowed, 125)
    denied = authorize("+13125550199").json()["call_id"]
    return allowed, denied


def test_inmate_page_shows_balance_ledger_calls_and_restrictions(login, staff, funded, calls, home):
    PhoneRestrictionFactory(inmate=funded, reason="Hearing 77: misuse")
    response = login(staff).get(reverse("inmate-detail", args=[home.code, funded.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Minutes left" in html and "<strong>297</strong>" in html
    assert "Monthly allowance" in html and "Call" in html
    assert "Not live on the inmate" not in html and "This number is not live on the inmate&#x27;s phone list." in html
    assert "Hearing 77: misuse" in html
    assert "Grant extra minutes" not in html  # staff: no warden forms


def test_inmate_page_query_count_does_not_grow(login, staff, funded, calls, home, django_assert_max_num_queries):
    client = login(staff)
    url = reverse("inmate-detail", args=[home.code, funded.pk])
    client.get(url)
    with django_assert_max_num_queries(40):
        assert client.get(url).status_code == 200


def test_warden_sees_forms_and_grants_minutes(login, warden, funded, home):
    client = login(warden)
    assert "Grant extra minutes" in client.get(reverse("inmate-detail", args=[home.code, funded.pk])).content.decode()
    url = reverse("calls-grant-minutes", args=[home.code, funded.pk])
    response = client.post(url, {"minutes": 100, "reason": "Family emergency: good cause"})
    assert response.status_code == 302
    entry = LedgerEntry.objects.get(kind="extra_grant")
    assert entry.minutes == 100 and entry.actor == warden and entry.reason == "Family emergency: good cause"
    assert MinuteBalance.objects.get(inmate=funded).minutes == 400


@pytest.mark.parametrize("data", [{"minutes": 100, "reason": ""}, {"minutes": 0, "reason": "x"}, {"minutes": 99999, "reason": "x"}])
def test_grant_form_errors_change_nothing(login, warden, funded, home, data):
    before = LedgerEntry.objects.count()
    response = login(warden).post(reverse("calls-grant-minutes", args=[home.code, funded.pk]), data)
    assert response.status_code == 400 and "errorlist" in response.content.decode()
    assert LedgerEntry.objects.count() == before


def test_warden_imposes_and_lifts_a_restriction(login, warden, funded, home, clock):
    client = login(warden)
    response = client.post(reverse("calls-restriction-new", args=[home.code, funded.pk]), {
        "starts_at": "2026-03-10T08:00", "ends_at": "2026-06-10T08:00", "reason": "Hearing 12: contraband phone",
    })
    assert response.status_code == 302
    restriction = PhoneRestriction.objects.get()
    assert restriction.starts_at == dt.datetime(2026, 3, 10, 13, 0, tzinfo=dt.UTC)  # 08:00 CDT
    assert restriction.imposed_by == warden and restriction.is_active()
    lift = reverse("calls-restriction-lift", args=[home.code, restriction.pk])
    assert client.post(lift, {"reason": ""}).status_code == 400
    assert client.post(lift, {"reason": "Good conduct"}).status_code == 302
    restriction.refresh_from_db()
    assert restriction.lifted_by == warden and restriction.lift_reason == "Good conduct" and not restriction.is_active()
    response = client.post(lift, {"reason": "again"})
    assert response.status_code == 400 and "already lifted" in response.content.decode()


def test_restriction_must_end_after_it_starts(login, warden, funded, home, clock):
    response = login(warden).post(reverse("calls-restriction-new", args=[home.code, funded.pk]), {
        "starts_at": "2026-03-10T08:00", "ends_at": "2026-03-01T08:00", "reason": "x",
    })
    assert response.status_code == 400 and not PhoneRestriction.objects.exists()


def test_calls_page_filters_and_csv(login, staff, calls, home):
    client = login(staff)
    url = reverse("calls-list", args=[home.code])
    html = client.get(url).content.decode()
    assert "2 in all" in html
    assert "1 in all" in client.get(url, {"outcome": "denied"}).content.decode()
    assert "1 in all" in client.get(url, {"reason": "not_on_list"}).content.decode()
    assert "1 in all" in client.get(url, {"number": "(312) 555-0123"}).content.decode()
    assert "2 in all" in client.get(url, {"inmate": "12345", "kind": "regular", "monitored": "true"}).content.decode()
    assert "0 in all" in client.get(url, {"date_from": "2026-03-11"}).content.decode()
    assert "2 in all" in client.get(url, {"date_from": "2026-03-10", "date_to": "2026-03-10"}).content.decode()
    csv = b"".join(client.get(url, {"outcome": "completed", "export": "csv"}).streaming_content).decode()
    lines = csv.strip().splitlines()
    assert lines[0].startswith("call_id,") and len(lines) == 2 and ",125,3" in lines[1]


def test_calls_page_selects_use_plain_words(login, staff, calls, home):
    import re

    client = login(staff)
    url = reverse("calls-list", args=[home.code])
    html = client.get(url).content.decode()
    monitored = re.search(r'<select name="monitored"[^>]*>(.*?)</select>', html, re.S).group(1)
    assert re.findall(r"<option[^>]*>([^<]*)</option>", monitored) == ["Either", "Yes", "No"]
    assert "Unknown" not in html
    for name, empty in [("kind", "Any kind"), ("outcome", "Any outcome"), ("reason", "Any reason")]:
        select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S).group(1)
        assert re.findall(r"<option[^>]*>([^<]*)</option>", select)[0] == empty
    # The choices still filter: both calls were regular (monitored), none unmonitored.
    assert "2 in all" in client.get(url, {"monitored": ""}).content.decode()
    assert "0 in all" in client.get(url, {"monitored": "false"}).content.decode()
    chosen = client.get(url, {"monitored": "false"}).content.decode()
    assert re.search(r'<option value="false" selected>No</option>', chosen)


def test_calls_page_paginates(login, staff, funded, home, clock):
    for _ in range(55):
        services.call_authorize(facility=home, register_number=funded.register_number, number="+13125550199")
    html = login(staff).get(reverse("calls-list", args=[home.code])).content.decode()
    assert "55 in all" in html and "page 1 of 2" in html


def test_resets_page(login, warden, auditor, staff, home):
    MonthlyReset.objects.create(facility=home, period=dt.date(2026, 3, 1), reset_at=dt.datetime(2026, 3, 1, 6, tzinfo=dt.UTC),
                                status="done", inmates_reset=12, minutes_granted=3600)
    url = reverse("calls-resets", args=[home.code])
    assert "3,600" in login(warden).get(url).content.decode()
    assert login(auditor).get(url).status_code == 200
    assert login(staff).get(url).status_code == 403


def test_dashboard_card_and_nav(login, warden, calls, home):
    html = login(warden).get(reverse("facility-dashboard", args=[home.code])).content.decode()
    assert "calls asked today" in html and reverse("calls-list", args=[home.code]) in html
    assert reverse("calls-resets", args=[home.code]) in html


# --- permissions: every view, every role, own facility and the other facility ------------------------

READ_VIEWS = ["calls-list", "calls-ledger"]
WARDEN_FORMS = ["calls-grant-minutes", "calls-restriction-new"]


def _url(name, facility, inmate):
    if name in ("calls-list", "calls-resets"):
        return reverse(name, args=[facility.code])
    return reverse(name, args=[facility.code, inmate.pk])


@pytest.mark.parametrize("name", READ_VIEWS + ["calls-resets"] + WARDEN_FORMS)
@pytest.mark.parametrize(
    ("persona", "expected"),
    [("staff", {"read": 200, "resets": 403, "form": 403, "post": 403}),
     ("warden", {"read": 200, "resets": 200, "form": 200, "post": 400}),
     ("auditor", {"read": 200, "resets": 200, "form": 403, "post": 403}),
     ("other_staff", {"read": 404, "resets": 404, "form": 404, "post": 404}),
     ("other_warden", {"read": 404, "resets": 404, "form": 404, "post": 404})],
)
def test_permissions(request, login, home, funded, other, name, persona, expected):
    user = request.getfixturevalue(persona)
    client = login(user)
    url = _url(name, home, funded)
    kind = "resets" if name == "calls-resets" else "form" if name in WARDEN_FORMS else "read"
    assert client.get(url).status_code == expected[kind]
    if name in WARDEN_FORMS:
        before = (LedgerEntry.objects.count(), PhoneRestriction.objects.count())
        assert client.post(url, {}).status_code == expected["post"]
        assert (LedgerEntry.objects.count(), PhoneRestriction.objects.count()) == before


@pytest.mark.parametrize("persona", ["staff", "auditor", "other_warden"])
def test_only_the_warden_lifts(request, login, funded, home, persona):
    restriction = PhoneRestrictionFactory(inmate=funded)
    response = login(request.getfixturevalue(persona)).post(
        reverse("calls-restriction-lift", args=[home.code, restriction.pk]), {"reason": "nope"}
    )
    assert response.status_code == (404 if persona == "other_warden" else 403)
    restriction.refresh_from_db()
    assert restriction.lifted_at is None


def test_anonymous_is_sent_to_login(client, home):
    response = client.get(reverse("calls-list", args=[home.code]))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_auditor_all_sees_both_facilities_calls(login, auditor_all, home, other):
    client = login(auditor_all)
    assert client.get(reverse("calls-list", args=[home.code])).status_code == 200
    assert client.get(reverse("calls-list", args=[other.code])).status_code == 200
    assert client.get(reverse("calls-resets", args=[other.code])).status_code == 200


def test_other_facility_inmate_is_404_through_our_facility(login, warden, home, other_inmate):
    assert login(warden).get(reverse("calls-ledger", args=[home.code, other_inmate.pk])).status_code == 404


def test_ledger_page(login, staff, funded, calls, home):
    html = login(staff).get(reverse("calls-ledger", args=[home.code, funded.pk])).content.decode()
    assert "Monthly allowance" in html and "-3" in html and Call.objects.count() == 2


def test_calls_of_a_transferred_inmate_do_not_link_to_a_page_that_is_gone(login, staff, calls, home, other, inmate):
    """The calls stay with the facility where they were placed; the inmate's page moved with the inmate."""
    from facilities.services import inmate_transfer

    inmate_transfer(inmate=inmate, to_facility=other, transferred_on=inmate.admitted_on, actor="jms")
    client = login(staff)
    gone = reverse("inmate-detail", args=[home.code, inmate.pk])
    assert client.get(gone).status_code == 404
    html = client.get(reverse("calls-list", args=[home.code])).content.decode()
    assert "2 in all" in html and inmate.register_number in html and "transferred elsewhere" in html
    assert f'href="{gone}"' not in html
