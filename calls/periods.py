"""Reset periods: 00:00 facility-local time on the policy's reset day (domain.md §5).

A period is named by the local date of its reset day. The moment is computed with zoneinfo, so a
daylight-saving change (or a zone whose clocks jump at midnight) gives the right UTC instant.
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
    """The period whose reset moment is the latest one at or before ``at``."""
    local = at.astimezone(zoneinfo.ZoneInfo(tz))
    candidate = dt.date(local.year, local.month, reset_day)
    if reset_moment(period=candidate, tz=tz) > at:
        year, month = (local.year, local.month - 1) if local.month > 1 else (local.year - 1, 12)
        candidate = dt.date(year, month, reset_day)
    return candidate


def next_period(period: dt.date) -> dt.date:
    year, month = (period.year, period.month + 1) if period.month < 12 else (period.year + 1, 1)
    return dt.date(year, month, period.day)


def period_for_facility(facility, *, at: dt.datetime) -> dt.date:
    return current_period(reset_day=facility.policy.reset_day, tz=facility.timezone, at=at)
