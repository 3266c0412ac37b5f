from rest_framework import serializers

from .models import REASONS, CallKind


class AuthorizeRequestSerializer(serializers.Serializer):
    facility = serializers.CharField(max_length=32, help_text="The facility's code.")
    register_number = serializers.CharField(max_length=32)
    dialed_number = serializers.CharField(max_length=40, help_text="The number the inmate dialled.")


class ReasonSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=list(REASONS.items()), help_text="Stable reason code.")
    message = serializers.CharField()


class AuthorizeResponseSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["allow", "deny"])
    call_id = serializers.IntegerField(help_text="Report the call's end to /calls/{call_id}/complete.")
    call_kind = serializers.ChoiceField(choices=CallKind.choices)
    monitored = serializers.BooleanField()
    max_minutes = serializers.IntegerField(help_text="0 when denied.")
    reasons = ReasonSerializer(many=True, help_text="Every reason that applies (empty when allowed).")
    retry_after = serializers.DateTimeField(allow_null=True, help_text=(
        "The earliest moment at which the gap, the calling hours and a restriction's end all pass together; null "
        "when no time rule denies the call or one never ends by itself."
    ))


class CompleteRequestSerializer(serializers.Serializer):
    duration_seconds = serializers.IntegerField(min_value=0, max_value=24 * 3600)


class CompleteResponseSerializer(serializers.Serializer):
    minutes_charged = serializers.IntegerField()
    minutes_remaining = serializers.IntegerField()
