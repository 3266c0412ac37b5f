"""``{{ moment|local_time }}``: a moment in the facility's local time with its zone, e.g. ``2026-12-01 14:05 CST``.

Without an argument the active zone is used, which every facility page sets to its facility's
(``facility_view``). On rows that may belong to another facility (the all-facilities queue, a caller's
requests elsewhere) pass the row's facility: ``{{ r.received_at|local_time:r.facility }}``.
"""

import datetime as dt

from django import template

from facilities.times import local_time_label
from facilities.times import zone_caption as _zone_caption

register = template.Library()


@register.filter(expects_localtime=False)
def local_time(value, where=None) -> str:
    if not value:
        return ""
    if not isinstance(value, dt.datetime):  # a calendar date has no time zone
        return value.isoformat() if isinstance(value, dt.date) else value
    return local_time_label(value, where)


@register.simple_tag
def zone_caption(where=None) -> str:
    """``{% zone_caption %}``: "times in America/Chicago (CST)", for a page or a form's date-time fields."""
    return _zone_caption(where)
