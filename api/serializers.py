from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

from facilities.models import Inmate


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


class InmateSerializer(serializers.ModelSerializer):
    facility = serializers.CharField(source="facility.code")

    class Meta:
        model = Inmate
        fields = [
            "facility", "register_number", "first_name", "last_name", "date_of_birth", "housing_unit",
            "status", "admitted_on", "released_on",
        ]


class BookingSerializer(serializers.Serializer):
    facility = serializers.CharField(max_length=32)
    register_number = serializers.CharField(max_length=32)
    first_name = serializers.CharField(max_length=100)
    last_name = serializers.CharField(max_length=100)
    date_of_birth = serializers.DateField()
    housing_unit = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    admitted_on = serializers.DateField()

    def validate(self, attrs):
        if attrs["date_of_birth"] >= attrs["admitted_on"]:
            raise serializers.ValidationError({"date_of_birth": "The date of birth must be before the admission."})
        return attrs


class TransferSerializer(serializers.Serializer):
    facility = serializers.CharField(max_length=32, help_text="Where the inmate is now.")
    register_number = serializers.CharField(max_length=32)
    to_facility = serializers.CharField(
        max_length=32, required=False, allow_null=True, default=None,
        help_text="Destination facility code; null when the inmate leaves the system.",
    )
    transferred_on = serializers.DateField()
    housing_unit = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class ReleaseSerializer(serializers.Serializer):
    facility = serializers.CharField(max_length=32)
    register_number = serializers.CharField(max_length=32)
    released_on = serializers.DateField()
    reason = serializers.CharField(required=False, allow_blank=True, default="")
