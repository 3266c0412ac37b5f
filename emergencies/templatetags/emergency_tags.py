from django import template

from approvals.models import EntryFinding
from core.numbers import display_number

register = template.Library()


@register.filter
def phone(value: str) -> str:
    return display_number(value) if value else ""


@register.filter
def finding_label(code: str) -> str:
    try:
        return EntryFinding.Kind(code).label
    except ValueError:
        return code.replace("_", " ").capitalize()
