"""A change of the reset day takes effect at the next reset moment; it never resets anyone at another time
(domain.md §5, issue 8 defect 12). The period current at the change is held until the first 00:00 on the
new day that is after the change and in a later month (facilities/periods.py)."""

import datetime as dt
import zoneinfo

import pytest
from django.db.models import Sum

from audit.models import AuditEvent
from calls import reset, selectors, services
from calls.models import LedgerEntry, MinuteBalance, MonthlyReset
from facilities.models import CallingPolicy, Facility, Role
from facilities.periods import first_reset_after_change, period_for_facility, schedule_period
from facilities.services import policy_update

from ..factories import FacilityFactory, InmateFactory, user_with_role

pytestmark = pytest.mark.django_db
UTC = dt.UTC
CHICAGO = zoneinfo.ZoneInfo("America/Chicago")


def local(tz, *args):
    return dt.datetime(*args, tzinfo=zoneinfo.ZoneInfo(tz)).astimezone(UTC)


def chicago(*args):
    return local("America/Chicago", *args)


def dispatch(time_machine, at, capture):
    time_machine.move_to(at, tick=False)
    with capture(execute=True):
        return reset.reset_dispatch()


def fresh(facility):
    return Facility.objects.select_related("policy").get(pk=facility.pk)


def change_day(facility, day, warden=None):
    return policy_update(facility=fresh(facility), actor=warden, reason="align with the commissary cycle", reset_day=day)


def grants(facility):
    return list(
        LedgerEntry.objects.filter(facility=facility, kind="monthly_grant").order_by("period").values_list("period", flat=True)
        .distinct()
    )


def assert_balances_equal_ledger():
    sums = dict(LedgerEntry.objects.values_list("inmate_id").annotate(total=Sum("minutes")))
    for inmate_id, minutes in MinuteBalance.objects.values_list("inmate_id", "minutes"):
        assert sums.get(inmate_id, 0) == minutes, inmate_id


@pytest.fixture
def capture(django_capture_on_commit_callbacks):
    return django_capture_on_commit_callbacks


@pytest.fixture
def fifteenth(time_machine, capture):
    """A Chicago facility resetting on the 15th, its February period done, three inmates with minutes spent."""
    facility = FacilityFactory(code="mid", timezone="America/Chicago", policy__reset_day=15, policy__monthly_minutes=300)
    inmates = [InmateFactory(facility=facility) for _ in range(3)]
    assert dispatch(time_machine, chicago(2026, 2, 15, 0, 0), capture)
    assert grants(facility) == [dt.date(2026, 2, 15)]
    time_machine.move_to(chicago(2026, 2, 20, 9, 0), tick=False)
    for inmate in inmates:
        services.minutes_grant_extra(inmate=inmate, minutes=5, reason="good conduct", actor=None)
    return facility


def test_moving_the_day_earlier_resets_nobody_until_the_new_day(fifteenth, time_machine, capture):
    warden = user_with_role(Role.WARDEN, fifteenth, username="warden-mid")
    # 10 March, 15:00 in Chicago: the warden moves the reset day from 15 to 1.
    time_machine.move_to(chicago(2026, 3, 10, 15, 0), tick=False)
    change_day(fifteenth, 1, warden)
    # The period that began on 15 February stays current; the next reset is 00:00 on 1 April.
    assert period_for_facility(fresh(fifteenth), at=chicago(2026, 3, 10, 15, 0)) == dt.date(2026, 2, 15)
    assert selectors.next_reset_for(facility=fresh(fifteenth)) == chicago(2026, 4, 1, 0, 0)
    event = AuditEvent.objects.filter(action="policy_changed").latest("id")
    assert event.actor_id == warden.pk and event.reason == "align with the commissary cycle"
    assert event.data["reset_day"] == {"old": 15, "new": 1, "first_reset_on_new_day": "2026-04-01"}
    # The next beats (that afternoon, on the old day, the last minute of March) reset nobody.
    for at in (chicago(2026, 3, 10, 15, 15), chicago(2026, 3, 15, 0, 0), chicago(2026, 3, 15, 12, 0),
               chicago(2026, 3, 31, 23, 59)):
        assert dispatch(time_machine, at, capture) == [], at
    assert MonthlyReset.objects.filter(facility=fifteenth).count() == 1
    assert set(MinuteBalance.objects.filter(inmate__facility=fifteenth).values_list("minutes", flat=True)) == {305}
    # 00:00 on 1 April (CDT): the period beginning 1 April is reset, once.
    queued = dispatch(time_machine, chicago(2026, 4, 1, 0, 0), capture)
    assert len(queued) == 1
    record = MonthlyReset.objects.get(pk=queued[0])
    assert record.period == dt.date(2026, 4, 1) and record.reset_at == chicago(2026, 4, 1, 0, 0)
    assert record.status == "done" and record.inmates_reset == 3 and record.minutes_voided == 3 * 305
    assert grants(fifteenth) == [dt.date(2026, 2, 15), dt.date(2026, 4, 1)]
    assert set(MinuteBalance.objects.filter(inmate__facility=fifteenth).values_list("minutes", "period")) == {
        (300, dt.date(2026, 4, 1))
    }
    # From then on, the 1st of every month; nothing on the old day.
    assert dispatch(time_machine, chicago(2026, 4, 15, 0, 0), capture) == []
    assert len(dispatch(time_machine, chicago(2026, 5, 1, 0, 0), capture)) == 1
    assert grants(fifteenth) == [dt.date(2026, 2, 15), dt.date(2026, 4, 1), dt.date(2026, 5, 1)]
    assert_balances_equal_ledger()


