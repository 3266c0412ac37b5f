"""Platform client writes, called as production calls them: with no transaction around them (see
tests/facilities/test_services_transactional.py)."""

import pytest
from django.core.management import CommandError, call_command

from api.models import PlatformClient, hash_token
from api.services import PlatformClientError, platform_client_create, platform_client_token_issue
from audit.models import AuditEvent
from tests.transactional_guard import services_own_their_transactions  # noqa: F401

from ..factories import FacilityFactory, UserFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("services_own_their_transactions"),
]

EXERCISED = {"api.services": {"platform_client_create", "platform_client_token_issue"}}


def test_a_client_is_created_and_given_a_new_token_each_in_its_own_transaction(capsys):
    FacilityFactory(code="north"), FacilityFactory(code="south")
    client, token = platform_client_create(name="vendor-phones", facility_codes=["south", "north"], actor="sysadmin")
    stored = PlatformClient.objects.get(name="vendor-phones")
    assert stored.token_hash == hash_token(token) and token not in stored.token_hash
    assert sorted(stored.facilities.values_list("code", flat=True)) == ["north", "south"]
    event = AuditEvent.objects.get(action="platform_client_created")
    assert (event.target_id, event.actor_label, event.data) == (str(client.pk), "sysadmin",
                                                                {"facilities": ["north", "south"]})

    admin = UserFactory(username="root")
    new_token = platform_client_token_issue(client=client, actor=admin)
    stored.refresh_from_db()
    assert new_token != token and stored.token_hash == hash_token(new_token)
    assert AuditEvent.objects.get(action="platform_token_issued").actor == admin

    with pytest.raises(PlatformClientError) as exc:
        platform_client_create(name="vendor-phones", facility_codes=["north"], actor="sysadmin")
    assert exc.value.code == "duplicate_name"

    # the command is the service's front: same checks, the token printed once
    call_command("create_platform_client", "jms", "--facility", "north")
    printed = capsys.readouterr().out.strip().splitlines()[-1]
    assert PlatformClient.objects.get(name="jms").token_hash == hash_token(printed)
    with pytest.raises(CommandError, match="Unknown facility code"):
        call_command("create_platform_client", "other", "--facility", "nowhere")
    assert not PlatformClient.objects.filter(name="other").exists()
