"""Factories of the emergencies app."""

import datetime as dt

import factory
from django.utils import timezone

from emergencies.models import EmergencyRequest
from tests.factories import InmateFactory


class EmergencyRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EmergencyRequest

    inmate = factory.SubFactory(InmateFactory)
    facility = factory.LazyAttribute(lambda o: o.inmate.facility)
    caller_name = factory.Faker("name")
    caller_number = factory.Sequence(lambda n: f"+1312555{n % 10000:04d}")
    relationship = "Sister"
    category = EmergencyRequest.Category.DEATH
    description = "Their mother died this morning."
    channel = EmergencyRequest.Channel.PHONE
    received_at = factory.LazyFunction(timezone.now)

    class Params:
        approved = factory.Trait(
            status=EmergencyRequest.Status.APPROVED,
            decided_at=factory.LazyFunction(timezone.now),
            window_start=factory.LazyFunction(lambda: timezone.now() - dt.timedelta(minutes=5)),
            window_end=factory.LazyFunction(lambda: timezone.now() + dt.timedelta(hours=24)),
        )
