"""Receivers of roster signals."""

from . import services


def grant_minutes_on_booking(sender, *, inmate, actor=None, occurred_on=None, **kwargs) -> None:
    """An inmate booked mid-month receives that month's allowance (inside the booking transaction)."""
    services.minutes_grant_on_booking(inmate=inmate, actor=actor)
