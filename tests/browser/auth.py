"""Signing in through the pages in Chromium, as a person does: the password form, then the second factor.

``sign_in(page, username, password=PASSWORD)`` fills the log-in form; if the portal then asks for the code, it
types the code the user's authenticator app shows now (computed from their confirmed TOTP device's key, made for
them first if they have none: a test user needs no enrolment unless the test is about enrolment). Use it in every
browser test instead of filling ``#id_password`` yourself.
"""

from __future__ import annotations

import re

from tests.auth import authenticator, code_for
from tests.factories import PASSWORD

CODE_STEP = re.compile(r"/two-factor/(\?|$)")


def _user(username: str):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=username)


def sign_in(page, username: str, password: str = PASSWORD, *, next_path: str | None = None) -> None:
    """Log in as ``username`` through /login/ (then the code step when the portal asks for it)."""
    from facilities.two_factor import needs_second_factor

    user = _user(username)
    device = authenticator(user) if needs_second_factor(user) else None
    page.goto("/login/" + (f"?next={next_path}" if next_path else ""))
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.click("main button[type=submit]")
    if device is not None:
        page.wait_for_url(CODE_STEP)
        enter_code(page, code_for(device))


def enter_code(page, code: str) -> None:
    """Type a code at the code step (or the enrolment's confirmation) and send it."""
    page.fill("#id_code", code)
    with page.expect_navigation():
        page.click("main button[type=submit]")
