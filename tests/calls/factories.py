"""Factories and helpers of the calls app's tests."""

import datetime as dt

import factory
from django.utils import timezone

from calls.models import PhoneRestriction

from ..factories import InmateFactory, UserFactory

NUMBER = "+13125550123"  # a valid Chicago number
OTHER_NUMBER = "+13125550199"
LAWYER = "+13125550150"


class PhoneRestrictionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PhoneRestriction

    inmate = factory.SubFactory(InmateFactory)
    facility = factory.LazyAttribute(lambda o: o.inmate.facility)
    starts_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=1))
    ends_at = None
    reason = "Disciplinary hearing 2026-114: misuse of the phone."
    imposed_by = factory.SubFactory(UserFactory)
