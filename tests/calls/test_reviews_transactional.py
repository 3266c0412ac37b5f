"""The review service of calls, called as production calls it: with no transaction around it."""

import pytest

from calls import reviews
from calls.models import PhoneRestriction
from investigations.models import Review
from tests.transactional_guard import services_own_their_transactions  # noqa: F401

from .conftest import NOON
from .factories import PhoneRestrictionFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("services_own_their_transactions"),
]

EXERCISED = {"calls.reviews": {"restriction_review"}}


def test_a_restriction_review_owns_its_transaction(clock, inmate, warden):
    restriction = PhoneRestrictionFactory(inmate=inmate, starts_at=NOON, ends_at=None, imposed_by=warden)
    reviews.restriction_review(restriction=restriction, actor=warden, outcome="keep", reason="Still needed")
    reviews.restriction_review(restriction=restriction, actor=warden, outcome="end", reason="Served")
    assert Review.objects.count() == 2 and PhoneRestriction.objects.get().lifted_at is not None
