"""retry_after: the earliest moment at which the gap, the calling hours and a restriction's end all pass together,
or null when no time rule denies the call or one never ends by itself (domain.md §4; issue 8 defect 13)."""

import datetime as dt
import zoneinfo

import pytest

from calls import timing
from calls.models import Call, MinuteBalance
from facilities.models import CallingPolicy

from .factories import NUMBER, OTHER_NUMBER, PhoneRestrictionFactory

UTC = dt.UTC
CHICAGO = zoneinfo.ZoneInfo("America/Chicago")
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
SANTIAGO = zoneinfo.ZoneInfo("America/Santiago")
DAY = (dt.time(6, 0), dt.time(23, 0))


def at(zone, *args, fold=0):
    return dt.datetime(*args, tzinfo=zone, fold=fold).astimezone(UTC)


def chi(*args):
    return at(CHICAGO, *args)


def passes(moment, *, tz, hours, gap_end, restrictions):
    """Every time rule passes at ``moment`` (what a platform retrying then is told)."""
    if gap_end is not None and moment < gap_end:
        return False
    if hours is not None and not timing.in_hours(start=hours[0], end=hours[1], at=moment, tz=tz):
        return False
    return not any(start <= moment and (end is None or moment < end) for start, end in restrictions)


CASES = [
    # (name, now, tz, hours, gap_end, restrictions, expected)
    ("gap alone", chi(2026, 3, 10, 10, 0), CHICAGO, DAY, chi(2026, 3, 10, 10, 30), [], chi(2026, 3, 10, 10, 30)),
    ("hours alone, late evening: next morning", chi(2026, 3, 10, 23, 30), CHICAGO, DAY, None, [],
     chi(2026, 3, 11, 6, 0)),
    ("hours alone, early morning: this morning", chi(2026, 3, 10, 5, 0), CHICAGO, DAY, None, [],
     chi(2026, 3, 10, 6, 0)),
    ("gap ending after closing: the next opening", chi(2026, 3, 10, 22, 45), CHICAGO, DAY, chi(2026, 3, 10, 23, 30),
     [], chi(2026, 3, 11, 6, 0)),
    ("gap ending exactly at closing", chi(2026, 3, 10, 22, 45), CHICAGO, DAY, chi(2026, 3, 10, 23, 0), [],
     chi(2026, 3, 11, 6, 0)),
    ("gap ending before closing", chi(2026, 3, 10, 22, 0), CHICAGO, DAY, chi(2026, 3, 10, 22, 59), [],
     chi(2026, 3, 10, 22, 59)),
    ("outside hours, gap ending before the opening", chi(2026, 3, 10, 23, 30), CHICAGO, DAY, chi(2026, 3, 11, 0, 30),
     [], chi(2026, 3, 11, 6, 0)),
    ("outside hours, gap ending after the opening", chi(2026, 3, 11, 5, 30), CHICAGO, DAY, chi(2026, 3, 11, 6, 20),
     [], chi(2026, 3, 11, 6, 20)),
    ("restriction ending inside hours", chi(2026, 3, 10, 10, 0), CHICAGO, DAY, None,
     [(chi(2026, 3, 1, 0, 0), chi(2026, 3, 12, 14, 0))], chi(2026, 3, 12, 14, 0)),
    ("restriction ending outside hours", chi(2026, 3, 10, 10, 0), CHICAGO, DAY, None,
     [(chi(2026, 3, 1, 0, 0), chi(2026, 3, 12, 23, 30))], chi(2026, 3, 13, 6, 0)),
    ("restriction ending before the gap does", chi(2026, 3, 10, 10, 0), CHICAGO, DAY, chi(2026, 3, 10, 10, 50),
     [(chi(2026, 3, 1, 0, 0), chi(2026, 3, 10, 10, 20))], chi(2026, 3, 10, 10, 50)),
    ("open-ended restriction: never by itself", chi(2026, 3, 10, 10, 0), CHICAGO, DAY, chi(2026, 3, 10, 10, 30),
     [(chi(2026, 3, 1, 0, 0), None)], None),
    ("a restriction starting before the gap ends", chi(2026, 3, 10, 10, 0), CHICAGO, DAY, chi(2026, 3, 10, 10, 30),
     [(chi(2026, 3, 10, 10, 15), chi(2026, 3, 10, 12, 0))], chi(2026, 3, 10, 12, 0)),
    ("an open-ended restriction starting before the gap ends", chi(2026, 3, 10, 10, 0), CHICAGO, DAY,
     chi(2026, 3, 10, 10, 30), [(chi(2026, 3, 10, 10, 15), None)], None),
    ("a restriction starting after the gap ends does not matter", chi(2026, 3, 10, 10, 0), CHICAGO, DAY,
     chi(2026, 3, 10, 10, 30), [(chi(2026, 3, 10, 11, 0), None)], chi(2026, 3, 10, 10, 30)),
    ("chained: gap, then closing, then a restriction over the opening", chi(2026, 3, 10, 22, 45), CHICAGO, DAY,
     chi(2026, 3, 10, 23, 30), [(chi(2026, 3, 11, 5, 0), chi(2026, 3, 11, 7, 15))], chi(2026, 3, 11, 7, 15)),
    ("nothing in the way: null", chi(2026, 3, 10, 10, 0), CHICAGO, DAY, chi(2026, 3, 10, 9, 0), [], None),
    # Hours crossing midnight, 20:00-02:00.
    ("night hours, afternoon: this evening", chi(2026, 3, 10, 15, 0), CHICAGO, (dt.time(20, 0), dt.time(2, 0)), None,
     [], chi(2026, 3, 10, 20, 0)),
    ("night hours, after 02:00: this evening", chi(2026, 3, 11, 2, 0), CHICAGO, (dt.time(20, 0), dt.time(2, 0)), None,
     [], chi(2026, 3, 11, 20, 0)),
    ("night hours, gap inside the night", chi(2026, 3, 11, 0, 30), CHICAGO, (dt.time(20, 0), dt.time(2, 0)),
     chi(2026, 3, 11, 1, 30), [], chi(2026, 3, 11, 1, 30)),
    ("night hours, gap past 02:00", chi(2026, 3, 11, 1, 30), CHICAGO, (dt.time(20, 0), dt.time(2, 0)),
     chi(2026, 3, 11, 2, 30), [], chi(2026, 3, 11, 20, 0)),
    # Daylight saving.
    ("New York, the night clocks go forward: 06:00 EDT", at(NEW_YORK, 2026, 3, 7, 23, 30), NEW_YORK, DAY, None, [],
     dt.datetime(2026, 3, 8, 10, 0, tzinfo=UTC)),
    ("New York, opening at a wall time that does not exist (02:30): the jump, 03:00 EDT",
     at(NEW_YORK, 2026, 3, 8, 1, 0), NEW_YORK, (dt.time(2, 30), dt.time(23, 0)), None, [],
     dt.datetime(2026, 3, 8, 7, 0, tzinfo=UTC)),
    ("New York, the night clocks go back: 06:00 EST", at(NEW_YORK, 2026, 10, 31, 23, 30), NEW_YORK, DAY, None, [],
     dt.datetime(2026, 11, 1, 11, 0, tzinfo=UTC)),
    ("New York, opening at a wall time that happens twice (01:30): the first", at(NEW_YORK, 2026, 11, 1, 0, 30),
     NEW_YORK, (dt.time(1, 30), dt.time(23, 0)), None, [], dt.datetime(2026, 11, 1, 5, 30, tzinfo=UTC)),
    ("Santiago, clocks jump from 00:00 to 01:00: opening 00:30 is at the jump", at(SANTIAGO, 2026, 9, 5, 23, 30),
     SANTIAGO, (dt.time(0, 30), dt.time(23, 0)), None, [], dt.datetime(2026, 9, 6, 4, 0, tzinfo=UTC)),
    ("gap over the DST night: the gap's end stays an instant", at(NEW_YORK, 2026, 3, 8, 1, 30), NEW_YORK,
     (dt.time(0, 0), dt.time(23, 59)), dt.datetime(2026, 3, 8, 7, 15, tzinfo=UTC), [],
     dt.datetime(2026, 3, 8, 7, 15, tzinfo=UTC)),
]


