"""In Chromium: a warden's first sign-in sets up two-factor (the QR code and the secret typed in, as an
authenticator app would take it), sees the recovery codes once, signs in with a code the next time and makes new
recovery codes with the app's code."""

import re
from base64 import b32decode

import pytest
from django_otp.oath import TOTP

from tests.browser.auth import enter_code, sign_in
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _app_code(secret: str, *, later_steps: int = 0) -> str:
    """What an authenticator app given ``secret`` (as the page shows it) displays now (or a step later)."""
    totp = TOTP(b32decode(secret.replace(" ", "")))
    totp.time += 30 * later_steps
    return f"{totp.token():06d}"


def test_a_warden_enrols_on_first_sign_in_then_signs_in_with_a_code(page, warden, home):
    page.goto("/login/?next=/f/home/")
    page.fill("#id_username", "warden")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/two-factor/enrol/"))
    assert page.text_content("h1") == "Set up two-factor sign-in"
    assert page.eval_on_selector("img.qr-code", "img => img.complete && img.naturalWidth > 100")
    secret = page.text_content("#totp-secret").strip()
    assert re.fullmatch(r"([A-Z2-7]{4} ){7}[A-Z2-7]{4}", secret)
    enter_code(page, "123")  # a wrong code: said plainly, nothing set up
    assert "That code is not right" in page.text_content("main")
    enter_code(page, _app_code(secret))
    page.wait_for_url(re.compile(r"/two-factor/recovery-codes/"))
    codes = [c.strip() for c in page.locator("ul.recovery-codes code").all_text_contents()]
    assert len(codes) == 10 and len(set(codes)) == 10
    page.click("text=Continue to the portal")
    page.wait_for_url(re.compile(r"/f/home/$"))
    page.click("form.logout button[type=submit]")
    page.wait_for_url(re.compile(r"/login/"))
    page.goto("/login/?next=/f/home/")
    # the next sign-in asks for the code (the one the app shows a step later: this step's was used)
    page.fill("#id_username", "warden")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/two-factor/"))
    assert page.text_content("h1") == "Enter your sign-in code"
    enter_code(page, _app_code(secret, later_steps=1))
    page.wait_for_url(re.compile(r"/f/home/$"))
    # new recovery codes from the top bar, with the app's code: ten others, shown once
    page.click("header >> text=Recovery codes")
    page.wait_for_url(re.compile(r"/two-factor/recovery-codes/new/$"))
    assert page.text_content("h1") == "New recovery codes"
    enter_code(page, codes[0])  # a recovery code does not make new ones
    assert "a recovery code does not work here" in page.text_content("main")
    enter_code(page, _app_code(secret, later_steps=2))
    page.wait_for_url(re.compile(r"/two-factor/recovery-codes/$"))
    renewed = [c.strip() for c in page.locator("ul.recovery-codes code").all_text_contents()]
    assert len(set(renewed)) == 10 and not set(renewed) & set(codes)


def test_sign_in_helper_gives_the_code_for_an_auditor_and_the_admin_opens(page, auditor, home):
    auditor.is_staff = True
    auditor.save()
    sign_in(page, "auditor", next_path="/admin/")
    page.wait_for_url(re.compile(r"/admin/$"))
    assert "Records, decisions and their history" in page.text_content("body")
