"""Every facility page and every API endpoint, for every role, at its own facility and at another one.

The apps' own test modules check each view's details; this module walks the URL configuration so that
a new page or endpoint cannot escape the scoping rules unnoticed.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.auth import signed_in

ROLES = ["staff", "warden", "auditor", "auditor_all", "investigator", "other_staff", "other_warden"]
# Pages an auditor reads that an investigator does not: the minute accounting of the monthly resets.
AUDITOR_ONLY = {"calls-resets"}


def _patterns(resolver=None, prefix=""):
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            yield from _patterns(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern) and entry.name:
            yield prefix + str(entry.pattern), entry


FACILITY_PAGES = sorted(
    p.name for route, p in _patterns() if route.startswith("f/<slug:code>/") and set(p.pattern.converters) == {"code"}
)
API_ROUTES = sorted((route, p.name) for route, p in _patterns() if route.startswith("api/v1/"))


def test_the_matrix_sees_the_pages():
    assert {"facility-dashboard", "inmate-list", "approvals-queue", "calls-list", "emergency-list"} <= set(FACILITY_PAGES)


@pytest.mark.parametrize("name", FACILITY_PAGES)
@pytest.mark.parametrize("role", ROLES)
def test_facility_page_by_role(request, login, home, other, name, role):
    user = request.getfixturevalue(role)
    response = login(user).get(reverse(name, kwargs={"code": "home"}))
    if role.startswith("other_"):
        assert response.status_code == 404, f"{role} reached {name} of another facility"
    else:
        assert response.status_code in (200, 403), f"{name} answered {response.status_code} to {role}"
        if role in ("staff", "warden"):
            assert response.status_code == 200 or name in {"calls-resets"}, f"{name} refused {role}"
        if role == "warden":
            assert response.status_code == 200


@pytest.mark.parametrize("name", FACILITY_PAGES)
def test_investigators_read_what_auditors_read(login, home, auditor, investigator, name):
    """Investigators read calls, lists and findings like an auditor of their facility (domain §9)."""
    url = reverse(name, kwargs={"code": "home"})
    as_auditor = login(auditor).get(url).status_code
    as_investigator = login(investigator).get(url).status_code
    if name in AUDITOR_ONLY:
        assert as_investigator == 403
    else:
        assert as_investigator == as_auditor, f"{name}: auditor {as_auditor}, investigator {as_investigator}"


@pytest.mark.parametrize("name", FACILITY_PAGES)
@pytest.mark.parametrize("role", ["auditor", "auditor_all", "investigator"])
def test_auditors_change_nothing_on_any_page(request, login, home, other, name, role):
    user = request.getfixturevalue(role)
    response = login(user).post(reverse(name, kwargs={"code": "home"}), {})
    assert response.status_code in (403, 405), f"an {role}'s POST to {name} answered {response.status_code}"


@pytest.mark.parametrize("name", FACILITY_PAGES)
def test_anonymous_is_sent_to_log_in(client, home, name):
    response = client.get(reverse(name, kwargs={"code": "home"}))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("route, name", API_ROUTES)
def test_every_api_endpoint_needs_a_platform_token(client, home, staff, route, name):
    url = "/" + route.replace("<str:code>", "home").replace("<str:register_number>", "x").replace("<str:call_id>", "1")
    signed_in(client, staff)  # a staff session is not a platform client
    for method in ("get", "post"):
        response = getattr(client, method)(url, content_type="application/json") if method == "post" else client.get(url)
        assert response.status_code in (401, 405), f"{method.upper()} {url} answered {response.status_code}"
        if response.status_code == 401:
            assert response.json()["code"] == "not_authenticated"