@pytest.mark.parametrize(("name", "now", "tz", "hours", "gap_end", "restrictions", "expected"), CASES,
                         ids=[case[0] for case in CASES])
def test_retry_after_table(name, now, tz, hours, gap_end, restrictions, expected):
    result = timing.retry_after(at=now, tz=tz, hours=hours, gap_end=gap_end, restrictions=restrictions)
    assert result == expected
    if result is not None:
        # A platform retrying then passes every time rule, and a second earlier it would not have.
        assert passes(result, tz=tz, hours=hours, gap_end=gap_end, restrictions=restrictions)
        assert not passes(result - dt.timedelta(seconds=1), tz=tz, hours=hours, gap_end=gap_end,
                          restrictions=restrictions)


# --------------------------------------------------------------------------- the API answers


def reasons(response):
    return [r["code"] for r in response.json()["reasons"]]


def test_too_soon_at_22_45_answers_the_next_opening_and_a_retry_then_passes(live, authorize, complete, clock):
    clock.move_to(chi(2026, 3, 10, 22, 30))
    first = authorize().json()
    assert first["decision"] == "allow"
    complete(first["call_id"], 5 * 60)
    clock.move_to(chi(2026, 3, 10, 22, 45))
    response = authorize()
    assert reasons(response) == ["too_soon"]
    # The gap ends at 23:30, when calls are refused (hours end at 23:00): 06:00 CDT tomorrow.
    assert response.json()["retry_after"] == "2026-03-11T11:00:00Z"
    clock.move_to(dt.datetime(2026, 3, 11, 11, 0, tzinfo=UTC))
    assert authorize().json()["decision"] == "allow"


