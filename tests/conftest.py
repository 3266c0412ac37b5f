"""Named personas shared by every test: a home facility and another one, and a user per role.

- ``staff``, ``warden``, ``auditor``: roles at ``home``;
- ``other_staff``, ``other_warden``: roles at ``other`` only (the outsiders);
- ``auditor_all``: an auditor of every facility;
- ``platform`` / ``other_platform``: DRF API clients holding a token for ``home`` / ``other``.
"""

import pytest
from rest_framework.test import APIClient

from facilities.models import Role

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
    """``login(user)`` logs the Django test client in as ``user`` and returns it."""

    def _login(user):
        client.force_login(user)
        return client

    return _login


@pytest.fixture(autouse=True)
def _empty_cache():
    """Django's cache (the log-in counters of facilities.login_security) starts empty in every test."""
    from django.core.cache import cache

    cache.clear()


def pytest_collection_modifyitems(config, items):
    """Every test without a wrapping transaction restores the migrated data (role groups and their
    permissions) the way Django's serialized rollback does, instead of a flush followed by post_migrate.

    Mixing the two kinds broke in whatever order pytest happened to run them: a plain flush re-creates the
    Auditor group through post_migrate, and the next serialized test then loads the saved Auditor group on
    top of it (duplicate name). One kind for all removes the order dependence.
    """
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker is None or not marker.kwargs.get("transaction") or marker.kwargs.get("serialized_rollback"):
            continue
        item.add_marker(pytest.mark.django_db(*marker.args, **{**marker.kwargs, "serialized_rollback": True}),
                        append=False)
