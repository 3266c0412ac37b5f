import datetime as dt

import pytest

from facilities.models import Role
from tests.factories import FacilityFactory, user_with_role

# 10:00 in Chicago, mid-month.
NOON = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)
END = dt.date(2026, 6, 30)


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(NOON, tick=False)
    return time_machine


@pytest.fixture
def third(db):
    return FacilityFactory(code="third", name="Third State Prison", kind="state", timezone="America/Denver")


@pytest.fixture
def investigator_both(home, other):
    """An investigator at home and other."""
    user = user_with_role(Role.INVESTIGATOR, home, username="ivy_both")
    from facilities.models import RoleAssignment

    RoleAssignment.objects.create(user=user, role=Role.INVESTIGATOR, facility=other)
    return user
