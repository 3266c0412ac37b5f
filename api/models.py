"""Machine clients of the platform API: the vendor's telephone platform, the jail management system."""

import hashlib
import secrets

from django.db import models
from simple_history.models import HistoricalRecords


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class PlatformClient(models.Model):
    name = models.CharField(max_length=100, unique=True)
    token_prefix = models.CharField(max_length=8, help_text="First characters of the token, to recognise it.")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    facilities = models.ManyToManyField("facilities.Facility", related_name="platform_clients")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords(m2m_fields=[facilities])

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def audit_label(self) -> str:
        return f"platform client {self.name}"

    # DRF treats request.user as a user; a client is always "authenticated".
    is_authenticated = True

    def set_new_token(self) -> str:
        """Give the client a new token and return it; only its hash is stored."""
        token = secrets.token_urlsafe(32)
        self.token_prefix = token[:8]
        self.token_hash = hash_token(token)
        return token
