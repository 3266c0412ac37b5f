"""The time-based rules of the call decision, as pure functions of the facts (domain.md §4).

Three rules deny a call for a while and then pass by themselves: the gap since the previous charged call
(passes from ``gap_end``), the facility's calling hours (wall-clock times in its zone; a window may cross
midnight, e.g. 20:00-02:00) and a phone restriction (passes at its end; an open-ended one never passes by
itself). ``retry_after`` is the earliest moment at which all of them pass together: a platform that calls again
then is not refused for a time reason. Computed here only; ``services.call_authorize`` supplies the facts.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable

UTC = dt.UTC
# Each step of retry_after moves strictly forward to the end of one obstacle; real inputs settle in a few.
_MAX_STEPS = 64


def in_hours(*, start: dt.time, end: dt.time, at: dt.datetime, tz: zoneinfo.ZoneInfo) -> bool:
    """Is ``at`` inside the daily window [start, end) of local wall-clock time? ``end <= start``: crosses midnight."""
    wall = at.astimezone(tz).time().replace(tzinfo=None)
    if start < end:
        return start <= wall < end
    return wall >= start or wall < end


def _first_instant_at_or_after_wall(day: dt.date, wall: dt.time, tz: zoneinfo.ZoneInfo) -> dt.datetime:
    """The first instant whose local date and time are ``day`` ``wall`` or later.

    Usually ``day wall`` itself (the earlier of two when clocks go back). When that wall time does not exist
    (clocks jump forward over it) the answer is the jump: found between the two readings of the missing time.
    """
    naive = dt.datetime.combine(day, wall)
    early = naive.replace(tzinfo=tz, fold=0).astimezone(UTC)
    if early.astimezone(tz).replace(tzinfo=None) == naive:
        return early
    # A missing wall time: fold=1 reads it with the offset after the jump (an instant before the jump),
    # fold=0 with the offset before it (an instant after the jump). Bisect to the jump, to the microsecond.
    lo = naive.replace(tzinfo=tz, fold=1).astimezone(UTC)
    lo, hi = min(lo, early), max(lo, early)
    while hi - lo > dt.timedelta(microseconds=1):
        mid = lo + (hi - lo) / 2
        if mid.astimezone(tz).replace(tzinfo=None) >= naive:
            hi = mid
        else:
            lo = mid
    return hi


def next_opening(*, start: dt.time, end: dt.time, at: dt.datetime, tz: zoneinfo.ZoneInfo) -> dt.datetime:
    """The earliest instant at or after ``at`` inside the calling hours (``at`` itself when inside)."""
    if in_hours(start=start, end=end, at=at, tz=tz):
        return at
    today = at.astimezone(tz).date()
    for offset in range(-1, 3):
        opening = _first_instant_at_or_after_wall(today + dt.timedelta(days=offset), start, tz)
        if opening >= at and in_hours(start=start, end=end, at=opening, tz=tz):
            return opening
    raise ValueError(f"Calling hours {start}-{end} never open in {tz}.")  # an empty window: start == end


def retry_after(
    *,
    at: dt.datetime,
    tz: zoneinfo.ZoneInfo,
    hours: tuple[dt.time, dt.time] | None,
    gap_end: dt.datetime | None = None,
    restrictions: Iterable[tuple[dt.datetime, dt.datetime | None]] = (),
) -> dt.datetime | None:
    """The earliest moment >= ``at`` at which the gap, the calling hours and every restriction pass together.

    ``hours``: (start, end) of the daily window, or None when hours do not apply. ``gap_end``: when the gap rule
    passes, or None. ``restrictions``: [starts_at, ends_at) intervals during which the call is refused (ends_at
    None: until lifted). None when every rule passes at ``at`` (no time reason to wait), or when a restriction
    without an end is in the way (no moment passes by itself).
    """
    spans = sorted(restrictions, key=lambda span: span[0])
    moment = at if gap_end is None else max(at, gap_end)
    for _ in range(_MAX_STEPS):
        blocking = next(
            (span for span in spans if span[0] <= moment and (span[1] is None or moment < span[1])), None
        )
        if blocking is not None:
            if blocking[1] is None:
                return None
            moment = blocking[1]
            continue
        if hours is not None and not in_hours(start=hours[0], end=hours[1], at=moment, tz=tz):
            moment = next_opening(start=hours[0], end=hours[1], at=moment, tz=tz)
            continue
        return None if moment == at else moment
    raise RuntimeError("retry_after did not settle")  # cannot happen: each step passes one finite obstacle
