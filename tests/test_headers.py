"""Every answer of the portal (pages, CSV, the API, the admin, errors) says no cache may keep it, and that
no page may use the camera, microphone or location; static files keep their cache lifetimes."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from core.headers import PERMISSIONS_POLICY


def _routes(patterns=None, prefix=""):
    for p in patterns if patterns is not None else get_resolver().url_patterns:
        route = prefix + str(p.pattern)
        if isinstance(p, URLResolver):
            yield from _routes(p.url_patterns, route)
        elif isinstance(p, URLPattern):
            yield route


def _path(route: str, code: str, inmate_pk: int) -> str | None:
    """The route with the facility's code and the inmate's id put in; None when it needs other ids."""
    path = route.replace("<slug:code>", code).replace("<int:pk>", str(inmate_pk))
    path = path.replace("<int:inmate_pk>", str(inmate_pk))
    if "<" in path or "(" in path or "^" in path:
        return None
    return "/" + path


@pytest.mark.django_db
def test_every_answer_is_no_store_with_a_permissions_policy(client, warden, home, inmate):
    client.force_login(warden)
    paths = sorted({p for r in _routes() if (p := _path(r, home.code, inmate.pk))})
    assert "/f/home/" in paths and "/api/schema/" in paths and "/admin/" in paths
    asked = 0
    for path in paths:
        for response in (client.get(path), client.get(path + "?_export=csv&format=csv")):
            asked += 1
            assert response["Cache-Control"] == "no-store", path
            assert response["Permissions-Policy"] == PERMISSIONS_POLICY, path
    assert asked > 40


def test_the_api_and_a_page_that_is_not_found_are_no_store_too(client):
    for path in ("/api/v1/calls/ping", "/no-such-page/", "/api/v1/no-such-endpoint"):
        response = client.get(path)
        assert response.status_code in (401, 404), path
        assert response["Cache-Control"] == "no-store", path


def test_permissions_policy_denies_every_listed_feature():
    assert re.fullmatch(r"([a-z]+=\(\)(, )?)+", PERMISSIONS_POLICY)
    assert "camera=()" in PERMISSIONS_POLICY and "microphone=()" in PERMISSIONS_POLICY
