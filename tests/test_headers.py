"""Every answer of the portal (pages, CSV, the API, the admin, errors) says no cache may keep it, that no page may
use the camera, microphone or location, and carries the Content-Security-Policy (no inline script or style, nothing
from elsewhere, no framing); static files keep their cache lifetimes. No template has inline script or style (the
policy would block it: tests/browser/test_csp_chromium.py checks pages in Chromium)."""

import re
import tokenize
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver

from core.headers import PERMISSIONS_POLICY

ROOT = Path(__file__).resolve().parent.parent
# What the policy must say, whatever else it grows (tests/test_headers.py is the one place that pins it).
CSP_REQUIRED = ("default-src 'self'", "script-src 'self'", "style-src 'self'", "object-src 'none'", "base-uri 'self'",
                "form-action 'self'", "frame-ancestors 'none'")


def _assert_csp(response, path):
    policy = response["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    for required in CSP_REQUIRED:
        name, value = required.split(" ", 1)
        if path == "/api/redoc/" and name == "style-src":  # Redoc's run-time styles: this answer's nonce (api/docs.py)
            assert directives[name] == value or directives[name].startswith("'self' 'nonce-"), (path, policy)
        else:
            assert directives.get(name) == value, (path, required, policy)
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, (path, policy)


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
def test_every_answer_is_no_store_with_a_permissions_policy_and_the_csp(login, warden, home, inmate):
    client = login(warden)
    paths = sorted({p for r in _routes() if (p := _path(r, home.code, inmate.pk))})
    assert "/f/home/" in paths and "/api/schema/" in paths and "/admin/" in paths
    asked = 0
    for path in paths:
        for response in (client.get(path), client.get(path + "?_export=csv&format=csv")):
            asked += 1
            assert response["Cache-Control"] == "no-store", path
            assert response["Permissions-Policy"] == PERMISSIONS_POLICY, path
            _assert_csp(response, path)
    assert asked > 40


def test_the_api_and_a_page_that_is_not_found_are_no_store_too(client):
    for path in ("/api/v1/calls/ping", "/no-such-page/", "/api/v1/no-such-endpoint"):
        response = client.get(path)
        assert response.status_code in (401, 404), path
        assert response["Cache-Control"] == "no-store", path
        _assert_csp(response, path)


def test_permissions_policy_denies_every_listed_feature():
    assert re.fullmatch(r"([a-z]+=\(\)(, )?)+", PERMISSIONS_POLICY)
    assert "camera=()" in PERMISSIONS_POLICY and "microphone=()" in PERMISSIONS_POLICY


def test_the_policy_is_declared_once_in_the_settings_without_unsafe_inline():
    directives = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
    assert directives["script-src"] == ["'self'"] and directives["style-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"] and directives["object-src"] == ["'none'"]


# A <script> with no src, a <style> element, a style="" attribute or an on...="" handler: blocked by the policy.
_INLINE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<style[\s>]|\sstyle\s*=|\son[a-z]+\s*=\s*[\"']|javascript:", re.I)


_COMMENT = re.compile(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}|{#.*?#}", re.S)


def _templates():
    for folder in [ROOT / "templates", *ROOT.glob("*/templates")]:
        yield from (p for p in folder.rglob("*.html") if ".venv" not in p.parts)


def test_no_template_has_inline_script_or_style():
    found = [f"{p.relative_to(ROOT)}: {m.group(0)}" for p in _templates()
             for m in _INLINE.finditer(_COMMENT.sub("", p.read_text()))]
    assert found == []
    assert len(list(_templates())) > 30


def test_no_python_module_writes_inline_script_or_style_into_html():
    apps = ("core", "audit", "facilities", "api", "approvals", "emergencies", "calls", "config")
    modules = [p for app in apps for p in (ROOT / app).rglob("*.py") if "migrations" not in p.parts]
    found = [f"{p.relative_to(ROOT)}: {m.group(0)}" for p in modules for text in _strings(p)
             for m in _INLINE.finditer(text)]
    assert found == []


def _strings(path: Path) -> list[str]:
    """The module's string literals, less its docstrings and comments (which may name a <script> in prose)."""
    with path.open("rb") as f:
        tokens = list(tokenize.tokenize(f.readline))
    return [t.string for t in tokens if t.type == tokenize.STRING and not t.string.lstrip("rbuRBU").startswith('"""')]


def test_the_inline_check_catches_what_it_should():
    for html in ('<p style="color:red">', "<script>alert(1)</script>", "<style>p{}</style>", '<a onclick="x()">',
                 '<a href="javascript:x()">'):
        assert _INLINE.search(html), html
    for html in ('<script src="/static/js/redoc-init.js"></script>', '<p class="styled">', "<p>stylesheet</p>"):
        assert not _INLINE.search(html), html
