"""The call decision's fast reading of its request body (calls.serializers.plain_text_data) gives exactly what the
serializer gives, or steps aside (None) so that the serializer answers: never a different result."""

import pytest

from calls.serializers import AuthorizeRequestSerializer, plain_text_data

GOOD = {"facility": "home", "register_number": "12345-001", "dialed_number": "+13125550142"}


@pytest.mark.parametrize("data", [
    GOOD,
    {**GOOD, "extra": 1},
    {**GOOD, "facility": "  home \t"},
    {**GOOD, "register_number": ""},
    {**GOOD, "register_number": "   "},
    {**GOOD, "register_number": None},
    {**GOOD, "register_number": 12345},
    {**GOOD, "register_number": True},
    {**GOOD, "register_number": ["x"]},
    {**GOOD, "register_number": "x" * 32},
    {**GOOD, "register_number": "x" * 33},
    {**GOOD, "register_number": " " + "x" * 32 + " "},
    {**GOOD, "dialed_number": "x" * 41},
    {**GOOD, "register_number": "12\x00345"},
    {**GOOD, "register_number": "12345-\u00e9"},
    {**GOOD, "register_number": "\ud800"},
    {k: v for k, v in GOOD.items() if k != "facility"},
    [GOOD],
    "text",
])
def test_the_fast_reading_agrees_with_the_serializer(data):
    serializer = AuthorizeRequestSerializer(data=data)
    valid = serializer.is_valid()
    fast = plain_text_data(AuthorizeRequestSerializer, data)
    if fast is not None:
        assert valid and fast == dict(serializer.validated_data)
    if valid and isinstance(data, dict) and all(isinstance(v, str) and v.isascii() for v in data.values()):
        assert fast == dict(serializer.validated_data)  # plainly valid input takes the fast way


def test_a_serializer_with_other_fields_is_never_read_fast():
    from calls.serializers import CompleteRequestSerializer

    assert plain_text_data(CompleteRequestSerializer, {"duration_seconds": 5}) is None
