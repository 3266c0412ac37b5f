"""The call decision for the telephone platform (domain.md §4, §7). Thin: the rules are in services."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from api.scoping import client_facility_ids, facility_for_client
from api.serializers import error_responses, validated
from core.numbers import normalize_number

from . import services
from .models import REASONS
from .serializers import (
    AuthorizeRequestSerializer,
    AuthorizeResponseSerializer,
    CompleteRequestSerializer,
    CompleteResponseSerializer,
    plain_text_data,
)

AUTHORIZE_ERRORS = error_responses({
    400: ["invalid_number", "toll_free", "premium_rate"], 404: ["unknown_facility", "unknown_inmate"],
})
COMPLETE_ERRORS = error_responses({404: ["unknown_call"], 409: ["call_not_authorized", "call_expired"]})


class AuthorizeView(APIView):
    @extend_schema(
        request=AuthorizeRequestSerializer, responses={200: AuthorizeResponseSerializer, **AUTHORIZE_ERRORS},
        tags=["calls"],
        summary="May this call go through, for how long, monitored or not?",
        description=(
            "Answers `allow` or `deny` with every reason that applies (a denial is still a 200, and is kept for "
            "investigators). Reason codes:\n\n"
            + "".join(f"- `{code}`: {message}\n" for code, message in REASONS.items() if code != "unknown_inmate")
            + "\nAn unknown facility or inmate is a 404 (`unknown_facility`, `unknown_inmate`); a number that "
            "cannot be called is a 400 (`invalid_number`, `toll_free`, `premium_rate`). `call_kind` is `legal` "
            "for a verified attorney's number (not monitored, not charged, allowed during a restriction) and "
            "`emergency` for a warden-approved emergency call; `max_minutes` is 0 when denied and never more than "
            "the per-call cap (an emergency call: the approved length) nor, for a charged call, the minutes left; "
            "`retry_after` is the earliest moment at which every time rule (the gap since the previous call, the calling "
            "hours, the end of a phone restriction) passes together, so that a retry then is not refused for a time "
            "reason; null when no time rule denies the call, or when one never ends by itself (a restriction until "
            "lifted). Other reasons (no minutes, not on the list) may still apply then."
        ),
    )
    def post(self, request):
        data = plain_text_data(AuthorizeRequestSerializer, request.data) or validated(AuthorizeRequestSerializer, request)
        facility = facility_for_client(request.auth, data["facility"])
        number = normalize_number(data["dialed_number"])  # NumberNotCallable: 400
        call = services.call_authorize(
            facility=facility, register_number=data["register_number"].strip(), number=number,
            dialed_number=data["dialed_number"], client=request.auth,
        )
        return Response({
            "decision": "allow" if call.allowed else "deny",
            "call_id": call.pk,
            "call_kind": call.kind,
            "monitored": call.monitored,
            "max_minutes": call.max_minutes,
            "reasons": [{"code": code, "message": REASONS[code]} for code in call.reasons],
            "retry_after": call.retry_after.isoformat().replace("+00:00", "Z") if call.retry_after else None,
        })


class CompleteView(APIView):
    @extend_schema(
        request=CompleteRequestSerializer, responses={200: CompleteResponseSerializer, **COMPLETE_ERRORS},
        tags=["calls"],
        parameters=[OpenApiParameter("call_id", int, OpenApiParameter.PATH)],
        summary="Report how long an allowed call lasted",
        description=(
            "Charges each started minute, never more than was authorised (legal and uncharged emergency calls: "
            "nothing). Reporting the same call again returns the first result and charges nothing more. "
            "Errors: `unknown_call` (404), `call_not_authorized` / `call_expired` (409), `invalid_input` (400)."
        ),
    )
    def post(self, request, call_id: str):
        data = validated(CompleteRequestSerializer, request)
        # ASCII digits only: int() would also take "٣", "1_0" or " 7 " for calls 3, 10 and 7.
        pk = int(call_id) if call_id.isascii() and call_id.isdigit() else None
        if pk is None or pk <= 0 or pk > 2**63 - 1:
            raise services.CallError(code="unknown_call", message=f"No call {call_id} for this client.", status=404)
        result = services.call_complete(
            call_id=pk, duration_seconds=data["duration_seconds"],
            facility_ids=client_facility_ids(request.auth), client=request.auth,
        )
        return Response({"minutes_charged": result.minutes_charged, "minutes_remaining": result.minutes_remaining})


class PingView(APIView):
    """A trivial JSON answer behind the same authentication: a health check for platform clients."""

    @extend_schema(
        responses={200: inline_serializer("Ping", {"status": serializers.ChoiceField(choices=["ok"])}),
                   **error_responses({}, body=False)},
        tags=["calls"], summary="Health check: is the call decision service up?",
    )
    def get(self, request):
        return Response({"status": "ok"})
