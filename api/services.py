"""Writes of platform clients: creating one and issuing a new token. Each records who, when and what."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from audit.services import audit_record
from core.errors import DomainError
from facilities.models import Facility

from .models import PlatformClient


class PlatformClientError(DomainError):
    """A platform client that cannot be created as asked; ``message`` is for people."""


@transaction.atomic
def platform_client_create(*, name: str, facility_codes: Iterable[str], actor) -> tuple[PlatformClient, str]:
    """A new client for the facilities ``facility_codes``; returns it and its token (only its hash is kept)."""
    name = (name or "").strip()
    codes = sorted({code.strip() for code in facility_codes if code and code.strip()})
    if not name:
        raise PlatformClientError(code="invalid_input", message="Give the client a name.")
    if len(name) > PlatformClient._meta.get_field("name").max_length:
        raise PlatformClientError(code="invalid_input", message="A client's name holds at most 100 characters.")
    if not codes:
        raise PlatformClientError(code="invalid_input", message="Give at least one facility code.")
    if PlatformClient.objects.filter(name=name).exists():
        raise PlatformClientError(code="duplicate_name", message=f"A platform client named {name!r} already exists.")
    found = list(Facility.objects.filter(code__in=codes))
    missing = sorted(set(codes) - {f.code for f in found})
    if missing:
        raise PlatformClientError(code="unknown_facility", message=f"Unknown facility code(s): {', '.join(missing)}")
    client = PlatformClient(name=name)
    token = client.set_new_token()
    client.save()
    client.facilities.set(found)
    audit_record(action="platform_client_created", actor=actor, target=client, data={"facilities": codes})
    return client, token


@transaction.atomic
def platform_client_token_issue(*, client: PlatformClient, actor) -> str:
    """Give ``client`` a new token (the old one stops working at once) and return it."""
    client = PlatformClient.objects.select_for_update().get(pk=client.pk)
    token = client.set_new_token()
    client.save(update_fields=["token_prefix", "token_hash"])
    audit_record(action="platform_token_issued", actor=actor, target=client)
    return token
