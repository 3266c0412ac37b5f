"""In Chromium, under the portal's Content-Security-Policy (no inline script or style): staff pages, the Django
admin (a list with and without actions, a change form, a history page) and the API reference pages (Swagger UI,
Redoc) load with no CSP violation, and their scripts run (the policy is not simply blocking everything)."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Chromium reports a blocked resource or inline code both as a console error and as a DOM event.
_LISTEN = """() => { window.__csp = [];
  document.addEventListener('securitypolicyviolation', e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + e.sourceFile + ':' + e.lineNumber));
}"""


def _signed_in(page, live_server, client):
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])


def _violations(page, path: str, console: list[str]) -> list[str]:
    console.clear()
    page.add_init_script(f"({_LISTEN})()")
    response = page.goto(path)
    assert response.status == 200, path
    assert "default-src 'self'" in response.headers["content-security-policy"], path
    page.wait_for_load_state("networkidle")
    events = page.evaluate("window.__csp || []")
    return [m for m in console if "Content Security Policy" in m] + events


@pytest.fixture
def page(browser, live_server):
    """A plain page (no accessibility checker: it adds style elements of its own, which the policy reports)."""
    context = browser.new_context(base_url=live_server.url)
    pg = context.new_page()
    pg.set_default_timeout(15000)
    yield pg
    context.close()


@pytest.fixture
def console(page):
    messages: list[str] = []
    page.on("console", lambda m: messages.append(m.text))
    return messages


def test_staff_pages_and_the_admin_load_with_no_csp_violation(page, live_server, login, warden, auditor, home,
                                                               inmate, console):
    _signed_in(page, live_server, login(warden))
    for path in ("/f/home/", f"/f/home/inmates/{inmate.pk}/", "/f/home/inmates/"):
        v = _violations(page, path, console)
        assert v == [], (path, v)
    _signed_in(page, live_server, login(auditor))
    for path in ("/admin/", "/admin/facilities/inmate/", f"/admin/facilities/inmate/{inmate.pk}/change/",
                 f"/admin/facilities/inmate/{inmate.pk}/history/"):
        v = _violations(page, path, console)
        assert v == [], (path, v)


def test_the_admin_of_a_superuser_with_actions_and_widgets_has_no_csp_violation(page, live_server, login,
                                                                                  django_user_model, console):
    root = django_user_model.objects.create_superuser("root", "root@example.org", "unused-password-123")
    _signed_in(page, live_server, login(root))
    for path in ("/admin/auth/user/", f"/admin/auth/user/{root.pk}/change/", "/admin/auth/group/add/"):
        v = _violations(page, path, console)
        assert v == [], (path, v)
    page.goto("/admin/auth/user/")
    page.check("#action-toggle")  # actions.js runs: the policy lets the admin's own scripts through
    assert "1 of 1 selected" in page.text_content(".action-counter")


def test_swagger_ui_and_redoc_render_the_schema_with_no_csp_violation(page, console):
    assert _violations(page, "/api/docs/", console) == []
    page.wait_for_selector(".swagger-ui .opblock")
    assert page.locator(".swagger-ui .opblock").count() > 3
    # Redoc asks for Redocly's logo from its CDN; the policy refuses it (no CDN) and the page hides it (api/docs.py).
    refused = _violations(page, "/api/redoc/", console)
    assert refused and all("cdn.redoc.ly/redoc/logo-mini.svg" in v for v in refused), refused
    page.wait_for_selector("#redoc-container [role=menuitem], #redoc-container h1")
    assert "platform API" in page.text_content("#redoc-container")
