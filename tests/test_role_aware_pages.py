"""Role-aware screens: a page offers only what its reader may do (the permission helpers and services decide it,
the templates restate nothing); a refusal is a page with the navigation that names the role the action needs."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from approvals.models import PhoneListEntry
from calls.models import PhoneRestriction

from .approvals.factories import BlockedNumberFactory, CourtCaseFactory, NoContactOrderFactory, PhoneListEntryFactory
from .emergencies.factories import EmergencyRequestFactory
from .pages import page

pytestmark = pytest.mark.django_db

LOGOUT = reverse("logout")


def _post_forms(html: str) -> list[str]:
    """The action of every ``<form method="post">`` of the page ("" for a form posting to the page itself)."""
    actions = []
    for tag in re.findall(r"<form\b[^>]*>", html, flags=re.IGNORECASE):
        if re.search(r'method="post"', tag, flags=re.IGNORECASE):
            found = re.search(r'action="([^"]*)"', tag)
            actions.append(found.group(1) if found else "")
    return actions


@pytest.fixture
def records(home, inmate, warden):
    return {
        "entry": PhoneListEntryFactory(inmate=inmate, status=PhoneListEntry.Status.PENDING, went_live_at=None),
        "suspended": PhoneListEntryFactory(inmate=inmate, status=PhoneListEntry.Status.SUSPENDED),
        "order": NoContactOrderFactory(inmate=inmate, numbers=["+13125550160"]),
        "case": CourtCaseFactory(facility=home),
        "block": BlockedNumberFactory(facility=home),
        "emergency": EmergencyRequestFactory(inmate=inmate),
        "restriction": PhoneRestriction.objects.create(
            inmate=inmate, facility=home, starts_at=timezone.now() - dt.timedelta(hours=1), reason="Misuse.",
            imposed_by=warden),
    }


def _staff_pages(r, inmate) -> list[str]:
    return [
        reverse("home"),
        reverse("emergency-queue-all"),
        reverse("facility-dashboard", args=["home"]),
        reverse("facility-policy", args=["home"]),
        reverse("inmate-list", args=["home"]),
        reverse("inmate-detail", args=["home", inmate.pk]),
        reverse("approvals-queue", args=["home"]),
        reverse("approvals-entry", args=["home", r["entry"].pk]),
        reverse("approvals-entry", args=["home", r["suspended"].pk]),
        reverse("approvals-orders", args=["home"]),
        reverse("approvals-order", args=["home", r["order"].pk]),
        reverse("approvals-cases", args=["home"]),
        reverse("approvals-case", args=["home", r["case"].pk]),
        reverse("approvals-blocks", args=["home"]),
        reverse("approvals-block", args=["home", r["block"].pk]),
        reverse("emergency-list", args=["home"]),
        reverse("emergency-new", args=["home"]),
        reverse("emergency-detail", args=["home", r["emergency"].pk]),
        reverse("calls-list", args=["home"]),
        reverse("calls-ledger", args=["home", inmate.pk]),
    ]


def _facility_pages() -> list[str]:
    """Every facility page of the URL configuration that needs only the facility's code (new pages included)."""
    from .test_permission_matrix import FACILITY_PAGES

    return [reverse(name, kwargs={"code": "home"}) for name in FACILITY_PAGES]


@pytest.mark.parametrize("role", ["auditor", "auditor_all", "investigator"])
def test_auditors_see_no_action_form_on_any_staff_page(request, login, records, inmate, role):
    client = login(request.getfixturevalue(role))
    for url in _staff_pages(records, inmate):
        response = client.get(url)
        assert response.status_code == 200, url
        assert _post_forms(response.content.decode()) == [LOGOUT], url
    for url in _facility_pages():
        response = client.get(url)
        if response.status_code == 200:
            assert _post_forms(response.content.decode()) == [LOGOUT], url


def test_the_auditor_check_can_fail(login, records, inmate, staff):
    """The same pages show their forms to staff: the auditors' check above looks at real forms."""
    client = login(staff)
    shown = {url for url in _staff_pages(records, inmate) if len(_post_forms(client.get(url).content.decode())) > 1}
    assert reverse("approvals-entry", args=["home", records["entry"].pk]) in shown
    assert reverse("approvals-orders", args=["home"]) in shown
    assert reverse("inmate-detail", args=["home", inmate.pk]) in shown


# --------------------------------------------------------------------------- the entry page


def _decision_choices(html: str) -> set[str]:
    return set(re.findall(r'name="decision" value="([a-z_]+)"', html))


def test_staff_see_no_approve_on_a_flagged_entry(login, staff, warden, inmate):
    entry = PhoneListEntryFactory(inmate=inmate, status=PhoneListEntry.Status.PENDING, has_review=True,
                                  went_live_at=None)
    url = reverse("approvals-entry", args=["home", entry.pk])
    html = login(staff).get(url).content.decode()
    assert _decision_choices(html) == {"deny"}
    assert "only a warden may approve it" in html
    assert _decision_choices(login(warden).get(url).content.decode()) == {"approve", "deny"}


def test_nobody_is_offered_approve_on_an_entry_with_a_block_finding(login, warden, inmate):
    entry = PhoneListEntryFactory(inmate=inmate, status=PhoneListEntry.Status.PENDING, has_block=True,
                                  went_live_at=None)
    html = login(warden).get(reverse("approvals-entry", args=["home", entry.pk])).content.decode()
    assert _decision_choices(html) == {"deny"} and "cannot be approved" in html