def test_moving_the_day_later_resets_on_the_new_day_once_that_month(fifteenth, time_machine, capture):
    time_machine.move_to(chicago(2026, 3, 10, 15, 0), tick=False)
    change_day(fifteenth, 20)
    for at in (chicago(2026, 3, 10, 15, 15), chicago(2026, 3, 15, 0, 0), chicago(2026, 3, 19, 23, 59)):
        assert dispatch(time_machine, at, capture) == [], at
    assert len(dispatch(time_machine, chicago(2026, 3, 20, 0, 0), capture)) == 1
    assert dispatch(time_machine, chicago(2026, 4, 15, 0, 0), capture) == []
    assert len(dispatch(time_machine, chicago(2026, 4, 20, 0, 0), capture)) == 1
    assert grants(fifteenth) == [dt.date(2026, 2, 15), dt.date(2026, 3, 20), dt.date(2026, 4, 20)]
    assert LedgerEntry.objects.filter(facility=fifteenth, kind="monthly_grant").count() == 3 * 3
    assert_balances_equal_ledger()


def test_moving_the_day_later_just_after_a_reset_waits_for_next_month(fifteenth, time_machine, capture):
    """15 -> 20 on 16 March, the day after the March reset: not a second reset on 20 March."""
    assert len(dispatch(time_machine, chicago(2026, 3, 15, 0, 0), capture)) == 1
    time_machine.move_to(chicago(2026, 3, 16, 9, 0), tick=False)
    change_day(fifteenth, 20)
    assert dispatch(time_machine, chicago(2026, 3, 20, 0, 0), capture) == []
    assert dispatch(time_machine, chicago(2026, 4, 15, 0, 0), capture) == []
    assert len(dispatch(time_machine, chicago(2026, 4, 20, 0, 0), capture)) == 1
    assert grants(fifteenth) == [dt.date(2026, 2, 15), dt.date(2026, 3, 15), dt.date(2026, 4, 20)]


def test_changing_the_day_back_before_it_took_effect_restores_the_old_schedule(fifteenth, time_machine, capture):
    time_machine.move_to(chicago(2026, 3, 10, 15, 0), tick=False)
    change_day(fifteenth, 1)
    time_machine.move_to(chicago(2026, 3, 11, 8, 0), tick=False)
    change_day(fifteenth, 15)
    assert selectors.next_reset_for(facility=fresh(fifteenth)) == chicago(2026, 3, 15, 0, 0)
    assert dispatch(time_machine, chicago(2026, 3, 14, 23, 59), capture) == []
    assert len(dispatch(time_machine, chicago(2026, 3, 15, 0, 0), capture)) == 1
    assert grants(fifteenth) == [dt.date(2026, 2, 15), dt.date(2026, 3, 15)]


