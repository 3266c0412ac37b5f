"""Called-party blocks ("do not call me", domain.md §9, docs/rules.md): recorded by staff with where the request
came from and how the requester's identity was checked, or filed by the platform's opt-out key
(POST /api/v1/called-party-blocks); lifted only at the called party's own request; one inmate or all."""

import pytest
from django.urls import reverse

from approvals import services
from approvals.models import BlockedNumber, PhoneListEntry
from approvals.screening import screen_number
from approvals.selectors import call_screening
from audit.models import AuditEvent

from ..factories import InmateFactory
from ..pages import facts, page
from .factories import PhoneListEntryFactory

NUMBER = "+13125550188"
SHOWN = "(312) 555-0188"
URL = "/api/v1/called-party-blocks"
S = PhoneListEntry.Status
Reason, Source = BlockedNumber.Reason, BlockedNumber.Source


def _staff_block(home, staff, **kwargs):
    kwargs.setdefault("reason", Reason.CALLED_PARTY_REQUEST)
    kwargs.setdefault("source", Source.PHONE)
    kwargs.setdefault("identity_check", "Called back on the number; she answered.")
    kwargs.setdefault("note", "The holder asked never to be called.")
    return services.block_create(facility=home, number=SHOWN, actor=staff, **kwargs)


# --------------------------------------------------------------------------- recorded by staff


def test_staff_record_where_the_request_came_from_and_how_identity_was_checked(home, staff):
    block = _staff_block(home, staff, source=Source.LETTER, identity_check="Signed letter with a phone bill")
    block.refresh_from_db()
    assert (block.number, block.source, block.identity_check, block.inmate_id) == (
        NUMBER, "letter", "Signed letter with a phone bill", None)
    event = AuditEvent.objects.get(action="number_blocked")
    assert event.data["source"] == "letter" and event.data["inmate"] is None


@pytest.mark.parametrize("changes,field", [
    ({"source": ""}, "source"),  # a called party's request says where it came from
    ({"identity_check": "  "}, "identity_check"),  # ... and how the requester was identified
    ({"source": Source.KEYPAD}, "source"),  # the keypad is the platform's, never typed in by staff
    ({"source": "fax"}, "source"),
])
def test_a_called_party_block_without_its_particulars_is_refused_and_nothing_written(home, staff, changes, field):
    with pytest.raises(services.EntryError) as refused:
        _staff_block(home, staff, **changes)
    assert (refused.value.code, refused.value.field) == ("invalid_input", field)
    assert not BlockedNumber.objects.exists()


def test_a_block_against_one_inmate_stops_that_inmate_only(home, staff, inmate, django_capture_on_commit_callbacks):
    neighbour = InmateFactory(facility=home)
    mine = PhoneListEntryFactory(inmate=inmate, number=NUMBER)
    theirs = PhoneListEntryFactory(inmate=neighbour, number=NUMBER)
    with django_capture_on_commit_callbacks(execute=True):
        _staff_block(home, staff, inmate=inmate)
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.status == S.SUSPENDED and mine.has_block  # re-screening, as for any block
    assert theirs.status == S.LIVE and not theirs.has_block
    assert call_screening(inmate=inmate, number=NUMBER).block_codes == ["blocked_number"]
    assert call_screening(inmate=neighbour, number=NUMBER).block_codes == []
    finding = [f for f in screen_number(inmate=inmate, number=NUMBER) if f.kind == "blocked_number"]
    assert finding and "for this inmate" in finding[0].message
    assert not [f for f in screen_number(inmate=neighbour, number=NUMBER) if f.kind == "blocked_number"]


def test_a_block_against_one_inmate_follows_the_inmate_elsewhere(home, other, staff, inmate):
    _staff_block(home, staff, inmate=inmate)
    inmate.facility = other
    inmate.save()
    assert call_screening(inmate=inmate, number=NUMBER).block_codes == ["blocked_number"]


@pytest.mark.parametrize("changes", [
    {"reason": Reason.INVESTIGATION, "source": ""},  # one inmate only at a called party's or victim's request
    {"system_wide": True},  # one inmate, or everyone: not both
])
def test_a_block_against_one_inmate_is_a_called_party_s_and_never_system_wide(home, warden, inmate, changes):
    with pytest.raises(services.EntryError):
        _staff_block(home, warden, inmate=inmate, **changes)
    assert not BlockedNumber.objects.exists()


def test_another_facility_s_inmate_cannot_be_named(home, staff, other_inmate):
    with pytest.raises(services.EntryError) as refused:
        _staff_block(home, staff, inmate=other_inmate)
    assert refused.value.code == "unknown_inmate"


# --------------------------------------------------------------------------- lifting


