"""List limits with a warden's leave (domain.md §9, docs/rules.md): one inmate's list size raised, or the change
interval waived once, with a reason and a last day; ``limits.effective_list_limits`` is the one place that
applies it, for screening and the inmate page."""

import datetime as dt

import pytest
from django.urls import reverse

from approvals import services
from approvals.limits import LeaveFacts, effective_list_limits
from approvals.models import ListLeave, PhoneListEntry
from audit.models import AuditEvent
from facilities.models import CallingPolicy

from ..factories import facility_today
from ..pages import facts, page
from .factories import PhoneListEntryFactory

S = PhoneListEntry.Status
DAY = dt.date(2026, 3, 10)


def _pair(limits) -> tuple[int, int]:
    return limits.list_size, limits.change_interval_days


class _Policy:
    list_size = 30
    list_change_interval_days = 180


def test_effective_limits_are_the_policy_s_without_a_leave_in_force():
    assert _pair(effective_list_limits(policy=_Policy, leave=None, day=DAY)) == (30, 180)
    over = LeaveFacts(pk=1, list_size=40, waive_interval=True, waiver_used=False, ends_on=DAY - dt.timedelta(days=1))
    assert _pair(effective_list_limits(policy=_Policy, leave=over, day=DAY)) == (30, 180)


def test_effective_limits_with_a_leave_in_force_through_its_last_day():
    leave = LeaveFacts(pk=1, list_size=40, waive_interval=True, waiver_used=False, ends_on=DAY)
    limits = effective_list_limits(policy=_Policy, leave=leave, day=DAY)
    assert (limits.list_size, limits.change_interval_days, limits.size_raised, limits.interval_waived) == (
        40, 0, True, True)
    used = LeaveFacts(pk=1, list_size=None, waive_interval=True, waiver_used=True, ends_on=DAY)
    assert _pair(effective_list_limits(policy=_Policy, leave=used, day=DAY)) == (30, 180)


def _grant(inmate, warden, **kwargs):
    kwargs.setdefault("reason", "Large family; the chaplain asked.")
    kwargs.setdefault("ends_on", facility_today(inmate.facility) + dt.timedelta(days=30))
    return services.leave_grant(inmate=inmate, actor=warden, **kwargs)


def _fill(inmate, count):
    for n in range(count):
        PhoneListEntryFactory(inmate=inmate, number=f"+1312555{n + 400:04d}")


def test_a_raised_list_size_lets_the_list_grow_past_the_policy(home, inmate, warden, add):
    CallingPolicy.objects.filter(facility=home).update(list_size=2)
    _fill(inmate, 2)
    assert add("(312) 555-0147").status == S.DENIED  # list full
    _grant(inmate, warden, list_size=3)
    assert add("(312) 555-0148").status == S.LIVE
    third = add("(312) 555-0149")
    assert third.status == S.DENIED
    assert "a warden's leave allows 3 until" in third.findings.get(kind="list_full").message


def test_a_leave_past_its_last_day_no_longer_applies(home, inmate, warden, add, time_machine):
    CallingPolicy.objects.filter(facility=home).update(list_size=2)
    _fill(inmate, 2)
    _grant(inmate, warden, list_size=5, ends_on=facility_today(home))
    time_machine.move_to(dt.datetime.now(dt.UTC) + dt.timedelta(days=2))
    assert add("(312) 555-0147").status == S.DENIED


def test_the_interval_is_waived_for_one_change_only(home, inmate, warden, add):
    CallingPolicy.objects.filter(facility=home).update(list_change_interval_days=180)
    first = add("(312) 555-0150")
    assert first.status == S.LIVE
    assert add("(312) 555-0151").status == S.DENIED  # changed too soon
    leave = _grant(inmate, warden, waive_interval=True)
    waived = add("(312) 555-0152")
    assert waived.status == S.LIVE
    leave.refresh_from_db()
    assert leave.waiver_used_by_id == waived.pk and leave.waiver_used_at is not None
    assert AuditEvent.objects.filter(action="list_leave_waiver_used").count() == 1
    assert "change_too_soon" in {f.kind for f in add("(312) 555-0153").findings.all()}  # the next waits again


def test_a_changed_number_does_not_use_the_waiver(home, inmate, warden, add):
    CallingPolicy.objects.filter(facility=home).update(list_change_interval_days=180)
    old = add("(312) 555-0150")
    leave = _grant(inmate, warden, waive_interval=True)
    add("(312) 555-0160", replaces=old.pk)  # exempt from the interval anyway
    leave.refresh_from_db()
    assert leave.waiver_used_at is None