def test_an_inmate_booked_while_a_period_is_held_gets_its_allowance_once(fifteenth, time_machine, capture):
    time_machine.move_to(chicago(2026, 3, 10, 15, 0), tick=False)
    change_day(fifteenth, 1)
    time_machine.move_to(chicago(2026, 3, 20, 10, 0), tick=False)
    newcomer = InmateFactory(facility=fifteenth)
    balance = services.minutes_grant_on_booking(inmate=newcomer)
    assert (balance.minutes, balance.period) == (300, dt.date(2026, 2, 15))
    dispatch(time_machine, chicago(2026, 4, 1, 0, 0), capture)
    assert MinuteBalance.objects.get(inmate=newcomer).period == dt.date(2026, 4, 1)
    assert LedgerEntry.objects.filter(inmate=newcomer, kind="monthly_grant").count() == 2
    assert_balances_equal_ledger()


def test_a_change_that_lands_on_a_daylight_saving_midnight(time_machine, capture):
    """Santiago's clocks jump from 00:00 to 01:00 on 6 September 2026: the first reset on the new day 6 is at the
    jump (04:00 UTC), and nothing happens at the change or on the old day."""
    facility = FacilityFactory(code="scl", timezone="America/Santiago", policy__reset_day=20)
    InmateFactory(facility=facility)
    assert dispatch(time_machine, local("America/Santiago", 2026, 8, 20, 0, 0), capture)
    time_machine.move_to(dt.datetime(2026, 9, 2, 15, 0, tzinfo=UTC), tick=False)
    change_day(facility, 6)
    assert dispatch(time_machine, dt.datetime(2026, 9, 2, 15, 15, tzinfo=UTC), capture) == []
    assert dispatch(time_machine, dt.datetime(2026, 9, 6, 3, 59, tzinfo=UTC), capture) == []
    queued = dispatch(time_machine, dt.datetime(2026, 9, 6, 4, 0, tzinfo=UTC), capture)
    assert [MonthlyReset.objects.get(pk=q).period for q in queued] == [dt.date(2026, 9, 6)]
    assert MonthlyReset.objects.get(pk=queued[0]).reset_at == dt.datetime(2026, 9, 6, 4, 0, tzinfo=UTC)
    assert dispatch(time_machine, local("America/Santiago", 2026, 9, 20, 0, 0), capture) == []
    assert grants(facility) == [dt.date(2026, 8, 20), dt.date(2026, 9, 6)]


def test_a_change_across_new_york_spring_forward(time_machine, capture):
    """Moved on 5 March (EST) from 20 to 8: the reset is at 00:00 EST on 8 March (05:00 UTC), the day clocks
    go forward at 02:00; April's at 00:00 EDT (04:00 UTC); nothing on 20 March."""
    facility = FacilityFactory(code="nyc", timezone="America/New_York", policy__reset_day=20)
    InmateFactory(facility=facility)
    assert dispatch(time_machine, dt.datetime(2026, 2, 20, 5, 0, tzinfo=UTC), capture)
    time_machine.move_to(dt.datetime(2026, 3, 5, 18, 0, tzinfo=UTC), tick=False)
    change_day(facility, 8)
    assert dispatch(time_machine, dt.datetime(2026, 3, 8, 4, 59, tzinfo=UTC), capture) == []
    assert len(dispatch(time_machine, dt.datetime(2026, 3, 8, 5, 0, tzinfo=UTC), capture)) == 1
    assert dispatch(time_machine, dt.datetime(2026, 3, 20, 4, 0, tzinfo=UTC), capture) == []
    assert dispatch(time_machine, dt.datetime(2026, 4, 8, 3, 59, tzinfo=UTC), capture) == []
    assert len(dispatch(time_machine, dt.datetime(2026, 4, 8, 4, 0, tzinfo=UTC), capture)) == 1
    assert grants(facility) == [dt.date(2026, 2, 20), dt.date(2026, 3, 8), dt.date(2026, 4, 8)]


