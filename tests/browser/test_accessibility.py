"""In Chromium, WCAG 2.1 AA beyond what axe-core sees by itself: the skip link, a visible focus, reflow at 320 px
wide, the warning before the idle logout; and axe-core's check itself (it must fail a page that breaks a rule).

Every page here is also checked by axe-core (the ``page`` fixture, tests/browser/axe.py)."""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone

from approvals import services as approvals
from calls import services as calls
from facilities.context_processors import IDLE_WARNING_SECONDS
from tests.approvals.factories import PhoneListEntryFactory
from tests.calls.factories import NUMBER, OTHER_NUMBER
from tests.emergencies.factories import EmergencyRequestFactory

from . import axe
from .auth import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"  # not committed (see test_role_journeys)


@pytest.fixture
def busy(home, inmate, staff):
    """An inmate with a live and a pending number, calls allowed and denied, and an open emergency request."""
    calls.minutes_grant_on_booking(inmate=inmate)
    PhoneListEntryFactory(inmate=inmate, number=NUMBER, contact_name="Mary Lovelace-Wentworth")
    approvals.entry_add(inmate=inmate, number="312-555-0177", contact_name="Charles Babbage", relationship="friend",
                        source="kiosk", actor=staff)
    noon = dt.datetime.combine(timezone.localdate(timezone=home.tz) - dt.timedelta(days=1), dt.time(12), tzinfo=home.tz)
    allowed = calls.call_authorize(facility=home, register_number=inmate.register_number, number=NUMBER, at=noon)
    calls.call_complete(call_id=allowed.pk, duration_seconds=125, facility_ids={home.pk})
    calls.call_authorize(facility=home, register_number=inmate.register_number, number=OTHER_NUMBER,
                         at=noon + dt.timedelta(hours=1))
    EmergencyRequestFactory(inmate=inmate, caller_name="Mary Lovelace")
    return inmate


def _main_pages(inmate) -> list[str]:
    f = "/f/home"
    return ["/", f"{f}/", f"{f}/inmates/", f"{f}/inmates/{inmate.pk}/", f"{f}/phone-lists/queue/", f"{f}/calls/",
            f"{f}/emergencies/", f"{f}/policy/", f"{f}/inmates/{inmate.pk}/minutes/grant/"]


def _visible_in_viewport(page, selector: str) -> bool:
    box = page.locator(selector).first.bounding_box()
    width = page.viewport_size["width"]
    return box is not None and box["width"] > 0 and box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5


def test_reflow_at_320_pixels_keeps_the_navigation_and_log_out_without_sideways_scrolling(page, warden, busy):
    page.set_viewport_size({"width": 320, "height": 640})
    sign_in(page, "warden")
    for path in _main_pages(busy):
        page.goto(path)
        assert page.locator("main h1").first.is_visible(), path
        assert _visible_in_viewport(page, "form.logout button:text-is('Log out')"), f"Log out off screen on {path}"
        assert _visible_in_viewport(page, ".topbar a.brand"), path
        if path != "/":
            for link in ("Dashboard", "Inmates", "Calling policy"):
                assert _visible_in_viewport(page, f"nav.facility-nav a:text-is('{link}')"), f"{link} lost on {path}"
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at 320px wide"
        if path in ("/", f"/f/home/inmates/{busy.pk}/"):
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            name = "worklist" if path == "/" else "inmate"
            page.screenshot(path=str(SCREENSHOTS / f"{name}-320px.png"), full_page=True)


SWEEP_SKIP = ("/logout/", "/login/", "/admin/", "/api/", "/static/", "/session/", "/two-factor/")


def test_axe_finds_nothing_on_any_page_a_warden_reaches_by_links(page, warden, busy):
    """Beyond the journeys: every page linked from the worklist and the facility's pages (up to 80 addresses, one
    query of each), each checked by axe-core as it loads (the ``page`` fixture)."""
    sign_in(page, "warden")
    origin = page.evaluate("location.origin")
    seen, queue = set(), ["/", "/f/home/"]  # seen: addresses without their query (one filter of each list)
    while queue and len(seen) < 80:
        path = queue.pop(0)
        if path.split("?")[0] in seen:
            continue
        seen.add(path.split("?")[0])
        response = page.goto(path)
        if response is None or "text/html" not in response.headers.get("content-type", ""):
            continue
        assert response.status in (200, 403), f"{path} answered {response.status}"
        links = page.evaluate("[...document.querySelectorAll('a[href]')].map(a => a.href)")
        for href in links:
            if not href.startswith(origin):
                continue
            target = href[len(origin):].split("#")[0]
            if target.startswith(SWEEP_SKIP) or "export" in target or "format=csv" in target or "page=" in target:
                continue
            if target.split("?")[0] not in seen and target not in queue:
                queue.append(target)
    assert len(page.checked) >= 25, page.checked  # the sweep really went through the site


