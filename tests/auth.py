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


def code_for(device: TOTPDevice, *, unused: bool = True) -> str:
    """The code ``device``'s authenticator app shows now; with ``unused``, the earliest one the portal still
    takes (a code is accepted once: after one was used this time step, the next step's, within the tolerance)."""
    import time

    from django_otp.oath import TOTP

    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    ahead = device.last_t + 1 - totp.t() if unused else 0
    if ahead > device.tolerance:  # the codes the portal would take now are used: wait for the next step
        time.sleep(device.step - (totp.time - device.t0) % device.step + 0.05)
        return code_for(device, unused=unused)
    totp.time += device.step * max(ahead, 0)
    return f"{totp.token():0{device.digits}d}"
