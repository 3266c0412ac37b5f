"""A suspended number can go back to the review queue, with a note, from its page (staff and wardens)."""

import pytest
from django.urls import reverse

from approvals.models import PhoneListEntry

from ..pages import page
from .factories import PhoneListEntryFactory

pytestmark = pytest.mark.django_db
Status = PhoneListEntry.Status


@pytest.fixture
def suspended(inmate):
    return PhoneListEntryFactory(inmate=inmate, number="+13125550191", contact_name="Sam Sister",
                                 status=Status.SUSPENDED)


def test_the_suspended_entry_page_offers_back_to_review_and_it_works(login, staff, suspended):
    client = login(staff)
    url = reverse("approvals-entry", args=["home", suspended.pk])
    html = client.get(url).content.decode()
    action = reverse("approvals-entry-review", args=["home", suspended.pk])
    assert f'action="{action}"' in html and "Send back to review" in html
    response = client.post(action, {"note": "The hearing cleared Sam"})
    assert response.status_code == 302
    suspended.refresh_from_db()
    assert suspended.status == Status.PENDING
    _, text = page(client.get(url))
    assert f"Suspended Waiting for review {staff.get_full_name()} Sent back to review: The hearing cleared Sam" in text


def test_without_a_note_nothing_changes_and_the_field_says_why(login, staff, suspended):
    response = login(staff).post(reverse("approvals-entry-review", args=["home", suspended.pk]), {"note": " "})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode() or "Say why" in response.content.decode()
    suspended.refresh_from_db()
    assert suspended.status == Status.SUSPENDED


def test_a_live_number_cannot_be_sent_back_to_review(login, staff, inmate):
    live = PhoneListEntryFactory(inmate=inmate, number="+13125550192")
    response = login(staff).post(reverse("approvals-entry-review", args=["home", live.pk]), {"note": "try"})
    assert response.status_code == 400 and "Only a suspended number can go back to review" in response.content.decode()
    live.refresh_from_db()
    assert live.status == Status.LIVE


@pytest.mark.parametrize("role, status", [("auditor", 403), ("other_staff", 404)])
def test_only_staff_of_the_facility_may(request, login, suspended, role, status):
    user = request.getfixturevalue(role)
    response = login(user).post(reverse("approvals-entry-review", args=["home", suspended.pk]), {"note": "x"})
    assert response.status_code == status
    suspended.refresh_from_db()
    assert suspended.status == Status.SUSPENDED


def test_an_auditor_sees_no_back_to_review_form(login, auditor, suspended):
    html = login(auditor).get(reverse("approvals-entry", args=["home", suspended.pk])).content.decode()
    assert reverse("approvals-entry-review", args=["home", suspended.pk]) not in html
