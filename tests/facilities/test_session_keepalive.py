"""The idle warning's keep-alive (facilities/session_views.py) and what base.html gives the warning's script."""

import datetime as dt

from django.conf import settings
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from facilities.context_processors import IDLE_WARNING_SECONDS

URL = "/session/keepalive/"


def test_the_route_is_named():
    assert reverse("session-keepalive") == URL


def test_staying_signed_in_restarts_the_idle_clock(login, staff):
    client = login(staff)
    session = Session.objects.get(session_key=client.session.session_key)
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() + dt.timedelta(seconds=90))
    response = client.post(URL)
    assert response.status_code == 204 and response.content == b""
    expires = Session.objects.get(pk=session.pk).expire_date
    assert expires > timezone.now() + dt.timedelta(seconds=settings.SESSION_COOKIE_AGE - 60)


def test_only_a_post_keeps_the_session(login, staff):
    assert login(staff).get(URL).status_code == 405


def test_a_session_that_has_ended_is_not_brought_back(client, db):
    response = client.post(URL)
    assert response.status_code == 401
    assert response.json() == {"code": "signed_out", "message": "Your session has ended. Log in again."}
    assert Session.objects.count() == 0


def test_the_keep_alive_needs_the_csrf_token(staff):
    from django.test import Client

    from tests.auth import signed_in

    client = signed_in(Client(enforce_csrf_checks=True), staff)
    assert client.post(URL).status_code == 403


def test_every_page_carries_the_warning_with_the_idle_limit_and_the_skip_link(login, staff, home):
    html = login(staff).get(reverse("facility-dashboard", kwargs={"code": "home"})).content.decode()
    assert '<a class="skip-link" href="#main">Skip to main content</a>' in html
    assert '<main id="main" tabindex="-1">' in html
    assert f'data-idle-seconds="{settings.SESSION_COOKIE_AGE}"' in html
    assert f'data-warn-seconds="{IDLE_WARNING_SECONDS}"' in html
    assert f'data-keepalive-url="{URL}"' in html
    assert "logged\n    out in 2 minutes unless you choose to stay signed in" in html
    assert "js/idle-warning.js" in html


def test_the_log_in_page_has_no_warning(client, db):
    html = client.get(reverse("login")).content.decode()
    assert "Skip to main content" in html and 'id="idle-warning"' not in html and "idle-warning.js" not in html


def test_the_admin_carries_the_warning_too(login, auditor):
    html = login(auditor).get(reverse("admin:index")).content.decode()
    assert f'data-keepalive-url="{URL}"' in html and "js/idle-warning.js" in html and "css/idle-warning.css" in html
    assert 'id="logout-form"' in html  # what "Log out now" submits
