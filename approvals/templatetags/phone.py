from django import template

from approvals.numbers import display_number

register = template.Library()


@register.filter
def phone(value: str) -> str:
    """An E.164 number as staff read it."""
    return display_number(value) if value else ""
