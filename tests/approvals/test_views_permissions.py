"""Every page of the approvals app, for every role, at the home facility and from the other one."""

import pytest
from django.urls import reverse

from approvals.models import PhoneListEntry

from .factories import BlockedNumberFactory, CourtCaseFactory, NoContactOrderFactory, PhoneListEntryFactory

READERS = ["staff", "warden", "auditor"]
WRITERS = ["staff", "warden"]
OUTSIDERS = ["other_staff", "other_warden"]


@pytest.fixture
def records(home, inmate):
    return {
        "entry": PhoneListEntryFactory(inmate=inmate, status=PhoneListEntry.Status.PENDING),
        "live": PhoneListEntryFactory(inmate=inmate),
        "order": NoContactOrderFactory(inmate=inmate, numbers=["+13125550160"]),
        "case": CourtCaseFactory(facility=home),
        "block": BlockedNumberFactory(facility=home),
        "inmate": inmate,
    }


def _urls(r):
    return [
        reverse("approvals-queue", args=["home"]),
        reverse("approvals-entry", args=["home", r["entry"].pk]),
        reverse("approvals-orders", args=["home"]),
        reverse("approvals-order", args=["home", r["order"].pk]),
        reverse("approvals-cases", args=["home"]),
        reverse("approvals-case", args=["home", r["case"].pk]),
        reverse("approvals-blocks", args=["home"]),
        reverse("approvals-block", args=["home", r["block"].pk]),
        reverse("inmate-detail", args=["home", r["inmate"].pk]),
    ]


@pytest.mark.parametrize("who", READERS)
def test_readers_see_every_page(request, login, records, who):
    client = login(request.getfixturevalue(who))
    for url in _urls(records):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("who", OUTSIDERS)
def test_outsiders_get_404_everywhere(request, login, records, who):
    client = login(request.getfixturevalue(who))
    for url in _urls(records):
        assert client.get(url).status_code == 404, url
    for url in _post_targets(records):
        assert client.post(url, {"note": "x", "decision": "deny", "reason": "other"}).status_code == 404, url
    records["entry"].refresh_from_db()
    assert records["entry"].status == PhoneListEntry.Status.PENDING


def test_outsider_cannot_reach_home_records_through_own_facility(login, other_staff, other, records):
    client = login(other_staff)
    assert client.get(reverse("approvals-entry", args=["other", records["entry"].pk])).status_code == 404
    assert client.get(reverse("approvals-order", args=["other", records["order"].pk])).status_code == 404
    assert client.post(reverse("approvals-entry", args=["other", records["entry"].pk]),
                       {"decision": "approve"}).status_code == 404


def test_anonymous_is_sent_to_login(client, records):
    for url in _urls(records):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]


def _post_targets(r):
    return [
        reverse("approvals-entry", args=["home", r["entry"].pk]),
        reverse("approvals-entry-add", args=["home", r["inmate"].pk]),
        reverse("approvals-entry-remove", args=["home", r["live"].pk]),
        reverse("approvals-entry-suspend", args=["home", r["live"].pk]),
        reverse("approvals-orders", args=["home"]),
        reverse("approvals-order", args=["home", r["order"].pk]),
        reverse("approvals-cases", args=["home"]),
        reverse("approvals-case", args=["home", r["case"].pk]),
        reverse("approvals-blocks", args=["home"]),
        reverse("approvals-block", args=["home", r["block"].pk]),
    ]


def test_auditor_changes_nothing(login, auditor, records):
    client = login(auditor)
    for url in _post_targets(records):
        assert client.post(url, {"note": "x", "decision": "approve"}).status_code == 403, url
    records["entry"].refresh_from_db()
    assert records["entry"].status == PhoneListEntry.Status.PENDING
    assert not PhoneListEntry.objects.filter(status=PhoneListEntry.Status.REMOVED).exists()


def test_auditor_sees_no_decision_form(login, auditor, records):
    body = login(auditor).get(reverse("approvals-entry", args=["home", records["entry"].pk])).content.decode()
    assert "Record the decision" not in body


@pytest.mark.parametrize("who", WRITERS)
def test_staff_and_wardens_decide(request, login, records, who):
    client = login(request.getfixturevalue(who))
    response = client.post(reverse("approvals-entry", args=["home", records["entry"].pk]),
                           {"decision": "approve", "note": ""})
    assert response.status_code == 302
    records["entry"].refresh_from_db()
    assert records["entry"].status == PhoneListEntry.Status.LIVE