def test_staff_posting_approve_on_a_flagged_entry_are_refused_and_nothing_changes(login, staff, inmate):
    entry = PhoneListEntryFactory(inmate=inmate, status=PhoneListEntry.Status.PENDING, has_review=True,
                                  went_live_at=None)
    response = login(staff).post(reverse("approvals-entry", args=["home", entry.pk]),
                                 {"decision": "approve", "note": "x"})
    assert response.status_code == 400
    entry.refresh_from_db()
    assert entry.status == PhoneListEntry.Status.PENDING


def test_a_form_error_is_shown_once(login, warden, inmate):
    entry = PhoneListEntryFactory(inmate=inmate, status=PhoneListEntry.Status.PENDING, has_review=True,
                                  went_live_at=None)
    response = login(warden).post(reverse("approvals-entry", args=["home", entry.pk]), {"decision": "approve"})
    assert response.status_code == 400
    assert response.content.decode().count("Approving a flagged number needs a note.") == 1


def test_a_refusal_without_a_field_is_shown_once(login, staff, inmate):
    entry = PhoneListEntryFactory(inmate=inmate, status=PhoneListEntry.Status.PENDING, went_live_at=None,
                                  legal=True, relationship="attorney", bar_number="123", bar_state="IL")
    response = login(staff).post(reverse("approvals-entry", args=["home", entry.pk]),
                                 {"decision": "approve"})
    assert response.status_code == 400
    assert response.content.decode().count("Confirm that you verified bar number 123 (IL)") == 1


def test_the_attorney_box_only_on_an_attorney_entry(login, staff, inmate):
    plain = PhoneListEntryFactory(inmate=inmate, status=PhoneListEntry.Status.PENDING, went_live_at=None)
    attorney = PhoneListEntryFactory(inmate=inmate, status=PhoneListEntry.Status.PENDING, went_live_at=None,
                                     legal=True, relationship="attorney", bar_number="123", bar_state="IL")
    client = login(staff)
    assert 'name="legal_verified"' not in client.get(reverse("approvals-entry", args=["home", plain.pk])).content.decode()
    html = client.get(reverse("approvals-entry", args=["home", attorney.pk])).content.decode()
    assert 'name="legal_verified"' in html and "I verified the attorney&#x27;s bar number" in html


def test_an_attorney_number_is_approved_with_the_box(login, staff, inmate):
    attorney = PhoneListEntryFactory(inmate=inmate, status=PhoneListEntry.Status.PENDING, went_live_at=None,
                                     legal=True, relationship="attorney", bar_number="123", bar_state="IL")
    response = login(staff).post(reverse("approvals-entry", args=["home", attorney.pk]),
                                 {"decision": "approve", "legal_verified": "on"})
    assert response.status_code == 302
    attorney.refresh_from_db()
    assert attorney.status == PhoneListEntry.Status.LIVE and attorney.legal_verified_by == staff


# --------------------------------------------------------------------------- the refusal page


def test_a_403_is_a_page_with_the_navigation_naming_the_role(login, staff, records):
    response = login(staff).post(reverse("emergency-deny", args=["home", records["emergency"].pk]),
                                 {"reason": "No."})
    assert response.status_code == 403
    html = response.content.decode()
    assert 'class="topbar"' in html and LOGOUT in html and reverse("home") in html
    heading, text = page(type("R", (), {"status_code": 200, "content": response.content})())
    assert heading == "You cannot do this here"
    assert "Deciding emergency requests needs the warden role at Home Correctional Center." in text
    assert "Your role there: staff." in text


def test_a_403_for_a_page_names_the_role_it_needs(login, auditor, inmate):
    response = login(auditor).get(reverse("approvals-entry-add", args=["home", inmate.pk]))
    assert response.status_code == 403
    text = response.content.decode()
    assert "Changing phone lists needs the staff or warden role at Home Correctional Center." in text
    assert "Your role there: auditor." in text


def test_a_refusal_above_a_form_is_shown_once_on_the_other_form_pages(login, staff, inmate):
    """The pages that draw a form with ``as_p`` show its errors once (``as_p`` draws the non-field errors itself)."""
    entry = PhoneListEntryFactory(inmate=inmate, status=PhoneListEntry.Status.PENDING, went_live_at=None)
    response = login(staff).post(reverse("approvals-entry-suspend", args=["home", entry.pk]), {"note": "Abuse."})
    assert response.status_code == 400
    assert response.content.decode().count("Only a live number can be suspended") == 1


def test_the_inmate_page_links_a_request_made_elsewhere_only_for_those_who_read_it(login, staff, auditor_all, inmate,
                                                                                  other):
    """A request made at the inmate's earlier facility opens at that facility, for a reader of it; others see it
    without a link (it would answer 404)."""
    here = EmergencyRequestFactory(inmate=inmate)
    elsewhere = EmergencyRequestFactory(inmate=inmate, facility=other)
    url = reverse("inmate-detail", args=["home", inmate.pk])
    html = login(staff).get(url).content.decode()
    assert reverse("emergency-detail", args=["home", here.pk]) in html
    assert f"#{elsewhere.pk}" in html and f"/emergencies/{elsewhere.pk}/" not in html
    assert "at an earlier facility" in html and other.name not in html  # not theirs: not even its name
    html = login(auditor_all).get(url).content.decode()
    assert reverse("emergency-detail", args=["other", elsewhere.pk]) in html


def test_the_restrictions_page_offers_lifting_to_wardens_only(login, warden, staff, auditor, records):
    lift = reverse("calls-restriction-lift", args=["home", records["restriction"].pk])
    assert lift in login(warden).get(reverse("calls-restrictions", args=["home"])).content.decode()
    for user in (staff, auditor):
        assert lift not in login(user).get(reverse("calls-restrictions", args=["home"])).content.decode()
