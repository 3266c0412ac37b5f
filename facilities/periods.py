"""Reset periods: 00:00 facility-local time on the policy's reset day (domain.md §5).

A period is named by the local date of its reset day. The moment is computed with zoneinfo, so a
daylight-saving change (or a zone whose clocks jump at midnight) gives the right UTC instant.

A change of the reset day never resets anyone at another time (domain.md §5). The period that is
current when a warden changes the day (the *held* period) simply lasts longer or shorter: it ends at
the first 00:00 on the new reset day that is after the change and in a later month than the held
period began, so there is at most one reset in any month and the next reset always falls on the new
day. Example: reset day 15, changed to 1 on 10 March: the period that began on 15 February stays
current (nothing on 10 or 15 March) until 00:00 on 1 April; changed to 20 instead, it lasts until
00:00 on 20 March. ``CallingPolicy.reset_period_held`` and ``reset_day_from`` record that decision
(set by ``facilities.services.policy_update`` through :func:`reset_day_change`); every reader of the
current period goes through :func:`period_for_facility`. A period's allowance is fixed when its reset
first runs (``MonthlyReset.monthly_minutes``), so a long or short period still gets one allowance.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

UTC = dt.UTC


def reset_moment(*, period: dt.date, tz: str) -> dt.datetime:
    """The UTC instant of 00:00 local on ``period``.

    Where 00:00 does not exist that day (clocks jump forward at midnight), the first instant of the
    day is used: the UTC offset before the jump puts it exactly at the jump.
    """
    zone = zoneinfo.ZoneInfo(tz)
    local = dt.datetime.combine(period, dt.time(0, 0), tzinfo=zone)
    return local.astimezone(UTC)


def current_period(*, reset_day: int, tz: str, at: dt.datetime) -> dt.date:
    """On a steady schedule: the period whose reset moment is the latest one at or before ``at``."""
    local = at.astimezone(zoneinfo.ZoneInfo(tz))
    candidate = dt.date(local.year, local.month, reset_day)
    if reset_moment(period=candidate, tz=tz) > at:
        year, month = (local.year, local.month - 1) if local.month > 1 else (local.year - 1, 12)
        candidate = dt.date(year, month, reset_day)
    return candidate


def next_period(period: dt.date) -> dt.date:
    year, month = (period.year, period.month + 1) if period.month < 12 else (period.year + 1, 1)
    return dt.date(year, month, period.day)


def schedule_period(
    *, reset_day: int, tz: str, at: dt.datetime, reset_day_from: dt.date | None = None,
    reset_period_held: dt.date | None = None,
) -> dt.date:
    """The current period at ``at`` of a schedule whose reset day may have been changed.

    Before ``reset_day_from``'s moment the held period is current (and before the held period began,
    the schedule of the held period's day); from that moment on, the steady schedule of ``reset_day``.
    """
    if reset_day_from is not None and at < reset_moment(period=reset_day_from, tz=tz):
        if reset_period_held is None:
            return current_period(reset_day=reset_day_from.day, tz=tz, at=at)
        if at >= reset_moment(period=reset_period_held, tz=tz):
            return reset_period_held
        return current_period(reset_day=reset_period_held.day, tz=tz, at=at)
    return current_period(reset_day=reset_day, tz=tz, at=at)


def first_reset_after_change(*, held: dt.date, reset_day: int, tz: str, at: dt.datetime) -> dt.date:
    """The first period on ``reset_day`` after a change made at ``at`` while ``held`` was current:
    its 00:00 is after ``at`` and it lies in a later month than ``held`` (one reset a month at most)."""
    local = at.astimezone(zoneinfo.ZoneInfo(tz))
    candidate = dt.date(local.year, local.month, reset_day)
    if reset_moment(period=candidate, tz=tz) <= at:
        candidate = next_period(candidate)
    while (candidate.year, candidate.month) <= (held.year, held.month):
        candidate = next_period(candidate)
    return candidate


def reset_day_change(*, policy, tz: str, old_day: int, at: dt.datetime) -> tuple[dt.date, dt.date]:
    """(held period, first period on the new day) for a policy whose reset day changes at ``at``.

    ``policy`` still carries the schedule before the change (``reset_day_from``, ``reset_period_held``);
    ``policy.reset_day`` may already hold the new day, ``old_day`` is the day before the change.
    """
    held = schedule_period(reset_day=old_day, tz=tz, at=at, reset_day_from=policy.reset_day_from,
                           reset_period_held=policy.reset_period_held)
    return held, first_reset_after_change(held=held, reset_day=policy.reset_day, tz=tz, at=at)


def period_for_facility(facility, *, at: dt.datetime) -> dt.date:
    policy = facility.policy
    return schedule_period(reset_day=policy.reset_day, tz=facility.timezone, at=at,
                           reset_day_from=policy.reset_day_from, reset_period_held=policy.reset_period_held)


def next_reset_period(facility, *, at: dt.datetime) -> dt.date:
    """The period whose reset comes next after ``at`` (the first on a changed day, if one is pending)."""
    policy = facility.policy
    current = period_for_facility(facility, at=at)
    if policy.reset_day_from is not None and current < policy.reset_day_from:
        return policy.reset_day_from
    return next_period(current)
