from django import template

from approvals.models import EntryFinding

register = template.Library()
# ``phone`` and ``who`` come from the built-in display library (core/templatetags/display.py).


@register.filter
def finding_label(code: str) -> str:
    try:
        return EntryFinding.Kind(code).label
    except ValueError:
        return code.replace("_", " ").capitalize()
