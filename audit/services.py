"""The one place that writes the audit trail."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import models

from .models import AuditEvent


def actor_user(actor: Any):
    """The staff user behind ``actor``, or None for a platform client, a task or a label."""
    return actor if isinstance(actor, get_user_model()) else None


def actor_label_for(actor: Any) -> str:
    if actor is None:
        return "system"
    if isinstance(actor, str):
        return actor
    label = getattr(actor, "audit_label", None)
    if label:
        return str(label)
    return getattr(actor, "get_username", lambda: str(actor))()


def audit_record(
    *,
    action: str,
    actor: Any = None,
    facility=None,
    target: models.Model | None = None,
    reason: str = "",
    data: dict | None = None,
    ip_address: str | None = None,
) -> AuditEvent:
    """Append one event. ``actor`` is a user, a platform client, a label string, or None (system)."""
    return AuditEvent.objects.create(
        action=action,
        actor=actor_user(actor),
        actor_label=actor_label_for(actor)[:150],
        facility=facility,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_repr=str(target)[:255] if target is not None else "",
        reason=reason,
        data=data or {},
        ip_address=ip_address,
    )


def audit_record_many(events: list[dict[str, Any]]) -> list[AuditEvent]:
    """Append many events in one statement (bulk work, e.g. a re-screening of thousands of entries).

    Each item takes ``audit_record``'s keyword arguments and is stored exactly as it would store it.
    """
    rows = []
    for event in events:
        actor, target = event.get("actor"), event.get("target")
        rows.append(AuditEvent(
            action=event["action"],
            actor=actor_user(actor),
            actor_label=actor_label_for(actor)[:150],
            facility=event.get("facility"),
            target_type=target._meta.label_lower if target is not None else "",
            target_id=str(target.pk) if target is not None else "",
            target_repr=str(target)[:255] if target is not None else "",
            reason=event.get("reason", ""),
            data=event.get("data") or {},
            ip_address=event.get("ip_address"),
        ))
    return AuditEvent.objects.bulk_create(rows, batch_size=1000)
