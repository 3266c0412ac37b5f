"""Factories of the approvals app's models."""

import datetime as dt

import factory
from django.utils import timezone

from approvals.models import (
    BlockedNumber,
    CaseParty,
    CourtCase,
    NoContactOrder,
    PartyNumber,
    PhoneListEntry,
    ProtectedNumber,
    Relationship,
)

from ..factories import FacilityFactory, InmateFactory, facility_today


class CourtCaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CourtCase

    facility = factory.SubFactory(FacilityFactory)
    case_number = factory.Sequence(lambda n: f"CR-2024-{n:05d}")
    court = "District Court"


class CasePartyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CaseParty
        skip_postgeneration_save = True

    case = factory.SubFactory(CourtCaseFactory)
    role = CaseParty.Role.DEFENDANT
    name = factory.Faker("name")
    inmate = None

    @factory.post_generation
    def numbers(obj, create, extracted, **kwargs):  # noqa: N805
        if create and extracted:
            for number in extracted:
                PartyNumber.objects.create(party=obj, number=number)


class NoContactOrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NoContactOrder
        skip_postgeneration_save = True

    facility = factory.LazyAttribute(lambda o: o.inmate.facility)
    inmate = factory.SubFactory(InmateFactory)
    protected_name = factory.Faker("name")
    court = "Superior Court"
    order_number = factory.Sequence(lambda n: f"NCO-{n:05d}")
    starts_on = factory.LazyAttribute(lambda o: facility_today(o.inmate.facility) - dt.timedelta(days=30))
    ends_on = None
    document_reference = "Docket entry 12"

    @factory.post_generation
    def numbers(obj, create, extracted, **kwargs):  # noqa: N805
        if create and extracted:
            for number in extracted:
                ProtectedNumber.objects.create(order=obj, number=number)


class BlockedNumberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BlockedNumber

    number = "+13125550100"
    facility = factory.SubFactory(FacilityFactory)
    system_wide = False
    # An investigation block: a called party's block has its own rules (where the request came from, lifted
    # only at the called party's request); tests of those name the reason.
    reason = BlockedNumber.Reason.INVESTIGATION
    note = "Investigation 7: number used to arrange contraband."
    starts_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(minutes=1))


class PhoneListEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PhoneListEntry

    inmate = factory.SubFactory(InmateFactory)
    facility = factory.LazyAttribute(lambda o: o.inmate.facility)
    # 312-555-2000 to -9999: never one of the 555-01xx numbers the tests name (a collision made them fail by order).
    number = factory.Sequence(lambda n: f"+1312555{2000 + n % 8000:04d}")
    contact_name = factory.Faker("name")
    relationship = Relationship.FRIEND
    source = PhoneListEntry.Source.STAFF
    requested_by = "staff"
    status = PhoneListEntry.Status.LIVE
    went_live_at = factory.LazyAttribute(
        lambda o: timezone.now() - dt.timedelta(days=400) if o.status == PhoneListEntry.Status.LIVE else None
    )