def test_a_called_party_s_block_is_lifted_only_at_their_own_request(home, staff):
    block = _staff_block(home, staff)
    with pytest.raises(services.EntryError) as refused:
        services.block_end(block=block, actor=staff, note="The inmate's mother asked us to")
    assert refused.value.code == "called_party_request_required"
    assert BlockedNumber.objects.get(pk=block.pk).ended_at is None
    services.block_end(block=block, actor=staff, note="She phoned from the number and asked", called_party_asked=True)
    block.refresh_from_db()
    assert block.ended_at is not None and block.end_called_party_asked is True
    assert AuditEvent.objects.get(action="number_unblocked").data["called_party_asked"] is True


def test_a_victim_s_block_is_lifted_only_on_paperwork_naming_the_document(home, staff):
    block = _staff_block(home, staff, reason=Reason.VICTIM_REQUEST, source=Source.IN_PERSON,
                         identity_check="Photo ID at the front desk")
    with pytest.raises(services.EntryError) as refused:
        services.block_end(block=block, actor=staff, note="Victim asked", called_party_asked=True)
    assert refused.value.code == "paperwork_required"
    services.block_end(block=block, actor=staff, note="Court order", paperwork="Order of Judge Ruiz, 24-CR-118")
    assert BlockedNumber.objects.get(pk=block.pk).end_paperwork == "Order of Judge Ruiz, 24-CR-118"


# --------------------------------------------------------------------------- pages


def test_the_block_page_shows_the_called_party_s_particulars(login, staff, home, inmate):
    block = _staff_block(home, staff, inmate=inmate, inmate_told=True)
    shown = facts(login(staff).get(reverse("approvals-block", args=["home", block.pk])))
    assert shown["Who may not call"] == f"Only {inmate}"
    assert shown["Request came by"] == "Telephone call"
    assert shown["Identity checked"] == "Called back on the number; she answered."
    assert shown["Inmate told"].startswith("Yes")
    assert shown["Lifted only"] == "when the called party asks for it themselves"


def test_staff_record_one_from_the_blocks_page(login, staff, home, inmate):
    response = login(staff).post(reverse("approvals-blocks", args=["home"]), {
        "number": SHOWN, "reason": Reason.CALLED_PARTY_REQUEST, "note": "Asked in person", "source": "in_person",
        "identity_check": "Driver's licence and the phone bill", "register_number": inmate.register_number,
        "inmate_told": "on",
    })
    assert response.status_code == 302
    block = BlockedNumber.objects.get()
    assert (block.inmate_id, block.source, block.inmate_told) == (inmate.pk, "in_person", True)


def test_the_blocks_page_refuses_a_called_party_s_request_with_no_source(login, staff, home):
    response = login(staff).post(reverse("approvals-blocks", args=["home"]), {
        "number": SHOWN, "reason": Reason.CALLED_PARTY_REQUEST, "note": "Asked"})
    assert response.status_code == 400
    assert "Say where the called party" in response.content.decode()
    assert not BlockedNumber.objects.exists()


def test_lifting_from_the_page_needs_the_called_party_s_own_request(login, staff, home):
    block = _staff_block(home, staff)
    client = login(staff)
    url = reverse("approvals-block", args=["home", block.pk])
    refused = client.post(url, {"note": "Asked by someone else"})
    assert refused.status_code == 400 and BlockedNumber.objects.get(pk=block.pk).ended_at is None
    assert client.post(url, {"note": "She phoned and asked", "called_party_asked": "on"}).status_code == 302
    assert facts(client.get(url))["Lifted"].endswith("(at the called party's own request)")


def test_the_inmate_page_shows_the_notice_only_when_the_inmate_is_told(login, staff, home, inmate):
    client = login(staff)
    url = reverse("inmate-detail", args=["home", inmate.pk])
    _staff_block(home, staff, inmate=inmate, inmate_told=False)
    assert "asked never to be called" not in page(client.get(url))[1]
    _staff_block(home, staff, inmate=inmate, inmate_told=True, note="Second request")
    assert f"the holder of {SHOWN} asked never to be called by this inmate" in page(client.get(url))[1]


def test_a_notice_for_every_inmate_shows_where_the_list_carries_the_number(login, staff, home, inmate):
    PhoneListEntryFactory(inmate=inmate, number=NUMBER)
    bystander = InmateFactory(facility=home)
    _staff_block(home, staff, inmate_told=True)
    client = login(staff)
    assert "asked never to be called by any inmate of this facility" in page(
        client.get(reverse("inmate-detail", args=["home", inmate.pk])))[1]
    assert "asked never to be called" not in page(client.get(reverse("inmate-detail", args=["home", bystander.pk])))[1]


# --------------------------------------------------------------------------- the platform's opt-out key


