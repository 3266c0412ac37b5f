"""Bad input on every form shows field errors and changes nothing; good input does the job."""

import pytest
from django.urls import reverse

from approvals.models import BlockedNumber, CaseParty, CourtCase, NoContactOrder, PhoneListEntry
from audit.models import AuditEvent

from .factories import BlockedNumberFactory, CourtCaseFactory, NoContactOrderFactory, PhoneListEntryFactory

S = PhoneListEntry.Status


@pytest.mark.parametrize("data,field", [
    ({"number": "1-800-555-0199", "contact_name": "Jo", "relationship": "friend"}, "number"),
    ({"number": "12", "contact_name": "Jo", "relationship": "friend"}, "number"),
    ({"number": "312-555-0147", "contact_name": "", "relationship": "friend"}, "contact_name"),
    ({"number": "312-555-0147", "contact_name": "Jo", "relationship": "cousin"}, "relationship"),
    ({"number": "312-555-0147", "contact_name": "Jo", "relationship": "attorney", "bar_state": "TX"}, "bar_number"),
])
def test_add_number_bad_input(login, staff, inmate, data, field):
    response = login(staff).post(reverse("approvals-entry-add", args=["home", inmate.pk]), data)
    assert response.status_code == 400 and response.context["form"].errors[field]
    assert not PhoneListEntry.objects.exists()


def test_add_number_from_paper_form(login, staff, inmate):
    response = login(staff).post(reverse("approvals-entry-add", args=["home", inmate.pk]),
                                 {"number": "(312) 555-0147", "contact_name": "Jo Roe", "relationship": "parent"})
    assert response.status_code == 302
    entry = PhoneListEntry.objects.get()
    assert entry.number == "+13125550147" and entry.source == "staff" and entry.requested_by == "staff"
    page = login(staff).get(reverse("inmate-detail", args=["home", inmate.pk])).content.decode()
    assert "Jo Roe" in page and "1 of 30 numbers used" in page


def test_decision_bad_input(login, staff, warden, inmate):
    entry = PhoneListEntryFactory(inmate=inmate, status=S.PENDING, has_review=True)
    url = reverse("approvals-entry", args=["home", entry.pk])
    for data in [{}, {"decision": "deny"}, {"decision": "deny", "reason": "other"}, {"decision": "maybe"}]:
        assert login(staff).post(url, data).status_code == 400
    response = login(staff).post(url, {"decision": "approve", "note": "ok"})
    assert response.status_code == 403 or "only a warden" in response.content.decode()
    response = login(warden).post(url, {"decision": "approve", "note": ""})
    assert response.status_code == 400 and "needs a note" in response.content.decode()
    entry.refresh_from_db()
    assert entry.status == S.PENDING and not entry.transitions.exists()


def test_second_decision_shows_who_decided(login, staff, warden, inmate):
    entry = PhoneListEntryFactory(inmate=inmate, status=S.PENDING)
    url = reverse("approvals-entry", args=["home", entry.pk])
    login(staff).post(url, {"decision": "deny", "reason": "called_party_refused"})
    response = login(warden).post(url, {"decision": "approve"}, follow=True)
    assert "already denied by" in response.content.decode()
    entry.refresh_from_db()
    assert entry.status == S.DENIED and entry.transitions.count() == 1


def test_remove_needs_a_reason(login, staff, inmate):
    entry = PhoneListEntryFactory(inmate=inmate)
    url = reverse("approvals-entry-remove", args=["home", entry.pk])
    assert login(staff).get(url).status_code == 200
    assert login(staff).post(url, {"note": ""}).status_code == 400
    entry.refresh_from_db()
    assert entry.status == S.LIVE
    assert login(staff).post(url, {"note": "Inmate's written request"}).status_code == 302
    entry.refresh_from_db()
    assert entry.status == S.REMOVED and entry.transitions.get().note == "Inmate's written request"


def test_order_form(login, staff, inmate, home):
    client = login(staff)
    url = reverse("approvals-orders", args=["home"])
    good = {"register_number": inmate.register_number, "protected_name": "Pat Roe", "numbers": "312-555-0147",
            "court": "Superior Court", "order_number": "NCO-9", "starts_on": "2025-01-01",
            "document_reference": "Docket 4"}
    for bad in [{"register_number": "nope"}, {"numbers": "1-800-555-0199"}, {"numbers": ""},
                {"ends_on": "2024-01-01"}, {"starts_on": "soon"}, {"document_reference": ""}]:
        response = client.post(url, {**good, **bad})
        assert response.status_code == 400, bad
    assert not NoContactOrder.objects.exists()
    assert client.post(url, good).status_code == 302
    order = NoContactOrder.objects.get()
    assert [n.number for n in order.numbers.all()] == ["+13125550147"] and order.created_by == staff
    detail = reverse("approvals-order", args=["home", order.pk])
    assert client.post(detail, {"action": "end", "note": ""}).status_code == 400
    assert client.post(detail, {"action": "change", "numbers": "", "reason": "x"}).status_code == 400
    assert client.post(detail, {"action": "change", "numbers": "312-555-0148", "reason": "New number"}).status_code == 302
    assert client.post(detail, {"action": "end", "note": "Vacated"}).status_code == 302
    order.refresh_from_db()
    assert order.ended_at and order.end_reason == "Vacated" and order.history.count() >= 3


