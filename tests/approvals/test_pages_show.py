"""The approvals pages show what they are for: the phone-list entry, the order, the case, the block."""

import datetime as dt

import pytest
from django.urls import reverse

from approvals import services
from approvals.models import BlockedNumber, CaseParty
from facilities.models import CallingPolicy

from ..factories import facility_today
from ..pages import facts, page

pytestmark = pytest.mark.django_db


def test_the_entry_page_shows_the_number_its_contact_and_whose_list(login, home, inmate, staff):
    CallingPolicy.objects.filter(facility=home).update(list_mode=CallingPolicy.ListMode.STAFF_REVIEW)
    entry = services.entry_add(inmate=inmate, number="+1 312 555 0147", contact_name="Mary Lovelace",
                               relationship="parent", source="staff", actor=staff)
    response = login(staff).get(reverse("approvals-entry", args=["home", entry.pk]))
    heading, text = page(response)
    assert heading == "(312) 555-0147 · Mary Lovelace · on the list of 12345-001 Lovelace, Ada"
    shown = facts(response)
    assert (shown["Status"], shown["Relationship"], shown["Legal"]) == ("Waiting for review", "Parent", "No")
    assert shown["Arrived"].startswith("Staff entry (paper form), entered by staff")
    # its history: from, to, who (by full name), why (in words: no "requested: staff")
    assert f"new Waiting for review {staff.get_full_name()} Number requested: Staff entry (paper form)" in text
    assert "requested: staff" not in text


def test_the_order_page_shows_the_order_its_parties_and_numbers(login, home, inmate, staff):
    order = services.order_create(
        facility=home, inmate=inmate, protected_name="Pat Doe", numbers=["312-555-0111", "+44 20 7946 0018"],
        court="Cook County Circuit Court", order_number="NCO-24-0042", starts_on=dt.date(2024, 5, 2),
        ends_on=dt.date(2030, 5, 1), document_reference="Docket 12, page 3", actor=staff,
    )
    response = login(staff).get(reverse("approvals-order", args=["home", order.pk]))
    heading, _ = page(response)
    assert heading == "No-contact order NCO-24-0042 · Cook County Circuit Court"
    shown = facts(response)
    assert shown["In force now"] == "Yes"
    assert shown["Restrained inmate"] == "Lovelace, Ada (12345-001)"
    assert shown["Protected person"] == "Pat Doe"
    assert shown["Numbers"] == "(312) 555-0111, +44 20 7946 0018"
    assert (shown["From – to"], shown["Document"]) == ("2024-05-02 – 2030-05-01", "Docket 12, page 3")


def test_the_case_page_shows_the_case_and_its_parties(login, home, inmate, staff):
    case = services.case_create(facility=home, case_number="CR-24-991", court="District Court",
                                description="Burglary, two defendants", actor=staff)
    services.party_add(case=case, role=CaseParty.Role.DEFENDANT, name="Ada Lovelace", inmate=inmate, actor=staff)
    services.party_add(case=case, role=CaseParty.Role.VICTIM, name="Vic Tim", numbers=["312-555-0120"], actor=staff)
    heading, text = page(login(staff).get(reverse("approvals-case", args=["home", case.pk])))
    assert heading == "Case CR-24-991 · District Court"
    assert "Burglary, two defendants" in text
    assert "Ada Lovelace Defendant 12345-001 — on the case" in text
    assert "Vic Tim Victim — (312) 555-0120 on the case" in text


def test_the_block_page_shows_the_number_and_where_it_applies(login, home, staff, warden):
    block = services.block_create(facility=home, number="312-555-0100", reason=BlockedNumber.Reason.INVESTIGATION,
                                  note="Detective Smith, case 24-118", actor=staff)
    wide = services.block_create(facility=home, number="312-555-0101", reason=BlockedNumber.Reason.VICTIM_REQUEST,
                                 note="Victim services request", actor=warden, system_wide=True)
    client = login(staff)
    response = client.get(reverse("approvals-block", args=["home", block.pk]))
    heading, _ = page(response)
    assert heading == "Block of (312) 555-0100"
    shown = facts(response)
    assert (shown["In force now"], shown["Where"]) == ("Yes", "Home Correctional Center")
    assert (shown["Reason"], shown["Note"]) == ("Investigation", "Detective Smith, case 24-118")
    assert shown["Entered"].startswith(f"{staff.get_full_name()} at home")

    response = client.get(reverse("approvals-block", args=["home", wide.pk]))
    assert page(response)[0] == "Block of (312) 555-0101"
    assert (facts(response)["Where"], facts(response)["Reason"]) == ("Every facility", "Victim's request")


def test_the_entry_page_of_a_denied_number_says_who_denied_it_and_why(login, home, inmate, staff):
    CallingPolicy.objects.filter(facility=home).update(list_mode=CallingPolicy.ListMode.STAFF_REVIEW)
    entry = services.entry_add(inmate=inmate, number="312-555-0148", contact_name="Jo Friend",
                               relationship="friend", source="kiosk", actor="kiosk")
    services.entry_deny(entry=entry, actor=staff, reason="security_concern", note="gang contact")
    shown = facts(login(staff).get(reverse("approvals-entry", args=["home", entry.pk])))
    assert shown["Status"].startswith(f"Denied — Security concern by {staff.get_full_name()}, ")
    assert shown["Status"].endswith(": “gang contact”")
    assert facility_today(home).isoformat() in shown["Status"]
