"""E-mails to wardens link to the request with an absolute https address in production (PORTAL_BASE_URL, which
production settings require); before, the setting was read with a hidden empty default and links were relative."""

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail

from tests.test_settings_declared import _production_value

pytestmark = pytest.mark.django_db


@pytest.fixture
def production_base_url():
    result = _production_value("PORTAL_BASE_URL", PORTAL_BASE_URL="https://portal.example.org/")
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_the_wardens_email_links_the_request_with_an_absolute_https_address(
    log_request, warden, settings, production_base_url, login, django_capture_on_commit_callbacks
):
    settings.PORTAL_BASE_URL = production_base_url
    warden.email = "warden@example.org"
    warden.save()
    with django_capture_on_commit_callbacks(execute=True):
        request = log_request()
    (message,) = mail.outbox
    links = re.findall(r"https?://\S+", message.body)
    assert links == [f"https://portal.example.org/f/home/emergencies/{request.pk}/"]
    # The link leads the warden to that request.
    page = login(warden).get(urlsplit(links[0]).path)
    assert page.status_code == 200 and "Mary Lovelace" in page.content.decode()
    assert request.inmate.register_number in page.content.decode()


def test_locally_the_link_points_at_the_local_server(log_request, warden, django_capture_on_commit_callbacks):
    warden.email = "warden@example.org"
    warden.save()
    with django_capture_on_commit_callbacks(execute=True):
        request = log_request()
    assert f"Decide it here: http://127.0.0.1:8000/f/home/emergencies/{request.pk}/" in mail.outbox[0].body
