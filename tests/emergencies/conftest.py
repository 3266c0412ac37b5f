import pytest

from emergencies import services
from emergencies.models import EmergencyRequest

NUMBER = "+13125550142"


@pytest.fixture
def log_request(staff, home, inmate):
    """``log_request(**overrides)`` logs a request through the intake service, as ``staff``."""

    def _log(**overrides):
        values = dict(
            facility=home, inmate=inmate, caller_name="Mary Lovelace", caller_number="(312) 555-0142",
            relationship="Mother", category=EmergencyRequest.Category.DEATH,
            description="The inmate's father died this morning.", channel=EmergencyRequest.Channel.PHONE,
            actor=staff,
        )
        values.update(overrides)
        return services.emergency_request_log(**values)

    return _log


@pytest.fixture
def open_request(log_request):
    return log_request()
