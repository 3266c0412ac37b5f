"""Schema helpers shared by every app's API module: the error body and each endpoint's error answers."""

from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


def validated(serializer_class: type[serializers.Serializer], request) -> dict:
    """The request body checked by ``serializer_class``; invalid input is a 400 ``invalid_input`` (api.errors)."""
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable machine-readable code.")
    message = serializers.CharField(help_text="Human explanation.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), required=False,
        help_text="With `invalid_input` from the serializer: the messages for each field.",
    )


AUTH_ERRORS = ["not_authenticated", "invalid_token"]
BODY_ERRORS = ["invalid_input", "malformed_json"]


def error_responses(codes: dict[int, list[str]], *, body: bool = True) -> dict[int, OpenApiResponse]:
    """An endpoint's error answers for ``@extend_schema(responses=...)``: each status with ``ErrorSerializer``
    and the codes it may carry. Always 401 (``not_authenticated``, ``invalid_token``); for an endpoint taking
    a JSON body also 400 (``invalid_input``, ``malformed_json``), 413 (``request_too_large``) and 415
    (``unsupported_media_type``)."""
    codes = {status: list(names) for status, names in codes.items()}
    codes[401] = AUTH_ERRORS + codes.get(401, [])
    if body:
        codes[400] = BODY_ERRORS + codes.get(400, [])
        codes[413] = ["request_too_large"]
        codes[415] = ["unsupported_media_type"]
    return {
        status: OpenApiResponse(
            ErrorSerializer, description="`code` is one of: " + ", ".join(f"`{name}`" for name in names) + "."
        )
        for status, names in sorted(codes.items())
    }
