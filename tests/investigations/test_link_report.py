"""The link report (domain.md §9): numbers live or waiting on two or more inmates' lists, ranked, with cases in
common (co-defendants first); other facilities' inmates counted, named only to who holds a role there; the
number page; CSV; a constant number of queries at any volume."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from approvals.models import CaseParty, PhoneListEntry
from calls import services as calls
from tests.approvals.factories import CasePartyFactory, CourtCaseFactory, PhoneListEntryFactory
from tests.factories import InmateFactory
from tests.pages import page

pytestmark = pytest.mark.django_db

PENDING, DENIED = PhoneListEntry.Status.PENDING, PhoneListEntry.Status.DENIED


def build(home, other, *, tag: int = 0):
    """The example: at home Abel, Baker, Cole; at other Dunn, Evans.
    N1 on Abel, Baker (home) and Dunn (other): 3.  N2 on Abel (live) and Cole (pending): 2.
    N3 on Abel (home) and Dunn (other): 2.  N4 on Baker (live) and Cole (denied): 1, not shown.
    N5 on Dunn and Evans (other only): not shown to home's investigator.
    Case K1: Abel and Baker defendants (co-defendants). Case K2: Abel defendant, Baker witness."""
    n = lambda k: f"+1773555{tag:02d}{k:02d}"  # noqa: E731
    reg = lambda s: f"{tag:03d}{s}"  # noqa: E731
    abel = InmateFactory(facility=home, register_number=reg("-A"), first_name="Abel", last_name=f"Abel{tag}")
    baker = InmateFactory(facility=home, register_number=reg("-B"), first_name="Bea", last_name=f"Baker{tag}")
    cole = InmateFactory(facility=home, register_number=reg("-C"), first_name="Cy", last_name=f"Cole{tag}")
    dunn = InmateFactory(facility=other, register_number=reg("-D"), first_name="Di", last_name=f"Dunn{tag}")
    evans = InmateFactory(facility=other, register_number=reg("-E"), first_name="Ed", last_name=f"Evans{tag}")
    for inmate, number, status in [
        (abel, n(1), None), (baker, n(1), None), (dunn, n(1), None),
        (abel, n(2), None), (cole, n(2), PENDING),
        (abel, n(3), None), (dunn, n(3), None),
        (baker, n(4), None), (cole, n(4), DENIED),
        (dunn, n(5), None), (evans, n(5), None),
    ]:
        PhoneListEntryFactory(inmate=inmate, number=number, **({"status": status} if status else {}))
    k1 = CourtCaseFactory(facility=home, case_number=f"K1-{tag}", court="District Court")
    k2 = CourtCaseFactory(facility=home, case_number=f"K2-{tag}", court="County Court")
    CasePartyFactory(case=k1, inmate=abel, role=CaseParty.Role.DEFENDANT)
    CasePartyFactory(case=k1, inmate=baker, role=CaseParty.Role.DEFENDANT)
    CasePartyFactory(case=k2, inmate=abel, role=CaseParty.Role.DEFENDANT)
    CasePartyFactory(case=k2, inmate=baker, role=CaseParty.Role.WITNESS)
    return n, (abel, baker, cole, dunn, evans)


def test_the_figures_of_the_built_example(login, investigator, home, other):
    n, _ = build(home, other)
    response = login(investigator).get(reverse("investigations-links"))
    rows = response.context["rows"]
    assert [(r.number, r.inmate_count, r.unnamed) for r in rows] == [(n(1), 3, 1), (n(2), 2, 0), (n(3), 2, 1)]
    first = {i.name: i for i in rows[0].named}
    assert sorted(first) == ["Abel0, Abel", "Baker0, Bea"]
    assert first["Abel0, Abel"].cases == ["K1-0 (District Court): co-defendants",
                                          "K2-0 (County Court): defendant, the other witness"]
    assert first["Baker0, Bea"].cases == ["K1-0 (District Court): co-defendants",
                                          "K2-0 (County Court): witness, the other defendant"]
    assert [i.status for i in rows[1].named] == ["Live", "Waiting for review"]
    assert rows[1].named[0].cases == []  # Abel and Cole share no case
    _, text = page(response)
    assert "Dunn0" not in text and "1 more at facilities where you hold no role" in text
    assert "(773) 555-0001" in text and "co-defendants" in text


def test_an_investigator_of_both_facilities_sees_every_name(login, investigator_both, home, other):
    n, _ = build(home, other)
    rows = login(investigator_both).get(reverse("investigations-links")).context["rows"]
    assert [(r.number, r.inmate_count, r.unnamed) for r in rows] == [
        (n(1), 3, 0), (n(2), 2, 0), (n(3), 2, 0), (n(5), 2, 0)]
    assert "Dunn0, Di" in [i.name for i in rows[0].named]


def test_the_csv_has_one_line_per_named_inmate(login, investigator, home, other):
    n, _ = build(home, other)
    response = login(investigator).get(reverse("investigations-links") + "?export=csv")
    assert response["Content-Type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert lines[0][:3] == ["number", "inmates_listing", "inmate"]
    body = [(line[0], line[1], line[2], line[8]) for line in lines[1:]]
    assert body == [
        ("'" + n(1), "3", "Abel0, Abel", "1"), ("'" + n(1), "3", "Baker0, Bea", "1"),
        ("'" + n(2), "2", "Abel0, Abel", "0"), ("'" + n(2), "2", "Cole0, Cy", "0"),
        ("'" + n(3), "2", "Abel0, Abel", "1"),
    ]
    assert "Dunn0" not in "".join(map(str, lines))


def test_queries_stay_the_same_at_ten_times_the_volume(login, investigator, home, other):
    client = login(investigator)
    build(home, other, tag=0)
    client.get(reverse("investigations-links"))  # warm up the session
    with CaptureQueriesContext(connection) as small:
        assert len(client.get(reverse("investigations-links")).context["rows"]) == 3
    for tag in range(1, 10):
        build(home, other, tag=tag)
    with CaptureQueriesContext(connection) as large:
        assert len(client.get(reverse("investigations-links")).context["rows"]) == 30
    assert len(small) == len(large)


def test_the_number_page_shows_who_lists_and_who_dialled(login, investigator, home, other, clock):
    n, (abel, baker, cole, dunn, _) = build(home, other)
    calls.minutes_grant_on_booking(inmate=cole)
    calls.call_authorize(facility=home, register_number=cole.register_number, number=n(1))  # not on Cole's list
    calls.minutes_grant_on_booking(inmate=dunn)
    calls.call_authorize(facility=other, register_number=dunn.register_number, number=n(1))
    response = login(investigator).get(reverse("calls-number", args=[n(1)]))
    heading, text = page(response)
    assert heading == "Number (773) 555-0001"
    assert "Abel0, Abel" in text and "Baker0, Bea" in text
    assert "1 more inmate(s) list it at facilities where you hold no role." in text
    dialled = response.context["dialled"]
    assert [(d["inmate__register_number"], d["calls"], d["denied"]) for d in dialled] == [("000-C", 1, 1)]
    assert "Dunn0" not in text


@pytest.mark.parametrize("persona", ["staff", "auditor"])
def test_the_number_page_is_for_investigators(request, login, home, persona):
    response = login(request.getfixturevalue(persona)).get(reverse("calls-number", args=["+17735550001"]))
    assert response.status_code == 403


def test_a_number_that_is_not_one_is_not_found(login, investigator):
    assert login(investigator).get(reverse("calls-number", args=["abc"])).status_code == 404