def test_the_opt_out_key_blocks_every_inmate_of_the_facility(platform, home, inmate,
                                                              django_capture_on_commit_callbacks):
    entry = PhoneListEntryFactory(inmate=inmate, number=NUMBER)
    with django_capture_on_commit_callbacks(execute=True):
        response = platform.post(URL, {"facility": "home", "number": SHOWN}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["number"] == NUMBER and body["facility"] == "home" and body["created"] is True
    assert (body["reason"], body["source"], body["system_wide"]) == ("called_party_request", "keypad", False)
    block = BlockedNumber.objects.get()
    assert block.inmate_id is None and block.reason == "called_party_request" and block.source == "keypad"
    entry.refresh_from_db()
    assert entry.status == S.SUSPENDED  # screened again like any block
    assert call_screening(inmate=InmateFactory(facility=home), number=NUMBER).block_codes == ["blocked_number"]
    assert AuditEvent.objects.get(action="number_blocked").data["source"] == "keypad"


def test_a_repeat_press_is_idempotent(platform, home):
    first = platform.post(URL, {"facility": "home", "number": SHOWN}, format="json").json()
    again = platform.post(URL, {"facility": "home", "number": "+1 312 555 0188"}, format="json")
    assert again.status_code == 200
    assert again.json()["id"] == first["id"] and again.json()["created"] is False
    assert BlockedNumber.objects.count() == 1
    assert AuditEvent.objects.filter(action="number_blocked").count() == 1


def test_a_press_on_a_number_staff_blocked_at_its_holder_s_request_changes_nothing(platform, home, staff):
    block = _staff_block(home, staff)
    response = platform.post(URL, {"facility": "home", "number": SHOWN}, format="json")
    assert response.status_code == 200 and response.json()["id"] == block.pk
    assert BlockedNumber.objects.count() == 1


def test_a_press_on_a_number_blocked_for_another_reason_still_files_the_called_party_s_block(platform, home, staff):
    services.block_create(facility=home, number=SHOWN, reason=Reason.INVESTIGATION, note="Case 9", actor=staff)
    assert platform.post(URL, {"facility": "home", "number": SHOWN}, format="json").status_code == 201
    assert BlockedNumber.objects.filter(reason=Reason.CALLED_PARTY_REQUEST, source=Source.KEYPAD).count() == 1


@pytest.mark.parametrize("payload,status,code", [
    ({"facility": "home", "number": "1-800-555-0199"}, 400, "toll_free"),
    ({"facility": "home", "number": "+1 900 555 0123"}, 400, "premium_rate"),
    ({"facility": "home", "number": "12"}, 400, "invalid_number"),
    ({"facility": "home", "number": ""}, 400, "invalid_input"),
    ({"facility": "home"}, 400, "invalid_input"),
    ({"number": SHOWN}, 400, "invalid_input"),
    ({"facility": "home", "number": ["+13125550188"]}, 400, "invalid_input"),
    ({"facility": "home", "number": "x" * 41}, 400, "invalid_input"),
    ({"facility": "nowhere", "number": SHOWN}, 404, "unknown_facility"),
    ({"facility": "other", "number": SHOWN}, 404, "unknown_facility"),  # another facility: as if unknown
])
def test_bad_input_is_a_4xx_and_nothing_is_written(platform, home, other, payload, status, code):
    response = platform.post(URL, payload, format="json")
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert set(response.json()) >= {"code", "message"}
    assert not BlockedNumber.objects.exists() and not AuditEvent.objects.filter(action="number_blocked").exists()


def test_malformed_json_is_a_400_and_nothing_is_written(platform, home):
    response = platform.post(URL, "{not json", content_type="application/json")
    assert (response.status_code, response.json()["code"]) == (400, "malformed_json")
    assert not BlockedNumber.objects.exists()


def test_another_facility_s_client_cannot_block_for_this_one(other_platform, home, other, inmate):
    response = other_platform.post(URL, {"facility": "home", "number": SHOWN}, format="json")
    assert (response.status_code, response.json()["code"]) == (404, "unknown_facility")
    assert not BlockedNumber.objects.exists()
    # Its own facility's press blocks there only: home's inmates may still call the number.
    assert other_platform.post(URL, {"facility": "other", "number": SHOWN}, format="json").status_code == 201
    assert call_screening(inmate=inmate, number=NUMBER).block_codes == []


def test_without_a_token_nothing_is_written(client, home):
    response = client.post(URL, {"facility": "home", "number": SHOWN}, content_type="application/json")
    assert response.status_code == 401 and not BlockedNumber.objects.exists()


def test_the_schema_documents_the_endpoint_with_examples(client):
    schema = client.get("/api/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/called-party-blocks"]["post"]
    assert {"200", "201", "400", "401", "404"} <= set(operation["responses"])
    examples = operation["requestBody"]["content"]["application/json"]["examples"]
    assert any(e["value"].get("number") for e in examples.values())
