"""A platform client only ever reaches the facilities it was given."""

from __future__ import annotations

from django.db.models import QuerySet

from core.errors import DomainError
from facilities.models import Facility, Inmate

from .models import PlatformClient


def client_facility_ids(client: PlatformClient) -> set[int]:
    return {f.pk for f in client.facilities.all()}  # prefetched at authentication


def facility_for_client(client: PlatformClient, code: str) -> Facility:
    """The facility ``code`` if the client may touch it: 404 ``unknown_facility`` otherwise.

    A facility the client has no access to answers exactly like one that does not exist, so a
    client learns nothing about other facilities.
    """
    for facility in client.facilities.all():
        if facility.code == code and facility.active:
            return facility
    raise DomainError(code="unknown_facility", message=f"No facility “{code}” is available to this client.", status=404)


def inmate_for_client(
    client: PlatformClient, facility: Facility, register_number: str, *, lock: bool = False
) -> Inmate:
    if "\x00" in register_number:  # no register number holds one, and PostgreSQL refuses it in a query
        raise DomainError(code="unknown_inmate", message=f"No inmate {register_number!r} at {facility.code}.", status=404)
    qs: QuerySet[Inmate] = Inmate.objects.filter(facility=facility, register_number=register_number)
    if lock:
        qs = qs.select_for_update()
    inmate = qs.select_related("facility").first()
    if inmate is None:
        raise DomainError(
            code="unknown_inmate", message=f"No inmate {register_number} at {facility.code}.", status=404
        )
    return inmate
