"""api.scoping: a client reaches only its facilities' inmates; odd look-ups are a 404, never a crash."""

import pytest

from api.scoping import facility_for_client, inmate_for_client
from core.errors import DomainError

pytestmark = pytest.mark.django_db


def test_inmate_of_the_clients_facility(platform, home, inmate):
    facility = facility_for_client(platform.platform_client, "home")
    assert inmate_for_client(platform.platform_client, facility, inmate.register_number) == inmate


@pytest.mark.parametrize("register_number", ["00000-000", "12345-001\x00", "\x00"])
def test_unknown_inmate_is_a_404(platform, home, inmate, register_number):
    with pytest.raises(DomainError) as raised:
        inmate_for_client(platform.platform_client, home, register_number)
    assert raised.value.code == "unknown_inmate" and raised.value.status == 404


def test_another_facility_is_unknown(platform, other):
    with pytest.raises(DomainError) as raised:
        facility_for_client(platform.platform_client, "other")
    assert raised.value.code == "unknown_facility" and raised.value.status == 404


def test_a_nul_in_the_register_number_of_a_path_is_a_404_not_a_500(platform, inmate):
    # Found while fuzzing the schema: PostgreSQL refuses NUL in text, and the look-up answered 500.
    response = platform.get("/api/v1/facilities/home/inmates/12345-001%00/phone-list")
    assert response.status_code == 404 and response.json()["code"] == "unknown_inmate"
