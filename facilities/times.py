"""How the portal shows a moment: in a facility's local time, labelled with its zone.

One convention everywhere. A facility's pages run with the facility's time zone active
(``facilities.decorators.facility_view``), so their times, and the date-times their forms read, are the
facility's local times. Pages spanning several facilities show each row in its own facility's time.
Templates use the ``local_time`` filter (``facilities/templatetags/local_time.py``); CSV exports use
``iso_local`` (ISO 8601 with the UTC offset, e.g. ``2026-12-01T14:05:00-06:00``).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.utils import timezone

WALL_FORMAT = "%Y-%m-%d %H:%M"


def zone_of(where=None) -> dt.tzinfo:
    """The time zone of ``where``: a Facility (or anything with ``.tz``), an IANA name, a tzinfo, or None for
    the active zone (the facility's on a facility page)."""
    if where is None or where == "":
        return timezone.get_current_timezone()
    if isinstance(where, dt.tzinfo):
        return where
    if isinstance(where, str):
        return zoneinfo.ZoneInfo(where)
    return where.tz


def local_time_label(value: dt.datetime | None, where=None, *, fmt: str = WALL_FORMAT) -> str:
    """``2026-12-01 14:05 CST``: ``value`` as a wall time in ``where``'s zone, with the zone's abbreviation."""
    if value is None:
        return ""
    local = timezone.localtime(value, zone_of(where))
    return f"{local.strftime(fmt)} {local.tzname()}"


def zone_caption(where=None) -> str:
    """``times in America/Chicago (CST)``: the caption of a page or form whose times are in ``where``'s zone
    (the abbreviation is today's: CST in winter, CDT in summer)."""
    zone = zone_of(where)
    name = getattr(zone, "key", None) or str(zone)
    return f"times in {name} ({timezone.localtime(timezone.now(), zone).tzname()})"


def zone_lookup(model, facility_path: str | None) -> str | None:
    """The ORM lookup from ``model`` to the name of its row's facility's time zone (``facility_path`` as in the
    admin: "" for a Facility, None for none); None when a row has no single facility."""
    if facility_path is None:
        return None
    if facility_path == "":
        return "timezone"
    from django.contrib.admin.utils import get_fields_from_path

    if any(f.many_to_many or f.one_to_many for f in get_fields_from_path(model, facility_path)):
        return None
    return f"{facility_path}__timezone"


def iso_local(value: dt.datetime | None, where=None) -> str:
    """``2026-12-01T14:05:00-06:00``: ``value`` in ``where``'s zone, ISO 8601 with its offset (CSV cells)."""
    if value is None:
        return ""
    return timezone.localtime(value, zone_of(where)).isoformat(timespec="seconds")


def local_day(where=None, at: dt.datetime | None = None) -> dt.date:
    """The calendar day it is (``at``, default now) in ``where``'s zone (a Facility, an IANA name, a tzinfo,
    or None for the active zone): the day court orders and other dated rules are in force on."""
    return timezone.localtime(at or timezone.now(), zone_of(where)).date()


def local_midnight(day: dt.date, where=None) -> dt.datetime:
    """The moment ``day`` begins in ``where``'s zone (00:00 local; aware)."""
    return dt.datetime.combine(day, dt.time(0), tzinfo=zone_of(where))


def recent_local_days(where=None, *, days: int, at: dt.datetime | None = None) -> tuple[list[dt.date], dt.datetime,
                                                                                          dt.datetime]:
    """The last ``days`` calendar days in ``where``'s zone, today (of ``at``) last, with the moment the first
    begins and the moment after the last ends: the range a chart "per day" counts in."""
    today = local_day(where, at)
    listed = [today - dt.timedelta(days=k) for k in range(days - 1, -1, -1)]
    return listed, local_midnight(listed[0], where), local_midnight(today + dt.timedelta(days=1), where)
