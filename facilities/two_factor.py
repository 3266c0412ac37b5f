"""Two-factor sign-in and session limits: who needs the second factor, and the middleware that holds them to it.

The rule (one place): a user needs a second factor (an authenticator app's code, django-otp's TOTP device) when
they are a superuser, or hold one of ``REQUIRED_ROLES`` anywhere, or hold the staff role at a facility whose
calling policy says "staff must use two-factor" (``CallingPolicy.staff_two_factor``).

``SignInMiddleware`` (after django-otp's ``OTPMiddleware``, which tells whether the session was verified):
- a signed-in session older than ``SESSION_ABSOLUTE_SECONDS`` is signed out, however active it was (the
  30-minute idle limit is Django's own session expiry, pushed forward on every request);
- a signed-in user who needs the second factor and has not given it in this session reaches no page (staff
  pages, the admin, its CSV, the API's schema and documentation pages): they are sent to enrol (no confirmed
  authenticator yet) or to the code step. The platform API (``/api/v1/``, token authentication, no session) is
  not concerned.

The writes (enrolment, verification, reset, sign-out everywhere) are services in ``facilities.services``.
"""

from __future__ import annotations

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model, logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpResponseRedirect
from django.urls import reverse
from django_otp import user_has_device

from . import login_security
from .models import CallingPolicy, Role
from .scoping import ALL, facility_roles_for_user

# The roles that always need a second factor. "investigator" is spelled out so that the rule holds whether or
# not the role is declared in facilities.models.Role.
REQUIRED_ROLES = frozenset({Role.WARDEN.value, Role.AUDITOR.value, "investigator"})

# The session key holding the moment (Unix seconds) the user signed in with their password.
SIGNED_IN_AT = "portal_signed_in_at"

# Reachable by a signed-in user who still owes the second factor (by URL name); everything else redirects.
OPEN_URL_NAMES = ("two-factor-verify", "two-factor-enrol", "two-factor-qr", "logout", "login")


def staff_facility_requires(user) -> bool:
    """True if the user holds the staff role at a facility whose policy requires two-factor for staff."""
    ids = [fid for fid, roles in facility_roles_for_user(user).items() if fid != ALL and Role.STAFF in roles]
    return bool(ids) and CallingPolicy.objects.filter(facility_id__in=ids, staff_two_factor=True).exists()


def needs_second_factor(user) -> bool:
    """Whether ``user`` must give a second factor to use the portal (see the module's docstring)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    held = set().union(*facility_roles_for_user(user).values())
    return bool(held & REQUIRED_ROLES) or staff_facility_requires(user)


def has_authenticator(user) -> bool:
    """The user has a confirmed second factor (an authenticator app; recovery codes come with it)."""
    return user_has_device(user, confirmed=True)


def is_verified(request) -> bool:
    """The session's user gave their second factor in this session (django-otp's OTPMiddleware)."""
    user = request.user
    return bool(getattr(user, "is_verified", None) and user.is_verified())


@receiver(user_logged_in, dispatch_uid="sign-in-started")
def _signed_in(sender, request, user, **kwargs):
    """The password was right: the absolute lifetime starts; for a user who needs no second factor the sign-in is
    complete, so django-axes forgets their failures here (the others': at the code step, facilities.services)."""
    if request is None:
        return
    if hasattr(request, "session"):
        request.session[SIGNED_IN_AT] = int(time.time())
    # a fresh copy: the roles read here are not cached on the caller's user object
    if not needs_second_factor(get_user_model().objects.get(pk=user.pk)):
        login_security.clear_failures(request=request, username=user.get_username())


def _open_paths() -> tuple[str, ...]:
    return tuple(reverse(name) for name in OPEN_URL_NAMES)


class SignInMiddleware:
    """The absolute session lifetime and the second-factor gate (see the module's docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        if path.startswith(("/api/v1/", "/" + settings.STATIC_URL.lstrip("/"))):
            return self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            refusal = self._expired(request) or self._second_factor_owed(request, path)
            if refusal is not None:
                return refusal
        return self.get_response(request)

    @staticmethod
    def _expired(request):
        started = request.session.get(SIGNED_IN_AT)
        now = int(time.time())
        if started is None:  # a session from before the limit existed: it starts counting now
            request.session[SIGNED_IN_AT] = now
            return None
        if now - int(started) < settings.SESSION_ABSOLUTE_SECONDS:
            return None
        logout(request)
        return HttpResponseRedirect(f"{reverse('login')}?{urlencode({'next': request.get_full_path()})}")

    @staticmethod
    def _second_factor_owed(request, path: str):
        if path in _open_paths() or is_verified(request) or not needs_second_factor(request.user):
            return None
        step = "two-factor-verify" if has_authenticator(request.user) else "two-factor-enrol"
        return HttpResponseRedirect(f"{reverse(step)}?{urlencode({'next': request.get_full_path()})}")
