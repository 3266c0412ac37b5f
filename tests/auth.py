"""Signing a Django test client in as a user, second factor given (facilities.two_factor's gate lets them by).

``signed_in(client, user)``: ``client.force_login(user)``, then a confirmed authenticator for the user (made if
they have none) marked as this session's second factor, as the code step does (``django_otp.login``). The
``login`` fixture (tests/conftest.py) uses it; use it for a ``Client()`` of your own. Never
``client.force_login`` alone: a user who needs the second factor would be sent to the code step.
"""

from __future__ import annotations

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice


def authenticator(user) -> TOTPDevice:
    """The user's confirmed authenticator app (made if they have none)."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first() or TOTPDevice.objects.create(
        user=user, name="test authenticator", confirmed=True
    )


def signed_in(client, user):
    """Log ``client`` in as ``user`` with the second factor given; returns the client."""
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = authenticator(user).persistent_id
    session.save()
    return client
