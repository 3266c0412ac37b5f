"""The second-factor pages: enrolment (QR code and secret, confirmed with a code), the code step after the
password, and the recovery codes shown once. The rules are in facilities.two_factor (who) and
facilities.services (enrol, confirm, verify: audit, lockout); these pages only call them."""

from __future__ import annotations

import io
from base64 import b32encode
from urllib.parse import urlencode

import segno
from axes.helpers import get_lockout_response
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import services
from .forms import CodeForm
from .two_factor import has_authenticator, is_verified, needs_second_factor

RECOVERY_CODES_SESSION_KEY = "portal_recovery_codes"  # the new codes, until the page that shows them once


def _next(request) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return wanted
    return reverse("home")


def _with_next(name: str, nxt: str) -> str:
    return f"{reverse(name)}?{urlencode({'next': nxt})}"


def _refused(request, form: CodeForm, check: services.CodeCheck, wrong: str):
    """The answer to a refused code: the lockout page (signed out), the wait, or the form's error."""
    if check.locked:
        username = request.user.get_username()
        logout(request)
        return get_lockout_response(request, None, {"username": username})
    if check.wait_seconds:
        form.add_error("code", f"Too many failed log-ins for this user name from other places. Your code was not "
                               f"checked: try again in {check.wait_seconds} second(s).")
        return None
    form.add_error("code", wrong)
    return None


def _verified(request, device) -> None:
    """Mark the session verified with ``device`` under a new session key (no fixation across the step)."""
    request.session.cycle_key()
    otp_login(request, device)


def _codes_or_refusal(request, form: CodeForm, check: services.CodeCheck, codes: list[str], *, page: str, wrong: str):
    """After a code that makes recovery codes: accepted, the session verified with its device and the new codes
    kept for ``page``, which shows them once; refused, ``_refused``'s answer (None: the form shows the error)."""
    if check.device is None:
        return _refused(request, form, check, wrong)
    _verified(request, check.device)
    request.session[RECOVERY_CODES_SESSION_KEY] = codes
    return redirect(page)


@login_required
def verify(request):
    nxt = _next(request)
    if is_verified(request) or not needs_second_factor(request.user):
        return redirect(nxt)
    if not has_authenticator(request.user):
        return redirect(_with_next("two-factor-enrol", nxt))
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        check = services.second_factor_verify(request=request, user=request.user, code=form.cleaned_data["code"])
        if check.device is not None:
            _verified(request, check.device)
            if check.recovery_code_used:
                messages.warning(request, f"You signed in with a recovery code; {check.recovery_codes_left} left. "
                                          "Each works once. With your authenticator app, make new ones from "
                                          "“Recovery codes” at the top of the page; if you lost it, ask a system "
                                          "administrator to reset your two-factor sign-in.")
            return redirect(nxt)
        refusal = _refused(request, form, check, "That code is not right. Enter the 6-digit code your authenticator "
                                                 "app shows now, or one of your recovery codes.")
        if refusal is not None:
            return refusal
        status = 429 if check.wait_seconds else 200
    return render(request, "registration/two_factor_verify.html", {"form": form, "next": nxt}, status=status)


def _secret(device: TOTPDevice) -> str:
    """The secret as authenticator apps take it typed in: base32, in groups of four."""
    text = b32encode(device.bin_key).decode()
    return " ".join(text[i:i + 4] for i in range(0, len(text), 4))


@login_required
def enrol(request):
    nxt = _next(request)
    if has_authenticator(request.user):
        return redirect(_with_next("two-factor-verify", nxt))
    if not needs_second_factor(request.user):
        return redirect(nxt)
    device = services.second_factor_enrol_begin(user=request.user)
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        check, codes = services.second_factor_enrol_confirm(request=request, user=request.user,
                                                            code=form.cleaned_data["code"])
        answer = _codes_or_refusal(request, form, check, codes, page=_with_next("two-factor-recovery-codes", nxt),
                                   wrong="That code is not right. Enter the 6-digit code the app shows for this "
                                         "portal after scanning the QR code or typing the secret.")
        if answer is not None:
            return answer
        status = 429 if check.wait_seconds else 200
    context = {"form": form, "next": nxt, "secret": _secret(device), "issuer": settings.OTP_TOTP_ISSUER,
               "account": request.user.get_username()}
    return render(request, "registration/two_factor_enrol.html", context, status=status)


@login_required
def enrol_qr(request):
    """The QR code of the authenticator being set up, as an SVG image served by the portal (no third party)."""
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).order_by("pk").first()
    if device is None or has_authenticator(request.user):
        return HttpResponse(status=404)
    out = io.BytesIO()
    segno.make(device.config_url, error="m").save(out, kind="svg", scale=5, border=4, light="#fff",
                                                  title="QR code for your authenticator app")
    return HttpResponse(out.getvalue(), content_type="image/svg+xml")


@login_required
def recovery_codes_new(request):
    """New recovery codes in place of the old ones, on the authenticator app's current code; shown once on the
    next page (``recovery_codes``)."""
    if not has_authenticator(request.user):  # who needs one has set it up before reaching any page
        messages.info(request, "Recovery codes come with two-factor sign-in, which you do not use.")
        return redirect("home")
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        check, codes = services.second_factor_recovery_codes_renew(request=request, user=request.user,
                                                                   code=form.cleaned_data["code"])
        # A session verified with a recovery code was verified by the device just replaced: now by the app's.
        answer = _codes_or_refusal(request, form, check, codes, page=reverse("two-factor-recovery-codes"),
                                   wrong="That code is not right. Enter the 6-digit code your authenticator app "
                                         "shows now (a recovery code does not work here).")
        if answer is not None:
            return answer
        status = 429 if check.wait_seconds else 200
    return render(request, "registration/two_factor_recovery_codes_new.html", {"form": form}, status=status)


@login_required
def recovery_codes(request):
    """The recovery codes made at enrolment or renewed, shown once (they leave the session as the page is drawn)."""
    codes = request.session.pop(RECOVERY_CODES_SESSION_KEY, None)
    return render(request, "registration/two_factor_recovery_codes.html", {"codes": codes, "next": _next(request)})