@pytest.mark.parametrize("changes,field", [
    ({}, "list_size"),  # neither a size nor a waiver
    ({"list_size": 30}, "list_size"),  # not above the policy's 30
    ({"list_size": 501}, "list_size"),
    ({"list_size": 40, "reason": " "}, "reason"),
    ({"list_size": 40, "ends_on": "yesterday"}, "ends_on"),
    ({"list_size": 40, "ends_on": "next_year_and_more"}, "ends_on"),
    ({"waive_interval": True}, "waive_interval"),  # the policy has no interval to waive
])
def test_illegal_input_is_refused_and_nothing_written(home, inmate, warden, changes, field):
    today = facility_today(home)
    ends = {"yesterday": today - dt.timedelta(days=1), "next_year_and_more": today + dt.timedelta(days=400)}
    if changes.get("ends_on") in ends:
        changes = {**changes, "ends_on": ends[changes["ends_on"]]}
    with pytest.raises(services.EntryError) as refused:
        _grant(inmate, warden, **changes)
    assert (refused.value.code, refused.value.field) == ("invalid_input", field)
    assert not ListLeave.objects.exists() and not AuditEvent.objects.filter(action="list_leave_granted").exists()


def test_only_a_warden_grants_or_ends_a_leave(inmate, staff, warden):
    with pytest.raises(services.EntryError) as refused:
        _grant(inmate, staff, list_size=40)
    assert (refused.value.code, refused.value.status) == ("warden_required", 403)
    leave = _grant(inmate, warden, list_size=40)
    with pytest.raises(services.EntryError):
        services.leave_end(leave=leave, reason="no", actor=staff)
    assert ListLeave.objects.get(pk=leave.pk).ended_at is None


def test_a_new_leave_replaces_the_open_one_and_ending_it_restores_the_policy(inmate, warden, home):
    first = _grant(inmate, warden, list_size=40)
    second = _grant(inmate, warden, list_size=35)
    first.refresh_from_db()
    assert first.ended_at is not None and first.end_reason == "Replaced by a new leave."
    services.leave_end(leave=second, reason="Family situation resolved", actor=warden)
    with pytest.raises(services.EntryError) as refused:
        services.leave_end(leave=second, reason="Again", actor=warden)
    assert refused.value.code == "leave_ended"
    assert sorted(e.data["list_size"] for e in AuditEvent.objects.filter(action="list_leave_granted")) == [35, 40]


def test_a_leave_does_not_follow_the_inmate_to_another_facility(home, other, inmate, warden, add):
    CallingPolicy.objects.filter(facility__in=[home, other]).update(list_size=1)
    _fill(inmate, 1)
    _grant(inmate, warden, list_size=5)
    inmate.facility = other
    inmate.save()
    assert add("(312) 555-0147").status == S.DENIED


# --------------------------------------------------------------------------- pages


def test_the_inmate_page_shows_the_raised_limit(login, staff, home, inmate, warden):
    _fill(inmate, 2)
    _grant(inmate, warden, list_size=45, waive_interval=False)
    text = page(login(staff).get(reverse("inmate-detail", args=["home", inmate.pk])))[1]
    assert "2 of 45 numbers used" in text
    assert "the list may hold 45 numbers (the policy allows 30)" in text


def test_a_warden_grants_from_the_page_and_the_leave_page_shows_it(login, warden, home, inmate):
    client = login(warden)
    url = reverse("approvals-leaves", args=["home"])
    ends = facility_today(home) + dt.timedelta(days=20)
    refused = client.post(url, {"register_number": inmate.register_number, "list_size": "30",
                                "ends_on": ends.isoformat(), "reason": "More"})
    assert refused.status_code == 400 and not ListLeave.objects.exists()
    response = client.post(url, {"register_number": inmate.register_number, "list_size": "40",
                                 "ends_on": ends.isoformat(), "reason": "Large family"})
    assert response.status_code == 302
    leave = ListLeave.objects.get()
    shown = facts(client.get(reverse("approvals-leave", args=["home", leave.pk])))
    assert shown["In force now"] == "Yes" and shown["List size"] == "40 numbers (the policy allows 30)"
    assert shown["Last day"] == ends.isoformat() and shown["Why"] == "Large family"
    assert shown["Limits now"].startswith("40 numbers")
    assert inmate.register_number in page(client.get(url))[1]


def test_staff_read_the_leaves_but_cannot_grant(login, staff, home, inmate):
    client = login(staff)
    url = reverse("approvals-leaves", args=["home"])
    assert "Grant the leave" not in page(client.get(url))[1]
    response = client.post(url, {"register_number": inmate.register_number, "list_size": "40",
                                 "ends_on": facility_today(home).isoformat(), "reason": "x"})
    assert response.status_code == 403 and not ListLeave.objects.exists()


def test_a_warden_ends_a_leave_from_its_page(login, warden, inmate):
    leave = _grant(inmate, warden, list_size=40)
    client = login(warden)
    url = reverse("approvals-leave", args=["home", leave.pk])
    assert client.post(url, {"reason": "No longer needed"}).status_code == 302
    assert facts(client.get(url))["In force now"] == "No: ended early"


def test_another_facility_s_leave_is_not_found(login, staff, other_inmate, other):
    from facilities.models import Role

    from ..factories import user_with_role

    other_warden = user_with_role(Role.WARDEN, other, username="w-away")
    leave = _grant(other_inmate, other_warden, list_size=40)
    assert login(staff).get(reverse("approvals-leave", args=["home", leave.pk])).status_code == 404
    assert login(staff).get(reverse("approvals-leave", args=["other", leave.pk])).status_code == 404