def test_moving_the_day_earlier_within_the_month_after_its_reset_waits_a_month(time_machine, capture):
    """Reset on 1 March, moved to 8 on 7 March: one reset a month, so the next is 8 April, not 8 March."""
    facility = FacilityFactory(code="nyc1", timezone="America/New_York", policy__reset_day=1)
    InmateFactory(facility=facility)
    assert dispatch(time_machine, dt.datetime(2026, 3, 1, 5, 0, tzinfo=UTC), capture)
    time_machine.move_to(dt.datetime(2026, 3, 7, 18, 0, tzinfo=UTC), tick=False)
    change_day(facility, 8)
    assert dispatch(time_machine, dt.datetime(2026, 3, 8, 5, 0, tzinfo=UTC), capture) == []
    assert dispatch(time_machine, dt.datetime(2026, 4, 1, 4, 0, tzinfo=UTC), capture) == []
    assert len(dispatch(time_machine, dt.datetime(2026, 4, 8, 4, 0, tzinfo=UTC), capture)) == 1
    assert grants(facility) == [dt.date(2026, 3, 1), dt.date(2026, 4, 8)]


def test_a_policy_change_that_keeps_the_day_changes_no_schedule(home, time_machine):
    time_machine.move_to(chicago(2026, 3, 10, 15, 0), tick=False)
    policy_update(facility=home, actor=None, reason="more minutes", monthly_minutes=400)
    policy = CallingPolicy.objects.get(facility=home)
    assert (policy.reset_period_held, policy.reset_day_from) == (None, None)


def test_the_schedule_fields_are_not_policy_settings(home):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        policy_update(facility=home, actor=None, reset_day_from=dt.date(2026, 1, 1))
    assert "reset_day_from" in error.value.message_dict


@pytest.mark.parametrize(
    ("held", "day", "at", "first"),
    [
        (dt.date(2026, 2, 15), 1, chicago(2026, 3, 10, 15, 0), dt.date(2026, 4, 1)),
        (dt.date(2026, 2, 15), 20, chicago(2026, 3, 10, 15, 0), dt.date(2026, 3, 20)),
        (dt.date(2026, 2, 15), 12, chicago(2026, 3, 10, 15, 0), dt.date(2026, 3, 12)),
        (dt.date(2026, 3, 15), 20, chicago(2026, 3, 16, 9, 0), dt.date(2026, 4, 20)),
        (dt.date(2026, 3, 15), 1, chicago(2026, 3, 16, 9, 0), dt.date(2026, 4, 1)),
        # Made at the very moment of a reset on the new day: the next one.
        (dt.date(2026, 2, 15), 10, chicago(2026, 3, 10, 0, 0), dt.date(2026, 4, 10)),
        # Across the new year.
        (dt.date(2026, 12, 15), 1, chicago(2026, 12, 20, 9, 0), dt.date(2027, 1, 1)),
        (dt.date(2026, 12, 1), 20, chicago(2026, 12, 20, 9, 0), dt.date(2027, 1, 20)),
    ],
)
def test_first_reset_after_a_change(held, day, at, first):
    assert first_reset_after_change(held=held, reset_day=day, tz="America/Chicago", at=at) == first
    # The held period is current up to the first reset on the new day, which is then current.
    moment = chicago(first.year, first.month, first.day, 0, 0)
    kwargs = {"reset_day": day, "tz": "America/Chicago", "reset_day_from": first, "reset_period_held": held}
    assert schedule_period(at=at, **kwargs) == held
    assert schedule_period(at=moment - dt.timedelta(seconds=1), **kwargs) == held
    assert schedule_period(at=moment, **kwargs) == first
    assert schedule_period(at=moment + dt.timedelta(days=40), **kwargs) > first


def test_the_warden_moves_the_day_on_the_policy_page_and_the_resets_page_shows_the_next_reset(
    fifteenth, time_machine, capture, login
):
    from django.urls import reverse

    from tests.facilities.test_views import _policy_post

    warden = user_with_role(Role.WARDEN, fifteenth, username="warden-page")
    time_machine.move_to(chicago(2026, 3, 10, 15, 0), tick=False)
    client = login(warden)
    response = client.post(reverse("facility-policy", args=[fifteenth.code]),
                           _policy_post(reset_day=1, reason="align with the commissary cycle"))
    assert response.status_code == 302
    policy = CallingPolicy.objects.get(facility=fifteenth)
    assert (policy.reset_day, policy.reset_period_held, policy.reset_day_from) == (
        1, dt.date(2026, 2, 15), dt.date(2026, 4, 1)
    )
    page = client.get(reverse("calls-resets", args=[fifteenth.code])).content.decode()
    assert "2026-04-01 00:00" in page  # the next reset, in Chicago time
    assert dispatch(time_machine, chicago(2026, 3, 10, 15, 15), capture) == []
