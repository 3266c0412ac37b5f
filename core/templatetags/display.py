"""The one way the portal shows numbers, people and ages on its pages (a built-in template library: no ``{% load %}``).

- ``{{ number|phone }}``: an E.164 number in the national format, its E.164 form on hover
  (``<abbr title="+14155550100">(415) 555-0100</abbr>``); ``|phone|striptags`` where no markup may go (a
  page's ``<title>``). CSV exports and the API carry the E.164 form itself.
- ``{{ user|who }}``: a person by full name, else their user name; ``{{ user|who:"system" }}`` names an automatic
  actor (or a stored label: ``{{ e.actor|who:e.actor_label }}``). Only the admin shows user names.
- ``{{ moment|ago }}``: "just now" under a minute, else "3 hours, 5 minutes ago".

Registered in ``TEMPLATES["OPTIONS"]["builtins"]`` (config/settings/base.py). Reasons and statuses are shown by
their models' labels (``get_FOO_display``, ``reason_label``, ``reason_labels``), never as codes.
"""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.timesince import timesince

from core.numbers import display_number

register = template.Library()


@register.filter
def phone(value: str) -> str:
    """An E.164 number as staff read it, with its E.164 form in the ``<abbr>``'s title."""
    if not value:
        return ""
    return format_html('<abbr class="number" title="{}">{}</abbr>', value, display_number(value))


@register.filter
def who(user, default: str = "—") -> str:
    """A user's full name, else their user name; ``default`` when there is none (automatic decisions)."""
    if not user or not hasattr(user, "get_full_name"):
        return default or "—"
    return user.get_full_name() or user.get_username()


@register.filter(expects_localtime=False)
def ago(value) -> str:
    """How long ago ``value`` was, in words; "just now" under a minute (and for a moment in the future)."""
    if not value:
        return ""
    if not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, dt.time(0), tzinfo=timezone.get_current_timezone())
    if timezone.now() - value < dt.timedelta(minutes=1):
        return "just now"
    return f"{timesince(value)} ago"
