"""Kiosk requests, the live list and the called party's opt-out key, for the telephone platform (domain.md §7, §9)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from api.scoping import facility_for_client, inmate_for_client
from api.serializers import error_responses, validated

from . import selectors, services
from .models import BlockedNumber, EntryFinding, PhoneListEntry, Relationship

REQUEST_ERRORS = error_responses({
    400: ["invalid_number", "toll_free", "premium_rate"], 404: ["unknown_facility", "unknown_inmate"],
    409: ["not_in_custody", "already_on_list"],
})
LIST_ERRORS = error_responses({404: ["unknown_facility", "unknown_inmate"]}, body=False)
OPT_OUT_ERRORS = error_responses({400: ["invalid_number", "toll_free", "premium_rate"], 404: ["unknown_facility"]})


class ListRequestSerializer(serializers.Serializer):
    facility = serializers.CharField(max_length=32)
    register_number = serializers.CharField(max_length=32)
    number = serializers.CharField(max_length=40, help_text="Any usual format; US is the default region.")
    contact_name = serializers.CharField(max_length=200)
    relationship = serializers.ChoiceField(choices=Relationship.choices)
    legal = serializers.BooleanField(required=False, default=False)
    bar_number = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    bar_state = serializers.CharField(max_length=2, required=False, allow_blank=True, default="")


class FindingSerializer(serializers.ModelSerializer):
    class Meta:
        model = EntryFinding
        fields = ["kind", "severity", "reference", "message"]


class EntrySerializer(serializers.ModelSerializer):
    findings = serializers.SerializerMethodField()
    facility = serializers.CharField(source="facility.code")
    register_number = serializers.CharField(source="inmate.register_number")
    status_label = serializers.CharField(source="get_status_display")

    class Meta:
        model = PhoneListEntry
        fields = ["id", "facility", "register_number", "number", "contact_name", "relationship", "legal", "status",
                  "status_label", "decision_reason", "findings", "created_at"]

    @extend_schema(responses=FindingSerializer(many=True))
    def get_findings(self, obj) -> list[dict]:
        rows = obj.findings.filter(cleared_at__isnull=True).order_by("id")
        return FindingSerializer(rows, many=True).data


class LiveNumberSerializer(serializers.ModelSerializer):
    live_since = serializers.DateTimeField(source="went_live_at")

    class Meta:
        model = PhoneListEntry
        fields = ["number", "contact_name", "relationship", "legal", "live_since"]


class PhoneListSerializer(serializers.Serializer):
    facility = serializers.CharField()
    register_number = serializers.CharField()
    numbers = LiveNumberSerializer(many=True)


class ListRequestView(APIView):
    @extend_schema(
        request=ListRequestSerializer, responses={201: EntrySerializer, **REQUEST_ERRORS}, tags=["phone lists"],
        summary="Forward a number an inmate requested at the kiosk",
        description="The number is normalised and screened. The response gives the entry's status "
                    "(live, pending, denied) and every finding. An attorney's number (`legal` true, or the "
                    "relationship `attorney`) needs `bar_number` and a two-letter `bar_state` (else `invalid_input`) and waits "
                    "for a staff member to verify it.",
    )
    def post(self, request):
        data = validated(ListRequestSerializer, request)
        facility = facility_for_client(request.auth, data.pop("facility"))
        inmate = inmate_for_client(request.auth, facility, data.pop("register_number"))
        entry = services.entry_add(inmate=inmate, source=PhoneListEntry.Source.KIOSK, actor=request.auth, **data)
        entry = PhoneListEntry.objects.select_related("facility", "inmate").get(pk=entry.pk)
        return Response(EntrySerializer(entry).data, status=status.HTTP_201_CREATED)


class PhoneListView(APIView):
    @extend_schema(responses={200: PhoneListSerializer, **LIST_ERRORS}, tags=["phone lists"],
                   summary="The inmate's live numbers",
                   description="Only live entries: pending, denied, suspended and removed numbers are left out.")
    def get(self, request, code: str, register_number: str):
        facility = facility_for_client(request.auth, code)
        inmate = inmate_for_client(request.auth, facility, register_number)
        numbers = selectors.live_numbers(inmate=inmate)
        return Response(PhoneListSerializer(
            {"facility": facility.code, "register_number": inmate.register_number, "numbers": numbers}).data)


class CalledPartyBlockRequestSerializer(serializers.Serializer):
    facility = serializers.CharField(max_length=32, help_text="The facility's code (of the inmate who called).")
    number = serializers.CharField(max_length=40, help_text="The called party's number: the line on which the "
                                                            "opt-out key was pressed. Any usual format; US is the "
                                                            "default region.")


class CalledPartyBlockSerializer(serializers.ModelSerializer):
    facility = serializers.CharField(source="facility.code")
    created = serializers.BooleanField(help_text="False when the number was already blocked at the called party's "
                                                 "request for every inmate here (a repeat press): nothing changed.")

    class Meta:
        model = BlockedNumber
        fields = ["id", "facility", "number", "reason", "source", "system_wide", "starts_at", "created"]


class CalledPartyBlockView(APIView):
    @extend_schema(
        request=CalledPartyBlockRequestSerializer,
        responses={
            201: OpenApiResponse(CalledPartyBlockSerializer, description="The number is now blocked for every "
                                                                        "inmate of the facility."),
            200: OpenApiResponse(CalledPartyBlockSerializer, description="Already blocked at the called party's "
                                                                        "request (a repeat press): the block in force."),
            **OPT_OUT_ERRORS,
        },
        tags=["called-party blocks"],
        summary="The called party pressed the opt-out key: never connect this number to an inmate of the facility",
        description="Blocks `number` for every inmate of `facility` (reason `called_party_request`, source "
                    "`keypad`) and screens the lists carrying it again: live entries of the number are suspended. "
                    "Idempotent: pressing again (or a number already blocked at its holder's request here) answers "
                    "200 with the block in force and changes nothing. Staff lift such a block only when the "
                    "called party asks for it themselves.",
        examples=[
            OpenApiExample("Opt-out key pressed", request_only=True,
                           value={"facility": "cook-county", "number": "(312) 555-0188"}),
            OpenApiExample("Blocked", response_only=True, status_codes=["201"],
                           value={"id": 812, "facility": "cook-county", "number": "+13125550188",
                                  "reason": "called_party_request", "source": "keypad", "system_wide": False,
                                  "starts_at": "2026-12-02T15:04:05Z", "created": True}),
            OpenApiExample("Pressed again", response_only=True, status_codes=["200"],
                           value={"id": 812, "facility": "cook-county", "number": "+13125550188",
                                  "reason": "called_party_request", "source": "keypad", "system_wide": False,
                                  "starts_at": "2026-12-02T15:04:05Z", "created": False}),
        ],
    )
    def post(self, request):
        data = validated(CalledPartyBlockRequestSerializer, request)
        facility = facility_for_client(request.auth, data["facility"])
        block, created = services.called_party_block_keypad(facility=facility, number=data["number"],
                                                            client=request.auth)
        block.created = created
        return Response(CalledPartyBlockSerializer(block).data,
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)
