"""Telephone numbers: normalise to E.164 with ``phonenumbers`` (US by default), refuse the uncallable."""

from __future__ import annotations

import functools

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType

from core.errors import DomainError

DEFAULT_REGION = "US"

_NOT_CALLABLE = {
    PhoneNumberType.TOLL_FREE: ("toll_free", "Toll-free numbers cannot be called from a facility."),
    PhoneNumberType.PREMIUM_RATE: ("premium_rate", "Premium-rate numbers cannot be called from a facility."),
    PhoneNumberType.SHARED_COST: ("premium_rate", "Shared-cost numbers cannot be called from a facility."),
}


class NumberNotCallable(DomainError, ValueError):
    """``code`` is one of ``invalid_number``, ``toll_free``, ``premium_rate`` (400)."""

    default_code = "invalid_number"


def normalize_number(raw: str, *, region: str = DEFAULT_REGION) -> str:
    """The number in E.164 form, or ``NumberNotCallable`` with a clear message."""
    text = (raw or "").strip()
    if not text:
        raise NumberNotCallable(code="invalid_number", message="Enter a telephone number.")
    if len(text) > 40:
        raise NumberNotCallable(code="invalid_number", message="That is too long to be a telephone number.")
    return _e164(text, region)


@functools.lru_cache(maxsize=8192)
def _e164(text: str, region: str) -> str:
    """``normalize_number``'s parsing, a pure function of its text: kept for the numbers dialled again (the
    platform asks for the same family numbers all day); a refusal is raised again each time, not kept."""
    try:
        parsed = phonenumbers.parse(text, region)
    except NumberParseException:
        raise NumberNotCallable(code="invalid_number", message=f"“{text}” is not a telephone number.") from None
    # A number is valid when its region's metadata types it (what ``is_valid_number`` checks); typing it once
    # answers both questions.
    kind = phonenumbers.number_type(parsed)
    if kind == PhoneNumberType.UNKNOWN:
        raise NumberNotCallable(code="invalid_number", message=f"“{text}” is not a valid telephone number.")
    if kind in _NOT_CALLABLE:
        code, message = _NOT_CALLABLE[kind]
        raise NumberNotCallable(code=code, message=message)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def display_number(e164: str) -> str:
    """A number as staff read it: national format for US numbers, international otherwise."""
    try:
        parsed = phonenumbers.parse(e164, None)
    except NumberParseException:
        return e164
    fmt = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if phonenumbers.region_code_for_number(parsed) == DEFAULT_REGION
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(parsed, fmt)
