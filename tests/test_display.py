"""One way to show things (core/templatetags/display.py, a template built-in): numbers in the national format with
E.164 on hover, people by full name, "just now", reasons and states in words, the policy's changes as old → new."""

import datetime as dt
import re

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone

from approvals.models import TRANSITION_REASONS, EntryTransition, PhoneListEntry
from calls.decision import REASONS
from calls.models import Call
from facilities import services as facilities
from facilities.models import CallingPolicy

from .approvals.factories import PhoneListEntryFactory
from .factories import UserFactory
from .pages import page

pytestmark = pytest.mark.django_db


def _render(text: str, **context) -> str:
    return Template(text).render(Context(context))


def test_phone_is_national_with_the_e164_form_on_hover():
    assert _render("{{ n|phone }}", n="+13125550147") == '<abbr class="number" title="+13125550147">(312) 555-0147</abbr>'
    assert _render("{{ n|phone }}", n="+442079460000") == (
        '<abbr class="number" title="+442079460000">+44 20 7946 0000</abbr>')  # abroad: international format
    assert _render("{{ n|phone|striptags }}", n="+13125550147") == "(312) 555-0147"  # where no markup may go
    assert _render("{{ n|phone }}", n="") == ""


def test_who_is_the_full_name_else_the_user_name():
    named = UserFactory.build(username="jdoe", first_name="Jane", last_name="Doe")
    unnamed = UserFactory.build(username="kiosk7", first_name="", last_name="")
    assert _render("{{ u|who }}", u=named) == "Jane Doe"
    assert _render("{{ u|who }}", u=unnamed) == "kiosk7"
    assert _render('{{ u|who:"screening (automatic)" }}', u=None) == "screening (automatic)"
    assert _render("{{ u|who:label }}", u=None, label="monthly reset") == "monthly reset"


def test_ago_says_just_now_under_a_minute():
    now = timezone.now()
    assert _render("{{ t|ago }}", t=now) == "just now"
    assert _render("{{ t|ago }}", t=now + dt.timedelta(minutes=5)) == "just now"  # a clock a little ahead
    assert _render("{{ t|ago }}", t=now - dt.timedelta(minutes=5, seconds=3)) == "5\xa0minutes ago"
    assert "0\xa0minutes" not in _render("{{ t|ago }}", t=now - dt.timedelta(seconds=59))


def test_the_entry_history_gives_every_reason_in_words_and_people_by_name(login, staff, inmate):
    entry = PhoneListEntryFactory(inmate=inmate, number="+13125550171", status=PhoneListEntry.Status.PENDING)
    for code in TRANSITION_REASONS:
        EntryTransition.objects.create(entry=entry, from_status="pending", to_status="pending", actor=staff,
                                       actor_label=staff.username, reason=code, note="")
    EntryTransition.objects.create(entry=entry, from_status="", to_status="pending", actor=staff,
                                   actor_label=staff.username, reason="requested", note="kiosk")
    response = login(staff).get(reverse("approvals-entry", args=["home", entry.pk]))
    _, text = page(response)
    for code, label in TRANSITION_REASONS.items():
        assert label in text, code
        if "_" in code:
            assert code not in text, f"raw reason code {code!r} on the page"
    assert "Number requested: Kiosk request" in text  # the source in words too
    who = re.findall(r"<td>([^<]*)</td><td class=\"prose\">", response.content.decode())  # the Who column
    assert len(who) == len(TRANSITION_REASONS) + 1 and set(who) == {staff.get_full_name()}
    assert '<abbr class="number" title="+13125550171">(312) 555-0171</abbr>' in response.content.decode()


def test_denied_calls_give_every_reason_in_words(login, staff, home, inmate):
    Call.objects.create(facility=home, inmate=inmate, dialed_number="3125550181", number="+13125550181",
                        status=Call.Status.DENIED, reasons=list(REASONS))
    response = login(staff).get(reverse("calls-list", args=["home"]))
    _, text = page(response)
    table = text[text.index("Why denied"):]
    for code, label in REASONS.items():
        assert label in table and code not in table, code
    assert '<abbr class="number" title="+13125550181">(312) 555-0181</abbr>' in response.content.decode()


def test_the_csv_keeps_the_e164_form(login, staff, home, inmate):
    Call.objects.create(facility=home, inmate=inmate, dialed_number="3125550181", number="+13125550181",
                        status=Call.Status.DENIED, reasons=["not_on_list"])
    response = login(staff).get(reverse("calls-list", args=["home"]), {"export": "csv"})
    body = b"".join(response.streaming_content).decode()
    assert "+13125550181" in body and "(312) 555-0181" not in body


def test_the_policy_history_shows_what_changed_old_to_new(login, warden, home):
    facilities.policy_update(facility=home, actor=warden, reason="Budget for 2027", monthly_minutes=320,
                             bonus_dec=60, list_mode=CallingPolicy.ListMode.STAFF_REVIEW)
    facilities.policy_update(facility=home, actor=warden, reason="Longer calls", per_call_minutes=20)
    response = login(warden).get(reverse("facility-policy", args=["home"]))
    _, text = page(response)
    changes = text[text.index("What changed"):]
    assert "Per-call cap (minutes): 15 → 20 Longer calls" in changes
    assert "Monthly minutes: 300 → 320" in changes and "Bonus minutes in December: 0 → 60" in changes
    assert ("List mode: Self-managed (numbers go live without review) → "
            "Staff review (every number waits for a reviewer)") in changes  # choices in words
    assert changes.index("Longer calls") < changes.index("Budget for 2027")  # newest first
    assert warden.get_full_name() in changes
    assert "0 minutes ago" not in text and "just now" in changes


def test_no_template_counts_time_with_timesince_ago():
    """"0 minutes ago" came from ``|timesince }} ago``: every template says ages with ``|ago``."""
    from pathlib import Path

    from django.conf import settings

    offenders = [str(p) for p in Path(settings.BASE_DIR, "templates").rglob("*.html")
                 if re.search(r"timesince\s*}}\s*ago", p.read_text())]
    assert offenders == []


def test_admin_titles_name_the_inmate_not_an_id(home, inmate, warden):
    from calls import services as calls
    from calls.models import LedgerEntry, MinuteBalance, MonthlyReset, PhoneRestriction

    from .calls.factories import PhoneRestrictionFactory

    calls.minutes_grant_on_booking(inmate=inmate)
    entry = PhoneListEntryFactory(inmate=inmate, number="+13125550193", contact_name="Sam Sister")
    PhoneRestrictionFactory(inmate=inmate, imposed_by=warden)
    titles = [str(entry), str(MinuteBalance.objects.get(inmate=inmate)), str(LedgerEntry.objects.filter(inmate=inmate).first()),
              str(PhoneRestriction.objects.get(inmate=inmate))]
    for title in titles:
        assert "Lovelace, Ada (12345-001)" in title and f"#{inmate.pk}" not in title, title
    assert str(entry) == "(312) 555-0193 (Sam Sister) on the list of Lovelace, Ada (12345-001)"
    reset = MonthlyReset(facility=home, period=dt.date(2026, 3, 1), reset_at=timezone.now())
    assert str(reset) == "Reset of home for 2026-03-01"