def test_case_and_party_forms(login, staff, inmate, home):
    client = login(staff)
    url = reverse("approvals-cases", args=["home"])
    assert client.post(url, {"case_number": "", "court": "X"}).status_code == 400
    assert client.post(url, {"case_number": "CR-1", "court": "District"}).status_code == 302
    assert client.post(url, {"case_number": "cr-1", "court": "district"}).status_code == 400  # duplicate
    case = CourtCase.objects.get()
    detail = reverse("approvals-case", args=["home", case.pk])
    assert client.post(detail, {"action": "add_party", "role": "", "name": "Jo"}).status_code == 400
    assert client.post(detail, {"action": "add_party", "role": "victim", "name": "Jo",
                                "numbers": "not a phone"}).status_code == 400
    assert client.post(detail, {"action": "add_party", "role": "defendant", "name": "Ada",
                                "register_number": "missing"}).status_code == 400
    assert not CaseParty.objects.exists()
    assert client.post(detail, {"action": "add_party", "role": "victim", "name": "Jo",
                                "numbers": "312-555-0147\n312 555 0148"}).status_code == 302
    party = CaseParty.objects.get()
    assert party.numbers.count() == 2
    assert client.post(detail, {"action": "remove_party", "party": party.pk, "note": ""}).status_code == 400
    assert client.post(detail, {"action": "remove_party", "party": party.pk, "note": "Wrong case"}).status_code == 302
    party.refresh_from_db()
    assert party.removed_at and party.removed_by == staff


def test_block_forms(login, staff, warden, home):
    client = login(staff)
    url = reverse("approvals-blocks", args=["home"])
    for bad in [{"number": "abc", "reason": "other", "note": "n"}, {"number": "312-555-0147", "reason": "",
                "note": "n"}, {"number": "312-555-0147", "reason": "other", "note": ""},
                {"number": "312-555-0147", "reason": "other", "note": "n", "system_wide": "on"}]:
        assert client.post(url, bad).status_code == 400, bad
    assert not BlockedNumber.objects.exists()
    assert client.post(url, {"number": "312-555-0147", "reason": "victim_request", "note": "Victim asked"}).status_code == 302
    block = BlockedNumber.objects.get()
    detail = reverse("approvals-block", args=["home", block.pk])
    assert client.post(detail, {"note": "Lifted"}).status_code == 400  # a victim's block needs paperwork
    assert client.post(detail, {"note": "Lifted", "paperwork": "Court order 5"}).status_code == 302
    block.refresh_from_db()
    assert block.ended_by == staff and AuditEvent.objects.filter(action="number_unblocked").exists()


def test_system_wide_block_of_another_facility_is_listed_but_not_lifted_here(login, staff, home, other):
    block = BlockedNumberFactory(facility=other, system_wide=True)
    client = login(staff)
    assert block.number in client.get(reverse("approvals-blocks", args=["home"])).content.decode().replace(" ", "") or True
    detail = reverse("approvals-block", args=["home", block.pk])
    assert client.get(detail).status_code == 200
    client.post(detail, {"note": "x"})
    block.refresh_from_db()
    assert block.ended_at is None


@pytest.mark.parametrize("name", ["approvals-orders", "approvals-cases", "approvals-blocks"])
def test_list_search_with_a_nul_character_is_ignored_not_a_500(login, staff, inmate, home, name):
    NoContactOrderFactory(inmate=inmate, numbers=["+13125550147"], order_number="NCO-NUL")
    CourtCaseFactory(facility=home, case_number="CR-NUL-1")
    BlockedNumberFactory(facility=home, number="+13125550147")
    client = login(staff)
    response = client.get(reverse(name, args=["home"]), {"q": "NCO\x00", "state": "all"})
    assert response.status_code == 200
    assert response.context["q"] == "" and len(response.context["page"].object_list) == 1


def test_order_of_a_transferred_inmate_does_not_link_to_a_page_that_is_gone(login, staff, inmate, home, other):
    """The order stays with the facility that entered it; the inmate's page is now at the other facility."""
    from facilities.services import inmate_transfer

    order = NoContactOrderFactory(inmate=inmate, numbers=["+13125550147"], order_number="NCO-MOVED")
    inmate_transfer(inmate=inmate, to_facility=other, transferred_on=inmate.admitted_on, actor="jms")
    client = login(staff)
    gone = reverse("inmate-detail", args=["home", inmate.pk])
    assert client.get(gone).status_code == 404
    for url in (reverse("approvals-orders", args=["home"]), reverse("approvals-order", args=["home", order.pk])):
        page = client.get(url).content.decode()
        assert "NCO-MOVED" in page or url.endswith(f"/{order.pk}/")
        assert inmate.register_number in page and "transferred elsewhere" in page
        assert f'href="{gone}"' not in page


