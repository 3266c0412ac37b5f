"""Factories of the foundation's models. Other apps keep theirs in tests/<app>/factories.py."""

import datetime as dt

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from api.models import PlatformClient
from facilities.models import CallingPolicy, Facility, Inmate, Role, RoleAssignment

PASSWORD = "correct-horse-battery-staple"


def facility_today(facility: Facility) -> dt.date:
    """Today's date at ``facility`` (its own time zone), as the code computes it; not the UTC date,
    which differs between 00:00 UTC and local midnight."""
    return timezone.localdate(timezone=facility.tz)


class FacilityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Facility
        django_get_or_create = ("code",)
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"fac-{n}")
    name = factory.Sequence(lambda n: f"Facility {n}")
    kind = Facility.Kind.STATE
    timezone = "America/Chicago"

    @factory.post_generation
    def policy(obj, create, extracted, **kwargs):  # noqa: N805
        """``FacilityFactory(policy__list_mode="staff_review")`` sets policy values."""
        if create:
            CallingPolicy.objects.update_or_create(facility=obj, defaults=kwargs)


class InmateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Inmate

    facility = factory.SubFactory(FacilityFactory)
    register_number = factory.Sequence(lambda n: f"{10000 + n:05d}-{n % 1000:03d}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    date_of_birth = factory.Faker("date_of_birth", minimum_age=19, maximum_age=70)
    housing_unit = factory.Iterator(["A-1", "A-2", "B-1", "C-3"])
    admitted_on = factory.LazyFunction(lambda: dt.date(2024, 1, 15))


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.save()


def user_with_role(role: str, facility: Facility | None, **kwargs):
    """A user holding ``role`` at ``facility`` (an auditor with ``facility=None``: all facilities)."""
    user = UserFactory(**kwargs)
    RoleAssignment.objects.create(
        user=user, role=role, facility=facility, all_facilities=facility is None and role == Role.AUDITOR
    )
    user.refresh_from_db()
    return user


def platform_client(name: str, *facilities: Facility) -> tuple[PlatformClient, str]:
    client = PlatformClient(name=name)
    token = client.set_new_token()
    client.save()
    client.facilities.set(facilities)
    return client, token
