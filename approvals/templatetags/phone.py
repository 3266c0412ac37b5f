from django import template

from core.numbers import display_number

register = template.Library()


@register.filter
def phone(value: str) -> str:
    """An E.164 number as staff read it."""
    return display_number(value) if value else ""


@register.filter
def who(user, default: str = "—") -> str:
    """A user's full name, else their username; ``default`` when there is none (automatic decisions)."""
    if not user or not hasattr(user, "get_full_name"):
        return default
    return user.get_full_name() or user.get_username()