def test_outside_calling_hours_alone_answers_the_next_opening(live, authorize, clock):
    clock.move_to(chi(2026, 3, 10, 23, 10))
    response = authorize()
    assert reasons(response) == ["outside_calling_hours"]
    assert response.json()["retry_after"] == "2026-03-11T11:00:00Z"
    assert Call.objects.get(pk=response.json()["call_id"]).retry_after == chi(2026, 3, 11, 6, 0)
    clock.move_to(chi(2026, 3, 11, 5, 59))
    assert reasons(authorize()) == ["outside_calling_hours"]
    clock.move_to(chi(2026, 3, 11, 6, 0))
    assert authorize().json()["decision"] == "allow"


def test_restriction_with_an_end_answers_its_end(live, authorize, clock):
    PhoneRestrictionFactory(inmate=live.inmate, ends_at=chi(2026, 3, 12, 14, 0))
    response = authorize()
    assert reasons(response) == ["phone_restricted"]
    assert response.json()["retry_after"] == "2026-03-12T19:00:00Z"
    clock.move_to(chi(2026, 3, 12, 14, 0))
    assert authorize().json()["decision"] == "allow"


def test_restriction_ending_at_night_answers_the_morning_after(live, authorize, clock):
    PhoneRestrictionFactory(inmate=live.inmate, ends_at=chi(2026, 3, 12, 23, 30))
    assert authorize().json()["retry_after"] == "2026-03-13T11:00:00Z"


def test_a_restriction_to_come_is_waited_for(live, authorize, complete, clock):
    first = authorize().json()
    complete(first["call_id"], 60)
    # Starts in 30 minutes (before the gap ends) and lasts until tomorrow 09:00.
    PhoneRestrictionFactory(inmate=live.inmate, starts_at=chi(2026, 3, 10, 10, 30), ends_at=chi(2026, 3, 11, 9, 0))
    clock.move_to(chi(2026, 3, 10, 10, 5))
    response = authorize()
    assert reasons(response) == ["too_soon"]
    assert response.json()["retry_after"] == "2026-03-11T14:00:00Z"


def test_open_ended_restriction_answers_null(live, authorize, complete, clock):
    clock.move_to(chi(2026, 3, 10, 22, 50))
    first = authorize().json()
    complete(first["call_id"], 60)
    PhoneRestrictionFactory(inmate=live.inmate)  # until lifted
    clock.move_to(chi(2026, 3, 10, 23, 30))
    response = authorize()
    assert reasons(response) == ["phone_restricted", "outside_calling_hours", "too_soon"]
    assert response.json()["retry_after"] is None


def test_a_legal_call_ignores_restrictions_in_retry_after(lawyer, authorize, clock):
    PhoneRestrictionFactory(inmate=lawyer.inmate)  # until lifted: legal calls are exempt
    clock.move_to(chi(2026, 3, 10, 23, 30))
    response = authorize(lawyer.number)
    assert reasons(response) == ["outside_calling_hours"]
    assert response.json()["retry_after"] == "2026-03-11T11:00:00Z"


@pytest.mark.parametrize("why", ["no_minutes_left", "not_on_list"])
def test_reasons_that_time_does_not_cure_answer_null(live, authorize, why):
    if why == "no_minutes_left":
        MinuteBalance.objects.filter(inmate=live.inmate).update(minutes=0)
        response = authorize()
    else:
        response = authorize(OTHER_NUMBER)
    assert reasons(response) == [why]
    assert response.json()["retry_after"] is None


def test_time_reasons_beside_others_still_answer_when_time_passes(live, authorize, clock):
    MinuteBalance.objects.filter(inmate=live.inmate).update(minutes=0)
    clock.move_to(chi(2026, 3, 10, 23, 30))
    response = authorize()
    assert reasons(response) == ["outside_calling_hours", "no_minutes_left"]
    assert response.json()["retry_after"] == "2026-03-11T11:00:00Z"


def test_gap_policy_and_hours_come_from_the_facility(live, authorize, complete, clock, home):
    CallingPolicy.objects.filter(facility=home).update(call_gap_minutes=30, calling_hours_end=dt.time(22, 0))
    clock.move_to(chi(2026, 3, 10, 21, 20))
    first = authorize().json()
    complete(first["call_id"], 60)
    clock.move_to(chi(2026, 3, 10, 21, 25))
    assert authorize().json()["retry_after"] == "2026-03-11T02:50:00Z"  # 21:50 CDT, before closing at 22:00
    clock.move_to(chi(2026, 3, 10, 21, 50))
    second = authorize().json()
    assert second["decision"] == "allow"
    complete(second["call_id"], 60)
    clock.move_to(chi(2026, 3, 10, 21, 55))
    assert authorize(NUMBER).json()["retry_after"] == "2026-03-11T11:00:00Z"  # gap ends 22:20, after closing
