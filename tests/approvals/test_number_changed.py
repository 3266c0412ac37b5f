"""A contact's number changed (domain.md §2): staff replace an entry from the paper form; the change is
exempt from the list-change interval and the old entry is removed for that reason."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from approvals.models import PhoneListEntry
from approvals.services import EntryError
from audit.models import AuditEvent
from facilities.models import CallingPolicy

from ..factories import InmateFactory
from .factories import BlockedNumberFactory, PhoneListEntryFactory

S = PhoneListEntry.Status
OLD, NEW = "+13125550111", "+13125550222"


@pytest.fixture
def interval(home):
    """Changes every 180 days; the list last changed 10 days ago (its clock runs)."""
    CallingPolicy.objects.filter(facility=home).update(list_change_interval_days=180)


def _old(inmate, **kw):
    kw.setdefault("went_live_at", timezone.now() - dt.timedelta(days=10))
    return PhoneListEntryFactory(inmate=inmate, number=OLD, contact_name="Mia Roe", relationship="parent", **kw)


def _kinds(entry):
    return {f.kind for f in entry.findings.filter(cleared_at__isnull=True)}


def test_changed_number_is_exempt_from_the_interval_and_removes_the_old_entry(
    list_mode, interval, add, inmate, staff
):
    old = _old(inmate)
    regular = add("312-555-0333")
    assert regular.status == S.DENIED and "change_too_soon" in _kinds(regular)  # the interval applies …
    new = add(NEW, contact_name="Mia Roe", relationship="parent", replaces=old)  # … but not to a changed number
    assert "change_too_soon" not in _kinds(new) and new.replaces == old
    assert new.status == (S.LIVE if list_mode == "self_managed" else S.PENDING)
    old.refresh_from_db()
    assert old.status == S.REMOVED and old.replaced_by == new
    step = old.transitions.get()
    assert (step.from_status, step.to_status, step.reason, step.actor) == (S.LIVE, S.REMOVED, "number_changed", staff)
    assert "(312) 555-0222" in step.note
    removed = AuditEvent.objects.get(action="phone_entry_removed", target_id=str(old.pk))
    assert removed.actor == staff and removed.reason == "The contact's number changed."
    assert removed.data == {"number": OLD, "replaced_by": new.pk, "new_number": NEW}
    added = AuditEvent.objects.get(action="phone_entry_added", target_id=str(new.pk))
    assert added.data["replaces"] == old.pk
    assert old.history.first().history_change_reason.startswith("removed: number_changed")


def test_replacing_a_pending_entry(interval, add, inmate):
    old = _old(inmate, status=S.PENDING, went_live_at=None)
    new = add(NEW, replaces=old.pk)
    old.refresh_from_db()
    assert old.status == S.REMOVED and new.replaces_id == old.pk


def test_a_full_list_still_takes_a_changed_number(list_mode, add, inmate, home):
    CallingPolicy.objects.filter(facility=home).update(list_size=2)
    old = _old(inmate)
    PhoneListEntryFactory(inmate=inmate)
    assert "list_full" in _kinds(add("312-555-0333"))
    new = add(NEW, replaces=old)
    assert "list_full" not in _kinds(new) and new.status != S.DENIED


def test_the_new_number_is_screened_like_any_other(list_mode, interval, add, inmate, home):
    old = _old(inmate)
    BlockedNumberFactory(facility=home, number=NEW)
    new = add(NEW, replaces=old)
    assert new.status == S.DENIED and _kinds(new) == {"blocked_number"}
    old.refresh_from_db()
    assert old.status == S.REMOVED  # the old number is no longer the contact's, whatever the new one's fate


def test_a_changed_number_does_not_restart_the_interval_clock(interval, add, inmate):
    _old(inmate, went_live_at=timezone.now() - dt.timedelta(days=200))  # last regular change: 200 days ago
    other = PhoneListEntryFactory(inmate=inmate, number="+13125550444", went_live_at=timezone.now() - dt.timedelta(
        days=190))
    add(NEW, replaces=other)  # today, exempt
    assert "change_too_soon" not in _kinds(add("312-555-0333"))  # 190 days since the last regular change


@pytest.mark.parametrize("status", [S.SUSPENDED, S.DENIED, S.REMOVED])
def test_only_live_or_pending_entries_are_replaced(add, inmate, status):
    old = _old(inmate, status=status)
    with pytest.raises(EntryError) as exc:
        add(NEW, replaces=old)
    assert exc.value.code == "not_replaceable" and exc.value.field == "replaces"
    assert not PhoneListEntry.objects.filter(number=NEW).exists()
    old.refresh_from_db()
    assert old.status == status


def test_refusals_change_nothing(add, inmate, home):
    old = _old(inmate)
    elsewhere = PhoneListEntryFactory(inmate=InmateFactory(facility=home), number="+13125550555")
    for kwargs, code in [
        ({"number": NEW, "replaces": elsewhere}, "invalid_input"),  # another inmate's entry
        ({"number": NEW, "replaces": "abc"}, "invalid_input"),
        ({"number": NEW, "replaces": 999999}, "invalid_input"),
        ({"number": "312-555-0111", "replaces": old}, "same_number"),
        ({"number": NEW, "replaces": old, "source": "kiosk"}, "invalid_input"),  # staff record it
    ]:
        with pytest.raises(EntryError) as exc:
            add(kwargs.pop("number"), **kwargs)
        assert exc.value.code == code, kwargs
    assert not PhoneListEntry.objects.filter(number=NEW).exists()
    old.refresh_from_db()
    elsewhere.refresh_from_db()
    assert old.status == elsewhere.status == S.LIVE and not old.transitions.exists()


# --------------------------------------------------------------------------- the paper form


def test_paper_form_offers_the_list_and_replaces(login, staff, inmate, interval):
    old = _old(inmate)
    PhoneListEntryFactory(inmate=inmate, number="+13125550666", status=S.DENIED)
    client = login(staff)
    url = reverse("approvals-entry-add", args=["home", inmate.pk])
    form = client.get(url, {"replaces": old.pk}).context["form"]
    assert [c[0] for c in form.fields["replaces"].choices] == ["", old.pk]  # live and pending ones only
    assert form.initial == {"replaces": old.pk, "contact_name": "Mia Roe", "relationship": "parent"}
    response = client.post(url, {"number": "(312) 555-0222", "contact_name": "Mia Roe", "relationship": "parent",
                                 "replaces": old.pk})
    assert response.status_code == 302
    new = PhoneListEntry.objects.get(number=NEW)
    old.refresh_from_db()
    assert new.replaces == old and old.status == S.REMOVED and "change_too_soon" not in _kinds(new)
    page = client.get(reverse("inmate-detail", args=["home", inmate.pk])).content.decode()
    assert 'replaces <abbr class="number" title="+13125550111">(312) 555-0111</abbr>' in page
    detail = client.get(reverse("approvals-entry", args=["home", old.pk])).content.decode()
    assert "Replaced by" in detail and "(312) 555-0222" in detail


def test_paper_form_bad_replacement_shows_an_error_and_changes_nothing(login, staff, inmate):
    old = _old(inmate, status=S.SUSPENDED)
    live = PhoneListEntryFactory(inmate=inmate, number="+13125550777")
    response = login(staff).post(reverse("approvals-entry-add", args=["home", inmate.pk]), {
        "number": "(312) 555-0222", "contact_name": "Mia Roe", "relationship": "parent", "replaces": old.pk})
    assert response.status_code == 400 and response.context["form"].errors["replaces"]
    response = login(staff).post(reverse("approvals-entry-add", args=["home", inmate.pk]), {
        "number": "(312) 555-0777", "contact_name": "Mia Roe", "relationship": "parent", "replaces": live.pk})
    assert response.status_code == 400 and response.context["form"].errors["number"]
    assert not PhoneListEntry.objects.filter(number=NEW).exists()
    assert PhoneListEntry.objects.get(pk=live.pk).status == S.LIVE


def test_no_replacement_field_without_live_or_pending_entries(login, staff, inmate):
    form = login(staff).get(reverse("approvals-entry-add", args=["home", inmate.pk])).context["form"]
    assert "replaces" not in form.fields
