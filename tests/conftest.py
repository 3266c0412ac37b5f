"""Named personas shared by every test: a home facility and another one, and a user per role.

- ``staff``, ``warden``, ``auditor``: roles at ``home``;
- ``other_staff``, ``other_warden``: roles at ``other`` only (the outsiders);
- ``auditor_all``: an auditor of every facility;
- ``investigator``: an investigator at ``home`` (reads calls, lists and findings; decides nothing);
- ``platform`` / ``other_platform``: DRF API clients holding a token for ``home`` / ``other``.
"""

import os
import threading

import pytest
from django.db import connections
from rest_framework.test import APIClient

from facilities.models import Role

from . import sqlite_stack
from .auth import signed_in
from .factories import FacilityFactory, InmateFactory, platform_client, user_with_role


@pytest.fixture
def home(db):
    return FacilityFactory(code="home", name="Home Correctional Center", timezone="America/Chicago")


@pytest.fixture
def other(db):
    return FacilityFactory(code="other", name="Other County Jail", kind="county", timezone="America/New_York")


@pytest.fixture
def staff(home):
    return user_with_role(Role.STAFF, home, username="staff")


@pytest.fixture
def warden(home):
    return user_with_role(Role.WARDEN, home, username="warden")


@pytest.fixture
def auditor(home):
    return user_with_role(Role.AUDITOR, home, username="auditor")


@pytest.fixture
def auditor_all(db):
    return user_with_role(Role.AUDITOR, None, username="auditor_all")


@pytest.fixture
def investigator(home):
    return user_with_role(Role.INVESTIGATOR, home, username="investigator")


@pytest.fixture
def other_staff(other):
    return user_with_role(Role.STAFF, other, username="other_staff")


@pytest.fixture
def other_warden(other):
    return user_with_role(Role.WARDEN, other, username="other_warden")


@pytest.fixture
def inmate(home):
    return InmateFactory(facility=home, register_number="12345-001", first_name="Ada", last_name="Lovelace")


@pytest.fixture
def other_inmate(other):
    return InmateFactory(facility=other, register_number="99999-001", first_name="Bob", last_name="Outsider")


def _api(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


@pytest.fixture
def platform(home):
    client, token = platform_client("platform-home", home)
    api = _api(token)
    api.platform_client = client
    return api


@pytest.fixture
def other_platform(other):
    client, token = platform_client("platform-other", other)
    api = _api(token)
    api.platform_client = client
    return api


@pytest.fixture
def login(client):
    """``login(user)`` logs the Django test client in as ``user``, second factor given, and returns it.

    ``tests.auth.signed_in``: the user gets a confirmed authenticator (django-otp TOTP device) if they have none,
    and the session is marked verified with it, as the code step does: every user passes the second-factor gate
    (facilities.two_factor), whatever their roles become later in the test. Tests of the sign-in itself go
    through the pages instead.
    """

    def _login(user):
        return signed_in(client, user)

    return _login


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """make run's SQLite database, migrated once per pytest process (each xdist worker has its own) with
    ``config.settings.local`` in a subprocess (tests/sqlite_stack.py): about 12 s of CPU instead of that much in
    every test that needs it. Never handed to a test itself: take ``sqlite_env``."""
    return sqlite_stack.migrated_template(tmp_path_factory.mktemp("sqlite-template"))


@pytest.fixture
def sqlite_env(sqlite_template, tmp_path):
    """The environment of make run's settings on a copy of the migrated template in this test's ``tmp_path``, for
    ``sqlite_stack.run_script``: a database no other test touched, which the test may rebuild or flush."""
    return sqlite_stack.fresh_copy(sqlite_template, tmp_path)


@pytest.fixture(autouse=True)
def _empty_cache():
    """Django's cache (the log-in counters of facilities.login_security) starts empty in every test."""
    from django.core.cache import cache

    cache.clear()


# One Chromium per test module (Debian's, never a downloaded one); a fresh context and page for each test.
# Not one for the whole session: Playwright's sync API keeps an event loop running in the main thread while it
# is open, and Django refuses to run an async view (the /health/ view) from a thread with a running loop, so a
# later module of the same process would fail on it.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(scope="module")
def browser():
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, live_server):
    """A page whose every document is checked by axe-core for WCAG 2.1 A/AA (tests/browser/axe.py)."""
    from tests.browser import axe

    context = browser.new_context(base_url=live_server.url)
    axe.install(context)
    pg = axe.checked(context.new_page())
    pg.set_default_timeout(15000)
    try:
        yield pg
        pg.finish()
    finally:
        context.close()


@pytest.fixture
def in_chromium(live_server, monkeypatch):
    """``in_chromium(scenario)`` runs ``scenario(page)`` in a new thread with its own Playwright and Debian's
    chromium, every page checked by axe-core (tests/browser/axe.py), and re-raises the scenario's failure here;
    ``accept_downloads=True`` lets the scenario download files. For scenarios that must not share the test's
    thread with Playwright."""
    from tests.browser import axe

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

    def run(scenario, *, accept_downloads: bool = False) -> None:
        failure: list[BaseException] = []

        def target():
            from playwright.sync_api import sync_playwright

            try:
                with sync_playwright() as p:
                    browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
                    try:
                        context = browser.new_context(base_url=live_server.url, accept_downloads=accept_downloads)
                        axe.install(context)
                        page = axe.checked(context.new_page())
                        page.set_default_timeout(15000)
                        scenario(page)
                        page.finish()
                    finally:
                        browser.close()
            except BaseException as exc:  # noqa: BLE001 - re-raised in the test's thread
                failure.append(exc)
            finally:
                connections.close_all()

        thread = threading.Thread(target=target, name="playwright-scenario")
        thread.start()
        thread.join(180)
        assert not thread.is_alive(), "the browser scenario did not finish in 3 minutes"
        if failure:
            raise failure[0]

    return run
