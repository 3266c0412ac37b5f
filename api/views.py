"""Roster upkeep for the jail management system: book, transfer, release."""

from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from facilities import services

from .scoping import facility_for_client, inmate_for_client
from .serializers import BookingSerializer, InmateSerializer, ReleaseSerializer, TransferSerializer, error_responses

BOOK_ERRORS = error_responses({404: ["unknown_facility"], 409: ["duplicate_register_number"]})
TRANSFER_ERRORS = error_responses({
    400: ["same_facility", "invalid_date"], 404: ["unknown_facility", "unknown_inmate"],
    409: ["not_in_custody", "duplicate_register_number"],
})
RELEASE_ERRORS = error_responses({
    400: ["invalid_date"], 404: ["unknown_facility", "unknown_inmate"], 409: ["not_in_custody"],
})


def _validated(serializer_class, request):
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class BookView(APIView):
    @extend_schema(request=BookingSerializer, responses={201: InmateSerializer, **BOOK_ERRORS}, tags=["roster"],
                   summary="Book an inmate in (or re-admit a released one)",
                   description="A released inmate booked again with the same register number, date of birth and "
                               "last name is re-admitted; any other use of a number in use is "
                               "`duplicate_register_number`. The date of birth must be before the admission.")
    def post(self, request):
        data = _validated(BookingSerializer, request)
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
        data = _validated(TransferSerializer, request)
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
        data = _validated(ReleaseSerializer, request)
        facility = facility_for_client(request.auth, data["facility"])
        inmate = inmate_for_client(request.auth, facility, data["register_number"])
        inmate = services.inmate_release(
            inmate=inmate, released_on=data["released_on"], reason=data["reason"], actor=request.auth
        )
        return Response(InmateSerializer(inmate).data)