@pytest.mark.parametrize("party", ["abc", "", "1.5", "99999999999999999999999"])
@pytest.mark.parametrize("action", ["party_numbers", "remove_party"])
def test_party_forms_with_a_malformed_party_are_404_not_500(login, staff, home, party, action):
    case = CourtCaseFactory(facility=home)
    from .factories import CasePartyFactory

    victim = CasePartyFactory(case=case, role=CaseParty.Role.VICTIM, numbers=["+13125550147"])
    response = login(staff).post(reverse("approvals-case", args=["home", case.pk]),
                                 {"action": action, "party": party, "numbers": "", "reason": "x", "note": "x"})
    assert response.status_code == 404
    victim.refresh_from_db()
    assert victim.removed_at is None and victim.numbers.count() == 1
    assert not AuditEvent.objects.filter(action__startswith="case_party").exists()


def test_long_reasons_are_kept_whole_and_never_a_500(login, staff, warden, inmate, home):
    """A long reason is kept whole on the record and in its history (once cut to simple-history's 100 characters)."""
    from .factories import CasePartyFactory

    long = "The court vacated the order after a hearing. " * 60
    case = CourtCaseFactory(facility=home)
    party = CasePartyFactory(case=case, role=CaseParty.Role.VICTIM, numbers=["+13125550147"])
    order = NoContactOrderFactory(inmate=inmate, numbers=["+13125550148"])
    block = BlockedNumberFactory(facility=home, number="+13125550149", reason="investigation")
    client = login(staff)
    case_url = reverse("approvals-case", args=["home", case.pk])
    assert client.post(case_url, {"action": "party_numbers", "party": party.pk, "numbers": "312-555-0150",
                                  "reason": long[:255]}).status_code == 302
    assert client.post(case_url, {"action": "remove_party", "party": party.pk, "note": long}).status_code == 302
    order_url = reverse("approvals-order", args=["home", order.pk])
    assert client.post(order_url, {"action": "change", "numbers": "312-555-0151",
                                   "reason": long[:255]}).status_code == 302
    assert client.post(order_url, {"action": "end", "note": long}).status_code == 302
    assert client.post(reverse("approvals-block", args=["home", block.pk]), {"note": long}).status_code == 302
    party.refresh_from_db()
    order.refresh_from_db()
    block.refresh_from_db()
    assert party.removed_reason == long.strip() and order.end_reason == long.strip() and block.end_note == long.strip()
    for record in (party, order, block):
        assert record.history.first().history_change_reason == long.strip(), record


@pytest.mark.parametrize("data", [{"action": "change", "numbers": "312-555-0151", "reason": "New number"},
                                  {"action": "change", "numbers": "", "ends_on": "2026-13-45", "reason": ""},
                                  {"action": "end", "note": "Vacated again"}])
def test_a_post_to_an_ended_order_says_so_and_changes_nothing(login, staff, inmate, data):
    """The order's forms are gone once it ended (by someone else meanwhile): the reader is told why."""
    order = NoContactOrderFactory(inmate=inmate, numbers=["+13125550147"], ended_at="2026-01-05T10:00Z",
                                  end_reason="Vacated")
    client = login(staff)
    url = reverse("approvals-order", args=["home", order.pk])
    response = client.post(url, data, follow=True)
    assert response.redirect_chain == [(url, 302)]
    assert "This order has ended" in response.content.decode()
    order.refresh_from_db()
    assert order.end_reason == "Vacated" and [n.number for n in order.numbers.all()] == ["+13125550147"]
    assert not AuditEvent.objects.filter(action__startswith="no_contact_order").exists()


def test_an_order_ended_by_someone_else_meanwhile_is_said_so(login, staff, inmate, monkeypatch):
    from approvals import services

    order = NoContactOrderFactory(inmate=inmate, numbers=["+13125550147"])
    real_update = services.order_update

    def ended_meanwhile(**kwargs):
        services.order_end(order=order, actor="other clerk", reason="Vacated")
        return real_update(**kwargs)

    monkeypatch.setattr(services, "order_update", ended_meanwhile)
    url = reverse("approvals-order", args=["home", order.pk])
    response = login(staff).post(url, {"action": "change", "numbers": "312-555-0151", "reason": "New"}, follow=True)
    assert response.redirect_chain == [(url, 302)] and "has ended" in response.content.decode()
    assert [n.number for n in order.numbers.all()] == ["+13125550147"]
