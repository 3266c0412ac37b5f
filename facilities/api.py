"""Roster upkeep for the jail management system: book, transfer, release (mounted under /api/v1/ by
config/urls.py through facilities/api_urls.py)."""

from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from api.scoping import facility_for_client, inmate_for_client
from api.serializers import error_responses, validated

from . import services
from .models import Inmate


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


BOOK_ERRORS = error_responses({404: ["unknown_facility"], 409: ["duplicate_register_number"]})
TRANSFER_ERRORS = error_responses({
    400: ["same_facility", "invalid_date"], 404: ["unknown_facility", "unknown_inmate"],
    409: ["not_in_custody", "duplicate_register_number"],
})
RELEASE_ERRORS = error_responses({
    400: ["invalid_date"], 404: ["unknown_facility", "unknown_inmate"], 409: ["not_in_custody"],
})


class BookView(APIView):
    @extend_schema(request=BookingSerializer, responses={201: InmateSerializer, **BOOK_ERRORS}, tags=["roster"],
                   summary="Book an inmate in (or re-admit a released one)",
                   description="A released inmate booked again with the same register number, date of birth and "
                               "last name is re-admitted; any other use of a number in use is "
                               "`duplicate_register_number`. The date of birth must be before the admission.")
    def post(self, request):
        data = validated(BookingSerializer, request)
        facility = facility_for_client(request.auth, data.pop("facility"))
        inmate = services.inmate_book(facility=facility, actor=request.auth, **data)
        return Response(InmateSerializer(inmate).data, status=status.HTTP_201_CREATED)


class TransferView(APIView):
    @extend_schema(request=TransferSerializer, responses={200: InmateSerializer, **TRANSFER_ERRORS}, tags=["roster"],
                   summary="Transfer an inmate to another facility, or out of the system",
                   description="`to_facility` must be a facility this client may touch (else `unknown_facility`); "
                               "null moves the inmate out of the system. The date may not be before the "
                               "admission (`invalid_date`).")
    def post(self, request):
        data = validated(TransferSerializer, request)
        facility = facility_for_client(request.auth, data["facility"])
        to_facility = facility_for_client(request.auth, data["to_facility"]) if data["to_facility"] else None
        with transaction.atomic():
            inmate = inmate_for_client(request.auth, facility, data["register_number"])
            inmate = services.inmate_transfer(
                inmate=inmate, to_facility=to_facility, transferred_on=data["transferred_on"],
                housing_unit=data["housing_unit"], reason=data["reason"], actor=request.auth,
            )
        return Response(InmateSerializer(inmate).data)


class ReleaseView(APIView):
    @extend_schema(request=ReleaseSerializer, responses={200: InmateSerializer, **RELEASE_ERRORS}, tags=["roster"],
                   summary="Release an inmate",
                   description="The release date may not be before the admission (`invalid_date`).")
    def post(self, request):
        data = validated(ReleaseSerializer, request)
        facility = facility_for_client(request.auth, data["facility"])
        inmate = inmate_for_client(request.auth, facility, data["register_number"])
        inmate = services.inmate_release(
            inmate=inmate, released_on=data["released_on"], reason=data["reason"], actor=request.auth
        )
        return Response(InmateSerializer(inmate).data)