def test_the_skip_link_comes_first_and_moves_the_focus_to_the_main_content(page, staff, busy):
    sign_in(page, "staff")
    page.goto(f"/f/home/inmates/{busy.pk}/")
    page.keyboard.press("Tab")
    focused = page.evaluate("[document.activeElement.textContent.trim(), document.activeElement.getAttribute('href')]")
    assert focused == ["Skip to main content", "#main"]
    assert page.locator("a.skip-link").is_visible()
    box = page.locator("a.skip-link").bounding_box()
    assert box["y"] >= 0 and box["height"] > 10  # on screen while it has the focus
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.keyboard.press("Tab")  # the next stop is inside the main content, not the navigation again
    assert page.evaluate("document.getElementById('main').contains(document.activeElement)")


def test_the_keyboard_focus_is_visible(page, staff, busy):
    sign_in(page, "staff")
    page.goto("/f/home/inmates/")
    page.keyboard.press("Tab")  # the skip link
    page.keyboard.press("Tab")  # the first link of the top bar
    for _ in range(12):
        outline = page.evaluate(
            "(() => { const s = getComputedStyle(document.activeElement);"
            " return [document.activeElement.tagName, s.outlineStyle, parseFloat(s.outlineWidth)]; })()"
        )
        tag, style, width = outline
        assert tag in ("A", "BUTTON", "INPUT", "SELECT"), outline
        assert style != "none" and width >= 2, f"the focused {tag} shows no outline: {outline}"
        page.keyboard.press("Tab")


def _expires(user) -> dt.datetime:
    sessions = [s for s in Session.objects.all() if str(s.get_decoded().get("_auth_user_id")) == str(user.pk)]
    assert len(sessions) == 1
    return sessions[0].expire_date


def test_the_idle_warning_comes_before_the_logout_and_staying_signed_in_restarts_the_clock(page, staff, busy):
    page.clock.install()
    sign_in(page, "staff")
    page.goto(f"/f/home/inmates/{busy.pk}/")
    dialog = page.locator("dialog#idle-warning")
    assert not dialog.is_visible()
    assert int(dialog.get_attribute("data-idle-seconds")) == settings.SESSION_COOKIE_AGE
    before = _expires(staff)

    page.clock.run_for((settings.SESSION_COOKIE_AGE - IDLE_WARNING_SECONDS - 5) * 1000)
    assert not dialog.is_visible()
    page.clock.run_for(10 * 1000)
    assert dialog.is_visible()
    assert "logged out in 2 minutes" in " ".join(dialog.text_content().split())
    assert page.evaluate("document.activeElement.textContent") == "Stay signed in"
    axe.recheck(page)

    with page.expect_response(lambda r: r.url.endswith("/session/keepalive/")) as answer:
        page.click("dialog#idle-warning button:text-is('Stay signed in')")
    assert answer.value.status == 204
    dialog.wait_for(state="hidden")
    assert _expires(staff) > before  # the server's idle clock started again
    assert page.url.endswith(f"/inmates/{busy.pk}/")  # still on the same page, nothing lost

    # The warning comes again before the next limit; "Log out now" logs out.
    page.clock.run_for((settings.SESSION_COOKIE_AGE - IDLE_WARNING_SECONDS + 5) * 1000)
    assert dialog.is_visible()
    page.click("dialog#idle-warning button:text-is('Log out now')")
    page.wait_for_url("**/login/**")
    assert Session.objects.count() == 0 or all(
        str(s.get_decoded().get("_auth_user_id")) != str(staff.pk) for s in Session.objects.all()
    )


def test_the_idle_warning_in_the_admin(page, auditor, home):
    page.clock.install()
    sign_in(page, "auditor")
    page.goto("/admin/")
    dialog = page.locator("dialog#idle-warning")
    page.clock.run_for((settings.SESSION_COOKIE_AGE - IDLE_WARNING_SECONDS + 5) * 1000)
    assert dialog.is_visible()
    axe.recheck(page)
    with page.expect_response(lambda r: r.url.endswith("/session/keepalive/")) as answer:
        page.keyboard.press("Escape")  # Escape keeps the session too
    assert answer.value.status == 204
    dialog.wait_for(state="hidden")
    page.clock.run_for((settings.SESSION_COOKIE_AGE - IDLE_WARNING_SECONDS + 5) * 1000)
    with page.expect_navigation():
        page.click("dialog#idle-warning button:text-is('Log out now')")
    page.goto("/admin/")
    assert re.search(r"/login/\?next=/admin/$", page.url), page.url  # signed out


def test_without_javascript_the_pages_work_and_no_warning_shows(browser, live_server, staff, busy):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    try:
        raw = context.new_page()
        sign_in(raw, "staff")
        raw.goto(f"/f/home/inmates/{busy.pk}/")
        assert not raw.locator("dialog#idle-warning").is_visible()
        assert "Lovelace, Ada" in raw.text_content("h1")
    finally:
        context.close()


def test_axe_reports_a_page_that_breaks_a_rule(browser):
    context = browser.new_context()
    try:
        axe.install(context)
        raw = context.new_page()
        raw.set_content('<!doctype html><html lang="en"><title>t</title><main><img src="x.png">'
                        '<a href="#"></a></main></html>')
        with pytest.raises(axe.AccessibilityViolations) as failure:
            axe.check(raw)
        report = str(failure.value)
        assert "image-alt (critical)" in report and "link-name" in report and "<img src=\"x.png\">" in report
        assert axe.check(raw) is None  # a document is checked once
    finally:
        context.close()
